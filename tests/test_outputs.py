"""Any named node as the output, several outputs as a Jacobian, and values in the program as defaults."""

from __future__ import annotations

import json
import math

import pytest
import sympy
from hypothesis import assume, given

import exprgrad
from exprgrad import EvaluationError, parse

from .cli_helpers import run
from .conventions import at_any_kink
from .strategies import SYMBOLS, Expr, bindings, expressions

PROGRAM = "e = a*b; d = e + c; L = d*f"
VALUES = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}


def _two_outputs(first: Expr, second: Expr) -> str:
    return f"u = {first.text}\nv = {second.text}\nout = u*v + x1"


@given(expressions(max_leaves=6), expressions(max_leaves=6), bindings())
def test_jacobian_rows_are_single_output_evaluations_bit_for_bit(
    first: Expr, second: Expr, values: dict[str, float]
) -> None:
    """Each row of the Jacobian is exactly what a program ending at that output gives, and the values too."""
    text = _two_outputs(first, second)
    program = parse(text)
    # `u = 2` makes u a variable with a value of its own, which stays.
    used = {name: values[name] for name in program.variables if name in values}
    try:
        evaluation = program.evaluate(used, outputs=["v", "u", "out"])
    except EvaluationError:
        assume(False)
    for name, ending in (("u", f"{text}\nu"), ("v", f"{text}\nv"), ("out", text)):
        alone = parse(ending).evaluate(used)
        assert evaluation.values[name] == alone.value
        assert evaluation.jacobian[name] == alone.gradients
    # The first output named is the evaluation's own, and every node's grad is left as its gradient.
    assert evaluation.output == "v"
    assert evaluation.gradients == evaluation.jacobian["v"]
    assert evaluation.grads == evaluation.output_grads["v"]
    assert list(evaluation.jacobian) == ["v", "u", "out"]


@given(expressions(max_leaves=6), expressions(max_leaves=6), bindings())
def test_jacobian_matches_sympy(first: Expr, second: Expr, values: dict[str, float]) -> None:
    """jacobian[output][variable] against SymPy's symbolic derivative of each output."""
    program = parse(_two_outputs(first, second))
    # `u = 2` makes u a variable with a value of its own, which stays.
    used = {name: values[name] for name in program.variables if name in values}
    try:
        jacobian = program.evaluate(used, outputs=["u", "v"]).jacobian
    except EvaluationError:
        assume(False)
    # At a kink or a tie (relu at 0, min(a, b) at a == b) exprgrad's convention and SymPy's differ.
    assume(not at_any_kink(program))
    substitution = {SYMBOLS[name]: sympy.Float(values[name], 30) for name in SYMBOLS}
    for name, expression in (("u", first.sym), ("v", second.sym)):
        for variable, ours in jacobian[name].items():
            if variable not in SYMBOLS:
                # `v = 2`: v is an input with a value of its own, and the output itself.
                assert ours == (1.0 if variable == name else 0.0)
                continue
            reference = float(sympy.diff(expression, SYMBOLS[variable]).evalf(30, subs=substitution))
            assert math.isclose(ours, reference, rel_tol=1e-7, abs_tol=1e-9), (name, variable)


def test_one_hessian_per_output_is_each_outputs_own() -> None:
    """`hessians` gives, per output, exactly the Hessian of a program ending at that output."""
    text = "u = a*a*b; v = sin(a)*b + b*b"
    program = parse(text)
    hessians = program.hessians({"a": 0.5, "b": 2.0}, ["u", "v"])
    assert hessians["u"] == parse(f"{text}; u").hessian({"a": 0.5, "b": 2.0})
    assert hessians["v"] == parse(text).hessian({"a": 0.5, "b": 2.0})
    assert hessians["u"] == {"a": {"a": 4.0, "b": 1.0}, "b": {"a": 1.0, "b": 0.0}}


def test_any_named_node_or_variable_can_be_the_output() -> None:
    """with_output picks a statement or a variable; the graph is shared, the output differs."""
    program = parse(PROGRAM)
    assert program.with_output("e").evaluate(VALUES).gradients == {"a": -3.0, "b": 2.0, "c": 0.0, "f": 0.0}
    assert program.with_output("a").evaluate(VALUES).gradients == {"a": 1.0, "b": 0.0, "c": 0.0, "f": 0.0}
    assert program.with_output("e").nodes is program.nodes
    assert program.output_name == "L"


def test_an_unknown_output_names_the_statements() -> None:
    """A name that is neither a statement nor a variable is refused, with a suggestion and the statements."""
    with pytest.raises(exprgrad.BindingError) as caught:
        parse(PROGRAM).with_output("dd")
    assert str(caught.value) == (
        "--output dd: no statement or variable named dd (did you mean d? the program's statements: e, d, L)"
    )
    with pytest.raises(exprgrad.BindingError, match="given twice"):
        parse(PROGRAM).evaluate(VALUES, outputs=["e", "e"])
    with pytest.raises(exprgrad.BindingError, match="sq is a function; name a statement"):
        parse("sq(x) = x*x; L = sq(a)").with_output("sq")


def test_values_in_the_program_are_defaults() -> None:
    """`a = 2` is used unless a value is given: the given one wins; computed names refuse one."""
    program = parse("a = 2; b = a*3")
    assert program.evaluate({}).value == 6.0
    assert program.evaluate({"a": 5}).value == 15.0
    assert program.free_variables == []
    with pytest.raises(exprgrad.BindingError) as caught:
        program.evaluate({"b": 1})
    assert str(caught.value) == "b is computed by the program, so it takes no value; give values to its variables (a)"


# -- the command line ----------------------------------------------------------------------------------------------


def test_cli_output_picks_a_statement() -> None:
    """--output e differentiates e instead of the last statement, in every command."""
    args = [PROGRAM, *(f"--{name}={value}" for name, value in VALUES.items()), "--output", "e"]
    assert run("grad", *args, "--wrt", "a").stdout == "-3\n"
    document = json.loads(run("eval", *args, "--format", "json").stdout)
    assert (document["output"], document["value"], document["gradients"]["b"]) == ("e", -6.0, 2.0)
    assert run("explain", *args).stdout.startswith("de/de = 1\n")
    checked = run("check", *args, "--format", "json")
    assert checked.exit_code == 0, checked.stdout
    assert [entry["autodiff"] for entry in json.loads(checked.stdout)["variables"]][:2] == [-3.0, 2.0]


def test_cli_jacobian_in_json_csv_table_and_grad() -> None:
    """Repeated --output: jacobian[output][variable] in JSON, a column per output in CSV and the table."""
    args = [PROGRAM, *(f"--{name}={value}" for name, value in VALUES.items()), "--output", "e", "--output", "L"]
    document = json.loads(run("eval", *args, "--format", "json").stdout)
    assert list(document) == ["outputs", "values", "jacobian", "nodes"]
    assert document["jacobian"] == {
        "e": {"a": -3.0, "b": 2.0, "c": 0.0, "f": 0.0},
        "L": {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0},
    }
    assert document["values"] == {"e": -6.0, "L": -8.0}
    assert document["nodes"][0] == {
        "id": 0,
        "label": "a",
        "op": "",
        "data": 2.0,
        "grads": {"e": -3.0, "L": 6.0},
        "inputs": [],
    }
    csv = run("eval", *args, "--format", "csv").stdout.splitlines()
    assert csv[0] == "id,label,op,data,grad_e,grad_L,inputs"
    assert csv[3] == "2,e,mul,-6.0,1.0,-2.0,0 1"
    table = run("eval", *args).stdout.splitlines()
    assert table[0].split() == ["node", "┃", "op", "┃", "data", "┃", "grad", "e", "┃", "grad", "L"]
    assert table[-2:] == ["e = -6", "L = -8"]
    assert run("grad", *args, "--wrt", "a").stdout == "e\ta\t-3\nL\ta\t6\n"
    second = run("grad", *args, "--order", "2", "--wrt", "a", "--wrt", "b").stdout
    assert second.splitlines() == [
        "e\ta\ta\t0",
        "e\ta\tb\t1",
        "e\tb\ta\t1",
        "e\tb\tb\t0",
        "L\ta\ta\t0",
        "L\ta\tb\t-2",
        "L\tb\ta\t-2",
        "L\tb\tb\t0",
    ]


def test_cli_hessians_per_output() -> None:
    """--order 2 with several outputs: hessians[output] in JSON, one Hessian table per output."""
    args = ["u = a*a*b; v = a*b*b", "--a", "2", "--b", "3", "--output", "u", "--output", "v", "--order", "2"]
    document = json.loads(run("eval", *args, "--format", "json").stdout)
    assert document["hessians"] == {
        "u": {"a": {"a": 6.0, "b": 4.0}, "b": {"a": 4.0, "b": 0.0}},
        "v": {"a": {"a": 0.0, "b": 6.0}, "b": {"a": 6.0, "b": 4.0}},
    }
    table = run("eval", *args).stdout
    assert "Hessian: d2u/d(row) d(column)" in table and "Hessian: d2v/d(row) d(column)" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", PROGRAM, "--output", "q"], "--output q: no statement or variable named q"),
        (["check", PROGRAM, "--output", "e", "--output", "L"], "check takes one --output; run it once per output"),
        (["explain", PROGRAM, "--output", "e", "--output", "d"], "explain takes one --output"),
        (["eval", PROGRAM, "--output", "e", "--output", "L", "--points", "-"], "--points evaluates one output"),
        (["eval", PROGRAM, "--output", "e", "--output", "L", "--dot", "x.dot"], "draw one output's gradients"),
        (["eval", PROGRAM, "--output", "e", "--output", "L", "--order", "2", "--format", "csv"], "no place for them"),
        (["eval", "a = 2; b = a*3", "--b", "1"], "b is computed by the program, so it takes no value"),
    ],
)
def test_cli_output_usage_errors(args: list[str], message: str) -> None:
    """Usage errors about outputs and computed names: one line, exit code 2."""
    values = [f"--{name}={value}" for name, value in VALUES.items()] if args[1] == PROGRAM else []
    result = run(*args, *values)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_defaults_are_overridden_on_the_command_line_and_in_points() -> None:
    """`a = 2` with --a 5 uses 5; a --points column for a also overrides it."""
    assert run("grad", "a = 2; b = a*3; b*c", "--a", "5", "--c", "1", "--wrt", "c").stdout == "15\n"
    result = run("eval", "a = 2; a*b", "--points", "-", input="a,b\n1,2\n")
    assert result.stdout == "a,b,value,grad_a,grad_b\n1.0,2.0,2.0,2.0,1.0\n"
