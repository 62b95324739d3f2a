"""What every target receives (a `Document`), what it gives back (`Generated`), and what it must offer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Protocol

from ..ops import Op
from .layout import Written


class Document:
    """The statements of one generated file and everything around them a target needs to write it."""

    def __init__(
        self,
        *,
        source: str,
        function_name: str,
        variables: dict[str, str],
        used_variables: list[str],
        defaults: dict[str, float],
        statements: list[tuple[str, Written]],
        output: str,
        derivatives: dict[str, str],
        hessian: dict[str, dict[str, str]],
        order: int,
        lazy: frozenset[str] = frozenset(),
    ) -> None:
        self.order = order
        # The statements needed only behind a `where` branch (`TargetWriter.lazy_statements`).
        self.lazy = lazy
        self.source = source
        self.function_name = function_name
        # Program name -> the name the target writes it under, in the order of eval's gradients.
        self.variables = variables
        self.used_variables = used_variables
        self.defaults = defaults
        # (name, expression) in an order where every name is assigned before it is used.
        self.statements = statements
        self.output = output
        self.derivatives = derivatives
        self.hessian = hessian


class Generated:
    """Generated code and where each result is in it."""

    def __init__(
        self,
        target: str,
        code: str,
        derivatives: dict[str, str],
        hessian: dict[str, dict[str, str]],
        output: str,
        variables: dict[str, str],
        order: int,
    ) -> None:
        self.order = order
        self.target = target
        self.code = code
        self.derivatives = derivatives
        self.hessian = hessian
        self.output = output
        # Program name -> the name the code uses for it (renamed where the target reserves or cannot spell it).
        self.variables = variables

    def json(self) -> str:
        """The contract scripts read: target, code, and the name of every derivative."""
        document = {
            "target": self.target,
            "code": self.code,
            "output": self.output,
            "derivatives": self.derivatives,
            "hessian": self.hessian,
        }
        return json.dumps(document, ensure_ascii=False)


class TargetWriter(Protocol):
    """One target: its names, how it writes leaves and ops, and the file around the statements."""

    reserved: frozenset[str]
    # Whether a call on leaves may be written again at each use (readable targets) rather than named once.
    repeat_calls: bool
    # Whether the program's own named statements are kept (the exprgrad target writes the user's program back).
    keeps_statements: bool
    # Whether a statement needed only where a `where` chooses it is computed only when it is read (Python, where a
    # failure raises; C, JavaScript and NumPy compute it to NaN, which is never chosen).
    lazy_statements: bool

    def is_identifier(self, name: str) -> bool: ...

    def spell(self, name: str) -> str: ...

    def name(self, name: str) -> Written: ...

    def number(self, value: float) -> Written: ...

    def operation(self, op: Op, operands: Sequence[Written]) -> Written: ...

    def document(self, document: Document) -> str: ...


def ascii_spelling(name: str) -> str:
    """`name` with every character that is not an ASCII letter, digit or underscore written as `uXXXX`."""
    return "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else f"u{ord(c):04x}" for c in name)


def helper_closure(used: set[str], needs: dict[str, tuple[str, ...]]) -> list[str]:
    """`used` with every helper they call, in a fixed order (the callee first)."""
    wanted = set(used)
    stack = list(used)
    while stack:
        for other in needs.get(stack.pop(), ()):
            if other not in wanted:
                wanted.add(other)
                stack.append(other)
    callees = {name for names in needs.values() for name in names}
    return sorted(wanted, key=lambda name: (name not in callees, name))
