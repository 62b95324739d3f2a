"""The backward pass told step by step: for every node, the chain-rule terms that make up d(output)/d(node).

`explain` replays exprgrad's backward loop over an evaluated program and records, instead of only summing, each
term it adds: the user's gradient times the user's local derivative in this input. The local derivative is given
both as a number and as the op's formula from the registry, written with the graph's own labels (``1 - o**2`` for
``o = tanh(n)``). The sums are formed in the same order as `engine.backward` forms them, so every number agrees
bit for bit with ``exprgrad eval``.

Pure: it reads the program's structure and an `Evaluation` snapshot, and changes nothing.

>>> from exprgrad import parse
>>> program = parse("e = a*b; d = e + c; L = d*f")
>>> explanation = explain(program, program(a=2, b=-3, c=10, f=-2))
>>> for step in explanation.steps[:3]:
...     print(step.symbol, step.grad, [(t.formula, t.local, t.value) for t in step.terms])
dL/dL 1.0 []
dL/df 4.0 [('d', 4.0, 4.0)]
dL/dd -2.0 [('f', -2.0, -2.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

from .mathspace import FLOAT_MATH
from .node_keys import node_keys
from .program import Evaluation, Program
from .sweep import reverse_sweep
from .textform import local_formula, wrap

# Kinds of step.
OUTPUT = "output"  # the seed: d(output)/d(output) = 1
CHAIN = "chain"  # a sum of chain-rule terms, one per use of the node
CONSTANT = "constant"  # depends on no variable: takes no gradient
UNUSED = "unused"  # not used by any other node and not the output: its gradient is 0


@dataclass(frozen=True)
class Term:
    """One use of a node: d(output)/d(user) times d(user)/d(node), for input `position` of node `user`."""

    user: int
    position: int
    # d(output)/d(user), e.g. "dL/dd".
    upstream_symbol: str
    # d(user)/d(node), e.g. "dd/de".
    local_symbol: str
    # The local derivative as the registry's formula with the graph's labels in place of x, y and out.
    formula: str
    upstream: float
    # None when the user's gradient is exactly 0: backward passes nothing back and never evaluates the derivative.
    local: float | None
    value: float | None
    # The user is the output itself: its gradient is the seed 1, which equations leave out.
    from_output: bool


@dataclass(frozen=True)
class Step:
    """How one node's gradient came about: its kind, its symbol (``dL/de``), its terms and their sum."""

    node: int
    label: str
    op: str
    kind: str
    symbol: str
    # None for a constant, which takes no gradient.
    grad: float | None
    terms: tuple[Term, ...]
    # The label, followed by the node's id when other nodes share the label (`exprgrad.node_keys`).
    key: str = ""


@dataclass(frozen=True)
class Explanation:
    """Every step of one backward pass, the output's first, then back towards the inputs."""

    output: str
    value: float
    steps: tuple[Step, ...]


def explain(program: Program, evaluation: Evaluation) -> Explanation:
    """The chain-rule steps of `evaluation` (an evaluation of `program`), output first, then back to the inputs."""
    nodes = program.nodes
    output_index = program.output_index()
    output_name = program.output_name
    terms: list[list[Term]] = [[] for _ in nodes]
    users = [0] * len(nodes)
    all_input_ids = program.input_ids()
    for input_ids in all_input_ids:
        for child_index in input_ids:
            users[child_index] += 1
    # Each label wrapped once: a node used many times would otherwise be re-examined for every use. Labels that
    # several nodes share carry the node's id, so that each symbol names one node.
    keys = node_keys([node.label for node in nodes])
    wrapped = [wrap(key) for key in keys]
    symbols = [f"d{wrap(output_name)}/d{name}" for name in wrapped]

    def record(
        index: int, position: int, child_index: int, grad: float, local: float | None, value: float | None
    ) -> None:
        terms[child_index].append(
            Term(
                user=index,
                position=position,
                upstream_symbol=symbols[index],
                local_symbol=f"d{wrapped[index]}/d{wrapped[child_index]}",
                formula=local_formula(nodes[index], position),
                upstream=grad,
                local=local,
                value=value,
                from_output=index == output_index,
            )
        )

    # The shared reverse sweep, the loop engine.backward is tied to: the same skips, the same order of additions.
    grads = reverse_sweep(nodes, all_input_ids, output_index, evaluation.data, FLOAT_MATH, 1.0, observe=record)
    order = [output_index] + [index for index in range(len(nodes) - 1, -1, -1) if index != output_index]
    steps = tuple(
        _step(program, index, output_index, symbols[index], grads[index], terms[index], users[index], keys[index])
        for index in order
    )
    return Explanation(output=output_name, value=evaluation.value, steps=steps)


def _step(
    program: Program, index: int, output_index: int, symbol: str, grad: float, terms: list[Term], users: int, key: str
) -> Step:
    node = program.nodes[index]
    if index == output_index and node.needs_grad:
        kind = OUTPUT
    elif not node.needs_grad:
        kind = CONSTANT
    elif users == 0:
        kind = UNUSED
    else:
        kind = CHAIN
    return Step(
        node=index,
        label=node.label,
        op=node.op.name if node.op is not None else "",
        kind=kind,
        symbol=symbol,
        grad=grad if node.needs_grad else None,
        terms=tuple(terms),
        key=key,
    )
