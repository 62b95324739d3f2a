"""Every derivative checked against independent references: SymPy's symbolic derivative and finite differences."""

from __future__ import annotations

import math

import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from exprgrad import EvaluationError, parse

from .conventions import at_any_kink
from .strategies import SYMBOLS, Expr, bindings, expressions, sympy_number


def _run(expr: Expr, values: dict[str, float]) -> tuple[float, dict[str, float]]:
    program = parse(expr.text)
    used = {name: values[name] for name in program.variables}
    try:
        result = program.evaluate(used)
    except EvaluationError as error:
        # Only a deep tower of exponentials can leave the float range on the generated domain.
        assume("overflow" not in str(error))
        raise
    # At a kink (relu or abs of exactly 0) exprgrad uses the documented convention 0, SymPy a different one.
    assume(not at_any_kink(program))
    return result.value, result.gradients


def _close(ours: float, reference: float) -> bool:
    return math.isclose(ours, reference, rel_tol=1e-7, abs_tol=1e-9)


@given(expressions(), bindings())
def test_value_and_gradients_match_sympy(expr: Expr, values: dict[str, float]) -> None:
    """The value and d(output)/d(variable) for every variable agree with SymPy's exact derivative."""
    value, gradients = _run(expr, values)
    substitution = {SYMBOLS[name]: sympy.Float(values[name], 30) for name in SYMBOLS}
    assert _close(value, sympy_number(expr.sym, substitution)), expr.text
    for name, gradient in gradients.items():
        reference = sympy_number(sympy.diff(expr.sym, SYMBOLS[name]), substitution)
        assert _close(gradient, reference), (expr.text, name, gradient, reference)


def _central_difference(expr: Expr, values: dict[str, float], name: str) -> tuple[float, float]:
    """Central difference of the program in `name`, and a bound on its error (truncation and rounding)."""
    program = parse(expr.text)
    used = {n: values[n] for n in program.variables}
    step = 1e-6 * max(1.0, abs(used[name]))
    up = program.evaluate({**used, name: used[name] + step}).value
    down = program.evaluate({**used, name: used[name] - step}).value
    estimate = (up - down) / (2 * step)
    return estimate, 1e-4 * max(1.0, abs(estimate))


@given(expressions(max_leaves=5), bindings(), st.data())
def test_gradients_match_finite_differences(expr: Expr, values: dict[str, float], data: st.DataObject) -> None:
    """Each gradient agrees with a central finite difference of the program's own forward pass."""
    _, gradients = _run(expr, values)
    assume(gradients)
    name = data.draw(st.sampled_from(sorted(gradients)))
    # A kink within a step of the point makes the difference quotient meaningless; SymPy covers those points.
    program = parse(expr.text)
    program.evaluate({n: values[n] for n in program.variables})
    assume(not at_any_kink(program, within=1e-3))
    try:
        estimate, tolerance = _central_difference(expr, values, name)
    except EvaluationError:
        assume(False)
        raise
    assert abs(gradients[name] - estimate) <= tolerance, (expr.text, name, gradients[name], estimate)
