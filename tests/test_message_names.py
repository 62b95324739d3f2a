"""Math errors name nodes by their source text, never by an internal label such as `<sub>`."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exprgrad import parse
from exprgrad.errors import EvaluationError

from .cli_helpers import run
from .strategies import VARIABLE_NAMES, Expr, expressions

_INTERNAL_LABEL = re.compile(r"<[a-z_]+>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["a**b", "--a", "0", "--b", "0"],
            "math error at node 'a**b' (pow of a = 0.0, b = 0.0): cannot differentiate twice: its derivative "
            "b * a**(b - 1) cannot be computed here (0 cannot be raised to a negative power (-1.0))",
        ),
        (
            ["sqrt(a)*a", "--a", "0"],
            "math error at node 'sqrt(a)' (sqrt of a = 0.0): cannot differentiate twice: its derivative "
            "1 / (2*sqrt(a)) cannot be computed here (division by zero)",
        ),
    ],
)
def test_a_failed_second_derivative_names_the_formula(args: list[str], message: str) -> None:
    """The message gives the program's node and its derivative's formula in source text, with the reason."""
    for command in (["eval"], ["grad"]):
        result = run(*command, *args, "--order", "2")
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == f"exprgrad: error: {message}\n"


@settings(max_examples=300, deadline=None)
@given(expressions(max_leaves=5), st.sampled_from([0.0, -1.0, 1.0, 0.5, -0.0]))
def test_no_message_shows_an_internal_label(expr: Expr, value: float) -> None:
    """Whatever fails at first or second order, the message holds no `<op>` label."""
    program = parse(expr.text)
    bindings = {name: value for name in VARIABLE_NAMES if name in program.variables}
    for compute in (program.evaluate, program.hessian):
        try:
            compute(bindings)
        except EvaluationError as error:
            assert not _INTERNAL_LABEL.search(str(error)), str(error)
