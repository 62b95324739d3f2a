"""The explorer page (`eval --html`): its size in bytes, the time to write it, and its time to interactive in Chromium.

Two programs: the 7-node walk-through and a 500-node sum of products. Time to interactive is measured by the page
itself (`performance.mark("exprgrad-ready")` once every value is painted and every control wired), from navigation
start, in Debian's headless Chromium driven by Playwright; the median of several loads is reported.

    python benchmarks/explorer_page.py [--loads 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WALKTHROUGH = ["L = (a*b + c) * f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2"]


def large_program(folder: Path) -> list[str]:
    """A sum of 166 products of neighbours plus a constant: 500 nodes, 167 variables."""
    text = " + ".join(f"x{i}*x{i + 1}" for i in range(166)) + " + 1"
    path = folder / "large.txt"
    path.write_text(text)
    values = [word for i in range(167) for word in (f"--x{i}", repr((i % 7) / 3 - 1))]
    return ["--file", str(path), *values]


def write_page(arguments: list[str], target: Path) -> float:
    """Run `exprgrad eval ARGUMENTS --html TARGET` as a user would; the wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "exprgrad", "eval", *arguments, "--html", str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


# One step of the walk (the forward pass's second node) and one input change (the first variable's number field),
# each timed in the page until the browser has laid the page out again.
_INTERACTIONS = """() => {
    const explorer = window.exprgradExplorer;
    explorer.go(0);
    document.body.offsetHeight;
    let start = performance.now();
    explorer.go(1);
    document.body.offsetHeight;
    const step = performance.now() - start;
    explorer.go(Infinity);
    const field = document.querySelector("#variables input[type=number]");
    start = performance.now();
    field.value = "0.125";
    field.dispatchEvent(new Event("input"));
    document.body.offsetHeight;
    return [step, performance.now() - start];
}"""


def time_to_interactive(target: Path, loads: int) -> list[tuple[float, float, float]]:
    """(ms to the ready mark from navigation start, ms for a step, ms for an input change), one per fresh load."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        for _ in range(loads):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.goto(target.as_uri())
            page.wait_for_selector("body[data-ready=true]")
            ready = page.evaluate("performance.getEntriesByName('exprgrad-ready')[0].startTime")
            step, change = page.evaluate(_INTERACTIONS)
            times.append((ready, step, change))
            context.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cases = {"walk-through (7 nodes)": WALKTHROUGH, "sum of products (500 nodes)": large_program(folder)}
        print("medians; times in the page are milliseconds")
        print(f"{'program':<28} {'bytes':>9} {'write (s)':>10} {'interactive':>12} {'step':>6} {'input':>6}")
        for title, arguments in cases.items():
            target = folder / "page.html"
            written = write_page(arguments, target)
            ready, step, change = (
                statistics.median(column) for column in zip(*time_to_interactive(target, options.loads), strict=True)
            )
            size = target.stat().st_size
            print(f"{title:<28} {size:>9,} {written:>10.2f} {ready:>12.0f} {step:>6.0f} {change:>6.0f}")


if __name__ == "__main__":
    main()
