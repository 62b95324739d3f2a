"""Second derivatives: the Hessian of a program's output with respect to its variables, by grad of grad.

`gradient_graph` writes the backward pass with Value operations, so each d(output)/d(variable) is itself
a graph; running `backward` on it gives one row of the Hessian. Nothing is estimated by finite differences.

>>> from exprgrad import parse
>>> program = parse("L = a*a*b + b")
>>> hessian(program, {"a": 3, "b": 2})
{'a': {'a': 4.0, 'b': 6.0}, 'b': {'a': 6.0, 'b': 0.0}}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from . import ops
from .engine import Value, apply, as_value, backward, constant, node_error, topological_order
from .errors import EvaluationError
from .mathspace import FLOAT_MATH, MathNamespace
from .ops import DomainError, Op
from .program import Program
from .sweep import PartialFailed, reverse_sweep
from .textform import local_formula


def _unary(op: Op) -> Callable[[Value], Value]:
    def applied(x: Value) -> Value:
        return apply(op, x)

    return applied


def _binary(op: Op) -> Callable[[Value | float, Value | float], Value]:
    # A partial may pass a plain number (clamp_max(x, 0.0)): it becomes a constant node.
    def applied(x: Value | float, y: Value | float) -> Value:
        return apply(op, as_value(x), as_value(y))

    return applied


def _piecewise_constant(function: Callable[[float], float]) -> Callable[[Value], Value]:
    # Its derivative is 0 wherever it exists, so it enters the graph as a constant: nothing to differentiate.
    def constant_of(x: Value) -> Value:
        return constant(function(x.data))

    return constant_of


class ValueMath:
    """The math namespace over Values: local partials evaluated with it become differentiable graphs."""

    @staticmethod
    def number(x: Value) -> float:
        return x.data

    @staticmethod
    def is_zero(x: Value) -> bool:
        return x.data == 0.0

    @staticmethod
    def is_constant_zero(x: Value | None) -> bool:
        # Only a constant 0 exponent makes x**y the constant 1; a variable that is 0 here still moves the slope.
        return x is not None and x.data == 0.0 and not x.needs_grad

    @staticmethod
    def is_positive(x: Value) -> bool:
        return x.data > 0.0

    @staticmethod
    def is_variable(x: Value) -> bool:
        return x.needs_grad

    # The registry's ops applied to Values: each call adds a node, so the partial becomes a graph.
    exp = staticmethod(_unary(ops.EXP))
    exp2 = staticmethod(_unary(ops.EXP2))
    expm1 = staticmethod(_unary(ops.EXPM1))
    log = staticmethod(_unary(ops.LOG))
    log2 = staticmethod(_unary(ops.LOG2))
    log10 = staticmethod(_unary(ops.LOG10))
    log1p = staticmethod(_unary(ops.LOG1P))
    pow = staticmethod(_binary(ops.POW))
    sqrt = staticmethod(_unary(ops.SQRT))
    cbrt = staticmethod(_unary(ops.CBRT))
    hypot = staticmethod(_binary(ops.HYPOT))
    sin = staticmethod(_unary(ops.SIN))
    cos = staticmethod(_unary(ops.COS))
    tan = staticmethod(_unary(ops.TAN))
    asin = staticmethod(_unary(ops.ASIN))
    acos = staticmethod(_unary(ops.ACOS))
    atan = staticmethod(_unary(ops.ATAN))
    atan2 = staticmethod(_binary(ops.ATAN2))
    sinh = staticmethod(_unary(ops.SINH))
    cosh = staticmethod(_unary(ops.COSH))
    tanh = staticmethod(_unary(ops.TANH))
    asinh = staticmethod(_unary(ops.ASINH))
    acosh = staticmethod(_unary(ops.ACOSH))
    atanh = staticmethod(_unary(ops.ATANH))
    abs = staticmethod(_unary(ops.ABS))
    sign = staticmethod(_piecewise_constant(ops.sign))
    step = staticmethod(_piecewise_constant(ops.step))
    floor = staticmethod(_piecewise_constant(ops.FLOOR.forward))
    ceil = staticmethod(_piecewise_constant(ops.CEIL.forward))
    min = staticmethod(_binary(ops.MIN))
    max = staticmethod(_binary(ops.MAX))
    clamp_min = staticmethod(_binary(ops.CLAMP_MIN))
    clamp_max = staticmethod(_binary(ops.CLAMP_MAX))

    @staticmethod
    def where(condition: Value, yes: Value | float, no: Value | float) -> Value | float:
        # The choice itself, not a node: its slope in the condition is 0, so the chosen input is the whole
        # derivative, and a plain 0 picked by a partial passes nothing into the input not chosen.
        return yes if condition.data != 0.0 else no

    @staticmethod
    def when(condition: Value, chosen: Value) -> Value:
        return chosen if condition.data != 0.0 else constant(0.0)

    @staticmethod
    def unless(condition: Value, chosen: Value) -> Value:
        return chosen if condition.data == 0.0 else constant(0.0)

    sigmoid = staticmethod(_unary(ops.SIGMOID))
    relu = staticmethod(_unary(ops.RELU))
    leaky_relu = staticmethod(_binary(ops.LEAKY_RELU))
    elu = staticmethod(_unary(ops.ELU))
    softplus = staticmethod(_unary(ops.SOFTPLUS))
    log_sigmoid = staticmethod(_unary(ops.LOG_SIGMOID))
    silu = staticmethod(_unary(ops.SILU))
    gelu = staticmethod(_unary(ops.GELU))
    softsign = staticmethod(_unary(ops.SOFTSIGN))
    erf = staticmethod(_unary(ops.ERF))
    erfc = staticmethod(_unary(ops.ERFC))


VALUE_MATH: MathNamespace = ValueMath()


def gradient_graph(root: Value, order: Sequence[Value] | None = None) -> dict[int, Value]:
    """d(root)/d(node) for every node that needs a gradient, as Values that can themselves be differentiated.

    The result maps ``id(node)`` to the gradient node. This is the shared reverse sweep (`exprgrad.sweep`) over
    Values; running `backward` on one of its entries gives second derivatives.
    """
    if order is None:
        order = topological_order(root)
    position = {id(node): index for index, node in enumerate(order)}
    inputs = [tuple(position[id(child)] for child in node.inputs) for node in order]
    try:
        grads = reverse_sweep(order, inputs, position[id(root)], order, VALUE_MATH, constant(1.0), zero=None)
    except PartialFailed as failure:
        # The failing node belongs to the derivative's formula and has no source text: name the formula instead,
        # written with the program's labels, and keep only the engine's reason (after its last colon).
        error = failure.error
        node = order[failure.position]
        reason = "division by zero" if isinstance(error, ZeroDivisionError) else str(error).rpartition(": ")[2]
        formula = local_formula(node, failure.slot)
        raise node_error(
            node, f"cannot differentiate twice: its derivative {formula} cannot be computed here ({reason})"
        ) from None
    return {id(node): grad for node, grad in zip(order, grads, strict=True) if grad is not None}


Hessian = dict[str, dict[str, float]]


def hessian(
    program: Program,
    bindings: Mapping[str, float] | None = None,
    *,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> Hessian:
    """d2(output)/d(row) d(column) for every pair of variables, rows and columns in order of first appearance.

    Row ``r`` is the gradient of d(output)/d(r), so ``result[r][c]`` is d/dc (d(output)/dr). Raises
    `EvaluationError` naming the node where a second derivative is infinite or undefined. Every node's `data` and
    `grad` are left as a first-order evaluation at `bindings` leaves them.

    `rows` and `columns` (variable names, in the order wanted) select a part: each row costs one reverse pass over
    the gradient graph (a Hessian-vector product), so one entry costs about as much as one gradient of a gradient,
    and the full Hessian n passes.
    """
    program.run(bindings or {})
    saved = [node.grad for node in program.nodes]
    row_names = list(program.variables) if rows is None else list(rows)
    column_names = list(program.variables) if columns is None else list(columns)
    try:
        first = gradient_graph(program.output, program.nodes)
        result = {}
        for name in row_names:
            row = _row(program, first, first.get(id(program.variables[name])))
            result[name] = {column: row[column] for column in column_names}
        return result
    finally:
        for node, grad in zip(program.nodes, saved, strict=True):
            node.grad = grad


def _row(program: Program, first: dict[int, Value], gradient: Value | None) -> dict[str, float]:
    row = dict.fromkeys(program.variables, 0.0)
    if gradient is None or not gradient.needs_grad:
        # The first derivative is a constant (or 0): it does not change with any variable.
        return row
    order = topological_order(gradient)
    try:
        backward(gradient, order)
    except EvaluationError as error:
        raise _second_order_error(program, first, error) from None
    reached = {id(node) for node in order}
    for name, variable in program.variables.items():
        if id(variable) in reached:
            row[name] = variable.grad
    return row


def _second_order_error(program: Program, first: dict[int, Value], error: EvaluationError) -> EvaluationError:
    """The error of a failed second pass, naming the program's node whose local derivative could not be differentiated.

    The failing node of the second pass belongs to the gradient graph and has no name a user would know. Each
    local derivative of the program's own nodes is rebuilt, and the nodes of that formula alone (not the program
    nodes it reads) are differentiated once, so finding the culprit stays linear in the program.
    """
    # The engine's message ends with the reason after its last colon; the rest names a gradient-graph node.
    reason = str(error).rpartition(": ")[2]
    own_nodes = {id(node) for node in program.nodes}
    for node in reversed(program.nodes):
        op = node.op
        if op is None or not node.needs_grad or id(node) not in first:
            continue
        for child, partial in zip(node.inputs, op.partials, strict=True):
            if not child.needs_grad:
                continue
            try:
                local = partial(VALUE_MATH, *node.inputs, node)
                failed = isinstance(local, Value) and not _formula_differentiates(local, own_nodes)
            except (EvaluationError, DomainError, ZeroDivisionError):
                failed = True
            if failed:
                return node_error(node, f"cannot differentiate twice: its second derivative is not finite ({reason})")
    return EvaluationError(f"math error in a second derivative of {program.output_name}: {error}")


def _formula_differentiates(formula: Value, stop_at: set[int]) -> bool:
    """Whether every node of a local-derivative formula has finite local derivatives (program nodes not entered)."""
    stack, seen = [formula], set()
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in stop_at or node.op is None:
            continue
        seen.add(id(node))
        values = [child.data for child in node.inputs]
        for child, partial in zip(node.inputs, node.op.partials, strict=True):
            if child.needs_grad:
                try:
                    if not math.isfinite(partial(FLOAT_MATH, *values, node.data)):
                        return False
                except (DomainError, ZeroDivisionError, OverflowError):
                    return False
        stack.extend(node.inputs)
    return True
