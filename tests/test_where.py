"""`where(c, a, b)`: a lazy choice. Only the chosen branch matters; every path that evaluates a program agrees."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy

from exprgrad import EvaluationError, Value, parse
from exprgrad.checking import check_gradients
from exprgrad.engine import forward
from exprgrad.explain import explain
from exprgrad.vectorized import BlockEvaluator

from .cli_helpers import run

X = sympy.Symbol("x", real=True)


def _error(text: str, **values: float) -> str:
    with pytest.raises(EvaluationError) as raised:
        parse(text).evaluate(values)
    return str(raised.value)


def test_the_chosen_branch_gives_the_value_and_the_gradient() -> None:
    """where(c, a, b) is a where c != 0, else b, and its gradient is the chosen branch's."""
    program = parse("where(x - 1, 3*x, x*x)")
    assert program.evaluate({"x": 2.0}).value == 6.0
    assert program.evaluate({"x": 2.0}).gradients == {"x": 3.0}
    assert program.evaluate({"x": 1.0}).value == 1.0
    assert program.evaluate({"x": 1.0}).gradients == {"x": 2.0}


def test_sinc_is_defined_at_0_with_derivative_0() -> None:
    """where(x, sin(x)/x, 1): 1 at 0 with slope 0 (PyTorch and JAX give NaN gradients for the same program)."""
    program = parse("where(x, sin(x)/x, 1)")
    result = program.evaluate({"x": 0.0})
    assert (result.value, result.gradients) == (1.0, {"x": 0.0})
    assert program.hessian({"x": 0.0}) == {"x": {"x": 0.0}}
    near = program.evaluate({"x": 1e-4})
    assert math.isclose(near.value, 1.0, rel_tol=1e-8)
    assert abs(near.gradients["x"]) < 1e-4


def test_a_branch_not_chosen_may_fail() -> None:
    """log(x) and sqrt(x) of a negative x, 1/0, and an overflow behind the branch not chosen are no errors."""
    assert parse("where(step(x), log(x), 2*x)").evaluate({"x": -1.0}).value == -2.0
    assert parse("where(step(x), 0, sqrt(-x) + 1/x)").evaluate({"x": 4.0}).value == 0.0
    assert parse("where(x, 1/x, 0)").evaluate({"x": 0.0}).value == 0.0
    assert parse("where(step(x - 800), exp(x), 0)").evaluate({"x": -1000.0}).value == 0.0
    assert parse("where(step(x - 800), 0, exp(x))").evaluate({"x": 1000.0}).value == 0.0


def test_a_chosen_branch_that_fails_gives_the_error_eval_gives_without_where() -> None:
    """The message is the one of the failing node, as in a program without `where`."""
    assert _error("where(step(-x), log(x), 1)", x=-1.0) == _error("log(x) + step(-x)", x=-1.0)
    assert "math error at node 'log(x)' (log of x = -1.0)" in _error("where(step(-x), log(x), 1)", x=-1.0)
    # The first failing node that is needed, in order: sqrt is not needed here, log is.
    message = _error("where(step(x), sqrt(x), 0) + log(x)", x=-1.0)
    assert message.startswith("math error at node 'log(x)'")


def test_a_failure_a_statement_or_an_output_needs_is_an_error() -> None:
    """Every statement is needed, as without `where`; and so is an output named by --output."""
    assert "log" in _error("a = log(x); b = where(step(x), 1, 2)", x=-1.0)
    program = parse("a = log(x); b = where(step(x), a, 2)")
    assert program.evaluate({"x": -1.0}).value == 2.0
    with pytest.raises(EvaluationError, match="log"):
        program.evaluate({"x": -1.0}, outputs=["a"])
    with pytest.raises(EvaluationError, match="log"):
        program.evaluate({"x": -1.0}, outputs=["b", "a"])


def test_nodes_not_evaluated_are_nan_with_gradient_0() -> None:
    """A node only a branch not chosen needs is NaN in the snapshot (shown as not evaluated) and gets no gradient."""
    program = parse("y*where(step(x), exp(sqrt(x)) + log(x), x*x)")
    result = program.evaluate({"x": -2.0, "y": 3.0})
    assert result.value == 12.0
    assert result.gradients == {"y": 4.0, "x": -12.0}
    labels = [node.label for node in program.nodes]
    for label in ("sqrt(x)", "exp(sqrt(x))", "log(x)", "exp(sqrt(x)) + log(x)"):
        index = labels.index(label)
        assert math.isnan(result.data[index]), label
        assert result.grads[index] == 0.0, label
    assert all(
        not math.isnan(value)
        for label, value in zip(labels, result.data, strict=True)
        if "sqrt" not in label and "log" not in label
    )


def test_programs_without_where_are_not_lazy() -> None:
    """Only a program with a lazy node takes the lazy forward pass; the parser says which."""
    assert not parse("log(x) * sin(x)").lazy
    assert parse("where(x, 1, 2)").lazy
    assert parse("when(x, 1)").lazy
    assert parse("f(u) = where(u, u, 1); f(x) + 1").lazy


def test_second_derivatives_behind_a_branch_not_chosen_are_not_taken() -> None:
    """The Hessian differentiates the chosen branch only, even through a varying gradient."""
    program = parse("y*where(step(x), exp(sqrt(x)), x**3)")
    assert program.hessian({"x": -1.0, "y": 2.0}) == {"y": {"y": 0.0, "x": 3.0}, "x": {"y": 3.0, "x": -12.0}}
    chosen = program.hessian({"x": 4.0, "y": 2.0})
    reference = parse("y*exp(sqrt(x))").hessian({"x": 4.0, "y": 2.0})
    assert chosen == reference


@pytest.mark.parametrize(
    ("text", "reference", "points"),
    [
        ("where(step(x), log(x), x**2)", sympy.Piecewise((sympy.log(X), X > 0), (X**2, True)), (-2.0, -0.5, 0.5, 3.0)),
        (
            "where(x - 1, sin(x)/(x - 1), 1)",
            sympy.Piecewise((sympy.sin(X) / (X - 1), sympy.Ne(X, 1)), (1, True)),
            (-1.0, 0.5, 2.0),
        ),
        ("when(step(x), sqrt(x))*3", sympy.Piecewise((3 * sympy.sqrt(X), X > 0), (0, True)), (-1.0, 0.25, 4.0)),
        ("unless(step(x), exp(x))", sympy.Piecewise((0, X > 0), (sympy.exp(X), True)), (-1.0, -0.1, 2.0)),
    ],
)
def test_where_matches_sympy_piecewise(text: str, reference: sympy.Expr, points: tuple[float, ...]) -> None:
    """Value, first and second derivative agree with SymPy's Piecewise away from the jump."""
    program = parse(text)
    for x in points:
        result = program.evaluate({"x": x})
        substitution = {X: sympy.Float(x, 50)}
        assert math.isclose(result.value, float(reference.evalf(30, subs=substitution)), rel_tol=1e-13)
        first = float(sympy.diff(reference, X).evalf(30, subs=substitution))
        assert math.isclose(result.gradients["x"], first, rel_tol=1e-12, abs_tol=1e-15), (text, x)
        second = float(sympy.diff(reference, X, 2).evalf(30, subs=substitution))
        assert math.isclose(program.hessian({"x": x})["x"]["x"], second, rel_tol=1e-11, abs_tol=1e-14), (text, x)


def test_value_where_is_eager_and_differentiable() -> None:
    """c.where(a, b), micrograd style: both branches exist already; the gradient goes to the chosen one."""
    x = Value(2.0)
    a, b = x * x, x * 3
    out = (x - 2).where(a, b)
    out.backward()
    assert out.data == 6.0 and x.grad == 3.0
    y = Value(-1.0)
    chosen = y.step().where(y * 10, y.exp())
    chosen.backward()
    assert chosen.data == math.exp(-1.0) and y.grad == math.exp(-1.0)
    assert Value(0.0).when(5).data == 0.0 and Value(1.0).unless(5).data == 0.0


def test_check_gives_no_false_failure_and_says_where_it_jumps() -> None:
    """A where condition that is flat here (step(x) at x = -1) is no kink; at the jump the check says so."""
    program = parse("where(step(x), log(x), 2*x)")
    program.evaluate({"x": -1.0})
    (result,) = check_gradients(program, {"x": -1.0}, program.evaluate({"x": -1.0}).gradients)
    assert result.verdict == "ok"
    outcome = run("check", "where(step(x), log(x), 2*x)", "--x", "0")
    assert "not differentiable" in outcome.stdout
    sinc = run("check", "where(x - 0.5, sin(x)/(x - 0.5), 1)", "--x", "2")
    assert sinc.exit_code == 0, sinc.stdout


def test_explain_shows_the_chosen_branch() -> None:
    """explain over a where program: the gradient of the node not evaluated is 0, its term is not computed."""
    program = parse("where(step(x), sqrt(x), 2*x)")
    evaluation = program.evaluate({"x": -1.0})
    explanation = explain(program, evaluation)
    text = str(explanation)
    assert "nan" not in text.lower()
    outcome = run("explain", "where(step(x), sqrt(x), 2*x)", "--x", "-1")
    assert outcome.exit_code == 0 and "nan" not in outcome.stdout.lower()


def test_outputs_mark_nodes_not_evaluated() -> None:
    """Table: `not evaluated`; JSON: data null; CSV: empty data."""
    text, options = "where(step(x), log(x), 2*x)", ("--x", "-1")
    table = run("eval", text, *options)
    assert table.exit_code == 0 and "not evaluated" in table.stdout and "nan" not in table.stdout
    document = json.loads(run("eval", text, *options, "--format", "json").stdout)
    log_node = next(node for node in document["nodes"] if node["label"] == "log(x)")
    assert log_node["data"] is None and log_node["grad"] == 0.0
    csv_text = run("eval", text, *options, "--format", "csv").stdout
    assert "2,log(x),log,,0,0,log(x)" in csv_text.splitlines()
    jacobian = json.loads(run("eval", text, *options, "--output", "x", "--format", "json").stdout)
    assert all(node["data"] is not None or node["label"] == "log(x)" for node in jacobian["nodes"])


def test_points_agree_with_single_evaluations(tmp_path: Path) -> None:
    """--points (arrays, and the scalar engine for rows a branch not chosen makes non-finite) gives eval's numbers."""
    text = "y*where(step(x), sqrt(x) + log(x), x*x)"
    program = parse(text)
    rows = [(-1.0, 2.0), (0.0, 1.0), (4.0, 3.0), (-0.5, -1.0)]
    table = tmp_path / "points.csv"
    table.write_text("x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in rows))
    outcome = run("eval", text, "--points", str(table))
    assert outcome.exit_code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()[1:]
    for (x, y), line in zip(rows, lines, strict=True):
        expected = parse(text).evaluate({"x": x, "y": y})
        numbers = [float(word) for word in line.split(",")]
        assert numbers[2:] == [expected.value, *expected.gradients.values()], line
    evaluator = BlockEvaluator(program, ["x", "y"])
    values, _, suspect = evaluator.evaluate(np.array(rows))
    # Rows where the branch not chosen is not finite go to the scalar engine; the others are exact here.
    assert suspect.tolist() == [True, True, False, True]
    assert values[2] == program.evaluate({"x": 4.0, "y": 3.0}).value


def test_batch_evaluates_where_programs() -> None:
    """exprgrad batch runs a where program whose branch not chosen fails."""
    request = {"command": "eval", "program": "where(step(x), log(x), 2*x)", "values": {"x": -1}}
    outcome = run("batch", input=json.dumps(request) + "\n")
    assert outcome.exit_code == 0, outcome.stderr
    response = json.loads(outcome.stdout.splitlines()[0])
    assert response["exit_code"] == 0 and response["result"]["value"] == -2.0


def test_lazy_forward_keeps_the_eager_message_and_order() -> None:
    """Without a lazy node the engine's forward pass is the one that runs, and it fails at the first failing node."""
    program = parse("a = log(x); b = sqrt(x); a + b")
    program.bind({"x": -1.0})
    with pytest.raises(EvaluationError, match="log"):
        forward(program.nodes)
    with pytest.raises(EvaluationError, match="log"):
        program.forward()


def test_nothing_is_differentiated_twice_behind_a_zero_partial() -> None:
    """eval's Hessian, like diff's, does not enter a node behind a partial that is the number 0 (step's here)."""
    program = parse("y*step(sqrt(x))")
    assert program.hessian({"x": 0.0, "y": 1.0}) == {"y": {"y": 0.0, "x": 0.0}, "x": {"y": 0.0, "x": 0.0}}
    with pytest.raises(EvaluationError, match="cannot differentiate twice"):
        parse("y*sqrt(x)").hessian({"x": 0.0, "y": 0.0})
