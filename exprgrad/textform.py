"""How numbers and nodes are written as text: one place, so the table, JSON, DOT and messages agree."""

from __future__ import annotations

from collections.abc import Sequence

from .ops import CALL, INFIX, PREFIX, Op

# Operators that read better with spaces around them; tighter ones are written `a*b`, `a**2`.
_SPACED = frozenset({"+", "-"})


def format_number(x: float) -> str:
    """The shortest text that reads back as exactly `x`, without a trailing `.0` (`2`, `0.5`, `1e-07`)."""
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
