"""Every function of the language against SymPy at 300 digits: value, first and second derivatives at hand-picked
points (far into the tails too), its conventions at kinks, and every path that computes it agreeing with `eval`.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
import sympy

from exprgrad import EvaluationError, Value, draw, parse
from exprgrad.explain import explain
from exprgrad.ops import FUNCTIONS
from exprgrad.points import stream_points
from exprgrad.vectorized import BlockEvaluator

from .cli_helpers import run
from .strategies import RealCubeRoot

X, Y = sympy.symbols("x y", real=True)
HALF = sympy.Rational(1, 2)


def _sigmoid(u: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-u))


# name -> (the function as a SymPy expression of X (and Y), hand-picked points, far into the tails too).
UNARY: dict[str, tuple[sympy.Expr, tuple[float, ...]]] = {
    "exp": (sympy.exp(X), (-700.0, -3.5, 0.25, 1.0, 700.0)),
    "exp2": (2**X, (-1000.0, -3.5, 0.5, 10.0, 1000.0)),
    "expm1": (sympy.exp(X) - 1, (-50.0, -1e-10, 1e-12, 0.5, 700.0)),
    "log": (sympy.log(X), (1e-300, 0.5, 1.0, 3.0, 1e300)),
    "ln": (sympy.log(X), (1e-5, 2.0, 1e10)),
    "log2": (sympy.log(X, 2), (1e-300, 0.5, 3.0, 1e300)),
    "log10": (sympy.log(X, 10), (1e-300, 0.5, 3.0, 1e300)),
    "log1p": (sympy.log(1 + X), (-0.999, -1e-12, 1e-15, 2.0, 1e300)),
    "sqrt": (sympy.sqrt(X), (1e-300, 0.5, 2.0, 1e300)),
    "cbrt": (RealCubeRoot(X), (-1e300, -8.0, -0.3, 1e-300, 0.5, 27.0, 1e300)),
    "sin": (sympy.sin(X), (-3.0, 0.5, 100.0)),
    "cos": (sympy.cos(X), (-3.0, 0.5, 100.0)),
    "tan": (sympy.tan(X), (-1.5, -0.3, 0.7, 1.57)),
    "asin": (sympy.asin(X), (-0.999, -0.5, 0.0, 0.3, 0.99999)),
    "acos": (sympy.acos(X), (-0.999, -0.5, 0.0, 0.3, 0.99999)),
    "atan": (sympy.atan(X), (-1e300, -2.0, 0.0, 0.5, 1e10, 1e300)),
    "sinh": (sympy.sinh(X), (-700.0, -1.5, 1e-10, 0.5, 700.0)),
    "cosh": (sympy.cosh(X), (-700.0, -1.5, 0.0, 0.5, 700.0)),
    "tanh": (sympy.tanh(X), (-20.0, -0.5, 0.0, 1.5, 20.0)),
    "asinh": (sympy.asinh(X), (-1e300, -2.0, 1e-10, 0.5, 1e300)),
    "acosh": (sympy.acosh(X), (1.0000001, 1.5, 10.0, 1e300)),
    "atanh": (sympy.atanh(X), (-0.999999, -0.5, 1e-10, 0.5, 0.99)),
    "abs": (sympy.Abs(X), (-2.5, -1e-300, 0.5, 3.0)),
    "sigmoid": (_sigmoid(X), (-700.0, -3.0, 0.0, 2.0, 700.0)),
    "relu": (sympy.Max(X, 0), (-2.0, -1e-300, 0.5, 3.0)),
    "elu": (sympy.Piecewise((X, X > 0), (sympy.exp(X) - 1, True)), (-700.0, -2.0, -1e-10, 1e-10, 0.5, 3.0)),
    "softplus": (sympy.log(1 + sympy.exp(X)), (-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0)),
    "log_sigmoid": (-sympy.log(1 + sympy.exp(-X)), (-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0)),
    "silu": (X * _sigmoid(X), (-700.0, -30.0, -1.0, 0.0, 1.0, 30.0, 700.0)),
    "swish": (X * _sigmoid(X), (-1.0, 2.5)),
    # Not much below -8: there rounding x/sqrt(2) alone moves erfc by x**2 * 1.1e-16 relative (1e-13 at -30).
    "gelu": (X / 2 * sympy.erfc(-X / sympy.sqrt(2)), (-8.0, -5.0, -1.0, 0.0, 0.5, 5.0, 30.0)),
    "softsign": (X / (1 + sympy.Abs(X)), (-1e300, -2.0, -1e-10, 1e-10, 0.5, 1e300)),
    "erf": (sympy.erf(X), (-6.0, -0.5, 1e-10, 1.0, 6.0)),
    "erfc": (sympy.erfc(X), (-6.0, -0.5, 0.0, 1.0, 6.0, 26.0)),
}
BINARY: dict[str, tuple[sympy.Expr, tuple[tuple[float, float], ...]]] = {
    "pow": (X**Y, ((2.0, 0.5), (0.3, -2.5), (10.0, 3.0), (1.5, 100.0))),
    "atan2": (sympy.atan2(X, Y), ((1.0, 2.0), (-3.0, 0.5), (2.0, -1.5), (-1e-300, -1.0), (1e300, 1e300))),
    "hypot": (sympy.sqrt(X**2 + Y**2), ((3.0, 4.0), (-1e300, 1e300), (1e-300, 2e-300), (0.0, -2.0))),
    "min": (sympy.Min(X, Y), ((1.0, 2.0), (-3.0, -4.5))),
    "max": (sympy.Max(X, Y), ((1.0, 2.0), (-3.0, -4.5))),
    "clamp_min": (sympy.Max(X, Y), ((1.0, 2.0), (-3.0, -4.5))),
    "clamp_max": (sympy.Min(X, Y), ((1.0, 2.0), (-3.0, -4.5))),
    "leaky_relu": (sympy.Piecewise((X, X > 0), (Y * X, True)), ((2.0, 0.1), (-3.0, 0.01), (-0.5, 2.0))),
}
PIECEWISE_CONSTANT = ("sign", "step", "floor", "ceil")
# The lazy choices, as SymPy Piecewise over x (the condition is x - 1) and y: (program, reference, points).
CHOICES: dict[str, tuple[str, sympy.Expr, tuple[tuple[float, float], ...]]] = {
    "where": (
        "where(x - 1, sin(y)*x, exp(y))",
        sympy.Piecewise((sympy.sin(Y) * X, sympy.Ne(X, 1)), (sympy.exp(Y), True)),
        ((2.0, 0.5), (-1.0, 3.0), (1.0, 0.5)),
    ),
    "when": ("when(x - 1, x*y**2)", sympy.Piecewise((X * Y**2, sympy.Ne(X, 1)), (0, True)), ((2.0, 0.5), (1.0, 3.0))),
    "unless": (
        "unless(x - 1, x*y**2)",
        sympy.Piecewise((0, sympy.Ne(X, 1)), (X * Y**2, True)),
        ((2.0, 0.5), (1.0, 3.0)),
    ),
}


def _at(expr: sympy.Expr, point: tuple[float, ...]) -> float:
    """`expr` at `point` (x, then y), evaluated by SymPy to 300 digits: enough for the cancellations SymPy's own
    rewriting brings in (gelu(-30) becomes x*(2 - erfc(...))/2, with erfc near 2 - 1e-197)."""
    substitution = {symbol: sympy.Float(value, 300) for symbol, value in zip((X, Y), point, strict=False)}
    return float(expr.evalf(300, subs=substitution))


def _close(ours: float, reference: float, rel: float, scale: float = 0.0) -> bool:
    """Within `rel` of the reference, or within a few ulps of `scale`: a formula in terms of the output
    (1 - tanh(x)**2) cannot resolve a derivative below the output's own rounding."""
    return math.isclose(ours, reference, rel_tol=rel, abs_tol=1e-300) or abs(ours - reference) <= 4.5e-16 * scale


def test_every_function_has_a_reference_here() -> None:
    """Each name a program may call is checked in this module."""
    assert set(FUNCTIONS) == {*UNARY, *BINARY, *PIECEWISE_CONSTANT, *CHOICES, "clamp"}


@pytest.mark.parametrize("name", sorted(CHOICES))
def test_choices_match_sympy_piecewise(name: str) -> None:
    """where, when and unless: value, gradient and Hessian agree with SymPy's Piecewise, on both sides."""
    text, reference, points = CHOICES[name]
    program = parse(text)
    for point in points:
        values = {"x": point[0], "y": point[1]}
        result = program.evaluate(values)
        assert _close(result.value, _at(reference, point), 1e-14), (name, point)
        hessian = program.hessian(values)
        for first_symbol, first_name in ((X, "x"), (Y, "y")):
            if point[0] == 1.0 and first_name == "x":
                continue  # the jump in the condition: d/dx is the convention 0 there, SymPy has none
            expected = _at(sympy.diff(reference, first_symbol), point)
            assert _close(result.gradients[first_name], expected, 1e-13, 1.0), (name, point, first_name)
            for second_symbol, second_name in ((X, "x"), (Y, "y")):
                if point[0] == 1.0 and second_name == "x":
                    continue
                second = _at(sympy.diff(reference, first_symbol, second_symbol), point)
                assert _close(hessian[first_name][second_name], second, 1e-12, 1.0), (name, point)


@pytest.mark.parametrize(("name", "x"), [(name, x) for name, (_, points) in UNARY.items() for x in points])
def test_one_input_functions_match_sympy(name: str, x: float) -> None:
    """Value, first and second derivative of f(x) agree with SymPy's (300 digits) to 1e-14, 1e-13 and 1e-11."""
    expr = UNARY[name][0]
    program = parse(f"{name}(x)")
    result = program.evaluate({"x": x})
    scale = max(1.0, abs(result.value))
    assert _close(result.value, _at(expr, (x,)), 1e-14), (name, x, result.value)
    first = _at(sympy.diff(expr, X), (x,))
    assert _close(result.gradients["x"], first, 1e-13, scale), (name, x, result.gradients["x"], first)
    reference = _at(sympy.diff(expr, X, 2), (x,))
    try:
        second = program.hessian({"x": x})["x"]["x"]
    except EvaluationError as error:
        # Where the second derivative is too large for a float, or where x**2 inside a formula leaves the float
        # range (|x| > 1.3e154) although the result underflows.
        assert not math.isfinite(reference) or abs(x) > 1e154, (name, x, error)
        return
    assert _close(second, reference, 1e-11, scale), (name, x, second, reference)


@pytest.mark.parametrize(("name", "point"), [(name, p) for name, (_, points) in BINARY.items() for p in points])
def test_two_input_functions_match_sympy(name: str, point: tuple[float, float]) -> None:
    """Value, both partials and the whole Hessian of f(x, y) agree with SymPy's."""
    expr = BINARY[name][0]
    program = parse(f"{name}(x, y)")
    bindings = {"x": point[0], "y": point[1]}
    result = program.evaluate(bindings)
    assert _close(result.value, _at(expr, point), 1e-14), (name, point)
    for variable, symbol in (("x", X), ("y", Y)):
        assert _close(result.gradients[variable], _at(sympy.diff(expr, symbol), point), 1e-13), (name, point, variable)
    hessian = program.hessian(bindings)
    for row, first in (("x", X), ("y", Y)):
        for column, second in (("x", X), ("y", Y)):
            reference = _at(sympy.diff(expr, first, second), point)
            assert _close(hessian[row][column], reference, 1e-10), (name, point, row, column)


@pytest.mark.parametrize("name", PIECEWISE_CONSTANT)
@pytest.mark.parametrize("x", [-2.5, -0.5, 0.5, 3.25])
def test_piecewise_constant_functions(name: str, x: float) -> None:
    """sign, step, floor and ceil have the expected values, and derivatives 0 of both orders."""
    expected = {"sign": math.copysign(1.0, x), "step": float(x > 0), "floor": math.floor(x), "ceil": math.ceil(x)}
    program = parse(f"{name}(x)")
    result = program.evaluate({"x": x})
    assert result.value == expected[name]
    assert result.gradients == {"x": 0.0}
    assert program.hessian({"x": x}) == {"x": {"x": 0.0}}


@pytest.mark.parametrize(
    ("text", "bindings", "gradients"),
    [
        ("relu(x)", {"x": 0.0}, {"x": 0.0}),
        ("abs(x)", {"x": 0.0}, {"x": 0.0}),
        ("leaky_relu(x, s)", {"x": 0.0, "s": 0.2}, {"x": 0.2, "s": 0.0}),
        ("elu(x)", {"x": 0.0}, {"x": 1.0}),
        ("max(x, y)", {"x": 1.5, "y": 1.5}, {"x": 0.5, "y": 0.5}),
        ("min(x, y)", {"x": -2.0, "y": -2.0}, {"x": 0.5, "y": 0.5}),
        ("clamp(x, lo, hi)", {"x": 0.0, "lo": 0.0, "hi": 1.0}, {"x": 1.0, "lo": 0.0, "hi": 0.0}),
        ("clamp(x, lo, hi)", {"x": 1.0, "lo": 0.0, "hi": 1.0}, {"x": 1.0, "lo": 0.0, "hi": 0.0}),
        ("clamp(x, lo, hi)", {"x": 2.0, "lo": 0.0, "hi": 1.0}, {"x": 0.0, "lo": 0.0, "hi": 1.0}),
        ("clamp(x, lo, hi)", {"x": 0.5, "lo": 1.0, "hi": 0.0}, {"x": 0.0, "lo": 0.0, "hi": 1.0}),
        ("sign(x)", {"x": 0.0}, {"x": 0.0}),
        ("floor(x) + ceil(x)", {"x": 2.0}, {"x": 0.0}),
        ("step(x)", {"x": 0.0}, {"x": 0.0}),
        ("atan2(y, x)", {"y": 0.0, "x": 0.0}, {"y": 0.0, "x": 0.0}),
    ],
)
def test_conventions_at_kinks_and_ties(text: str, bindings: dict[str, float], gradients: dict[str, float]) -> None:
    """At kinks and ties the gradient is PyTorch's (benchmarks/torch_conventions.py checks against torch itself)."""
    assert parse(text).evaluate(bindings).gradients == gradients


def test_elu_second_derivative_at_zero_is_the_right_side() -> None:
    """elu''(0) is 0, the x > 0 side, as PyTorch's double backward gives."""
    assert parse("elu(x)").hessian({"x": 0.0}) == {"x": {"x": 0.0}}


@pytest.mark.parametrize(
    ("text", "x"),
    [("sqrt(x)", 0.0), ("cbrt(x)", 0.0), ("asin(x)", 1.0), ("acos(x)", -1.0), ("acosh(x)", 1.0)],
)
def test_infinite_derivatives_are_math_errors(text: str, x: float) -> None:
    """A derivative that is infinite at the point is a math error naming the node, not inf."""
    with pytest.raises(EvaluationError, match=r"math error at node .*cannot differentiate"):
        parse(text).evaluate({"x": x})


def test_no_derivative_at_the_origin() -> None:
    """hypot has no derivative at (0, 0): a math error (PyTorch gives nan); atan2 takes 0 there, as PyTorch does."""
    with pytest.raises(EvaluationError, match="cannot differentiate"):
        parse("hypot(x, y)").evaluate({"x": 0.0, "y": 0.0})
    assert parse("atan2(y, x)").evaluate({"x": 0.0, "y": 0.0}).gradients == {"y": 0.0, "x": 0.0}


@pytest.mark.parametrize(
    ("text", "x", "message"),
    [
        ("asin(x)", 1.5, "asin needs an argument in [-1, 1], got 1.5"),
        ("acosh(x)", 0.5, "acosh needs an argument of at least 1, got 0.5"),
        ("atanh(x)", 1.0, "atanh needs an argument in (-1, 1), ends excluded, got 1.0"),
        ("log1p(x)", -1.0, "log1p needs an argument greater than -1, got -1.0"),
        ("log2(x)", 0.0, "log2 needs a positive argument, got 0.0"),
        ("sinh(x)", 711.0, "sinh(711.0) overflows"),
        ("exp2(x)", 1024.0, "exp2(1024.0) overflows"),
        ("expm1(x)", 710.0, "expm1(710.0) overflows"),
    ],
)
def test_outside_the_domain_is_a_math_error_naming_the_node(text: str, x: float, message: str) -> None:
    """A value outside a function's domain is a math error naming the node and what was wrong."""
    result = run("eval", text, "--x", repr(x))
    assert result.exit_code == 1
    assert result.stderr.startswith("exprgrad: error: math error")
    assert message in result.stderr


@pytest.mark.parametrize(
    ("text", "x", "value"),
    [
        ("softplus(x)", 1000.0, 1000.0),
        ("softplus(x)", -1000.0, 0.0),
        ("log_sigmoid(x)", -1000.0, -1000.0),
        ("log_sigmoid(x)", 1000.0, -0.0),
        ("silu(x)", -1000.0, -0.0),
        ("gelu(x)", -1000.0, -0.0),
        ("elu(x)", -1000.0, -1.0),
        ("hypot(x, x)", 1e300, math.hypot(1e300, 1e300)),
        ("atan(x)", 1e300, math.pi / 2),
    ],
)
def test_no_overflow_where_the_value_is_finite(text: str, x: float, value: float) -> None:
    """Functions stay finite (and their gradients too) wherever the true result fits in a float."""
    result = parse(text).evaluate({"x": x})
    assert result.value == value
    assert all(math.isfinite(g) for g in result.gradients.values())


def _program_and_rows(name: str) -> tuple[str, list[dict[str, float]]]:
    op = FUNCTIONS[name]
    names = ("x", "y", "z")[: op.arity]
    rng = np.random.default_rng(len(name))
    rows = []
    for _ in range(200):
        row = dict(zip(names, rng.uniform(-3.0, 3.0, op.arity).round(3).tolist(), strict=True))
        rows.append(row)
    rows += [dict.fromkeys(names, 0.0), dict.fromkeys(names, 1.0), dict.fromkeys(names, -1.0)]
    return f"{name}({', '.join(names)})", rows


def _scalar(text: str, row: dict[str, float]) -> tuple[float, dict[str, float]] | None:
    try:
        result = parse(text).evaluate(row)
    except EvaluationError:
        return None
    return result.value, result.gradients


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("fast", [False, True], ids=["exact", "fast-math"])
def test_blocks_agree_with_eval(name: str, fast: bool) -> None:
    """--points blocks give eval's value and gradients: bit for bit (exact) or within 1e-13 relative (fast-math)."""
    text, rows = _program_and_rows(name)
    program = parse(text)
    names = list(program.variables)
    block = np.array([[row[n] for n in names] for row in rows])
    program.bind(dict.fromkeys(names, 0.5))
    value, gradients, suspect = BlockEvaluator(program, names, fast_math=fast).evaluate(block)
    compared = 0
    for index, row in enumerate(rows):
        if suspect[index]:
            continue
        expected = _scalar(text, row)
        assert expected is not None, (text, row)
        ours = [float(value[index]), *(float(g[index]) for g in gradients)]
        theirs = [expected[0], *(expected[1][n] for n in names)]
        if fast:
            assert all(math.isclose(a, b, rel_tol=1e-13, abs_tol=1e-300) for a, b in zip(ours, theirs, strict=True))
        else:
            assert [float.hex(a) for a in ours] == [float.hex(b) for b in theirs], (text, row)
        compared += 1
    # Functions with a narrow domain (acos, acosh) keep about a third of the rows.
    assert compared >= 60


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_points_command_output_is_evals_bit_for_bit(name: str) -> None:
    """`eval --points` through the whole command prints eval's numbers for every row, errors included."""
    text, rows = _program_and_rows(name)
    names = list(parse(text).variables)
    csv = ",".join(names) + "\n" + "".join(",".join(repr(row[n]) for n in names) + "\n" for row in rows[:60])
    out = io.StringIO()
    skipped: list[str] = []
    stream_points(parse(text), {}, io.BytesIO(csv.encode()), out, on_bad_row=lambda error: skipped.append(str(error)))
    lines = out.getvalue().splitlines()[1:]
    scalar = [_scalar(text, row) for row in rows[:60]]
    assert len(lines) == sum(1 for s in scalar if s is not None)
    printed = iter(lines)
    for row, expected in zip(rows[:60], scalar, strict=True):
        if expected is None:
            continue
        fields = next(printed).split(",")
        assert [float(f) for f in fields[-1 - len(names) :]] == [expected[0], *(expected[1][n] for n in names)], row


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_explain_numbers_are_evals_and_drawings_label_every_edge(name: str) -> None:
    """explain's gradients are eval's bit for bit, and a drawing labels each edge with the function's derivative."""
    text, rows = _program_and_rows(name)
    program = parse(f"L = {text} * 2")
    for row in rows[:20]:
        try:
            evaluation = program.evaluate(row)
        except EvaluationError:
            continue
        explanation = explain(program, evaluation)
        by_label = {step.label: step.grad for step in explanation.steps}
        assert [by_label[n] for n in evaluation.gradients] == list(evaluation.gradients.values())
        source = draw(program.nodes, edge_derivatives=True).source
        assert "label=" in source and name.split("_", maxsplit=1)[0] in source


def test_functions_command_lists_everything() -> None:
    """`exprgrad functions` lists every function and constant; --format json gives arity, formulas and conventions."""
    table = run("functions")
    assert table.exit_code == 0
    for name in FUNCTIONS:
        assert name in table.stdout
    assert "pi" in table.stdout and "At kinks, ties and jumps" in table.stdout
    document = json.loads(run("functions", "--format", "json").stdout)
    functions = {entry["name"]: entry for entry in document["functions"]}
    assert set(functions) >= {op.name for op in FUNCTIONS.values() if op.notation == "call"}
    assert functions["atan2"]["arity"] == 2 and functions["atan2"]["derivatives"] == {
        "y": "x / hypot(y, x) / hypot(y, x)",
        "x": "-y / hypot(y, x) / hypot(y, x)",
    }
    # A composition whose steps' partials read simply (where's halves) shows them rather than "that of ...".
    assert functions["where"]["derivatives"] == {"c": "0", "a": "when(c, 1)", "b": "unless(c, 1)"}
    assert functions["log"]["aliases"] == ["ln"]
    assert functions["max"]["conventions"] == [
        {"where": "x == y", "rule": "d/dx = d/dy = 1/2 (the gradient is split)", "kink": True}
    ]
    assert document["constants"] == [
        {"name": "pi", "value": math.pi, "description": "the ratio of a circle's circumference to its diameter"}
    ]


def test_value_methods_match_torch_style_calls() -> None:
    """Value methods take their other inputs as Values or numbers: y.atan2(x), x.clamp(0, 1), x.leaky_relu()."""
    x, y = Value(-0.5, label="x"), Value(2.0, label="y")
    result = y.atan2(x) + x.clamp(0, 1) + x.leaky_relu() + x.max(y) + x.hypot(3)
    result.backward()
    assert result.data == math.atan2(2.0, -0.5) + 0.0 + -0.005 + 2.0 + math.hypot(-0.5, 3)
    assert x.grad == pytest.approx(-2.0 / 4.25 + 0.0 + 0.01 + 0.0 + -0.5 / math.hypot(-0.5, 3))


@pytest.mark.parametrize("b", [1.0, 0.5])
def test_pow_mixed_second_derivative_at_base_zero_is_refused(b: float) -> None:
    """a**b at a = 0 with b <= 1: d2/da db = a**(b-1) * (b*log(a) + 1) is infinite, so --order 2 is a math error."""
    result = run("eval", "a**b", "--a", "0", "--b", repr(b), "--order", "2", "--format", "json")
    assert result.exit_code == 1
    assert "cannot differentiate" in result.stderr
    if b == 1.0:
        assert "the mixed second derivative of x**y is infinite at x = 0 for y <= 1" in result.stderr


@pytest.mark.parametrize("b", [2.0, 1.5, 3.0])
def test_pow_hessian_at_base_zero_is_symmetric_where_finite(b: float) -> None:
    """a**b at a = 0 with b > 1 (where d2/da2 is finite too): both mixed entries are 0, the limit of the formula."""
    if b < 2.0:
        with pytest.raises(EvaluationError):
            parse("a**b").hessian({"a": 0.0, "b": b})
        return
    hessian = parse("a**b").hessian({"a": 0.0, "b": b})
    assert hessian["a"]["b"] == hessian["b"]["a"] == 0.0
    assert hessian["a"]["a"] == (2.0 if b == 2.0 else 0.0)


@pytest.mark.parametrize(
    ("arguments", "kinked", "reason"),
    [
        (["max(x, y) * 3", "--x", "1", "--y", "1"], ["x", "y"], "max(x, y) is at its kink (x == y)"),
        (["floor(z) + z", "--z", "2"], ["z"], "floor(z) is at its kink (z is whole)"),
        (["clamp(x, 0, 1) * w", "--x", "0", "--w", "2"], ["x"], "is at its kink"),
        (["leaky_relu(x, s)", "--x", "0", "--s", "0.1"], ["x"], "there leaky_relu(x, slope) takes d/dx = slope"),
        (["atan2(y, x)", "--x", "0", "--y", "0"], ["y", "x"], "atan2(y, x) is at its kink (y == 0 and x == 0)"),
    ],
)
def test_check_reports_every_kind_of_kink(arguments: list[str], kinked: list[str], reason: str) -> None:
    """check says `not differentiable` for the variables that reach a kink, tie or jump, and names the convention."""
    result = run("check", *arguments, "--format", "json")
    variables = {entry["name"]: entry for entry in json.loads(result.stdout)["variables"]}
    assert sorted(name for name, entry in variables.items() if entry["verdict"] == "not differentiable") == sorted(
        kinked
    )
    assert any(reason in entry["reason"] for entry in variables.values())
