"""Second derivatives (`eval --order 2`, `Program.hessian`): grad of grad, checked against SymPy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sympy
from hypothesis import assume, given

from exprgrad import EvaluationError, Value, parse
from exprgrad.engine import backward
from exprgrad.hessian import gradient_graph, hessian

from .cli_helpers import WALKTHROUGH, run
from .conventions import at_any_kink
from .strategies import SYMBOLS, Expr, bindings, expressions, sympy_number

GOLDEN = Path(__file__).parent / "golden"


@given(expressions(max_leaves=6), bindings())
def test_hessian_matches_sympy(expr: Expr, values: dict[str, float]) -> None:
    """Every entry d2(output)/dr dc agrees with SymPy's derivative taken twice."""
    program = parse(expr.text)
    used = {name: values[name] for name in program.variables}
    try:
        result = hessian(program, used)
    except EvaluationError as error:
        # Only a deep tower of exponentials can leave the float range on the generated domain.
        assume("overflow" not in str(error))
        raise
    # At a kink (relu or abs of exactly 0) exprgrad uses the documented convention, SymPy a different one.
    assume(not at_any_kink(program))
    assert list(result) == list(program.variables)
    substitution = {SYMBOLS[name]: sympy.Float(values[name], 30) for name in SYMBOLS}
    for row in program.variables:
        first = sympy.diff(expr.sym, SYMBOLS[row])
        for column in program.variables:
            reference = sympy_number(sympy.diff(first, SYMBOLS[column]), substitution)
            ours = result[row][column]
            assert math.isclose(ours, reference, rel_tol=1e-6, abs_tol=1e-8), (expr.text, row, column, ours, reference)


@pytest.mark.parametrize("text", ["relu(x)", "abs(x)", "relu(x)*3 + abs(x)", "relu(abs(x) - 1)"])
@pytest.mark.parametrize("x", [-2.5, -0.5, 0.5, 2.5])
def test_relu_and_abs_have_zero_second_derivative_away_from_zero(text: str, x: float) -> None:
    """relu and abs are piecewise linear: their second derivative is 0 wherever it exists."""
    assert parse(text).hessian({"x": x}) == {"x": {"x": 0.0}}


def test_reference_walkthrough_hessian() -> None:
    """L = (a*b + c) * f is bilinear: d2L/da db = f, d2L/da df = b, d2L/db df = a, d2L/dc df = 1, the rest 0."""
    program = parse(WALKTHROUGH[0])
    result = program.hessian({"a": 2, "b": -3, "c": 10, "f": -2})
    assert result == {
        "a": {"a": 0.0, "b": -2.0, "c": 0.0, "f": -3.0},
        "b": {"a": -2.0, "b": 0.0, "c": 0.0, "f": 2.0},
        "c": {"a": 0.0, "b": 0.0, "c": 0.0, "f": 1.0},
        "f": {"a": -3.0, "b": 2.0, "c": 1.0, "f": 0.0},
    }


def test_hessian_leaves_first_order_numbers_in_place() -> None:
    """After the Hessian, every node's data and grad are those of a plain evaluation (drawings stay right)."""
    program = parse("n = x1*w1 + x2*w2 + b; o = tanh(n)")
    values = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    evaluation = program.evaluate(values)
    program.hessian(values)
    assert tuple(node.grad for node in program.nodes) == evaluation.grads
    assert tuple(node.data for node in program.nodes) == evaluation.data


def test_table_output_adds_a_hessian_table() -> None:
    """--order 2 prints the Hessian table after the node table."""
    result = run("eval", *WALKTHROUGH, "--order", "2")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "walkthrough_order2.txt").read_text(encoding="utf-8")


def test_json_hessian_is_an_object_of_objects() -> None:
    """JSON gains `hessian` after `gradients`: hessian[r][c] = d2(output)/dr dc, in the order of gradients."""
    result = run("eval", "a*a*b", "--a", "3", "--b", "2", "--order", "2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["output", "value", "gradients", "hessian", "nodes"]
    assert document["hessian"] == {"a": {"a": 4.0, "b": 6.0}, "b": {"a": 6.0, "b": 0.0}}
    assert "hessian" not in json.loads(run("eval", "a*a*b", "--a", "3", "--b", "2", "--format", "json").stdout)


@pytest.mark.parametrize(
    ("text", "value", "node"),
    [("x**1.5", 0.0, "x**1.5"), ("y = x**1.5; y*2 + x", 0.0, "y"), ("log(x) + 1", 1e-200, "log(x)")],
)
def test_infinite_second_derivative_names_the_node(text: str, value: float, node: str) -> None:
    """An infinite second derivative or an overflow is a math error at a named node: exit 1, no traceback."""
    result = run("eval", text, "--x", repr(value), "--order", "2")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"exprgrad: error: math error at node {node!r}")
    assert "Traceback" not in result.stderr
    with pytest.raises(EvaluationError):
        parse(text).hessian({"x": value})


def test_order_is_one_or_two() -> None:
    """--order accepts 1 and 2 only (a usage error otherwise)."""
    assert run("eval", "a*a", "--a", "1", "--order", "3").exit_code == 2
    assert run("eval", "a*a", "--a", "1", "--order", "1").exit_code == 0


def test_variable_exponent_at_zero_keeps_its_mixed_derivative() -> None:
    """d2/dc da of -(c**2 + 1)**tanh(a) at a = 0, c = 1 is -1: an exponent that is 0 only here still moves the slope.

    (Found by Hypothesis: treating every zero exponent as the constant 0 lost this term.)
    """
    from exprgrad import parse

    assert parse("-((c**2 + 1) ** tanh(a))").hessian({"a": 0.0, "c": 1.0})["c"]["a"] == -1.0


def test_gradient_graph_gives_second_derivatives() -> None:
    """Differentiating the differentiable backward pass: d2(x**3)/dx2 = 6x."""
    x = Value(2.0)
    out = x**3
    grads = gradient_graph(out)
    first = grads[id(x)]
    assert first.data == 12.0
    backward(first)
    assert x.grad == 12.0


def test_second_derivative_of_x_to_the_first_at_zero() -> None:
    """d2(x**1)/dx2 at 0 is 0: the first derivative is 1 * x**0, whose slope is 0."""
    x = Value(0.0)
    first = gradient_graph(x**1)[id(x)]
    backward(first)
    assert (first.data, x.grad) == (1.0, 0.0)
