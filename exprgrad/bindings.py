"""Variable values from the command line: ``--a 2``, ``--a=2``, ``--b -3``, ``--var svg=2``.

The CLI hands over, in their original order, the words its option parser did not recognise; this module sorts them
into bindings and positional words. Names that collide with exprgrad's own options (``--svg``, ``--format``,
``--help``) are bound with ``--var NAME=VALUE`` or written after ``--``, where no option is recognised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from .errors import BindingError
from .grammar_tables import NAME_PATTERN, NUMBER_PATTERN

# The number syntax of the language itself (the grammar's), with a sign: no `inf`, `nan`, `1_000`, surrounding
# spaces or digits other than 0-9 (`١٢`), which Python's float() would accept.
_NUMBER = re.compile(rf"[+-]?{NUMBER_PATTERN}")
_NAME = re.compile(NAME_PATTERN)


class Arguments:
    """Words sorted out of an argument list: variable values and the remaining positional words."""

    # A plain class, not a dataclass: the generated methods would cost about a millisecond at every start.
    def __init__(self) -> None:
        # The values as written; `resolve` turns them into numbers once the program's syntax has been checked.
        self.texts: dict[str, str] = {}
        self.values: dict[str, float] = {}
        self.positional: list[str] = []

    def resolve(self) -> None:
        """Turn every value into a number (raises BindingError naming the first that is not one)."""
        self.values = {name: parse_number(text, f"the value of {name}") for name, text in self.texts.items()}


def is_number(text: str) -> bool:
    """Whether `text` is a number in the language's syntax, with an optional sign."""
    return _NUMBER.fullmatch(text) is not None


def parse_number(text: str, what: str) -> float:
    """`text` as a finite float, or a BindingError that says what was expected for `what`.

    A number a float cannot hold is refused both ways: too large (it would become infinity) and too small (a
    nonzero number that would become 0). A very small number that a float holds with fewer digits (5e-324) is read.
    """
    if not _NUMBER.fullmatch(text):
        raise BindingError(f"{what} must be a number (like 2, -3.5 or 1e-3), got {text!r}")
    value = float(text)
    if not math.isfinite(value):
        raise BindingError(f"{what} is too large for a float: {text}")
    if rounds_to_zero(text, value):
        raise BindingError(f"{what} is too small for a float (it would be read as 0): {text}")
    return value


def rounds_to_zero(text: str, value: float) -> bool:
    """Whether the number written `text` is not zero but was read as `value` 0.0 (an underflow)."""
    if value != 0.0:
        return False
    mantissa = text.partition("e")[0].partition("E")[0]
    return any(digit in mantissa for digit in "123456789")


def _add(arguments: Arguments, name: str, text: str, spelled: str) -> None:
    if not _NAME.fullmatch(name):
        raise BindingError(f"{spelled}: {name!r} is not a variable name")
    if name in arguments.texts:
        raise BindingError(f"{name} is given more than once; give each variable one value")
    arguments.texts[name] = text


def parse_var_option(assignments: Iterable[str], into: Arguments) -> None:
    """Add ``NAME=VALUE`` words (from ``--var``) to `into`."""
    for assignment in assignments:
        name, equals, text = assignment.partition("=")
        if not equals:
            raise BindingError(f"--var takes NAME=VALUE, got {assignment!r}")
        _add(into, name.strip(), text.strip(), f"--var {assignment}")


def parse_words(words: Sequence[str]) -> Arguments:
    """Sort words into ``--name value`` / ``--name=value`` bindings and positional words."""
    arguments = Arguments()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("--") and len(word) > 2:
            name, equals, text = word[2:].partition("=")
            if not equals:
                # A value never starts with two dashes: in `--a --b 2`, --b is the next option, not a's value.
                if index >= len(words) or words[index].startswith("--"):
                    raise BindingError(f"{word} needs a value: {word} VALUE")
                text = words[index]
                index += 1
            _add(arguments, name, text, word)
        elif word.startswith("-") and word[1:].isidentifier() and index < len(words) and is_number(words[index]):
            raise BindingError(f"unknown option {word}; variables are bound with two dashes: -{word} VALUE")
        else:
            arguments.positional.append(word)
    return arguments
