"""Hessian, check and explain drawn without Rich (pipes, and large outputs on a terminal) are exactly Rich's text."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from exprgrad import EvaluationError, parse
from exprgrad.checking import check_gradients
from exprgrad.explain import explain
from exprgrad.explain_output import print_explanation
from exprgrad.hessian import hessian
from exprgrad.plain import RICH_CELLS, check_text, explanation_lines, grid, hessian_text
from exprgrad.render import print_check, print_hessian

from .strategies import Expr, bindings, expressions


def _pipe_console(buffer: io.StringIO) -> Console:
    # The console the CLI makes for a pipe (cli.app.stdout_console).
    return Console(file=buffer, highlight=False, width=100_000, color_system=None)


def _rich(draw: object, *arguments: object) -> str:
    buffer = io.StringIO()
    draw(_pipe_console(buffer), *arguments)  # type: ignore[operator]
    return buffer.getvalue()


def _bound(text: str, values: dict[str, float]) -> tuple[object, dict[str, float]]:
    program = parse(text)
    return program, {name: values.get(name, 1.5) for name in program.free_variables}


@settings(max_examples=60, deadline=None)
@given(expressions(), bindings(), st.one_of(st.none(), st.integers(min_value=1, max_value=17)))
def test_plain_hessian_is_richs(expression: Expr, values: dict[str, float], precision: int | None) -> None:
    """On random programs the plain Hessian table is byte for byte Rich's."""
    program, point = _bound(expression.text, values)
    try:
        second = hessian(program, point)  # type: ignore[arg-type]
    except EvaluationError:
        return
    output = program.output_name  # type: ignore[attr-defined]
    assert hessian_text(output, second, precision) == _rich(print_hessian, output, second, precision)


@settings(max_examples=40, deadline=None)
@given(expressions(max_leaves=5), bindings())
def test_plain_check_is_richs(expression: Expr, values: dict[str, float]) -> None:
    """On random programs the plain check report is byte for byte Rich's (table, reasons, summary)."""
    program, point = _bound(expression.text, values)
    try:
        results = check_gradients(program, point, {})  # type: ignore[arg-type]
    except EvaluationError:
        return
    assert check_text(results) == _rich(print_check, results)


@settings(max_examples=60, deadline=None)
@given(expressions(), bindings(), st.one_of(st.none(), st.integers(min_value=1, max_value=17)))
def test_plain_explanation_is_richs(expression: Expr, values: dict[str, float], precision: int | None) -> None:
    """On random programs the plain explanation is byte for byte Rich's."""
    program, point = _bound(expression.text, values)
    try:
        explanation = explain(program, program.evaluate(point))  # type: ignore[arg-type, attr-defined]
    except EvaluationError:
        return
    assert explanation_lines(explanation, precision) == _rich(print_explanation, explanation, precision)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("2*3", {}, None),  # no variables: an empty Hessian, a check with no rows
        ("abs(x) + y", {"x": 0.0, "y": 1.0}, None),  # a kink: the reason line
        ("a*b", {"a": 2.0, "b": 3.0}, {"a": 2.0}),  # a failure against --expect
    ],
)
def test_edge_cases_match_rich(text: str, values: dict[str, float], expected: dict[str, float] | None) -> None:
    """Programs without variables, kinks and failures print the same either way."""
    program, point = _bound(text, values)
    results = check_gradients(program, point, expected or {})  # type: ignore[arg-type]
    assert check_text(results) == _rich(print_check, results)
    second = hessian(program, point)  # type: ignore[arg-type]
    assert hessian_text("L", second, None) == _rich(print_hessian, "L", second, None)


def test_wide_characters_are_left_to_rich() -> None:
    """A name whose width on screen is not one column per character is drawn by Rich (answer None)."""
    assert grid(["变量"], [["x"]], [False]) is None
    assert grid(["a"], [["x\u0301"]], [False]) is None  # a combining accent takes no column


def _on_a_terminal(*arguments: str) -> str:
    """The command's output as a terminal shows it (run under a pseudo-terminal), escape sequences included."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "exprgrad", *arguments],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "200", "TERM": "xterm-256color"},
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=120)
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_a_large_table_on_a_terminal_is_plain_and_a_small_one_rich() -> None:
    """Past RICH_CELLS the node table on a terminal is the pipe's plain text; a small one keeps Rich's colour."""
    rows = RICH_CELLS // 4 + 10
    program = " + ".join(f"x{i}" for i in range(rows // 2))
    large = _on_a_terminal("eval", program, *(f"--x{i}={i}" for i in range(rows // 2)))
    piped = subprocess.run(
        [sys.executable, "-m", "exprgrad", "eval", program, *(f"--x{i}={i}" for i in range(rows // 2))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert large == piped
    small = _on_a_terminal("eval", "a*b", "--a", "2", "--b", "3")
    assert "\x1b[" in small  # Rich's styles (bold header, bold output row)
