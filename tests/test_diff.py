"""`exprgrad diff`: generated derivatives agree with eval in every target, and the output stays readable and small."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exprgrad import ops
from exprgrad.codegen import TARGETS, c_code, generate, javascript, numpy_code, python_code
from exprgrad.parser import parse
from exprgrad.symbolic import differentiate

from .cli_helpers import run
from .diff_helpers import (
    Results,
    agree,
    documented_difference,
    eval_results,
    generated,
    load_python,
    run_c,
    run_exprgrad,
    run_js,
    run_numpy,
    run_python,
)
from .strategies import Expr, bindings, expressions

SLOW = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
FAST = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


def _ulps(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / math.ulp(max(abs(a), abs(b)))


@FAST
@given(expressions(), bindings())
def test_diff_then_eval_gives_evals_gradients_and_hessian(expr: Expr, point: dict[str, float]) -> None:
    """Evaluating the generated exprgrad program gives eval's value exactly, its gradients within 4 ulps, Hessian."""
    program, code = generated(expr.text, "exprgrad", order=2)
    expected = eval_results(program, point, 2)
    actual = run_exprgrad(code, point)
    if expected is None:
        return
    if actual is None:
        assert documented_difference(program, point), (expr.text, point)
        return
    value, first, second = expected
    got_value, got_first, got_second = actual
    assert got_value == value
    assert set(got_first) == set(program.variables)
    for name, derivative in got_first.items():
        # A last-bit difference of a term is many ulps of a result that cancels to near 0: then 1e-14 absolute.
        near = _ulps(derivative, first[name]) <= 4 or abs(derivative - first[name]) <= 1e-14
        assert near, (name, derivative, first[name])
    for row, columns in got_second.items():
        for column, entry in columns.items():
            assert math.isclose(entry, second[row][column], rel_tol=1e-12, abs_tol=1e-12), (row, column)


@FAST
@given(expressions(), bindings())
def test_generated_python_computes_what_the_generated_program_computes(expr: Expr, point: dict[str, float]) -> None:
    """The Python target gives the exprgrad target's numbers bit for bit: the same functions in the same order."""
    _, code = generated(expr.text, "exprgrad", order=2)
    _, python = generated(expr.text, "python", order=2)
    assert run_python(python, point) == run_exprgrad(code, point)


@SLOW
@given(expressions(), st.lists(bindings(), min_size=1, max_size=6))
def test_generated_numpy_agrees_with_eval_element_wise(expr: Expr, points: list[dict[str, float]]) -> None:
    """The NumPy target over arrays of points agrees with eval at each point."""
    program, code = generated(expr.text, "numpy", order=2)
    function = load_python(code).f
    arguments = {code.variables[name]: np.array([p[name] for p in points]) for name in program.variables}
    value, first, second = function(**arguments)
    # A program without variables gives plain numbers: the arguments' broadcast shape is ().
    shape = (len(points),)
    value = np.broadcast_to(value, shape)
    first = {v: np.broadcast_to(d, shape) for v, d in first.items()}
    second = {r: {c: np.broadcast_to(x, shape) for c, x in row.items()} for r, row in second.items()}
    for index, point in enumerate(points):
        expected = eval_results(program, point, 2)
        if expected is None:
            continue
        if not math.isfinite(float(value[index])) or not all(math.isfinite(float(d[index])) for d in first.values()):
            assert documented_difference(program, point)
            continue
        got = (
            float(value[index]),
            {v: float(d[index]) for v, d in first.items()},
            {r: {c: float(x[index]) for c, x in row.items()} for r, row in second.items()},
        )
        assert agree(expected, got), (expected, got)


@SLOW
@given(expressions(), st.lists(bindings(), min_size=1, max_size=6))
def test_generated_c_compiles_cleanly_and_agrees_with_eval(expr: Expr, points: list[dict[str, float]]) -> None:
    """The C target compiles with -std=c99 -Wall -Wextra -Werror and agrees with eval at random points."""
    program, code = generated(expr.text, "c", order=2)
    results = run_c(code, points, list(program.variables))
    for point, got in zip(points, results, strict=True):
        expected = eval_results(program, point, 2)
        if expected is not None and got is None:
            assert documented_difference(program, point)
        elif expected is not None:
            assert agree(expected, got), (expected, got)


@SLOW
@given(expressions(), st.lists(bindings(), min_size=1, max_size=6))
def test_generated_javascript_agrees_with_eval(expr: Expr, points: list[dict[str, float]]) -> None:
    """The JavaScript module, run by node, agrees with eval at random points."""
    program, code = generated(expr.text, "js", order=2)
    for point, got in zip(points, run_js(code, points), strict=True):
        expected = eval_results(program, point, 2)
        if expected is not None and got is None:
            assert documented_difference(program, point)
        elif expected is not None:
            assert agree(expected, got), (expected, got)


@FAST
@given(expressions())
def test_latex_is_balanced_and_uses_the_programs_names(expr: Expr) -> None:
    """LaTeX output has balanced braces and writes x1 as x_{1} and every derivative as a partial."""
    program, code = generated(expr.text, "latex")
    text = code.code
    depth = 0
    for character in text.replace("\\{", "").replace("\\}", ""):
        depth += {"{": 1, "}": -1}.get(character, 0)
        assert depth >= 0
    assert depth == 0
    assert text.count("\\left") == text.count("\\right")
    assert text.startswith("\\begin{aligned}") and text.endswith("\\end{aligned}\n")
    assert "x1" not in text.replace("x_{1}", "")
    for name in program.variables:
        shown = "x_{1}" if name == "x1" else name
        assert f"\\partial {shown}}}" in text or f"\\partial {shown}" in text


# -- every op, every target --------------------------------------------------------------------------------------


def _program_of(op: ops.Op) -> str:
    if op is ops.IDENTITY:
        return "u = x*y; v = u"
    if op is ops.NEG:
        return "-x*y"
    if op.notation == ops.INFIX:
        return f"x {op.symbol} y"
    arguments = ", ".join(["x", "y", "0.25"][: op.arity])
    return f"{op.name}({arguments})"


SPELLINGS = {
    "python": python_code.SPELLING,
    "numpy": numpy_code.SPELLING,
    "c": c_code.SPELLING,
    "js": javascript.SPELLING,
}


@pytest.mark.parametrize("target", sorted(SPELLINGS))
def test_every_op_has_a_spelling_in_every_code_target(target: str) -> None:
    """The registry walk: each op of ops.ALL_OPS is written by every target, and each helper it names exists."""
    spelling = SPELLINGS[target]
    helpers = {
        "python": python_code.HELPERS,
        "numpy": numpy_code.HELPERS,
        "c": c_code.HELPERS,
        "js": javascript.HELPERS,
    }[target]
    assert set(spelling) == {op.name for op in ops.ALL_OPS}
    for name, spelled in spelling.items():
        if (
            spelled is not None
            and not spelled.startswith(("math.", "np.", "Math."))
            and target in ("python", "numpy", "js")
        ):
            assert spelled in helpers or spelled == "abs", (name, spelled)
        if target == "c" and spelled is not None and spelled.startswith("eg_"):
            assert spelled in helpers


POINTS = [{"x": x, "y": y} for x, y in [(0.3, 0.7), (-0.4, 1.3), (1.7, -0.2), (0.0, 0.5), (0.5, 0.5), (2.5, 3.0)]]


@pytest.mark.parametrize("op", ops.ALL_OPS, ids=lambda op: op.name)
def test_every_op_agrees_with_eval_in_every_target(op: ops.Op) -> None:
    """Each op's value, gradient and Hessian agree with eval in every target, kinks (x = 0, x = y) included."""
    text = _program_of(op)
    program = parse(text)
    expected = [eval_results(program, point, 2) for point in POINTS]
    _, exprgrad_code = generated(text, "exprgrad", order=2)
    _, python = generated(text, "python", order=2)
    _, numpy = generated(text, "numpy", order=2)
    _, c = generated(text, "c", order=2)
    _, js = generated(text, "js", order=2)
    c_results = run_c(c, POINTS, list(program.variables))
    js_results = run_js(js, POINTS)
    numpy_function = load_python(numpy).f
    for index, point in enumerate(POINTS):
        if expected[index] is None:
            continue
        assert agree(expected[index], run_exprgrad(exprgrad_code, point), rtol=1e-13), point
        assert agree(expected[index], run_python(python, point), rtol=1e-13), point
        assert agree(expected[index], c_results[index]), (point, c_results[index])
        assert agree(expected[index], js_results[index]), (point, js_results[index])
        value, first, second = numpy_function(**{python.variables[n]: np.array([point[n]]) for n in program.variables})
        got = (
            float(value[0]),
            {v: float(d[0]) for v, d in first.items()},
            {r: {c_: float(x[0]) for c_, x in row.items()} for r, row in second.items()},
        )
        assert agree(expected[index], got), (point, got)


# Where eval gives a number though a local derivative is infinite or undefined: 0 times an infinite partial (eval
# passes nothing back through a gradient of 0), d/dy x**y and d/dx x**y at x = 0, atan2 at the origin, and a
# `where` whose branch not chosen fails. Each with the points where eval's Hessian refuses and where it does not.
# Last, choices whose condition fails (NaN in C, JavaScript and NumPy): every target refuses, as eval does, rather
# than take a branch (`c != 0.0` holds for NaN).
CONVENTION_POINTS = [
    ("y*sqrt(x)", {"x": 0.0, "y": 0.0}),
    ("y*sqrt(x)", {"x": 4.0, "y": 0.0}),
    ("y*cbrt(x) + z*asin(x - 1)", {"x": 0.0, "y": 0.0, "z": 0.0}),
    ("x**y", {"x": 0.0, "y": 2.0}),
    ("x**y", {"x": 0.0, "y": 1.0}),
    ("x**y", {"x": 0.0, "y": 0.5}),
    ("x**y", {"x": 0.0, "y": 0.0}),
    ("x**y", {"x": -2.0, "y": 3.0}),
    ("x**y*z", {"x": 0.0, "y": 3.0, "z": 2.0}),
    ("atan2(y, x)", {"x": 0.0, "y": 0.0}),
    ("atan2(y, x)*z + x", {"x": 0.0, "y": 0.0, "z": 1.5}),
    ("where(step(x), log(x), 2*x)", {"x": -1.0}),
    ("where(x, sin(x)/x, 1)", {"x": 0.0}),
    ("y*where(step(x), sqrt(x), x*x)", {"x": -1.0, "y": 3.0}),
    ("where(step(x), sqrt(x), x*x) + where(step(-x), sqrt(-x), 1)", {"x": 0.0}),
    # A piecewise-constant partial (max's, abs's) that is 0: eval's Hessian differentiates nothing behind it, but
    # does behind x times it.
    ("max(sqrt(y), 3)", {"y": 0.0}),
    ("abs(sin(cbrt(x)))", {"x": 0.0}),
    ("x*max(sqrt(y), 3)", {"x": 2.0, "y": 0.0}),
    ("where(log(x), 1, 2)", {"x": -1.0}),
    ("y*where(sqrt(x) - 1, y, 2*y)", {"x": -1.0, "y": 3.0}),
    ("when(log(x), y) + unless(log(x), y)*y", {"x": -1.0, "y": 3.0}),
    # Nor does a comparison (step, relu, max, ...) of a NaN take a side.
    ("step(sqrt(x)) + relu(log(x)) + sign(log(x)) + x", {"x": -1.0}),
    ("max(log(x), 1) + x", {"x": -1.0}),
    ("clamp(log(x), 0, 1) + x", {"x": -1.0}),
    ("leaky_relu(1, log(x)) + x", {"x": -1.0}),
]


@pytest.mark.parametrize(("text", "point"), CONVENTION_POINTS)
def test_convention_points_agree_with_eval_in_every_target(text: str, point: dict[str, float]) -> None:
    """At the points where a local derivative is infinite or undefined, every target gives eval's numbers, or
    refuses (a ValueError, or NaN and infinities) where eval refuses; with --order 2 its Hessian too."""
    program = parse(text)
    for order in (1, 2):
        expected = eval_results(program, point, order)
        _, exprgrad_code = generated(text, "exprgrad", order=order)
        _, python = generated(text, "python", order=order)
        _, numpy = generated(text, "numpy", order=order)
        _, c = generated(text, "c", order=order)
        _, js = generated(text, "js", order=order)
        assert agree(expected, run_exprgrad(exprgrad_code, point), rtol=1e-13), (text, order, exprgrad_code.code)
        assert agree(expected, run_python(python, point), rtol=1e-13), (text, order, python.code)
        assert agree(expected, run_numpy(numpy, point)), (text, order, numpy.code)
        assert agree(expected, run_c(c, [point], list(program.variables))[0]), (text, order, c.code)
        assert agree(expected, run_js(js, [point])[0]), (text, order, js.code)


def test_eval_refuses_the_infinite_second_derivatives_at_the_convention_points() -> None:
    """The points above include both kinds: eval's Hessian refuses x**y at x = 0 for y <= 1, and at 0 * sqrt(0)."""
    assert eval_results(parse("x**y"), {"x": 0.0, "y": 0.5}, 2) is None
    assert eval_results(parse("x**y"), {"x": 0.0, "y": 1.0}, 2) is None
    assert eval_results(parse("x**y"), {"x": 0.0, "y": 2.0}, 2) == (
        0.0,
        {"x": 0.0, "y": 0.0},
        {"x": {"x": 2.0, "y": 0.0}, "y": {"x": 0.0, "y": 0.0}},
    )
    assert eval_results(parse("y*sqrt(x)"), {"x": 0.0, "y": 0.0}, 2) is None
    assert eval_results(parse("y*sqrt(x)"), {"x": 0.0, "y": 0.0}, 1) == (0.0, {"y": 0.0, "x": 0.0}, {})


def test_relu_kink_is_eval_convention_in_every_target() -> None:
    """relu'(0) = 0 and abs'(0) = 0, as eval takes them, in every code target."""
    text = "relu(x) + abs(x)"
    point = {"x": 0.0}
    assert run_python(generated(text, "python")[1], point) == (0.0, {"x": 0.0}, {})
    assert run_c(generated(text, "c")[1], [point], ["x"]) == [(0.0, {"x": 0.0}, {})]
    assert run_js(generated(text, "js")[1], [point]) == [(0, {"x": 0}, {})]


# -- readability ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "derivative"),
    [
        ("x**2*sin(x)", "x**2*cos(x) + 2*x*sin(x)"),
        ("x**3", "3*x**2"),
        ("exp(2*x)", "2*out"),
        ("log(x)", "1/x"),
        ("sin(x)*cos(x)", "cos(x)*cos(x) - sin(x)*sin(x)"),
        ("relu(x)", "step(x)"),
        ("1/x", "-out/x"),
    ],
)
def test_small_programs_give_the_formula_a_person_would_write(text: str, derivative: str) -> None:
    """Constants folded, x*1, x+0, 0*x and x**1 gone: the derivative of a small program is one short formula."""
    result = run("diff", text, "--wrt", "x")
    assert result.exit_code == 0, result.stderr
    assert f"d_x = {derivative}\n" in result.stdout


def test_the_generated_program_is_a_program_with_the_original_output() -> None:
    """`exprgrad eval` of the generated program gives the original's output and value."""
    code = run("diff", "L = (a*b + c) * f").stdout
    original = json.loads(
        run("eval", "L = (a*b + c) * f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2", "--format", "json").stdout
    )
    rerun = json.loads(run("eval", code, "--a", "2", "--b", "-3", "--c", "10", "--f", "-2", "--format", "json").stdout)
    assert (rerun["output"], rerun["value"]) == (original["output"], original["value"])
    labels = {node["label"]: node["data"] for node in rerun["nodes"]}
    assert {v: labels[f"d_{v}"] for v in "abcf"} == original["gradients"]


def test_guards_are_written_without_a_sign_and_a_choice_once() -> None:
    """-g is 0 exactly where g is, so its guard tests g; a choice inside the same choice is written once."""
    lines = generated("y*sqrt(x)", "exprgrad", order=2)[1].code.splitlines()
    assert "d2_x_x = when(t2, -t2*d2_y_x)" in lines
    lines = generated("x**y", "exprgrad", order=2)[1].code.splitlines()
    assert "d2_y_y = when(x, when(log(x), t4*log(x)))" in lines


def test_a_subexpression_used_twice_is_named_once() -> None:
    """A shared call is computed once in code targets; its forward value is reused by the derivative."""
    code = generated("tanh(x*y)", "python")[1].code
    assert code.count("math.tanh(") == 1
    assert "out = math.tanh(x*y)" in code


def test_existing_names_get_a_numeric_suffix() -> None:
    """d_x is renamed only when the program already uses that name."""
    result = run("diff", "d_x = 2*x; y = d_x*x", "--format", "json")
    document = json.loads(result.stdout)
    assert document["derivatives"] == {"x": "d_x_1"}
    assert "d_x_1 = " in document["code"]


@pytest.mark.parametrize(
    ("target", "name"),
    [("python", "lambda"), ("c", "int"), ("c", "double"), ("js", "in"), ("js", "function"), ("c", "in")],
)
def test_reserved_names_are_renamed_deterministically(target: str, name: str) -> None:
    """A variable named like a keyword of the target is renamed, the same way every time, and the code still runs."""
    text = f"{name}*{name} + x"
    first = generated(text, target)[1]
    again = generated(text, target)[1]
    assert first.code == again.code
    spelled = first.variables[name]
    assert spelled != name and spelled.startswith(("v_", name))
    point = {name: 1.5, "x": 0.5}
    if target == "python":
        assert run_python(first, point) == (2.75, {name: 3.0, "x": 1.0}, {})
    elif target == "c":
        assert run_c(first, [point], [name, "x"]) == [(2.75, {name: 3.0, "x": 1.0}, {})]
    else:
        assert run_js(first, [point]) == [(2.75, {name: 3, "x": 1}, {})]


def test_python_docstring_names_the_renamed_arguments() -> None:
    """A variable Python reserves is an argument under another name, and the module's docstring says which."""
    code = generated("lambda*x", "python")[1]
    assert "Arguments renamed (Python or this module uses the name): lambda as lambda_1." in code.code
    assert "shape as shape_1." in generated("shape*x", "numpy")[1].code
    assert "Arguments renamed" not in generated("y*x", "python")[1].code


def test_program_values_are_defaults_in_python_and_javascript() -> None:
    """A value written in the program (`a = -2.5`) is the default argument in Python and in JavaScript."""
    text = "a = -2.5\nL = a*x + in*x"
    point = {"x": 2.0, "in": 1.0}
    assert run_python(generated(text, "python")[1], point) == (-3.0, {"a": 2.0, "x": -1.5, "in": 2.0}, {})
    javascript = generated(text, "js")[1]
    assert run_js(javascript, [point]) == [(-3, {"a": 2, "x": -1.5, "in": 2}, {})]


def test_json_contract() -> None:
    """--format json: target, code, derivatives and the Hessian's names, each symmetric pair once."""
    result = run("diff", "x*y*y", "--order", "2", "--to", "c", "--format", "json")
    document = json.loads(result.stdout)
    assert document["target"] == "c"
    assert document["derivatives"] == {"x": "d_x", "y": "d_y"}
    assert document["hessian"] == {
        "x": {"x": "d2_x_x", "y": "d2_x_y"},
        "y": {"x": "d2_x_y", "y": "d2_y_y"},
    }
    assert "double f(const double *in, double *grad, double *hessian)" in document["code"]


def test_wrt_is_repeatable_and_limits_the_derivatives() -> None:
    """--wrt names the variables differentiated, in the order given."""
    document = json.loads(run("diff", "a*b*c", "--wrt", "c", "--wrt", "a", "--format", "json").stdout)
    assert list(document["derivatives"]) == ["c", "a"]


def test_output_chooses_the_statement_differentiated() -> None:
    """--output NAME differentiates that statement, as eval's --output does, and the code returns its value."""
    program = "e = x*y\nL = e + sin(x)"
    assert run("diff", program, "--output", "e").stdout == "e = x*y\nL = e + sin(x)\nd_x = y\nd_y = x\ne\n"
    document = json.loads(run("diff", program, "--output", "e", "--to", "c", "--format", "json").stdout)
    assert document["output"] == "e" and document["code"].endswith("    return e;\n}\n")


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    """-o writes the code to a file and nothing to stdout; a failed run leaves an existing file as it was."""
    path = tmp_path / "grad.c"
    result = run("diff", "x*y", "--to", "c", "-o", str(path))
    assert result.exit_code == 0 and result.stdout == ""
    assert path.read_text().startswith("/* Generated by exprgrad diff")
    failed = run("diff", "x*", "--to", "c", "-o", str(path))
    assert failed.exit_code == 2
    assert path.read_text().startswith("/* Generated by exprgrad diff")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x*y", "--wrt", "z"], "--wrt z: not a variable of the program (its variables: x, y)"),
        (["x*y", "--to", "fortran"], "--to fortran: not a target"),
        (["x*y", "--x", "2"], "diff writes formulas and takes no values (got --x)"),
        (["x*y", "--to", "c", "--name", "double"], "--name double: not usable as a function name in c"),
        (["e = x*y; L = e + 1", "--output", "q"], "--output q: no statement or variable named q"),
        (["e = x*y; L = e + 1", "--output", "e", "--output", "L"], "diff takes one --output"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    """Usage errors: one line on stderr, exit code 2, nothing on stdout."""
    result = run("diff", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("exprgrad: error: ") and message in result.stderr


# -- size and depth --------------------------------------------------------------------------------------------------


def _chain(n: int) -> str:
    # A long chain of different operations: each node feeds the next.
    parts = ["x"]
    for index in range(n):
        parts.append(["sin(", "tanh(", "exp(-"][index % 3])
    return "".join(parts[1:]) + "y*x" + ")" * n


def test_generated_size_grows_linearly() -> None:
    """Ten times the nodes give about ten times the code in every target (names grow by a digit: 12x allowed)."""
    for target in TARGETS:
        small = len(generate(differentiate(parse(_chain(300))), target).code)
        large = len(generate(differentiate(parse(_chain(3000))), target).code)
        assert large < 12 * small, (target, small, large)


def test_deep_programs_need_no_recursion() -> None:
    """A 10,000-deep chain is differentiated and printed with the recursion limit at 200."""
    program = parse(_chain(10_000))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        for target in TARGETS:
            assert generate(differentiate(program), target).code
    finally:
        sys.setrecursionlimit(limit)


def test_no_statement_nests_deeply() -> None:
    """Long inline expressions are broken into named statements: no line nests more than a few parentheses."""
    code = generate(differentiate(parse(_chain(2000))), "python").code
    deepest = max(len(re.findall(r"\(", line)) for line in code.splitlines())
    assert deepest < 40


def test_c_helpers_all_compile() -> None:
    """Every C helper compiles with -Wall -Wextra -Werror when used."""
    text = " + ".join(_program_of(op).split(";")[-1] if op.notation == ops.CALL else "x" for op in ops.ALL_OPS)
    program, code = generated(text, "c")
    run_c(code, [{"x": 0.3, "y": 0.7}], list(program.variables))


def test_javascript_erf_and_erfc_are_accurate() -> None:
    """The written-out erf and erfc agree with C's (Python's math) to 1e-13, relative, across [-6, 6]."""
    xs = [index / 500 - 6.0 for index in range(6001)]
    _, code = generated("erf(x) + erfc(x)", "js")
    module = code.code.replace("export function", "function")
    runner = f"{module}\nconsole.log(JSON.stringify({json.dumps(xs)}.map((x) => [eg_erf(x), eg_erfc(x)])));\n"
    import subprocess

    done = subprocess.run(["node", "--input-type=module", "-e", runner], capture_output=True, text=True, check=True)
    for x, (erf, erfc) in zip(xs, json.loads(done.stdout), strict=True):
        assert math.isclose(erf, math.erf(x), rel_tol=1e-13, abs_tol=1e-300), x
        assert math.isclose(erfc, math.erfc(x), rel_tol=1e-13), x


def test_latex_escapes_underscores_in_function_names() -> None:
    """clamp_max, leaky_relu and log_sigmoid are written with `\\_` (a bare `_` would typeset a subscript)."""
    text = generated("clamp(x, 0, 1) + leaky_relu(x, 0.1) + log_sigmoid(x) + max(x, 2)", "latex")[1].code
    assert "\\operatorname{clamp\\_max}" in text and "\\operatorname{leaky\\_relu}" in text
    assert "\\operatorname{log\\_sigmoid}" in text and "\\max\\left(" in text
    assert re.search(r"\\operatorname\{[^}]*[^\\]_", text) is None


def test_latex_names_with_many_parts_need_no_recursion() -> None:
    """A name of 2,000 underscore-separated letters nests as subscripts, written in a loop."""
    name = "_".join(["a"] * 2000)
    text = generated(f"{name}*2", "latex")[1].code
    assert "a_{" * 1999 + "a" + "}" * 1999 in text


def test_greek_and_unicode_names() -> None:
    """Greek names print as LaTeX's letters (spelled or typed); C and JS spell other letters in ASCII and still run."""
    latex = generated("alpha*x1 + θ*Omega", "latex")[1].code
    assert "\\alpha \\cdot x_{1} + \\theta \\cdot \\Omega" in latex
    assert "\\frac{\\partial \\mathrm{out}}{\\partial \\theta}" in latex
    point = {"α": 2.0, "x1": 3.0, "θ": 0.5}
    expected: Results = (6.5, {"α": 3.0, "x1": 2.0, "θ": 1.0}, {})
    assert run_c(generated("α*x1 + θ", "c")[1], [point], ["α", "x1", "θ"]) == [expected]
    assert run_js(generated("α*x1 + θ", "js")[1], [point]) == [expected]
    assert run_python(generated("α*x1 + θ", "python")[1], point) == expected


@FAST
@given(
    st.sampled_from(ops.ALL_OPS),
    st.floats(min_value=-3.0, max_value=3.0).map(lambda v: round(v, 3)),
    st.floats(min_value=-3.0, max_value=3.0).map(lambda v: round(v, 3)),
)
# atan2's mixed second derivative at x = y cancels to -7e-12 in eval (its terms are 5.6e4) and is 0 in the code.
@example(ops.ATAN2, 0.003, 0.003)
def test_every_op_at_random_points(op: ops.Op, x: float, y: float) -> None:
    """For every op at random points (ties and zeros included by rounding): diff then eval agrees with eval."""
    text = _program_of(op)
    program, code = generated(text, "exprgrad", order=2)
    point = {"x": x, "y": y}
    expected = eval_results(program, point, 2)
    actual = run_exprgrad(code, point)
    if expected is None:
        return
    if actual is None:
        # The documented difference (README, diff): a local derivative that overflows behind a gradient of 0.
        assert documented_difference(program, point), (text, point)
        return
    assert agree(expected, actual, rtol=1e-12), (text, point, expected, actual)
    assert run_python(generated(text, "python", order=2)[1], point) == actual
