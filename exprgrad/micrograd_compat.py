"""micrograd's spellings of `Value`, so that code written along micrograd's walk-through runs unchanged.

Two of them need more than a name: the constructor ``Value(data, _children=(), _op='', label='')`` and the manual
step ``node._backward()``. micrograd keeps a closure per node for that step; exprgrad keeps none, and computes the
same step from the registry's partials, with the same rules as `engine.backward` (constants take no gradient, a
node whose gradient is exactly 0 passes nothing back). So calling `_backward` on every node from the output back,
after setting the output's grad to 1, gives what `backward()` gives, to the last bit.

>>> from exprgrad import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> e = a * b
>>> e.grad = 1.0
>>> e._backward()
>>> a.grad, b.grad
(-3.0, 2.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .mathspace import FLOAT_MATH
from .ops import ALL_OPS, LEAF, DomainError, Op

if TYPE_CHECKING:
    from .engine import Value


def link_inputs(node: Value, children: Iterable[Value] | str, op_text: str) -> None:
    """Make `node` (just built by ``Value(data, _children, _op)``) a node of the op micrograd names `op_text`.

    `data` stays as given, as in micrograd. A string in place of the children is a label: exprgrad's own
    ``Value(2.0, "a")``, from before the micrograd signature.
    """
    from .engine import constant

    if isinstance(children, str):
        if op_text:
            raise TypeError("Value(data, _children, _op): _children must be Values, not a string")
        node.label = node.label or children
        return
    inputs = list(children)
    if not inputs:
        # micrograd's leaves are made as Value(x, (), ''): any _op text is only a note there.
        return
    # micrograd writes a power with a number exponent as one input and the exponent in the op text: `**2`.
    if op_text.startswith("**") and len(inputs) == 1:
        try:
            exponent = float(op_text[2:])
        except ValueError:
            raise ValueError(f"Value: cannot read the exponent of {op_text!r}") from None
        inputs.append(constant(exponent))
        op_text = "**"
    op = _op_named(op_text, len(inputs))
    from .engine import Value

    if not all(isinstance(child, Value) for child in inputs):
        raise TypeError("Value(data, _children, _op): every child must be a Value")
    node.first = inputs[0]
    node.second = inputs[1] if len(inputs) == 2 else None
    node.op = op
    node.needs_grad = any(child.needs_grad for child in inputs)


def _op_named(text: str, arity: int) -> Op:
    # micrograd's _op is a symbol (`+`, `*`) or a name (`tanh`, `exp`, `ReLU`).
    for op in ALL_OPS:
        if op.arity == arity and (text == op.symbol or text.lower() == op.name):
            return op
    names = ", ".join(sorted({op.symbol for op in ALL_OPS if op.notation != LEAF}))
    raise ValueError(f"Value: no op {text!r} of {arity} input{'s' if arity != 1 else ''} (the ops: {names})")


def local_backward(node: Value) -> None:
    """micrograd's ``node._backward()``: add ``node.grad`` times d(node)/d(input) to the grad of each input."""
    from .engine import node_error

    op = node.op
    grad = node.grad
    if op is None or grad == 0.0:
        return
    inputs = node.inputs
    values = [child.data for child in inputs]
    try:
        for child, partial in zip(inputs, op.partials, strict=True):
            if child.needs_grad:
                child.grad += grad * partial(FLOAT_MATH, *values, node.data)
    except (DomainError, ZeroDivisionError, OverflowError) as error:
        reason = "its derivative is infinite here" if isinstance(error, ZeroDivisionError) else str(error)
        raise node_error(node, f"cannot differentiate: {reason}") from None
