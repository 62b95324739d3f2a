"""How numbers, nodes and derivative formulas are written as text: one place, so the table, JSON, DOT, explanations
and messages agree. Nodes are read through their label, op, inputs and data only, so this module needs no engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Protocol

from .grammar_tables import NAME_PATTERN, NUMBER_PATTERN
from .ops import CALL, INFIX, PREFIX, Op

# Operators that read better with spaces around them; tighter ones are written `a*b`, `a**2`.
_SPACED = frozenset({"+", "-"})

# Patterns, not compiled ones: only formulas (explanations, drawings) use them, and `re` compiles each at its first
# use and keeps it, so a plain evaluation never pays for compiling them.
# Labels that stand inside a formula or a d/d symbol without parentheses: a name or an unsigned number.
_ATOM = rf"{NAME_PATTERN}|{NUMBER_PATTERN}"
# Placeholders in the registry's formulas: x and y are an op's inputs in order, `out` is its own value.
_PLACEHOLDER = r"\b(x|y|out)\b"


class Node(Protocol):
    """What text needs of a graph node (an `exprgrad.engine.Value`)."""

    @property
    def label(self) -> str: ...

    @property
    def op(self) -> Op | None: ...

    @property
    def inputs(self) -> Sequence[Node]: ...

    @property
    def data(self) -> float: ...

    @property
    def needs_grad(self) -> bool: ...


def format_number(x: float, precision: int | None = None) -> str:
    """A number as every text output writes it (JSON keeps JSON numbers): by default the shortest text that reads
    back as exactly `x`, without a trailing `.0` (`2`, `0.5`, `1e-07`); with `precision`, that many significant
    digits (`0.7616`)."""
    if precision is not None:
        return f"{x:.{precision}g}"
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def node_text(op: Op, operands: Sequence[str]) -> str:
    """`op` written around already-formatted operand texts: `a*b`, `a + b`, `-a`, `tanh(a)`."""
    if op.notation == INFIX:
        left, right = operands
        symbol = f" {op.symbol} " if op.symbol in _SPACED else op.symbol
        return f"{left}{symbol}{right}"
    if op.notation == PREFIX:
        return f"{op.symbol}{operands[0]}"
    if op.notation == CALL:
        return f"{op.symbol}({', '.join(operands)})"
    return operands[0]


def shown_label(node: Node) -> str:
    """The label a node is shown with: its own, or the number of an unlabelled leaf (a constant made from a Python
    number gets its text only when it is shown), or "" for an unlabelled op node."""
    if node.label or node.op is not None:
        return node.label
    return format_number(node.data)


def describe(node: Node) -> str:
    """How a node is named in messages and formulas: its label, or its op applied to its inputs' labels."""
    if node.label or node.op is None:
        return shown_label(node)
    return node_text(node.op, [describe_shallow(child) for child in node.inputs])


def describe_shallow(node: Node) -> str:
    """A node's label, or its op name when it has none (never recurses)."""
    if node.label:
        return node.label
    return format_number(node.data) if node.op is None else f"<{node.op.name}>"


def wrap(text: str) -> str:
    """`text` as it stands inside a formula or a d/d symbol: bare when it is a name, number or call, else in ()."""
    return text if re.fullmatch(_ATOM, text) or _is_call(text) else f"({text})"


def _is_call(text: str) -> bool:
    # `tanh(n)` or `log(a + b)`: a name whose opening parenthesis is closed by the text's last character.
    opening = text.find("(")
    if opening <= 0 or not text.endswith(")") or not re.fullmatch(_ATOM, text[:opening]):
        return False
    depth = 0
    for position in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[position], 0)
        if depth == 0:
            return position == len(text) - 1
    return False


def local_formula(node: Node, position: int) -> str:
    """The registry's formula for d(node)/d(input `position`) as people read it (`ops.Op.written`), written with the
    labels of the node and its inputs."""
    assert node.op is not None
    return with_labels(node, node.op.written_formula(position, [not child.needs_grad for child in node.inputs]))


def with_labels(node: Node, formula: str) -> str:
    """`formula` over x, y and out (the registry's placeholders) with the labels of `node`'s inputs and its own."""
    names = {"out": describe(node)}
    for placeholder, child in zip(("x", "y"), node.inputs, strict=False):
        names[placeholder] = describe(child)
    if formula in names:
        # The formula is one label on its own (d(a*b)/da = b): no parentheses needed.
        return names[formula]

    def substitute(match: re.Match[str]) -> str:
        name = names[match.group(1)]
        # A whole argument of a call: log(x) becomes log(a + b), and when(x, 1) when(a + b, 1), not log((a + b)).
        before, after = formula[: match.start()], formula[match.end() :]
        bracketed = before.endswith(("(", ", ")) and after.startswith((")", ","))
        return name if bracketed else wrap(name)

    return re.sub(_PLACEHOLDER, substitute, formula)


def defined(x: float) -> float | None:
    """A node's value for JSON: None where it was not evaluated (NaN: only a `where` branch not chosen needed it,
    and computing it failed)."""
    return None if math.isnan(x) else x


def data_text(x: float) -> str:
    """A node's value for CSV and TSV: its repr, or empty where it was not evaluated (see `defined`)."""
    return "" if math.isnan(x) else repr(x)
