"""The `exprgrad` target: the program with its derivatives as named statements, in exprgrad's own language."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from .. import ops
from ..ops import CONSTANTS, FUNCTIONS, Op
from ..textform import format_number
from .document import Document
from .layout import ATOM, POWER, PRODUCT, SUM, Written, call, flatten, infix, prefix_minus, signed_number

# How each infix op is written: (symbol, precedence, right-associative).
INFIX: Final[dict[str, tuple[str, int, bool]]] = {
    "add": (" + ", SUM, False),
    "sub": (" - ", SUM, False),
    "mul": ("*", PRODUCT, False),
    "div": ("/", PRODUCT, False),
    "pow": ("**", POWER, True),
}


class ExprgradWriter:
    """Writes statements `name = expression`, one per line, and ends with the output's name."""

    reserved: frozenset[str] = frozenset(FUNCTIONS) | frozenset(CONSTANTS)
    repeat_calls = True
    keeps_statements = True
    lazy_statements = False

    def is_identifier(self, name: str) -> bool:
        return name.isidentifier()

    def spell(self, name: str) -> str:
        return name

    def name(self, name: str) -> Written:
        return (name,), ATOM

    def number(self, value: float) -> Written:
        if value == math.pi:
            return ("pi",), ATOM
        return signed_number(value, lambda magnitude: ((format_number(magnitude),), ATOM))

    def operation(self, op: Op, operands: Sequence[Written]) -> Written:
        return write_operation(op, operands)

    def document(self, document: Document) -> str:
        lines = [
            f"{document.variables[name]} = {flatten(self.number(value)[0])}"
            for name, value in document.defaults.items()
        ]
        lines += [f"{name} = {flatten(rope)}" for name, (rope, _) in document.statements]
        if not document.statements or document.statements[-1][0] != document.output:
            lines.append(document.output)
        return "\n".join(lines) + "\n"


def write_operation(op: Op, operands: Sequence[Written]) -> Written:
    """`op` in exprgrad's language; its operators are also Python's, and C's and JavaScript's but for `**`."""
    if op.name in INFIX:
        symbol, precedence, right = INFIX[op.name]
        return infix(symbol, precedence, operands[0], operands[1], right_associative=right)
    if op is ops.NEG:
        return prefix_minus(operands[0])
    return call(op.name, operands)
