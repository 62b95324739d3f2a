"""The generated LALR tables: current with the grammar, and driven exactly as Lark drives them."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exprgrad import lalr
from exprgrad.grammar_tables import RULES
from exprgrad.make_grammar_tables import TABLES_PATH, build_lark, generate_source, grammar_text

lark = pytest.importorskip("lark")


def test_tables_are_current_with_the_grammar() -> None:
    """grammar_tables.py is what the generator makes from grammars/expr.lark now (else: regenerate it)."""
    assert TABLES_PATH.read_text(encoding="utf-8") == generate_source(grammar_text()), (
        "stale: run python -m exprgrad.make_grammar_tables"
    )


def _plain(child: Any) -> Any:
    """A child as comparable data, whether it is a Lark token, a regex match, or a recorded callback result."""
    if isinstance(child, lark.Token):
        return ("token", child.type, str(child), child.start_pos, child.end_pos)
    if hasattr(child, "lastgroup"):
        return ("token", child.lastgroup, lalr.token_text(child), lalr.token_start(child), child.end())
    if isinstance(child, list):
        return tuple(_plain(c) for c in child)
    return child


class Recorder:
    """A callback for every rule name that returns its name and its children: a full record of the parse."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda children: (name, tuple(_plain(c) for c in children))


@functools.cache
def _recording_lark() -> Any:
    recorder = Recorder()
    callbacks = {name for _, _, name, _, _ in RULES if name is not None}
    transformer = type("Transformer", (), {name: staticmethod(getattr(recorder, name)) for name in callbacks})()
    return build_lark(grammar_text(), transformer)


def _lark_outcome(text: str) -> Any:
    try:
        return _recording_lark().parse(text)
    except lark.exceptions.UnexpectedCharacters as error:
        return ("character", error.pos_in_stream, frozenset(error.allowed))
    except lark.exceptions.UnexpectedToken as error:
        if error.token.type == "$END":
            return ("end", frozenset(error.expected))
        return ("token", error.token.start_pos, frozenset(error.expected))


def _our_outcome(text: str) -> Any:
    try:
        return lalr.parse(text, Recorder())
    except lalr.UnexpectedCharacter as error:
        return ("character", error.position, error.expected)
    except lalr.UnexpectedToken as error:
        return ("token", error.position, error.expected)
    except lalr.UnexpectedEnd as error:
        return ("end", error.expected)


FRAGMENTS = [
    "a", "b", "x1", "tanh", "pi", "2", ".5", "1e3", "2.", "+", "-", "*", "/", "**", "^", "(", ")", ",", "=", ";",
    "\n", "\r\n", " ", "#c\n", "$", "\r", "é", "1.5.3",
]  # fmt: skip


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_same_callbacks_and_errors_as_lark(text: str) -> None:
    """On any text, the tables make the same callbacks with the same children, or the same error, as Lark does."""
    assert _our_outcome(text) == _lark_outcome(text)


@pytest.mark.parametrize(
    "text",
    ["L = (a*b + c) * f", "e = a*b\nd = e + c; L = d*f;", "f(a, b, c)", "g()", "-a**-b**c", "", ";;\n", "a**", "a b"],
)
def test_known_programs_match_lark(text: str) -> None:
    """Hand-picked programs and mistakes give the same record as Lark's parser."""
    assert _our_outcome(text) == _lark_outcome(text)


@pytest.mark.parametrize("tail", ["$", "", "# a comment", "\n", "\r"])
def test_long_runs_of_ignored_text_lex_once(tail: str) -> None:
    """Spaces and comments are skipped in front of each token; a long run of them, followed by anything or by
    nothing, is read in one pass (the pattern repeats ignored text and is never backtracked into)."""
    text = "a" + " \t" * 200_000 + tail
    assert _our_outcome(text) == _lark_outcome(text)
