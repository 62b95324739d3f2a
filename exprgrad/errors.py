"""The errors exprgrad raises on purpose. The CLI turns each kind into one message and one exit code."""

from __future__ import annotations

import re


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
        text, index = source_window(self.source_line, self.column - 1)
        caret = " " * display_width(shown_text(text[:index])) + "^"
        message = _LONG_WORD.sub(_shortened_word, self.message)
        return f"{where}{self.line}:{self.column}: {message}\n  {shown_text(text)}\n  {caret}"


# How many characters of the source line an error shows on each side of the column: a window, because a
# generated program can be one line of megabytes, and the message must stay one screen.
SOURCE_CONTEXT = 60


# A name or number quoted in a message (`unknown function 'aaa...'`) is cut in the middle past this length.
_LONG_WORD = re.compile(rf"[^\s'\"]{{{2 * SOURCE_CONTEXT + 1},}}")


def _shortened_word(match: re.Match[str]) -> str:
    word = match.group()
    return f"{word[: SOURCE_CONTEXT // 2]}...{word[-SOURCE_CONTEXT // 2 :]}"


def source_window(line: str, index: int) -> tuple[str, int]:
    """The part of `line` around position `index`, with "..." where it was cut, and `index`'s place in it."""
    if len(line) <= 2 * SOURCE_CONTEXT + 1:
        return line, index
    start = max(0, index - SOURCE_CONTEXT)
    end = min(len(line), index + SOURCE_CONTEXT + 1)
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(line) else ""
    return prefix + line[start:end] + suffix, len(prefix) + index - start


def shown_text(text: str) -> str:
    """`text` safe to echo to a terminal: control characters and undecodable bytes become visible escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else (" " if c == "\t" else ascii(c)[1:-1]) for c in text)


def display_width(text: str) -> int:
    """How many terminal columns `text` takes (wide East Asian characters take two, combining marks none)."""
    import unicodedata

    if text.isascii():
        return len(text)
    width = 0
    for character in text:
        if unicodedata.combining(character):
            continue
        width += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return width


class BindingError(ExprgradError):
    """A value for a variable is missing, repeated, not a number, or names no variable."""


class EvaluationError(ExprgradError, ArithmeticError):
    """A math error at one node: outside an operation's domain, an overflow, or an infinite derivative."""

    def __init__(self, message: str, *, node_label: str = "", op_name: str = "") -> None:
        super().__init__(message)
        self.node_label = node_label
        self.op_name = op_name
