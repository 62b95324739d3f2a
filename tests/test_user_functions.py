"""User functions: `sq(x) = x*x; L = sq(a + b)`. Calls against the same program written out by hand, labels,
errors with carets, and nesting that costs no Python recursion."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from exprgrad import EvaluationError, ParseError, parse

from .strategies import Expr, bindings, expressions

PARAMETERS = ("a", "b")
_NAME = re.compile(r"[^\W\d]\w*")


def _substituted(body: str, arguments: dict[str, str]) -> str:
    """`body` with each parameter replaced by its argument's text (whole names only, never inside another)."""
    return _NAME.sub(lambda match: arguments.get(match[0], match[0]), body)


def _by_hand(body: Expr, first: Expr, second: Expr) -> str:
    """The program `f(a, b) = body; L = f(first, second) * c`, written out: each argument computed once."""
    statements: list[str] = []
    arguments: dict[str, str] = {}
    for index, (parameter, argument) in enumerate(zip(PARAMETERS, (first, second), strict=True)):
        if _NAME.fullmatch(argument.text) or not argument.sym.free_symbols:
            # A name or a constant is used as it is: a variable is one node, a constant takes no gradient.
            arguments[parameter] = f"({argument.text})"
        else:
            statements.append(f"t{index} = {argument.text}")
            arguments[parameter] = f"t{index}"
    statements.append(f"L = ({_substituted(body.text, arguments)}) * c")
    return "; ".join(statements)


def _evaluate(text: str, values: dict[str, float]) -> tuple[float, dict[str, float]]:
    program = parse(text)
    result = program.evaluate({name: values[name] for name in program.variables})
    return result.value, result.gradients


def _same_numbers(ours: tuple[float, dict[str, float]], by_hand: tuple[float, dict[str, float]]) -> bool:
    """Equal to the last bit; a variable only the call mentions (an argument the body ignores) has gradient 0."""
    value, gradients = ours
    extra = {name: grad for name, grad in gradients.items() if name not in by_hand[1]}
    shared = {name: grad for name, grad in gradients.items() if name in by_hand[1]}
    return value == by_hand[0] and shared == by_hand[1] and all(grad == 0.0 for grad in extra.values())


@given(expressions(max_leaves=6), expressions(max_leaves=3), expressions(max_leaves=3), bindings())
def test_a_call_is_its_body_written_out_bit_for_bit(
    body: Expr, first: Expr, second: Expr, values: dict[str, float]
) -> None:
    """A call gives the value and gradients of its body with the arguments put in, to the last bit."""
    with_function = f"f(a, b) = {body.text}\nL = f({first.text}, {second.text}) * c"
    try:
        expected = _evaluate(_by_hand(body, first, second), values)
    except EvaluationError:
        with pytest.raises(EvaluationError):
            _evaluate(with_function, values)
        return
    assert _same_numbers(_evaluate(with_function, values), expected)


@given(expressions(max_leaves=5), bindings())
def test_functions_calling_functions_match_the_written_out_program(body: Expr, values: dict[str, float]) -> None:
    """g calls f twice: the same numbers as f's body written out at both places."""
    program = f"f(a, b) = {body.text}\ng(a, b) = f(a, b) * f(b, a)\nL = g(x1, w)"
    direct_f = _substituted(body.text, {"a": "x1", "b": "w"})
    swapped_f = _substituted(body.text, {"a": "w", "b": "x1"})
    by_hand = f"L = ({direct_f}) * ({swapped_f})"
    try:
        expected = _evaluate(by_hand, values)
    except EvaluationError:
        assume(False)
    assert _same_numbers(_evaluate(program, values), expected)


def test_the_issue_example() -> None:
    """The example of issue 12: sq of a neuron's error, against the same formula written out."""
    values = {"x1": 0.5, "w1": -1.5, "b1": 0.25, "y": 0.3}
    with_functions = "sq(x) = x*x; neuron(x, w, b) = tanh(x*w + b); L = sq(neuron(x1, w1, b1) - y)"
    by_hand = "t = tanh(x1*w1 + b1) - y; L = t*t"
    assert _evaluate(with_functions, values) == _evaluate(by_hand, values)


def test_each_call_builds_its_own_nodes_labelled_by_the_call() -> None:
    """Two calls make two copies of the body; the result is labelled with the call's text, the rest with it too."""
    program = parse("sq(x) = x*x + 1; L = sq(a) + sq(b)")
    labels = [node.label for node in program.nodes]
    assert labels == ["a", "sq(a): x*x", "sq(a): 1", "sq(a)", "b", "sq(b): x*x", "sq(b): 1", "sq(b)", "L"]


def test_labels_of_calls_within_calls_name_every_call() -> None:
    """A node inside nested calls names the outer call, then the inner one, then its own text in the body."""
    program = parse("sq(x) = x*x; quartic(y) = sq(y) + 1; L = quartic(a)")
    assert [node.label for node in program.nodes] == [
        "a",
        "quartic(a): sq(y)",
        "quartic(a): 1",
        "L",
    ]
    deeper = parse("sq(x) = x*x - 1; quartic(y) = sq(y) + 1; L = quartic(a)")
    assert "quartic(a): sq(y): x*x" in [node.label for node in deeper.nodes]


def test_call_labels_stay_short() -> None:
    """However deep the calls, a label keeps its ends and loses its middle past a fixed length."""
    depth = 40
    text = "f0(x) = x*x\n" + "".join(f"f{i}(x) = f{i - 1}(x) + 1\n" for i in range(1, depth)) + f"L = f{depth - 1}(a)"
    labels = [node.label for node in parse(text).nodes]
    assert max(map(len, labels)) <= 96
    # The innermost call's result, inside every other call: the outermost call first, the innermost last.
    assert any(label.startswith(f"f{depth - 1}(a): ") and label.endswith(": f0(x)") for label in labels)


def test_the_body_reads_program_variables_and_earlier_names() -> None:
    """A body may use the program's variables and names assigned before the definition."""
    program = parse("k = 2*m; scaled(x) = x*k + bias; L = scaled(a)")
    assert list(program.variables) == ["m", "bias", "a"]
    result = program.evaluate({"m": 3, "bias": 1, "a": 5})
    assert result.value == 31.0
    assert result.gradients == {"m": 10.0, "bias": 1.0, "a": 6.0}


def test_parameters_hide_variables_of_the_same_name_inside_the_body_only() -> None:
    """A parameter named like a program variable is the argument inside the body; outside, the variable."""
    program = parse("x = 3; double(x) = 2*x; L = double(y) + x")
    assert program.evaluate({"y": 10}).value == 23.0


def test_a_function_with_an_unused_parameter_or_a_constant_body() -> None:
    """Unused parameters are allowed; a constant body gives a constant; an identity body gives the argument."""
    assert parse("first(x, y) = x; L = first(a, b)").evaluate({"a": 2, "b": 3}).gradients == {"a": 1.0, "b": 0.0}
    assert parse("one(x) = 1; L = a*one(a)").evaluate({"a": 2}).gradients == {"a": 1.0}
    program = parse("same(x) = x; L = same(a)")
    assert program.evaluate({"a": 4}).value == 4.0


def test_a_definition_may_span_lines_inside_parentheses() -> None:
    """Parameters and arguments may be wrapped over lines."""
    text = "neuron(x,\n       w,\n       b) = tanh(\n  x*w + b\n)\nL = neuron(\n  a, 2,\n  1)"
    assert parse(text).evaluate({"a": 0.0}).value == parse("L = tanh(a*2 + 1)").evaluate({"a": 0.0}).value


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("sq(x) = x*x; sq(1, 2)", 1, 14, "sq takes 1 argument, got 2 (sq(x) is defined on line 1)"),
        ("f(x, y) = x\nf(1)", 2, 1, "f takes 2 arguments, got 1 (f(x, y) is defined on line 1)"),
        ("f(x, x) = x; f(1, 2)", 1, 6, "parameter x appears twice in the definition of f"),
        ("f(exp) = 1; f(2)", 1, 3, "parameter exp of f would hide the built-in function exp; rename it"),
        ("f(pi) = 1; f(2)", 1, 3, "parameter pi of f would hide the built-in constant pi; rename it"),
        ("g(x) = x; f(g) = 1; f(2)", 1, 13, "parameter g of f would hide the function g; rename it"),
        ("f(x + 1) = x; f(2)", 1, 3, "a parameter of f must be a name, got 'x + 1'"),
        ("sin(x) = x; sin(1)", 1, 1, "sin is a built-in function; give your function another name"),
        ("f(x) = x\nf(x) = 2*x\nf(1)", 2, 1, "f is defined twice (first on line 1); use a new name"),
        ("v = 2; v(x) = x; 1", 1, 8, "v is a variable in the program; give the function another name"),
        ("y = a*2; y(x) = x; 1", 1, 10, "y is a name assigned in the program; give the function another name"),
        ("L = a; f(x) = x*a; f = 2", 1, 20, "f is a function (defined on line 1) and cannot be assigned"),
        ("f(x) = x; f + 1", 1, 11, "f is a function: call it as f(...)"),
        ("f(x) = f(x) + 1; f(2)", 1, 8, "f cannot call itself: a function's body uses only earlier functions"),
        ("L = g(2); g(x) = x", 1, 11, "g is called (line 1, column 5) before its definition; define it first"),
        ("f(x) = x*2", 1, 11, "the program only defines functions: add an expression to evaluate, e.g. L = f(x)"),
    ],
)
def test_definition_errors_point_at_the_place(text: str, line: int, column: int, message: str) -> None:
    """Wrong arity, shadowing, repetition, recursion and misuse are errors with a line and column."""
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.message.startswith(message)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_a_definition_error_shows_a_caret() -> None:
    """The rendered message has the line and a caret under the parameter at fault."""
    with pytest.raises(ParseError) as caught:
        parse("f(x, x) = x\nf(1, 2)")
    assert str(caught.value) == "1:6: parameter x appears twice in the definition of f\n  f(x, x) = x\n       ^"


def test_parameters_leave_no_variables_behind() -> None:
    """Parameters are read like a call's arguments; they do not become variables of the program."""
    program = parse("f(x, y) = x*y; L = f(a, 2)")
    assert list(program.variables) == ["a"]
    assert [node.label for node in program.nodes] == ["a", "2", "L"]


def test_10000_nested_calls_do_not_recurse() -> None:
    """sq(sq(...sq(x)...)) 10,000 deep parses and differentiates without Python recursion."""
    depth = 10_000
    program = parse("sq(x) = x*x\n" + "sq(" * depth + "a" + ")" * depth)
    assert len(program.nodes) == depth + 1
    assert program.nodes[1].label == "sq(a)"
    # Every square of -1 is 1; the gradient, -(2**10000), overflows: a clean error, after a complete forward pass.
    with pytest.raises(EvaluationError, match="gradient overflows"):
        program.evaluate({"a": -1.0})
    assert [node.data for node in program.nodes] == [-1.0] + [1.0] * depth


def test_10000_nested_calls_exact_gradient() -> None:
    """Nested calls of a linear function: d/da of f(f(...f(a)...)) with f(x) = x + 1 is exactly 1."""
    depth = 10_000
    result = parse("f(x) = x + 1\n" + "f(" * depth + "a" + ")" * depth).evaluate({"a": 0.0})
    assert result.value == float(depth)
    assert result.gradients == {"a": 1.0}


def test_a_chain_of_1000_functions_each_calling_the_previous() -> None:
    """f1 calls f0, f2 calls f1, ... f999: definitions record expanded bodies, so nothing recurses."""
    count = 1_000
    text = "f0(x) = x + 1\n" + "".join(f"f{i}(x) = f{i - 1}(x) + 1\n" for i in range(1, count)) + f"f{count - 1}(a)"
    result = parse(text).evaluate({"a": 0.5})
    assert result.value == count + 0.5
    assert result.gradients == {"a": 1.0}


def test_recorded_bodies_keep_their_statement_order() -> None:
    """Statements after a definition see the program as if the definition had made no nodes."""
    program = parse("a2 = a*2; f(x) = x + a2; b2 = f(b)")
    assert [node.label for node in program.nodes] == ["a", "2", "a2", "b", "b2"]
    assert program.evaluate({"a": 1, "b": 3}).value == 5.0


@given(st.integers(min_value=1, max_value=6))
def test_arity_messages_count_in_words(count: int) -> None:
    """The arity message says 'argument' for one and 'arguments' for more."""
    parameters = ", ".join(f"p{i}" for i in range(count))
    with pytest.raises(ParseError) as caught:
        parse(f"f({parameters}) = p0; f()")
    noun = "argument" if count == 1 else "arguments"
    assert f"f takes {count} {noun}, got 0" in caught.value.message


_PIECES = [
    "f",
    "g",
    "x",
    "y",
    "a",
    "pi",
    "exp",
    "2",
    "(",
    ")",
    ",",
    "=",
    "+",
    "*",
    ";",
    "\n",
    " ",
    "f(x) = ",
    "g(x, y) = ",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
def test_any_text_with_definitions_parses_or_is_a_parse_error(text: str) -> None:
    """Scrambled definitions and calls never escape as anything but a ParseError, and a parsed graph is sound."""
    try:
        program = parse(text)
    except ParseError:
        return
    # Every node's inputs come before it, every variable is in the graph once, and no parameter is left behind.
    position = {id(node): index for index, node in enumerate(program.nodes)}
    assert len(position) == len(program.nodes)
    for index, node in enumerate(program.nodes):
        assert all(position[id(child)] < index for child in node.inputs)
    assert all(id(node) in position for node in program.variables.values())
    assert id(program.output) in position


def _doubling(levels: int) -> str:
    """Functions each calling the one before twice: `levels` short lines that build 2**levels nodes."""
    lines = ["f0(x) = x + 1"] + [f"f{i}(x) = f{i - 1}(x) * f{i - 1}(x)" for i in range(1, levels)]
    return "; ".join([*lines, f"f{levels - 1}(a)"])


def test_a_program_whose_calls_copy_too_many_nodes_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls copy their bodies: past the node limit the call is refused with a caret, before memory runs out."""
    from exprgrad import parser

    monkeypatch.setattr(parser, "MAX_COPIED_NODES", 1000)
    assert len(parse(_doubling(6)).nodes) < 1000
    with pytest.raises(ParseError, match="copies more than 1,000 nodes"):
        parse(_doubling(40))
