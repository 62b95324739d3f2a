"""The errors exprgrad raises on purpose. The CLI turns each kind into one message and one exit code."""

from __future__ import annotations


class ExprgradError(Exception):
    """Base of every error exprgrad reports to a user."""


class ParseError(ExprgradError):
    """The program text is not valid: syntax, unknown function, wrong arity, a name misused."""

    def __init__(self, message: str, *, line: int, column: int, source_line: str, source_name: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.source_line = source_line
        self.source_name = source_name

    def __str__(self) -> str:
        where = f"{self.source_name}:" if self.source_name else ""
        caret = " " * (self.column - 1) + "^"
        return f"{where}{self.line}:{self.column}: {self.message}\n  {self.source_line}\n  {caret}"


class BindingError(ExprgradError):
    """A value for a variable is missing, repeated, not a number, or names no variable."""


class EvaluationError(ExprgradError, ArithmeticError):
    """A math error at one node: outside an operation's domain, an overflow, or an infinite derivative."""

    def __init__(self, message: str, *, node_label: str = "", op_name: str = "") -> None:
        super().__init__(message)
        self.node_label = node_label
        self.op_name = op_name
