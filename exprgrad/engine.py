"""Scalar reverse-mode autodiff: the `Value` node and the passes over a graph of them.

A `Value` holds its inputs in two slots, `first` and `second` (``a*a`` has two edges to ``a``; every op in the
registry takes one or two inputs), and a reference to its `Op` in the registry; it holds no closure and no
container of its own. That matters beyond memory: the garbage collector walks every tracked object again and again
while a large graph grows, and a tuple of inputs per node was half of those objects.

Every pass is a loop over a topological order computed with an explicit stack, so graphs of any depth work.

>>> a = Value(2.0, label="a")
>>> b = Value(-3.0, label="b")
>>> L = (a * b + 10) * -2
>>> L.backward()
>>> L.data, a.grad, b.grad
(-8.0, 6.0, -4.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from . import ops
from .errors import EvaluationError
from .mathspace import FLOAT_MATH
from .ops import ADD, DIV, MUL, NEG, POW, SUB, DomainError, Op
from .textform import describe, describe_shallow

Number = int | float


class Value:
    """A scalar in a computation graph: its value (`data`), d(output)/d(self) (`grad`), its inputs and op.

    Leaves made with ``Value(x)`` are variables: they receive gradients. Plain numbers mixed into arithmetic become
    constants (``needs_grad`` is False), which is why ``x**2`` never asks for ``log(x)``.
    """

    __slots__ = ("data", "first", "grad", "label", "needs_grad", "op", "second")

    data: float
    grad: float
    # The inputs: none for a leaf, `first` only for a one-input op, both for a two-input op.
    first: Value | None
    second: Value | None
    op: Op | None
    label: str
    needs_grad: bool

    def __init__(
        self,
        data: Number,
        _children: Iterable[Value] | str = (),
        _op: str = "",
        label: str = "",
        *,
        needs_grad: bool = True,
    ) -> None:
        self.data = float(data)
        self.grad = 0.0
        self.first = None
        self.second = None
        self.op = None
        self.label = label
        self.needs_grad = needs_grad
        if _children or _op:
            # micrograd's signature (see exprgrad.micrograd_compat); a string there is a label, Value(2.0, "a").
            from .micrograd_compat import link_inputs

            link_inputs(self, _children, _op)

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The inputs in order: () for a leaf, one or two for an op (``a*a`` lists `a` twice)."""
        first = self.first
        if first is None:
            return ()
        second = self.second
        return (first,) if second is None else (first, second)

    # -- arithmetic, micrograd style: Values mix with ints and floats on either side --------------------------

    def __add__(self, other: Value | Number) -> Value:
        return apply_binary(ADD, self, other if isinstance(other, Value) else as_value(other))

    def __radd__(self, other: Number) -> Value:
        return apply_binary(ADD, as_value(other), self)

    def __sub__(self, other: Value | Number) -> Value:
        return apply_binary(SUB, self, other if isinstance(other, Value) else as_value(other))

    def __rsub__(self, other: Number) -> Value:
        return apply_binary(SUB, as_value(other), self)

    def __mul__(self, other: Value | Number) -> Value:
        return apply_binary(MUL, self, other if isinstance(other, Value) else as_value(other))

    def __rmul__(self, other: Number) -> Value:
        return apply_binary(MUL, as_value(other), self)

    def __truediv__(self, other: Value | Number) -> Value:
        return apply_binary(DIV, self, other if isinstance(other, Value) else as_value(other))

    def __rtruediv__(self, other: Number) -> Value:
        return apply_binary(DIV, as_value(other), self)

    def __pow__(self, other: Value | Number) -> Value:
        return apply_binary(POW, self, other if isinstance(other, Value) else as_value(other))

    def __rpow__(self, other: Number) -> Value:
        return apply_binary(POW, as_value(other), self)

    def __neg__(self) -> Value:
        return apply(NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return apply(ops.ABS, self)

    # -- the language's functions, one method each (a test checks every function has one) --------------------

    def exp(self) -> Value:
        """e to the power of this value."""
        return apply(ops.EXP, self)

    def exp2(self) -> Value:
        """2 to the power of this value."""
        return apply(ops.EXP2, self)

    def expm1(self) -> Value:
        """exp(x) - 1, accurate for small x."""
        return apply(ops.EXPM1, self)

    def log(self) -> Value:
        """The natural logarithm."""
        return apply(ops.LOG, self)

    def ln(self) -> Value:
        """The natural logarithm (another name for `log`)."""
        return apply(ops.LOG, self)

    def log2(self) -> Value:
        """The base-2 logarithm."""
        return apply(ops.LOG2, self)

    def log10(self) -> Value:
        """The base-10 logarithm."""
        return apply(ops.LOG10, self)

    def log1p(self) -> Value:
        """log(1 + x), accurate for small x."""
        return apply(ops.LOG1P, self)

    def pow(self, exponent: Value | Number) -> Value:
        """This value to the power `exponent` (the same as ``self ** exponent``)."""
        return apply_binary(POW, self, as_value(exponent))

    def sqrt(self) -> Value:
        """The square root."""
        return apply(ops.SQRT, self)

    def cbrt(self) -> Value:
        """The real cube root."""
        return apply(ops.CBRT, self)

    def hypot(self, other: Value | Number) -> Value:
        """sqrt(self**2 + other**2), without overflow."""
        return apply_binary(ops.HYPOT, self, as_value(other))

    def sin(self) -> Value:
        """The sine (radians)."""
        return apply(ops.SIN, self)

    def cos(self) -> Value:
        """The cosine (radians)."""
        return apply(ops.COS, self)

    def tan(self) -> Value:
        """The tangent (radians)."""
        return apply(ops.TAN, self)

    def asin(self) -> Value:
        """The inverse sine."""
        return apply(ops.ASIN, self)

    def acos(self) -> Value:
        """The inverse cosine."""
        return apply(ops.ACOS, self)

    def atan(self) -> Value:
        """The inverse tangent."""
        return apply(ops.ATAN, self)

    def atan2(self, x: Value | Number) -> Value:
        """The angle of the point (x, self): atan2(self, x), as in PyTorch's ``y.atan2(x)``."""
        return apply_binary(ops.ATAN2, self, as_value(x))

    def sinh(self) -> Value:
        """The hyperbolic sine."""
        return apply(ops.SINH, self)

    def cosh(self) -> Value:
        """The hyperbolic cosine."""
        return apply(ops.COSH, self)

    def tanh(self) -> Value:
        """The hyperbolic tangent."""
        return apply(ops.TANH, self)

    def asinh(self) -> Value:
        """The inverse hyperbolic sine."""
        return apply(ops.ASINH, self)

    def acosh(self) -> Value:
        """The inverse hyperbolic cosine."""
        return apply(ops.ACOSH, self)

    def atanh(self) -> Value:
        """The inverse hyperbolic tangent."""
        return apply(ops.ATANH, self)

    def abs(self) -> Value:
        """The absolute value (the same as ``abs(self)``); its derivative at 0 is taken as 0."""
        return apply(ops.ABS, self)

    def sign(self) -> Value:
        """1, 0 or -1 by the sign of this value."""
        return apply(ops.SIGN, self)

    def step(self) -> Value:
        """The Heaviside step: 1 above 0, else 0."""
        return apply(ops.STEP, self)

    def floor(self) -> Value:
        """The largest whole number not above this value."""
        return apply(ops.FLOOR, self)

    def ceil(self) -> Value:
        """The smallest whole number not below this value."""
        return apply(ops.CEIL, self)

    def min(self, other: Value | Number) -> Value:
        """The smaller of the two; at a tie each gets half the gradient."""
        return apply_binary(ops.MIN, self, as_value(other))

    def max(self, other: Value | Number) -> Value:
        """The larger of the two; at a tie each gets half the gradient."""
        return apply_binary(ops.MAX, self, as_value(other))

    def clamp_min(self, low: Value | Number) -> Value:
        """This value, but at least `low` (a tie goes to this value)."""
        return apply_binary(ops.CLAMP_MIN, self, as_value(low))

    def clamp_max(self, high: Value | Number) -> Value:
        """This value, but at most `high` (a tie goes to this value)."""
        return apply_binary(ops.CLAMP_MAX, self, as_value(high))

    def clamp(self, low: Value | Number, high: Value | Number) -> Value:
        """This value limited to [low, high]: ``self.clamp_min(low).clamp_max(high)``."""
        return self.clamp_min(low).clamp_max(high)

    def when(self, chosen: Value | Number) -> Value:
        """`chosen` where this value is not 0, else 0."""
        return apply_binary(ops.WHEN, self, as_value(chosen))

    def unless(self, chosen: Value | Number) -> Value:
        """`chosen` where this value is 0, else 0."""
        return apply_binary(ops.UNLESS, self, as_value(chosen))

    def where(self, yes: Value | Number, no: Value | Number) -> Value:
        """`yes` where this value is not 0, else `no`: ``self.when(yes) + self.unless(no)``, as in the language."""
        return self.when(yes) + self.unless(no)

    def sigmoid(self) -> Value:
        """The logistic function 1 / (1 + exp(-x)), computed without overflow."""
        return apply(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is taken as 0."""
        return apply(ops.RELU, self)

    def leaky_relu(self, slope: Value | Number = 0.01) -> Value:
        """x above 0, else slope * x (slope 0.01 unless given, as in PyTorch)."""
        return apply_binary(ops.LEAKY_RELU, self, as_value(slope))

    def elu(self) -> Value:
        """x above 0, else exp(x) - 1."""
        return apply(ops.ELU, self)

    def softplus(self) -> Value:
        """log(1 + exp(x)), computed without overflow."""
        return apply(ops.SOFTPLUS, self)

    def log_sigmoid(self) -> Value:
        """log(sigmoid(x)), computed without overflow."""
        return apply(ops.LOG_SIGMOID, self)

    def silu(self) -> Value:
        """x * sigmoid(x)."""
        return apply(ops.SILU, self)

    def swish(self) -> Value:
        """x * sigmoid(x) (another name for `silu`)."""
        return apply(ops.SILU, self)

    def gelu(self) -> Value:
        """x * Phi(x), Phi the standard normal distribution function."""
        return apply(ops.GELU, self)

    def softsign(self) -> Value:
        """x / (1 + abs(x))."""
        return apply(ops.SOFTSIGN, self)

    def erf(self) -> Value:
        """The error function."""
        return apply(ops.ERF, self)

    def erfc(self) -> Value:
        """1 - erf(x), accurate where erf(x) is near 1."""
        return apply(ops.ERFC, self)

    def backward(self) -> None:
        """Fill in `grad` of every node this one depends on with d(self)/d(node). Calling it again gives the same."""
        backward(self)

    # -- micrograd's private names, so walk-through code runs unchanged (exprgrad.micrograd_compat) ---------------

    @property
    def _prev(self) -> set[Value]:
        return set(self.inputs)

    @property
    def _op(self) -> str:
        return "" if self.op is None else self.op.symbol

    def _backward(self) -> None:
        """micrograd's manual step: add grad * d(self)/d(input) to each input's grad (exprgrad.micrograd_compat)."""
        from .micrograd_compat import local_backward

        local_backward(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_svg_(self) -> str:
        """The graph of this value as SVG, for Jupyter (rendered in-process when no Graphviz is installed)."""
        from .dot import graph_svg

        return graph_svg(topological_order(self)).decode("utf-8")


def as_value(x: Value | Number) -> Value:
    """`x` itself if it is a Value, else a constant node holding it."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)):
        return constant(float(x))
    raise TypeError(f"cannot use {type(x).__name__} in a Value expression")


def constant(x: float, label: str = "") -> Value:
    """A leaf that takes no gradient (a number written in a program, or a Python number in arithmetic).

    Without a label it is shown as its number (`textform.shown_label`): formatting the number when the node is made
    cost as much as the node itself, and ``x * 0.5`` makes one per product.
    """
    node = _new_value(Value)
    node.data = x
    node.grad = 0.0
    node.first = None
    node.second = None
    node.op = None
    node.label = label
    node.needs_grad = False
    return node


# Values built by the hot constructors below skip `Value.__init__` (its frame and its float() call).
_new_value = Value.__new__


def apply(op: Op, *inputs: Value) -> Value:
    """A new node: `op` applied to `inputs` (one or two), its data computed now."""
    if len(inputs) == 2:
        return apply_binary(op, *inputs)
    (first,) = inputs
    try:
        data = op.forward(first.data)
    except DomainError as error:
        raise EvaluationError(f"math error in {op.name} of {_inputs_text(inputs)}: {error}", op_name=op.name) from None
    return new_node(op, inputs, data)


def new_node(op: Op, inputs: tuple[Value, ...], data: float, label: str = "") -> Value:
    """A node of `op` over `inputs` (one or two) holding `data`, without computing anything.

    (The hottest constructors, `apply_binary`, `constant` and the parser's binary callback, write these lines out:
    a call per node costs about as much as the node.)
    """
    if len(inputs) != op.arity:
        raise ValueError(f"{op.name} takes {op.arity} inputs, got {len(inputs)}")
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node.first = inputs[0]
    node.second = inputs[1] if len(inputs) == 2 else None
    node.op = op
    node.label = label
    node.needs_grad = any(child.needs_grad for child in inputs)
    return node


def apply_binary(op: Op, first: Value, second: Value) -> Value:
    """`apply` for two inputs, spelled out: it runs once per node built, and generic argument lists cost more
    than the arithmetic."""
    try:
        data = op.forward(first.data, second.data)
    except DomainError as error:
        inputs = (first, second)
        raise EvaluationError(f"math error in {op.name} of {_inputs_text(inputs)}: {error}", op_name=op.name) from None
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node.first = first
    node.second = second
    node.op = op
    node.label = ""
    node.needs_grad = first.needs_grad or second.needs_grad
    return node


def _inputs_text(inputs: Iterable[Value]) -> str:
    return ", ".join(f"{describe_shallow(node)} = {node.data!r}" for node in inputs)


def node_error(node: Value, reason: str) -> EvaluationError:
    """An EvaluationError that names `node`, its op and its inputs' values."""
    assert node.op is not None
    label = describe(node)
    message = f"math error at node {label!r} ({node.op.name} of {_inputs_text(node.inputs)}): {reason}"
    return EvaluationError(message, node_label=label, op_name=node.op.name)


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, inputs before users, `root` last. Iterative: any depth works.

    The order is that of a depth-first walk that visits inputs left to right, as the recursive version would give.
    """
    order: list[Value] = []
    emit = order.append
    # Values hash by identity, so the set holds nodes directly (no id() call per lookup).
    visited = {root}
    # The path from the root to the node being expanded. A node is looked at again each time one of its inputs is
    # finished, and descends into its first input not yet visited; with no such input left, it is finished.
    path = [root]
    while path:
        node = path[-1]
        child = node.first
        if child is not None and child not in visited:
            visited.add(child)
            if child.first is not None:
                path.append(child)
                continue
            emit(child)  # a leaf is finished as soon as it is reached
        child = node.second
        if child is not None and child not in visited:
            visited.add(child)
            if child.first is not None:
                path.append(child)
                continue
            emit(child)
        emit(path.pop())
    return order


def forward(order: Sequence[Value]) -> None:
    """Recompute `data` of every op node in `order` from its inputs (leaves keep the data they hold)."""
    node: Value | None = None
    try:
        for node in order:
            op = node.op
            if op is not None:
                second = node.second
                if second is not None:
                    node.data = op.forward(node.first.data, second.data)  # type: ignore[union-attr]
                else:
                    node.data = op.forward(node.first.data)  # type: ignore[union-attr]
    except DomainError as error:
        assert node is not None
        raise node_error(node, str(error)) from None


def lazy_forward(order: Sequence[Value], outputs: Iterable[Value]) -> None:
    """`forward` for a graph with lazy nodes (`ops.Op.gate`): a failure matters only where its value is needed.

    A node that fails, or reads a node that failed, is left undefined (its data NaN: every value the engine
    computes is finite otherwise), except that a lazy node whose gate is closed is 0 whatever its second input is.
    Afterwards, if a node that failed is needed (reached from `outputs` or from a node nothing uses, through the
    inputs each node reads), its error is raised, the first in order, with the message `forward` would give.
    """
    nan = math.nan
    isnan = math.isnan
    failures: list[tuple[Value, str]] = []
    for node in order:
        op = node.op
        if op is None:
            continue
        x = node.first.data  # type: ignore[union-attr]
        second = node.second
        if second is None:
            if isnan(x):
                node.data = nan
                continue
            try:
                node.data = op.forward(x)
            except DomainError as error:
                node.data = nan
                failures.append((node, str(error)))
            continue
        gate = op.gate
        if gate is not None and not isnan(x) and not gate(x):
            node.data = 0.0
            continue
        y = second.data
        if isnan(x) or isnan(y):
            node.data = nan
            continue
        try:
            node.data = op.forward(x, y)
        except DomainError as error:
            node.data = nan
            failures.append((node, str(error)))
    if failures:
        needed = needed_nodes(order, outputs)
        for node, reason in failures:
            if node in needed:
                raise node_error(node, reason)


def needed_nodes(order: Sequence[Value], outputs: Iterable[Value]) -> set[Value]:
    """The nodes whose values matter, once evaluated: those reached from `outputs` and from every node nothing
    uses, through the inputs each node reads (a lazy node with its gate closed reads only its first input)."""
    used = {child for node in order for child in node.inputs}
    stack = [node for node in order if node not in used]
    stack.extend(outputs)
    needed: set[Value] = set()
    while stack:
        node = stack.pop()
        if node in needed:
            continue
        needed.add(node)
        first = node.first
        if first is None:
            continue
        stack.append(first)
        second = node.second
        if second is None:
            continue
        gate = node.op.gate  # type: ignore[union-attr]
        if gate is None or (not math.isnan(first.data) and gate(first.data)):
            stack.append(second)
    return needed


def backward(root: Value, order: Sequence[Value] | None = None) -> None:
    """Set `grad` of every node in `order` (default: all `root` depends on) to d(root)/d(node).

    Gradients are reset first, so a second call gives the same numbers, not doubled ones. Nodes that do not
    depend on any variable (constants) keep grad 0.0 and are not differentiated into, and a node whose gradient is
    exactly 0 passes nothing back.
    """
    if order is None:
        order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    isfinite = math.isfinite
    math_ = FLOAT_MATH
    node = root
    try:
        for node in reversed(order):
            if not node.needs_grad:
                continue
            grad = node.grad
            if grad == 0.0:
                # Nothing to pass back. Skipping also makes 0 * (an infinite local derivative) count as 0: the
                # node does not influence the output, whatever its own derivative.
                continue
            if not isfinite(grad):
                raise _gradient_overflow(node, order)
            op = node.op
            if op is None:
                continue
            # The registry's partials, evaluated in the same order as everywhere, so the numbers are the same.
            first: Any = node.first
            second = node.second
            if second is not None:
                first_partial, second_partial = op.partials
                if first.needs_grad:
                    first.grad += grad * first_partial(math_, first.data, second.data, node.data)
                if second.needs_grad:
                    second.grad += grad * second_partial(math_, first.data, second.data, node.data)
            elif first.needs_grad:
                first.grad += grad * op.partials[0](math_, first.data, node.data)
    except (DomainError, ZeroDivisionError, OverflowError) as error:
        reason = "its derivative is infinite here" if isinstance(error, ZeroDivisionError) else str(error)
        raise node_error(node, f"cannot differentiate: {reason}") from None


def _gradient_overflow(node: Value, order: Sequence[Value]) -> EvaluationError:
    """The error for a gradient that stopped being finite: blame the user whose local derivative is infinite.

    Only on this error path: the users of `node` are found by a scan of `order`.
    """
    for user in order:
        if user.op is None or user.grad == 0.0 or not any(child is node for child in user.inputs):
            continue
        values = [child.data for child in user.inputs]
        for child, partial in zip(user.inputs, user.op.partials, strict=True):
            if child is node:
                try:
                    local = partial(FLOAT_MATH, *values, user.data)
                except (DomainError, ZeroDivisionError, OverflowError):
                    local = math.inf
                if not math.isfinite(local):
                    return node_error(user, "cannot differentiate: its derivative is too large for a float here")
    label = describe(node)
    return EvaluationError(f"math error at node {label!r}: its gradient overflows", node_label=label)
