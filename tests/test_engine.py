"""The Value engine used as a library, micrograd style."""

from __future__ import annotations

import math

import pytest

from exprgrad import EvaluationError, Value
from exprgrad.engine import topological_order


def test_reference_expression_from_the_walkthrough() -> None:
    """L = (a*b + c) * f at a=2, b=-3, c=10, f=-2 gives the walk-through's numbers."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    assert (e.data, d.data, L.data) == (-6.0, 4.0, -8.0)
    assert (a.grad, b.grad, c.grad, f.grad, e.grad, d.grad) == (6.0, -4.0, -2.0, 4.0, -2.0, -2.0)


def test_neuron_from_the_walkthrough() -> None:
    """The tanh neuron: o = 0.7071..., do/dn = 0.5 and the weights' gradients."""
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-15)
    assert math.isclose(n.grad, 0.5, rel_tol=1e-12)
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    got = {"x1": x1.grad, "w1": w1.grad, "x2": x2.grad, "w2": w2.grad, "b": b.grad}
    for name, value in expected.items():
        assert math.isclose(got[name], value, rel_tol=1e-12, abs_tol=1e-15), name


def test_node_used_twice_accumulates() -> None:
    """a*a keeps both edges, so d(a*a)/da = 2a."""
    a = Value(3.0)
    square = a * a
    assert square.inputs == (a, a)
    square.backward()
    assert a.grad == 6.0


def test_backward_twice_gives_the_same_gradients() -> None:
    """A second backward() resets gradients instead of adding to them."""
    a, b = Value(2.0), Value(5.0)
    out = a * b + a
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first == (6.0, 2.0)


def test_numbers_mix_on_both_sides() -> None:
    """Values combine with ints and floats on either side of every operator."""
    v = Value(4.0)
    assert (v + 1).data == (1 + v).data == 5.0
    assert (v - 1).data == 3.0 and (1 - v).data == -3.0
    assert (v * 2).data == (2 * v).data == 8.0
    assert (v / 2).data == 2.0 and (2 / v).data == 0.5
    assert (v**2).data == 16.0 and (2**v).data == 16.0
    assert (-v).data == -4.0 and (+v) is v and abs(Value(-3.0)).data == 3.0


def test_constants_take_no_gradient() -> None:
    """Plain numbers become constants: x**2 never differentiates into the exponent (no log of a negative)."""
    x = Value(-2.0)
    out = x**2
    out.backward()
    assert x.grad == -4.0
    assert not out.inputs[1].needs_grad


def test_inputs_lists_each_input_in_order() -> None:
    """`inputs` is () for a leaf, one Value for a one-input op, and both in order for a two-input op."""
    a, b = Value(1.0), Value(2.0)
    assert a.inputs == ()
    assert (-a).inputs == (a,)
    assert (a - b).inputs == (a, b)
    assert (b - a).inputs == (b, a)


def test_a_python_number_is_shown_as_its_text() -> None:
    """Constants made from Python numbers carry no label of their own, yet messages and drawings show the number."""
    from exprgrad import draw
    from exprgrad.textform import describe

    product = Value(3.0, label="a") * 0.25
    assert describe(product) == "a*0.25"
    assert "{ 0.25 | data 0.25 }" in draw(product).source


def test_variable_exponent_differentiates_in_both_arguments() -> None:
    """d(x**y)/dy = x**y * log(x)."""
    x, y = Value(2.0), Value(3.0)
    out = x**y
    out.backward()
    assert x.grad == 12.0
    assert math.isclose(y.grad, 8.0 * math.log(2.0))


@pytest.mark.parametrize("method", ["tanh", "sigmoid", "exp"])
def test_stable_functions_do_not_overflow_where_the_value_is_finite(method: str) -> None:
    """tanh and sigmoid at +-1000, and exp at -1000, give finite values and gradients."""
    for x in (1000.0, -1000.0):
        if method == "exp" and x > 0:
            continue
        v = Value(x)
        out = getattr(v, method)()
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)


def test_exp_overflow_is_an_evaluation_error() -> None:
    """exp(1000) does not fit in a float: an EvaluationError, not an OverflowError or inf."""
    with pytest.raises(EvaluationError, match="overflows"):
        Value(1000.0).exp()


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: Value(-1.0).log(), "log needs a positive argument"),
        (lambda: Value(-1.0).sqrt(), "sqrt needs a non-negative argument"),
        (lambda: Value(1.0) / 0, "division by zero"),
        (lambda: Value(-8.0) ** (1 / 3), "fractional power"),
        (lambda: Value(0.0) ** -1, "negative power"),
        (lambda: Value(1e300) * 1e300, "overflows"),
    ],
)
def test_domain_errors_name_the_operation(build: object, fragment: str) -> None:
    """Outside an operation's domain the error says which operation and why."""
    with pytest.raises(EvaluationError, match=fragment):
        build()  # type: ignore[operator]


def test_kinks_follow_the_pytorch_convention() -> None:
    """relu'(0) = 0 and abs'(0) = 0."""
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0
    abs(x).backward()
    assert x.grad == 0.0


def test_infinite_derivative_is_reported() -> None:
    """sqrt at 0 has a value but no finite derivative: backward raises, naming the op."""
    x = Value(0.0, "x")
    out = x.sqrt()
    with pytest.raises(EvaluationError, match="sqrt"):
        out.backward()


def test_zero_upstream_gradient_passes_nothing_back() -> None:
    """0 * sqrt(x) at x = 0 has derivative 0: a node with zero gradient is not differentiated."""
    x = Value(0.0)
    out = 0 * x.sqrt()
    out.backward()
    assert x.grad == 0.0


def test_deep_chain_has_no_recursion_limit() -> None:
    """A 200,000-deep chain builds, sorts and backpropagates (micrograd stops near 1,000)."""
    x = Value(1.0)
    out = x
    for _ in range(200_000):
        out = out * 1.0 + 0.0
    out.backward()
    assert x.grad == 1.0
    # Each step adds two constants and two op nodes.
    assert len(topological_order(out)) == 1 + 4 * 200_000


def test_topological_order_puts_inputs_first() -> None:
    """Every node comes after all of its inputs, and the root comes last."""
    a, b = Value(1.0), Value(2.0)
    out = (a * b + a).tanh() * b
    order = topological_order(out)
    position = {id(node): i for i, node in enumerate(order)}
    assert order[-1] is out
    for node in order:
        assert all(position[id(child)] < position[id(node)] for child in node.inputs)


def test_micrograd_private_names_for_walkthrough_drawing_code() -> None:
    """_prev and _op exist, as the walk-through's graph-drawing code reads them."""
    a, b = Value(1.0), Value(2.0)
    out = a * b
    assert out._prev == {a, b}
    assert out._op == "*"
    assert a._op == ""


def test_repr_looks_like_micrograd() -> None:
    """repr shows data and grad."""
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, "a")) == "Value(data=2.0, grad=0.0, label='a')"


def test_power_zero_is_constant_even_at_zero() -> None:
    """x**0 is 1 everywhere (0**0 too, as in Python), so its derivative at 0 is 0, not a division by zero."""
    x = Value(0.0)
    out = x**0
    out.backward()
    assert (out.data, x.grad) == (1.0, 0.0)


def test_overflowing_derivative_blames_its_node() -> None:
    """log(x) at the smallest double: the error names log(x), whose slope 1/x is too large, not x."""
    from exprgrad import parse

    with pytest.raises(EvaluationError, match=r"node 'log\(x\)' \(log of x = 5e-324\): cannot differentiate"):
        parse("log(x)").evaluate({"x": 5e-324})


def test_second_derivative_through_a_constant_zero_gradient() -> None:
    """sqrt(x)*0 at 0: the constant-0 gradient passes nothing back at second order either."""
    from exprgrad import parse

    assert parse("sqrt(x)*0").hessian({"x": 0.0}) == {"x": {"x": 0.0}}
