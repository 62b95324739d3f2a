"""The explorer in a notebook: executed headless with nbclient, the output holds the page, which works in Chromium."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from .browser import Watched, launched

CELLS = [
    "from exprgrad import parse, Value\nfrom exprgrad.explorer import show",
    "program = parse('L = (a*b + c) * f')\nprogram(a=2, b=-3, c=10, f=-2)\nprogram",
    "a = Value(2.0, label='a')\nb = Value(-0.5, label='b')\nout = (a * b).tanh()\nout.backward()\nshow(out)",
    "parse('y = x*x')",
]


def _run_notebook(folder: Path) -> Any:
    # nbformat is untyped: its notebook is Any here.
    build: Any = nbformat.v4
    notebook = build.new_notebook()
    notebook.cells = [build.new_code_cell(source) for source in CELLS]
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


def test_notebook_output_holds_the_explorer(tmp_path: Path) -> None:
    """`program` after evaluation and `show(value)` show the explorer inline; an unevaluated program does not."""
    notebook = _run_notebook(tmp_path)
    program_outputs = notebook.cells[1].outputs
    shown_outputs = notebook.cells[2].outputs
    unevaluated = notebook.cells[3].outputs
    program_html = program_outputs[0]["data"]["text/html"]
    shown_html = shown_outputs[0]["data"]["text/html"]
    for frame in (program_html, shown_html):
        assert frame.startswith("<iframe srcdoc=")
        page = html.unescape(frame.split('srcdoc="', 1)[1].split('"', 1)[0])
        assert page.startswith("<!DOCTYPE html>")
        assert 'id="exprgrad-data"' in page and "window.exprgradOps" in page
    # Never evaluated: Jupyter falls back to the drawing, not an explorer with no numbers.
    assert "text/html" not in unevaluated[0]["data"]
    assert "image/svg+xml" in unevaluated[0]["data"]

    # The notebook's output, as a browser shows it: the page runs inside its frame and shows exprgrad's numbers.
    target = tmp_path / "output.html"
    target.write_text(f"<!DOCTYPE html><html><body>{program_html}{shown_html}</body></html>", encoding="utf-8")
    with launched() as browser:
        watched = Watched(browser.new_page())
        watched.page.goto(target.as_uri())
        frames = watched.page.frame_locator("iframe")
        assert frames.nth(0).locator("#result").inner_text() == "L = -8"
        grads = frames.nth(0).locator("#nodes tbody tr td:nth-child(6)").all_inner_texts()
        assert grads == ["6", "-4", "-2", "-2", "-2", "4", "1"]
        assert frames.nth(1).locator("#steps li").count() == 4
        watched.assert_quiet()
