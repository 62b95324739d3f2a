"""Second derivatives: the Hessian of a program's output with respect to its variables, by grad of grad.

`engine.gradient_graph` writes the backward pass with Value operations, so each d(output)/d(variable) is itself
a graph; running `backward` on it gives one row of the Hessian. Nothing is estimated by finite differences.

>>> from exprgrad import parse
>>> program = parse("L = a*a*b + b")
>>> hessian(program, {"a": 3, "b": 2})
{'a': {'a': 4.0, 'b': 6.0}, 'b': {'a': 6.0, 'b': 0.0}}
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .engine import VALUE_MATH, Value, backward, gradient_graph, node_error, topological_order
from .errors import EvaluationError
from .ops import FLOAT_MATH, DomainError
from .program import Program

Hessian = dict[str, dict[str, float]]


def hessian(program: Program, bindings: Mapping[str, float] | None = None) -> Hessian:
    """d2(output)/d(row) d(column) for every pair of variables, rows and columns in order of first appearance.

    Row ``r`` is the gradient of d(output)/d(r), so ``result[r][c]`` is d/dc (d(output)/dr). Raises
    `EvaluationError` naming the node where a second derivative is infinite or undefined. Every node's `data` and
    `grad` are left as a first-order evaluation at `bindings` leaves them.
    """
    program.run(bindings or {})
    saved = [node.grad for node in program.nodes]
    try:
        first = gradient_graph(program.output, program.nodes)
        return {name: _row(program, first, first.get(id(variable))) for name, variable in program.variables.items()}
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
