"""The generated LALR tables: current with the grammar, and driven exactly as Lark drives them."""

from __future__ import annotations

import functools
import re
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exprgrad import lalr
from exprgrad.grammar_tables import RULES, TOKEN_PATTERN
from exprgrad.make_grammar_tables import (
    TABLES_PATH,
    build_lark,
    first_characters,
    generate_source,
    grammar_text,
    matching_order,
)

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


def _without_line_breaks_in_parentheses(text: str) -> str:
    """`text` with every run of line breaks inside parentheses blanked out, as exprgrad's parser skips them.

    Lark's parser knows nothing of that rule, so it gets the text exprgrad effectively parses; a run with a
    semicolon in it stays (it ends the statement, or is an error, for both). Offsets do not move.
    """
    pieces: list[str] = []
    depth = 0
    for match in lalr._TOKENS.finditer(text):
        kind = match.lastgroup
        depth += {"LPAR": 1, "RPAR": -1}.get(kind or "", 0)
        token = lalr.token_text(match) if kind else ""
        blank = kind == "_SEPARATOR" and depth > 0 and ";" not in re.sub(r"#[^\n]*", "", token)
        # Blank the comment in front too: it must not run on into the next line.
        pieces.append(" " * len(match[0]) if blank else match[0])
    return "".join(pieces)


def _lark_outcome(text: str) -> Any:
    text = _without_line_breaks_in_parentheses(text)
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
    "\n", "\r\n", " ", "#c\n", "$", "\r", "é", "1.5.3", "f(", "(\n", "\n)", "\u0661",
]  # fmt: skip


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_same_callbacks_and_errors_as_lark(text: str) -> None:
    """On any text, the tables make the same callbacks with the same children, or the same error, as Lark does."""
    assert _our_outcome(text) == _lark_outcome(text)


@pytest.mark.parametrize(
    "text",
    [
        *("L = (a*b + c) * f", "e = a*b\nd = e + c; L = d*f;", "f(a, b, c)", "g()", "-a**-b**c", "", ";;\n", "a**"),
        *("a b", "(a\n+ b)\nc", "f(a,\n # c\n b)", "(a\n;b)", "((a)\n)\nb", "(a)\nb", "sq(x) = x*x\nsq(2)"),
    ],
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


@pytest.mark.parametrize(
    ("regex", "inside", "outside"),
    [
        (r"(?:\*\*|\^)", "*^", "+a1"),
        (r"[^\W\d]\w*", "aZ_é", "1.٣ *"),
        (r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", "09.٣", "ae-+"),
        (r"(;|\r?\n)([ \t]*(#[^\n]*)?(;|\r?\n))*", ";\r\n", " #a"),
        (r"a?b*c", "abc", "d"),
        (r"[x-z]|q", "xyzq", "aw"),
    ],
)
def test_first_characters(regex: str, inside: str, outside: str) -> None:
    """The characters a terminal can start with, optional parts and Unicode classes included."""
    first = first_characters(regex)
    assert set(inside) <= first
    assert first.isdisjoint(outside)


@pytest.mark.parametrize("regex", [r"(?=a)\w", r"(?i)a", r"0*", r"(a|b?)"])
def test_first_characters_are_all_where_the_analysis_cannot_tell(regex: str) -> None:
    """A lookahead, flags for the whole pattern, or a match of nothing: the terminal may start anywhere (and stays)."""
    assert len(first_characters(regex)) == sys.maxunicode + 1


def test_a_terminal_never_moves_ahead_of_one_that_shares_a_first_character() -> None:
    """`*` stays behind `**` and a name behind a keyword; the rest take the common order."""
    patterns = {"KEYWORD": "if", "POW": r"\*\*", "COMMA": ",", "STAR": r"\*", "NAME": "[a-z]+"}
    order = matching_order(list(patterns), patterns)
    assert order.index("POW") < order.index("STAR")
    assert order.index("KEYWORD") < order.index("NAME")
    # POW goes early because STAR, a common terminal, waits for it; COMMA is not common and goes last.
    assert order == ["KEYWORD", "NAME", "POW", "STAR", "COMMA"]
    # A terminal that can match nothing, or whose flags change its classes, holds its place.
    assert matching_order(["ZEROS", "NAME"], {"ZEROS": "0*", "NAME": "[a-z]+"}) == ["ZEROS", "NAME"]
    assert matching_order(["Q", "NAME"], {"Q": "(?i)Q", "NAME": "[a-z]+"}) == ["Q", "NAME"]


def test_generated_order_lexes_every_character_as_larks_order_does() -> None:
    """At every character of the Basic Multilingual Plane, with a few different continuations, the generated token
    pattern picks the same terminal and the same text as the same terminals tried in Lark's order."""
    import re

    parser = build_lark(grammar_text())
    tokens = [t for t in parser.parser.lexer.root_lexer.terminals if t.name not in parser.lexer_conf.ignore]
    in_lark_order = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in tokens))
    generated = re.compile(TOKEN_PATTERN)
    for code in range(0x10000):
        for text in (chr(code), chr(code) + "*", chr(code) + "1e5", chr(code) + "\n;"):
            ours, larks = generated.match(text), in_lark_order.match(text)
            assert (ours and (ours.lastgroup, ours.end())) == (larks and (larks.lastgroup, larks.end())), text


def test_generated_order_only_swaps_terminals_that_never_meet() -> None:
    """Every pair the generated token pattern tries out of Lark's order starts with different characters."""
    import re

    terminals = build_lark(grammar_text()).parser.lexer.root_lexer.terminals
    lark_order = [t.name for t in terminals]
    patterns = {t.name: t.pattern.to_regexp() for t in terminals}
    groups = re.compile(TOKEN_PATTERN).groupindex
    generated = sorted(groups, key=groups.__getitem__)
    assert generated[0] == "NAME"
    assert sorted(generated) == sorted(name for name in lark_order if name in groups)
    for index, name in enumerate(generated):
        for later in generated[index + 1 :]:
            if later in lark_order and lark_order.index(later) < lark_order.index(name):
                assert first_characters(patterns[name]).isdisjoint(first_characters(patterns[later])), (name, later)
