"""The table drawn without Rich (for pipes) is exactly what Rich draws there."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from exprgrad import EvaluationError, parse
from exprgrad.render import plain_table, print_table

from .strategies import Expr, bindings, expressions


def rich_text(program_text: str, values: dict[str, float], precision: int | None) -> tuple[str, str | None]:
    """Rich's drawing (as the CLI makes it for a pipe) and the plain one, of the same evaluation."""
    program = parse(program_text)
    names = {name: values.get(name, 1.5) for name in program.free_variables}
    evaluation = program.evaluate(names)
    buffer = io.StringIO()
    print_table(Console(file=buffer, highlight=False, width=100_000, color_system=None), program, evaluation, precision)
    return buffer.getvalue(), plain_table(program, evaluation, precision)


@given(expressions(), bindings(), st.one_of(st.none(), st.integers(min_value=1, max_value=17)))
def test_plain_table_is_richs_table(expression: Expr, values: dict[str, float], precision: int | None) -> None:
    """On random programs, values and precisions, the plain drawing is byte for byte Rich's."""
    try:
        drawn_by_rich, drawn_here = rich_text(f"out = {expression.text}", values, precision)
    except EvaluationError:
        return
    assert drawn_here == drawn_by_rich


@pytest.mark.parametrize(
    "program",
    [
        " + ".join(f"x{i}" for i in range(60)),  # an elided label (…)
        "a = 2; b = -3; c = a*b; d = c; pi*d - 1e-3",  # constants, aliases, a signed literal
        "tanh(" * 30 + "x" + ")" * 30,
    ],
)
def test_plain_table_on_long_labels_and_constants(program: str) -> None:
    """Elided labels, constants without gradient and deep nesting draw the same."""
    drawn_by_rich, drawn_here = rich_text(program, {}, None)
    assert drawn_here == drawn_by_rich


def test_wide_characters_are_left_to_rich() -> None:
    """A label with characters whose width needs Rich's tables gets no plain drawing."""
    assert rich_text("变量 * 2", {"变量": 1.0}, None)[1] is None
