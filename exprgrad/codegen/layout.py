"""Which nodes of a derivative graph become named statements, and how one statement's expression is written.

Shared by every target. A node is written under a name when it is one of the results (the output, a
derivative), when it is used more than once and is not trivial to repeat, or when writing it inline would make
one statement longer than `MAX_INLINE` operations; every other node is written inline where it is used. So
output grows linearly with the graph, and no statement nests deeply (Python's compiler and C compilers have
limits on nesting). Everything here is a loop: nothing recurses per node, printing included.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final, Protocol

from .. import ops
from ..ops import Op
from ..symbolic import Graph

# Operator precedence, shared by the targets that write infix arithmetic (higher binds tighter).
SUM: Final = 1
PRODUCT: Final = 2
UNARY: Final = 3
POWER: Final = 4
ATOM: Final = 5

# Past this many operations a statement names its largest inline parts.
MAX_INLINE: Final = 12

# A piece of text as a rope: strings and nested ropes, flattened once at the end (concatenating per level would
# copy a long chain's text once per level).
Rope = tuple[object, ...]
# An expression while it is written: its rope and its precedence.
Written = tuple[Rope, int]


class Target(Protocol):
    """What a target tells the layout: how it writes leaves and ops, and whether calls are cheap to repeat."""

    repeat_calls: bool

    def number(self, value: float) -> Written: ...

    def operation(self, op: Op, operands: Sequence[Written]) -> Written: ...


def flatten(rope: Rope) -> str:
    """The text of a rope, by an explicit stack."""
    out: list[str] = []
    stack: list[object] = [rope]
    while stack:
        piece = stack.pop()
        if isinstance(piece, str):
            out.append(piece)
        else:
            stack.extend(reversed(piece))  # type: ignore[call-overload]
    return "".join(out)


def infix(symbol: str, precedence: int, left: Written, right: Written, *, right_associative: bool = False) -> Written:
    """`left SYMBOL right` with the parentheses that keep the tree as it is (nothing is re-associated)."""
    left_rope, left_precedence = left
    right_rope, right_precedence = right
    if left_precedence < precedence or (right_associative and left_precedence <= precedence):
        left_rope = ("(", left_rope, ")")
    floor = UNARY if right_associative else precedence + 1
    if right_precedence < floor or _starts_with_minus(right_rope):
        right_rope = ("(", right_rope, ")")
    return (left_rope, symbol, right_rope), precedence


def signed_number(value: float, magnitude: Callable[[float], Written]) -> Written:
    """`value` as `magnitude` writes a number >= 0, behind a prefix minus where it is negative (or -0.0)."""
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return prefix_minus(magnitude(-value))
    return magnitude(value)


def prefix_minus(operand: Written) -> Written:
    """`-operand`. A product or quotient needs no parentheses: (-a)*b is -(a*b) exactly in floating point."""
    rope, precedence = operand
    if precedence < PRODUCT or _starts_with_minus(rope):
        rope = ("(", rope, ")")
    return ("-", rope), UNARY


def call(name: str, operands: Sequence[Written], separator: str = ", ") -> Written:
    """`name(a, b)`."""
    parts: list[object] = [name, "("]
    for position, (rope, _) in enumerate(operands):
        if position:
            parts.append(separator)
        parts.append(rope)
    parts.append(")")
    return tuple(parts), ATOM


def choice(op: Op, operands: Sequence[Written]) -> Written:
    """`when(c, a)`, `unless(c, b)` or `where(c, a, b)` as Python's conditional, `a if c != 0.0 else b`, which
    computes only the branch chosen."""
    zero: Written = (("0.0",), ATOM)
    condition, *branches = operands
    if op.name == "unless":
        test, yes, no = " == 0.0", branches[0], zero
    else:
        test, yes, no = " != 0.0", branches[0], branches[1] if len(branches) > 1 else zero
    tested = (condition[0] if condition[1] > SUM else ("(", condition[0], ")"), test)
    return ("(", yes[0], " if ", tested, " else ", no[0], ")"), ATOM


def _starts_with_minus(rope: object) -> bool:
    while not isinstance(rope, str):
        if not rope:
            return False
        rope = rope[0]  # type: ignore[index]
    return rope.startswith("-")


class Layout:
    """The statements to write: named nodes in order, with the name each result and temporary is written under."""

    def __init__(
        self,
        graph: Graph,
        results: Sequence[tuple[str, int]],
        preferred: dict[int, str],
        temporary: Callable[[int], str],
        *,
        repeat_calls: bool,
    ) -> None:
        self.graph = graph
        uses = [0] * len(graph)
        reached = [False] * len(graph)
        for _, node in results:
            reached[node] = True
            uses[node] += 1
        args = graph.args
        for index in range(len(graph) - 1, -1, -1):
            if reached[index]:
                for child in args[index]:
                    reached[child] = True
                    uses[child] += 1
        self.name: dict[int, str] = {}
        result_of: dict[int, str] = {}
        for name, node in results:
            result_of.setdefault(node, name)
        size = [0] * len(graph)
        counter = 0
        for index in range(len(graph)):
            if not reached[index] or graph.op[index] is None:
                continue
            size[index] = 1 + sum(size[child] for child in args[index] if child not in self.name)
            if index in result_of:
                name = result_of[index]
            elif (uses[index] > 1 and not self._trivial(index, repeat_calls)) or size[index] > MAX_INLINE:
                name = preferred.get(index) or ""
            else:
                continue
            if not name:
                counter += 1
                name = temporary(counter)
            self.name[index] = name
        # Named nodes needed only where a lazy node (`when`, `unless`) chooses them: the results need every input
        # of every node they need, except a lazy node's second.
        always = [False] * len(graph)
        for _, node in results:
            always[node] = True
        for index in range(len(graph) - 1, -1, -1):
            op = graph.op[index]
            if always[index] and op is not None:
                for child in args[index][:1] if op.gate is not None else args[index]:
                    always[child] = True
        self.conditional = {index for index in self.name if not always[index]}
        # Statements: (name, node); a result whose node has another name (or is a leaf) is an alias statement.
        self.statements = self._in_reading_order(results)
        self.aliases = [(name, node) for name, node in results if self.name.get(node) != name]

    def _in_reading_order(self, results: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
        """Named nodes in the order of the results that need them: each result right after what it uses.

        A depth-first walk (an explicit stack) from each result in turn, through the nodes written inline, so the
        output comes first, then d_x with its parts, then d_y with its own, whatever order the sweep made them in.
        """
        named = self.name
        args = self.graph.args
        placed: set[int] = set()
        ordered: list[tuple[str, int]] = []
        for _, result in results:
            if result not in named:
                continue
            stack: list[tuple[int, bool]] = [(result, False)]
            while stack:
                index, ready = stack.pop()
                if ready:
                    if index not in placed:
                        placed.add(index)
                        ordered.append((named[index], index))
                    continue
                if index in placed:
                    continue
                stack.append((index, True))
                # The named nodes this statement reads: through its inline parts, not into other statements.
                inline = [index]
                while inline:
                    node = inline.pop()
                    for child in args[node]:
                        if child in named:
                            if child not in placed:
                                stack.append((child, False))
                        else:
                            inline.append(child)
        return ordered

    def _trivial(self, index: int, repeat_calls: bool) -> bool:
        """A node cheap and short enough to write again wherever it is used: one op on leaves."""
        graph = self.graph
        if not all(graph.op[child] is None for child in graph.args[index]):
            return False
        op = graph.op[index]
        return repeat_calls or (op is not None and op.notation != "call")

    def _where_parts(self, index: int) -> tuple[int, int, int] | None:
        """(c, a, b) where node `index` is when(c, a) + unless(c, b), neither half named; else None."""
        graph = self.graph
        if graph.op[index] is not ops.ADD:
            return None
        first, second = graph.args[index]
        if graph.op[first] is ops.UNLESS:
            first, second = second, first
        if graph.op[first] is not ops.WHEN or graph.op[second] is not ops.UNLESS:
            return None
        if first in self.name or second in self.name:
            return None
        (condition, yes), (other, no) = graph.args[first], graph.args[second]
        return (condition, yes, no) if condition == other else None

    def expression(self, node: int, target: Target, leaf: Callable[[int], Written]) -> Written:
        """How `node` is written: named children by their names, the others inline."""
        graph = self.graph
        done: dict[int, Written] = {}
        stack: list[tuple[int, bool]] = [(node, False)]
        while stack:
            index, ready = stack.pop()
            if index in done:
                continue
            op = graph.op[index]
            if op is None or (index != node and index in self.name):
                done[index] = leaf(index)
                continue
            children = graph.args[index]
            parts = self._where_parts(index)
            if parts is not None:
                # when(c, a) + unless(c, b), as the program wrote it: where(c, a, b).
                op, children = ops.WHERE, parts
            if ready:
                done[index] = target.operation(op, [done[child] for child in children])
                continue
            stack.append((index, True))
            stack.extend((child, False) for child in children)
        return done[node]
