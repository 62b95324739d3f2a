"""micrograd's constructor and per-node `_backward()` on exprgrad's Value (exprgrad.micrograd_compat)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings

from exprgrad import EvaluationError, Value, parse

from .strategies import Expr, bindings, expressions


def test_micrograd_leaf_constructor() -> None:
    """Value(data, (), '') and Value(data, (), '', label=...) make leaves, as micrograd's do."""
    leaf = Value(1.0, (), "")
    named = Value(2.0, (), "", "x")
    assert (leaf.data, leaf.label, leaf.inputs, leaf.op, leaf.needs_grad) == (1.0, "", (), None, True)
    assert (named.label, named._op, named._prev) == ("x", "", set())


def test_exprgrads_own_positional_label_still_works() -> None:
    """Value(2.0, "a"), exprgrad's form from before the micrograd signature, still labels the leaf."""
    assert Value(2.0, "a").label == "a" and Value(2.0, "a").inputs == ()


@pytest.mark.parametrize(
    ("op_text", "arity", "name"),
    [("+", 2, "add"), ("*", 2, "mul"), ("-", 1, "neg"), ("-", 2, "sub"), ("tanh", 1, "tanh"), ("ReLU", 1, "relu")],
)
def test_micrograd_op_nodes(op_text: str, arity: int, name: str) -> None:
    """Value(data, children, _op) makes a node of the registry's op with that symbol or name, data as given."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    node = Value(0.25, (a, b)[:arity], op_text)
    assert node.op is not None and node.op.name == name
    assert node.inputs == (a, b)[:arity] and node.data == 0.25 and node.needs_grad


def test_micrograd_power_with_the_exponent_in_the_op_text() -> None:
    """micrograd's `**2` node has one child; the exponent becomes a constant input that takes no gradient."""
    x = Value(3.0, label="x")
    square = Value(9.0, (x,), "**2")
    assert square.op is not None and square.op.name == "pow"
    assert square.second is not None and (square.second.data, square.second.needs_grad) == (2.0, False)
    square.grad = 1.0
    square._backward()
    assert x.grad == 6.0


@pytest.mark.parametrize(
    ("children", "op_text", "error", "message"),
    [
        (1, "foo", ValueError, "Value: no op 'foo' of 1 input (the ops: "),
        (1, "**two", ValueError, "Value: cannot read the exponent of '**two'"),
        (2, "tanh", ValueError, "Value: no op 'tanh' of 2 inputs"),
    ],
)
def test_micrograd_constructor_errors(children: int, op_text: str, error: type[Exception], message: str) -> None:
    """An op the registry does not have, or of another arity, is a clear error, not a silent leaf."""
    a = Value(1.0)
    with pytest.raises(error) as raised:
        Value(1.0, (a, a)[:children], op_text)
    assert str(raised.value).startswith(message)


def test_a_string_with_an_op_is_refused() -> None:
    """Children given as a string together with an op are a TypeError."""
    with pytest.raises(TypeError, match="_children must be Values"):
        Value(1.0, "ab", "+")


def test_backward_of_a_leaf_or_a_zero_gradient_does_nothing() -> None:
    """A leaf's _backward() is a no-op, as micrograd's default lambda; a node with grad 0 passes nothing back."""
    a = Value(2.0)
    a._backward()
    product = a * a
    product._backward()
    assert a.grad == 0.0


def test_backward_accumulates_like_micrograd() -> None:
    """_backward() adds to the inputs' gradients (a + a gives a.grad 2), and repeating it adds again."""
    a = Value(3.0)
    total = a + a
    total.grad = 1.0
    total._backward()
    assert a.grad == 2.0
    total._backward()
    assert a.grad == 4.0


def test_backward_step_reports_an_infinite_derivative() -> None:
    """A local derivative that is infinite is a math error naming the node, as in backward()."""
    a = Value(0.0, label="a")
    root = a.sqrt()
    root.grad = 1.0
    with pytest.raises(EvaluationError, match=r"math error at node 'sqrt\(a\)' .*cannot differentiate"):
        root._backward()


@settings(max_examples=200, deadline=None)
@given(expressions(), bindings())
def test_backward_steps_from_the_output_give_backward_bit_for_bit(expr: Expr, values: dict[str, float]) -> None:
    """Setting the output's grad to 1 and calling _backward() on every node from the output back gives exactly the
    gradients backward() gives, for any program."""
    program = parse(expr.text)
    used = {name: value for name, value in values.items() if name in program.variables}
    try:
        expected = program.evaluate(used)
    except EvaluationError:
        assume(False)
        return
    for node in program.nodes:
        node.grad = 0.0
    program.output.grad = 1.0
    try:
        for node in reversed(program.nodes):
            node._backward()
    except EvaluationError:
        pytest.fail("backward() succeeded where the steps failed")
    assert {name: variable.grad for name, variable in program.variables.items()} == expected.gradients
    assert [node.grad for node in program.nodes if node.needs_grad] == [
        grad for grad in expected.grads if grad is not None
    ]
