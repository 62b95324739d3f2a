"""`check --against`: a hand-derived derivative compared with exprgrad's at sampled points."""

from __future__ import annotations

import json

import pytest
import sympy
from hypothesis import assume, given, settings

from exprgrad import Program, parse
from exprgrad.against import DEFAULT_RANGE, check_against, parse_range
from exprgrad.errors import BindingError, ParseError

from .cli_helpers import run
from .strategies import SYMBOLS, Expr, expressions


def _sympy_formula(expr: Expr, name: str, program: Program) -> Program | None:
    """SymPy's derivative of `expr` by `name` as an exprgrad program, or None where SymPy writes it with functions
    exprgrad's language lacks (Heaviside, RealCubeRoot, Piecewise...) or with its own constants (zoo, nan)."""
    text = str(sympy.diff(expr.sym, SYMBOLS[name]))
    try:
        formula = parse(text)
    except ParseError:
        return None
    return formula if set(formula.variables) <= set(program.variables) else None


@settings(max_examples=60, deadline=None)
@given(expressions(max_leaves=5))
def test_sympy_derivatives_agree(expr: Expr) -> None:
    """SymPy's derivative, written as a formula, agrees with exprgrad's at every point where both are defined."""
    program = parse(expr.text)
    assume(program.variables)
    name = next(iter(program.variables))
    formula = _sympy_formula(expr, name, program)
    assume(formula is not None)
    assert formula is not None
    report = check_against(program, formula, name, samples=40)
    assert report.failures == 0, (expr.text, str(sympy.diff(expr.sym, SYMBOLS[name])), report.worst)
    assert report.compared + report.skipped_undefined + report.skipped_kink == 40


@pytest.mark.parametrize(
    ("program", "wrong"),
    [
        ("x**2 * sin(x)", "2*x*sin(x) + x**2*sin(x)"),
        ("log(x)", "1/x**2"),
        ("tanh(x)", "1 - tanh(x)"),
        ("a*b + a", "b"),
    ],
)
def test_wrong_derivative_fails_with_its_worst_point(program: str, wrong: str) -> None:
    """A wrong formula fails, and the reported worst point holds exprgrad's derivative and the formula's value there."""
    parsed = parse(program)
    wrt = next(iter(parsed.variables))
    report = check_against(parsed, parse(wrong), wrt)
    assert not report.ok
    assert report.failures > 0
    worst = report.worst
    assert worst is not None
    assert parse(program).evaluate(worst.point).gradients[wrt] == worst.derivative
    assert parse(wrong).evaluate({k: v for k, v in worst.point.items() if k in parse(wrong).variables}).value == (
        worst.formula
    )
    assert worst.relative_error > 1e-6


def test_points_stay_in_their_ranges_and_fixed_values_stay() -> None:
    """Each sampled variable stays in its range (the default one when none is given); a given value is kept."""
    program = parse("x*y*z")
    report = check_against(program, parse("y*z"), "x", fixed={"z": 5.0}, ranges={"y": (10.0, 11.0)}, samples=30)
    assert report.ok
    assert report.ranges == {"x": DEFAULT_RANGE, "y": (10.0, 11.0)}
    assert report.worst is not None
    assert report.worst.point["z"] == 5.0
    assert 10.0 <= report.worst.point["y"] <= 11.0
    assert DEFAULT_RANGE[0] <= report.worst.point["x"] <= DEFAULT_RANGE[1]


def test_same_seed_same_report_other_seed_other_points() -> None:
    """The sampled points depend on the seed only."""
    program, formula = parse("sin(x)*x"), parse("cos(x)*x + sin(x)")
    first = check_against(program, formula, "x", seed=7)
    again = check_against(program, formula, "x", seed=7)
    other = check_against(program, formula, "x", seed=8)
    assert first == again
    assert first.worst is not None and other.worst is not None
    assert first.worst.point != other.worst.point


def test_points_outside_either_domain_are_skipped_not_failed() -> None:
    """Points where the program or the formula is undefined are counted as skipped."""
    report = check_against(parse("sqrt(x)"), parse("0.5/sqrt(x)"), "x", samples=100)
    assert report.ok
    assert report.skipped_undefined > 0
    assert report.compared + report.skipped_undefined == 100


def test_kink_points_are_skipped_never_failed() -> None:
    """A derivative through relu at exactly 0 is skipped, whatever the formula says there."""
    report = check_against(parse("relu(x*0) + x"), parse("7"), "x", samples=20)
    assert report.skipped_kink == 20
    assert report.failures == 0
    assert report.worst is None
    assert not report.ok


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("x", "--range takes NAME=LOW:HIGH"),
        ("x=1", "--range takes NAME=LOW:HIGH"),
        ("x=a:2", "the low end of the range of x must be a number"),
        ("x=3:1", "low end below its high end"),
        ("x=1:1", "low end below its high end"),
    ],
)
def test_bad_ranges_are_refused(word: str, message: str) -> None:
    """A range that is not NAME=LOW:HIGH with LOW < HIGH is a usage error that says so."""
    with pytest.raises(BindingError, match=message):
        parse_range(word)


def test_names_are_checked() -> None:
    """The formula and the ranges may name only the program's variables; a variable is fixed or ranged, not both."""
    program = parse("a*b")
    with pytest.raises(BindingError, match="the formula uses c"):
        check_against(program, parse("c"), "a")
    with pytest.raises(BindingError, match="--wrt q"):
        check_against(program, parse("b"), "q")
    with pytest.raises(BindingError, match="--range z"):
        check_against(program, parse("b"), "a", ranges={"z": (0.0, 1.0)})
    with pytest.raises(BindingError, match="both a value and a --range"):
        check_against(program, parse("b"), "a", fixed={"b": 1.0}, ranges={"b": (0.0, 1.0)})


def test_formula_may_use_the_programs_statements() -> None:
    """A formula may name what the program assigns (`h`), at its value at each point; a wrong one still fails."""
    program = parse("h = tanh(x)\nL = h*h")
    right = check_against(program, parse("2*h*(1 - h**2)"), "x", samples=50)
    assert (right.ok, right.compared) == (True, 50)
    wrong = check_against(program, parse("2*h*(1 - h**3)"), "x", samples=50)
    assert wrong.failures > 0
    with pytest.raises(BindingError, match=r"uses q, which the program does not .*its statements: h, L"):
        check_against(program, parse("2*q"), "x")


def test_cli_agreement_exits_0() -> None:
    """The textbook product rule agrees: exit 0 and a line that says so."""
    result = run("check", "x**2*sin(x)", "--wrt", "x", "--against", "2*x*sin(x) + x**2*cos(x)")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "d(x**2*sin(x))/dx against 2*x*sin(x) + x**2*cos(x)"
    assert result.stdout.splitlines()[-1].startswith("agree at 200 of 200 points")


def test_cli_disagreement_exits_1_with_the_worst_point() -> None:
    """A wrong formula: exit 1, and the worst point with both values and the relative error."""
    result = run("check", "x**2*sin(x)", "--against", "2*x*sin(x)", "--samples", "50")
    assert result.exit_code == 1
    last = result.stdout.splitlines()[-1]
    assert last.startswith("FAIL: disagree at ")
    assert "exprgrad " in last and "formula " in last and "relative error" in last


def test_cli_nothing_compared_exits_4() -> None:
    """Ranges where the program is nowhere defined compare nothing: exit 4, never a pass."""
    result = run("check", "log(x)", "--against", "1/x", "--range", "x=-3:-1")
    assert result.exit_code == 4
    assert "nothing checked" in result.stdout


def test_cli_json_report() -> None:
    """--format json gives the verdict, the counts and the worst point exactly."""
    result = run("check", "log(x)*y", "--wrt", "x", "--against", "y/x", "--y", "2", "--format", "json", "--seed", "3")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["nothing_checked"] is False
    assert document["fixed"] == {"y": 2.0}
    assert document["ranges"] == {"x": list(DEFAULT_RANGE)}
    assert document["compared"] + document["skipped"]["undefined"] + document["skipped"]["kink"] == 200
    worst = document["worst"]
    assert worst["point"]["y"] == 2.0
    assert worst["exprgrad"] == parse("log(x)*y").evaluate(worst["point"]).gradients["x"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["a*b", "--against", "b"], "--against needs --wrt NAME"),
        (["a*b", "--a", "1", "--b", "2", "--expect", "a=2", "--against", "b"], "does not combine with --against"),
        (["a*b", "--a", "1", "--b", "2", "--wrt", "a"], "go with --against FORMULA"),
        (["a*b", "--wrt", "a", "--against", "b", "--range", "a=0:1", "--range", "a=1:2"], "more than once"),
        (["a*b", "--wrt", "a", "--against", "b +"], "--against:1:"),
    ],
)
def test_cli_usage_errors(arguments: list[str], message: str) -> None:
    """Misused --against options are usage errors (exit 2) that say what is wrong."""
    result = run("check", *arguments)
    assert result.exit_code == 2
    assert message in result.stderr
