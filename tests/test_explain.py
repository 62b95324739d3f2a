"""`exprgrad explain`: the chain-rule step of every node, exact golden text, JSON, and numbers equal to eval's."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

from hypothesis import assume, given
from rich.console import Console

from exprgrad import EvaluationError, parse
from exprgrad.explain import CHAIN, CONSTANT, OUTPUT, UNUSED, explain
from exprgrad.explain_output import equation, print_explanation
from exprgrad.textform import local_formula

from .cli_helpers import NEURON, WALKTHROUGH, run
from .strategies import Expr, bindings, expressions

GOLDEN = Path(__file__).parent / "golden"


def _bits(x: float | None) -> bytes | None:
    return None if x is None else struct.pack("<d", x)


def test_walkthrough_steps_match_golden() -> None:
    """L = (a*b + c) * f: one equation per node, output first, symbols then numbers, byte for byte."""
    result = run("explain", *WALKTHROUGH)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "explain_walkthrough.txt").read_text(encoding="utf-8")
    assert "dL/d(a*b) = dL/d(a*b + c) * d(a*b + c)/d(a*b) = -2 * 1 = -2\n" in result.stdout


def test_neuron_steps_match_golden() -> None:
    """The tanh neuron shows tanh's local derivative as the formula 1 - o**2 and its exact value."""
    result = run("explain", *NEURON)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "explain_neuron.txt").read_text(encoding="utf-8")
    assert "do/dn = 1 - o**2 = 0.4999999999999998\n" in result.stdout


def test_node_used_twice_is_a_sum_of_paths() -> None:
    """a*a at a=3: the gradient of a is the sum of its two paths, as text and as JSON."""
    result = run("explain", "a*a", "--a", "3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "explain_square.txt").read_text(encoding="utf-8")
    assert "d(a*a)/da = a + a = 3 + 3 = 6\n" in result.stdout
    result = run("explain", "a*a", "--a", "3", "--format", "json")
    assert result.stdout == (GOLDEN / "explain_square.json").read_text(encoding="utf-8")


def test_named_steps_read_as_in_the_issue() -> None:
    """With named intermediates the steps read dL/dd = f = -2 and dL/de = dL/dd * dd/de = -2 * 1 = -2."""
    result = run("explain", "e = a*b; d = e + c; L = d*f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2")
    lines = result.stdout.splitlines()
    assert lines[:3] == ["dL/dL = 1", "dL/df = d = 4", "dL/dd = f = -2"]
    assert "dL/de = dL/dd * dd/de = -2 * 1 = -2" in lines
    assert "dL/da = dL/de * de/da = -2 * b = -2 * -3 = 6" in lines


def test_json_lists_every_step_as_data() -> None:
    """JSON: output, value, and one step per node with kind, symbol, grad, terms and the equation's text."""
    result = run("explain", *WALKTHROUGH, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["output", "value", "steps"]
    steps = document["steps"]
    assert [s["label"] for s in steps] == ["L", "f", "a*b + c", "c", "a*b", "b", "a"]
    assert steps[0]["kind"] == OUTPUT and steps[0]["grad"] == 1.0
    b = steps[5]
    assert b["terms"] == [
        {
            "user": 2,
            "input": 1,
            "upstream_symbol": "dL/d(a*b)",
            "local_symbol": "d(a*b)/db",
            "formula": "a",
            "upstream": -2.0,
            "local": 2.0,
            "value": -4.0,
        }
    ]
    assert b["equation"] == "dL/db = dL/d(a*b) * d(a*b)/db = -2 * a = -2 * 2 = -4"


def test_constants_and_unused_nodes_are_explained() -> None:
    """A constant takes no gradient (grad null); a node nothing uses gets 0; a zero gradient passes nothing back."""
    program = parse("u = a*3; y = relu(a*b) + b")
    explanation = explain(program, program(a=-1, b=2))
    kinds = {step.label: step.kind for step in explanation.steps}
    assert kinds == {"y": OUTPUT, "b": CHAIN, "relu(a*b)": CHAIN, "a*b": CHAIN, "a": CHAIN, "u": UNUSED, "3": CONSTANT}
    by_label = {step.label: step for step in explanation.steps}
    assert by_label["3"].grad is None
    assert equation(by_label["3"], "y") == "dy/d3 = none (3 is a constant)"
    assert equation(by_label["u"], "y") == "dy/du = 0 (u is not used by y)"
    # relu is flat at a*b = -2, so a*b's gradient is 0 and its inputs' terms from it are skipped.
    assert equation(by_label["a"], "y") == ("dy/da = dy/d(a*b) * d(a*b)/da + dy/du * du/da = 0 * b + 0 * 3 = 0 + 0 = 0")
    assert [term.local for term in by_label["a"].terms] == [None, None]


def test_formulas_come_from_the_registry_with_labels() -> None:
    """Every op's formula is written with its node's labels, parenthesised where a label is not a plain name."""
    program = parse("p = (a + b)**c; q = sigmoid(p); r = log(q) / sqrt(a)")
    nodes = {node.label: node for node in program.nodes}
    # pow's formulas as people read them (`Op.written`): its conventions at a + b = 0 are in the table of kinks.
    assert local_formula(nodes["p"], 0) == "c * (a + b)**(c - 1)"
    assert local_formula(nodes["p"], 1) == "p * log(a + b)"
    assert local_formula(parse("q = (a + b)**3").output, 0) == "3 * (a + b)**(3 - 1)"
    # A whole argument of a call takes no parentheses.
    chosen = parse("w = when(a - b, a)").output
    assert local_formula(chosen, 1) == "when(a - b, 1)"
    assert local_formula(nodes["q"], 0) == "q * (1 - q)"
    assert local_formula(nodes["r"], 1) == "-r/sqrt(a)"
    assert local_formula(nodes["sqrt(a)"], 0) == "1 / (2*sqrt(a))"


def test_plain_text_when_piped_and_colour_on_a_terminal() -> None:
    """Piped output has no escape codes; a colour console styles the symbols; NO_COLOR turns colour off."""
    result = run("explain", *WALKTHROUGH)
    assert "\x1b[" not in result.stdout
    program = parse("L = a*b")
    explanation = explain(program, program(a=2, b=3))
    coloured = io.StringIO()
    print_explanation(Console(file=coloured, force_terminal=True, color_system="truecolor"), explanation)
    assert "\x1b[" in coloured.getvalue()
    plain = io.StringIO()
    print_explanation(Console(file=plain, force_terminal=True, no_color=True), explanation)
    assert "\x1b[3" not in plain.getvalue()


def test_precision_rounds_the_numbers() -> None:
    """--precision N shows N significant digits, as eval does."""
    result = run("explain", *NEURON, "--precision", "3")
    assert "do/dx1 = do/d(x1*w1) * d(x1*w1)/dx1 = 0.5 * w1 = 0.5 * -3 = -1.5\n" in result.stdout


def test_errors_are_reported_like_eval() -> None:
    """A syntax error exits 2, a missing value exits 2, a math error exits 1; never a traceback."""
    assert run("explain", "a*").exit_code == 2
    missing = run("explain", "a*b", "--a", "1")
    assert missing.exit_code == 2 and "no value for b" in missing.stderr
    math_error = run("explain", "log(a)", "--a", "-1")
    assert math_error.exit_code == 1 and math_error.stderr.startswith("exprgrad: error: math error")


def test_bindings_from_file_and_var() -> None:
    """The program can come from -f and values from --var, as with eval."""
    result = run("explain", "-f", "-", "--var", "svg=2", input="y = svg*3")
    assert result.exit_code == 0, result.stderr
    assert "dy/dsvg = 3\n" in result.stdout


@given(expressions(), bindings())
def test_numbers_agree_bit_for_bit_with_eval(expr: Expr, values: dict[str, float]) -> None:
    """Every step's gradient, and the sum of its terms, are the very doubles eval computes."""
    program = parse(expr.text)
    try:
        evaluation = program.evaluate({name: values[name] for name in program.variables})
    except EvaluationError:
        assume(False)
        raise
    explanation = explain(program, evaluation)
    assert sorted(step.node for step in explanation.steps) == list(range(len(program.nodes)))
    for step in explanation.steps:
        assert _bits(step.grad) == _bits(evaluation.grads[step.node]), (expr.text, step.label)
        if step.kind == CHAIN:
            total = 0.0
            for term in step.terms:
                if term.value is not None:
                    total += term.value
            assert _bits(total) == _bits(step.grad)


def test_explain_has_help() -> None:
    """exprgrad explain --help describes the command and its example; exprgrad --help lists it."""
    result = run("explain", "--help")
    assert result.exit_code == 0
    assert "chain-rule step" in result.stdout and "exprgrad explain" in result.stdout
    assert "explain" in run("--help").stdout
