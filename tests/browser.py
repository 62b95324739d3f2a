"""A real headless Chromium for the explorer's tests: Debian's `chromium`, driven by Playwright (no browser download).

Where Chromium or Playwright is missing, the tests that need them fail with a message saying how to install it:
the explorer is only tested where a browser really runs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

INSTALL_HINT = (
    "the explorer's browser tests need Debian's Chromium: run `apt-get update && apt-get install -y chromium` "
    "(CI does, in .ci/run), or set EXPRGRAD_CHROMIUM to a Chromium binary"
)
# Where the tests leave screenshots and pages for a reviewer (gitignored).
OUTPUT = Path(os.environ.get("EXPRGRAD_TEST_OUTPUT", Path(__file__).resolve().parent.parent / "test-output"))


def chromium_path() -> str:
    """The Chromium binary to drive, or a failed test saying how to install one."""
    for candidate in (os.environ.get("EXPRGRAD_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(INSTALL_HINT, pytrace=False)


@contextmanager
def launched() -> Iterator[Browser]:
    """Chromium, headless and without the sandbox (tests run as root in CI), for the length of the block."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright's Python package: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page with everything it said on the console, every uncaught error and every request it made."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"uncaught: {error}"))
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        # Loading the page's own file is its only allowed request.
        if not request.url.startswith("file://"):
            self.requests.append(request.url)

    def open(self, path: Path) -> Page:
        """Load `path` from disk and wait until the page's script has painted it."""
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector("body[data-ready=true]", timeout=10_000)
        return self.page

    def assert_quiet(self) -> None:
        """No console output, no uncaught error, no network request."""
        assert self.console == []
        assert self.requests == []
