"""The reverse sweep: d(output)/d(node) for every node, over any math namespace.

One loop, shared by second derivatives (`hessian.gradient_graph`, over Values), the block evaluator
(`vectorized.BlockEvaluator`, over arrays) and `explain` (over floats, recording every chain-rule term).
`engine.backward` is the same loop specialised to floats and `Value.grad` (a test ties the two bit for bit).

Nodes come as a list in topological order with their inputs as positions in that list; `data[i]` is node i's
value in the namespace (a float, an array, or the node itself for Values). Each node's gradient is the sum, in
order from the output back, of (its user's gradient) * (the user's partial in this input). A node whose gradient is
the constant 0 passes nothing back: then 0 times an infinite local derivative counts as 0, since the node does not
influence the output. Nor does a partial that is the plain number 0 (a step's, or the input of a `where` branch not
chosen, whose values may not be defined).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .mathspace import MathNamespace
from .ops import Op


class SweepNode(Protocol):
    """What the sweep reads of a node: its op and whether it depends on a variable."""

    @property
    def op(self) -> Op | None: ...

    @property
    def needs_grad(self) -> bool: ...


class PartialFailed(Exception):
    """The local partial of input `slot` (or the product with it) failed at the node in `position`; `error` says why."""

    def __init__(self, position: int, slot: int, error: ArithmeticError) -> None:
        super().__init__(str(error))
        self.position = position
        self.slot = slot
        self.error = error


# (user position, input slot, input position, the user's gradient, the local partial or None when the user's
# gradient is the constant 0 and the partial is never evaluated, the term added or None).
Observer = Callable[[int, int, int, Any, Any, Any], None]


def reverse_sweep(
    nodes: Sequence[SweepNode],
    inputs: Sequence[tuple[int, ...]],
    output: int,
    data: Sequence[Any],
    m: MathNamespace,
    seed: Any,
    *,
    zero: Any = 0.0,
    observe: Observer | None = None,
) -> list[Any]:
    """d(output)/d(node) for every node: `seed` for the output, `zero` for nodes it does not depend on.

    With `zero` None, a node's first contribution is its gradient (no `0 + term`); otherwise contributions are added
    to `zero`, as `engine.backward` adds them to 0.0. `observe` is told every chain-rule term, in the order the
    terms are added. A partial that fails (a math error, a division by zero) raises `PartialFailed` naming its node.
    """
    grads: list[Any] = [zero] * len(nodes)
    grads[output] = seed
    is_constant_zero = m.is_constant_zero
    index = output
    slot = 0
    try:
        for index in range(output, -1, -1):
            node = nodes[index]
            op = node.op
            if op is None or not node.needs_grad:
                continue
            grad = grads[index]
            passes = grad is not None and not is_constant_zero(grad)
            if not passes and observe is None:
                continue
            positions = inputs[index]
            values = [data[position] for position in positions]
            for slot, position in enumerate(positions):
                if not nodes[position].needs_grad:
                    continue
                if not passes:
                    if observe is not None:
                        observe(index, slot, position, grad, None, None)
                    continue
                local = op.partials[slot](m, *values, data[index])
                term = grad if _is_one(local) else grad * local
                # A partial that is the plain number 0 (a step's, or a lazy node's input not chosen) passes nothing: for
                # Values the input's gradient stays the constant it was, so nothing behind a `where` branch not
                # chosen, whose values may be undefined, is differentiated. For floats and arrays adding 0 changes
                # no number.
                if type(local) is not float or local != 0.0:
                    previous = grads[position]
                    grads[position] = term if previous is None else previous + term
                if observe is not None:
                    observe(index, slot, position, grad, local, term)
    except ArithmeticError as error:
        raise PartialFailed(index, slot, error) from None
    return grads


def _is_one(x: Any) -> bool:
    # A partial that is the plain number 1 (a sum's) leaves the gradient as it is: no node for Values, and
    # grad * 1.0 is grad exactly for floats and arrays.
    return type(x) is float and x == 1.0
