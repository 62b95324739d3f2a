"""Run the grammar's generated LALR(1) tables over a text: one compiled regex for tokens, one loop, explicit stacks.

This reproduces what Lark's LALR parser with its contextual lexer does with the same tables (the tables come from
Lark, see `make_grammar_tables`): the same callbacks are called with the same children, and a syntax error is
reported at the same place with the same set of expected terminals. It is a loop, so nesting depth is bounded by
memory only, and it costs no grammar analysis at start-up.

One rule is added to the grammar's: inside parentheses a run of line breaks is skipped, as in Python, so a long
formula can be wrapped. A context-free grammar cannot say that without a copy of every expression rule that allows
line breaks; the parser's stack already knows whether a parenthesis is open.

Tokens are handed to callbacks as `re.Match` objects. One match is the ignored text in front of a token (spaces,
comments) and the token, which is the match's last group: ``token_text(match)`` is its text, ``token_start(match)``
and ``match.end()`` its offsets, ``match.lastgroup`` the terminal's name. Skipping ignored text inside the match
rather than as tokens of its own made lexing a third faster: a regex match costs about 0.4 us, most of it the
match object and the step of the iteration, and the rest the alternatives tried before the one that matches
(which is why the generator puts names and operators first).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any, Final

from .grammar_tables import ACTIONS, END_STATE, GOTOS, IGNORED_PATTERN, RULES, TOKEN_PATTERN

Token = re.Match[str]

# After the ignored text, a token, or a character no terminal matches (so that the scan never skips text silently),
# or the end of the text (a match of ignored text only, with no group: lastgroup None). One of the three always
# follows, so the repeated ignored text is never backtracked into; from Python 3.11 the repeat says so (`*+`,
# possessive), and the regex keeps no state for giving it back: about 7 % off every match.
_UNEXPECTED: Final = "UNEXPECTED_CHARACTER"
_SKIP_ALL: Final = "*+" if sys.version_info >= (3, 11) else "*"
_TOKENS: Final = re.compile(rf"(?:{IGNORED_PATTERN}){_SKIP_ALL}(?:{TOKEN_PATTERN}|(?P<{_UNEXPECTED}>[\s\S])|\Z)")
_END: Final = "$END"
_SEPARATOR: Final = "_SEPARATOR"
# The states right after an opening parenthesis: while one of them is on the stack, the parser is inside
# parentheses, where a line break continues the statement (as in Python) instead of ending it.
_OPENED: Final = frozenset(row["LPAR"] for row in ACTIONS if "LPAR" in row)
# The states right after a closing one: its group is reduced only when the next token is read, so its opening
# state is still on the stack.
_CLOSED: Final = frozenset(row["RPAR"] for row in ACTIONS if "RPAR" in row)


def token_text(token: Token) -> str:
    """The text of a token, without the ignored text in front of it."""
    return token[token.lastindex]  # type: ignore[index]


def token_start(token: Token) -> int:
    """Where a token starts, after the ignored text in front of it."""
    return token.start(token.lastindex)  # type: ignore[arg-type]


# How a reduction builds its value.
_PASS: Final = 0  # a `?rule` with one child: the child itself, the value stack is untouched
_ALL: Final = 1  # the callback gets every child
_BINARY: Final = 2  # the callback gets children 0 and 2 (`sum "+" product`): the common case, spelled out
_FILTERED: Final = 3  # the callback gets some children, some of them spliced lists of helper rules


class SyntaxProblem(Exception):
    """Where the text stops being a program, and the terminals that could have come there."""

    def __init__(self, position: int, expected: frozenset[str]) -> None:
        super().__init__(position, expected)
        self.position = position
        self.expected = expected


class UnexpectedCharacter(SyntaxProblem):
    """A character that starts no token."""


class UnexpectedToken(SyntaxProblem):
    """A token the grammar does not allow here."""

    def __init__(self, token: Token, expected: frozenset[str]) -> None:
        super().__init__(token_start(token), expected)
        self.kind = token.lastgroup or ""
        self.text = token_text(token)


class UnexpectedEnd(SyntaxProblem):
    """The text ends where the grammar needs more."""


class Inline:
    """The children of a helper rule (`_rule`, or Lark's rules for `*` and `+`), spliced into the parent's list."""

    __slots__ = ("children",)

    def __init__(self, children: list[Any]) -> None:
        self.children = children


def _shape(size: int, expand1: bool, include: tuple[tuple[int, bool], ...] | None) -> int:
    if expand1 and size == 1 and include is None:
        return _PASS
    if include is None and not expand1:
        return _ALL
    if include == ((0, False), (2, False)) and not expand1:
        return _BINARY
    return _FILTERED


# Per rule: (goto row of its nonterminal, length, shape, callback name, `?rule`, kept children as (index, splice)).
_RULES: Final = tuple(
    (
        GOTOS[lhs],
        size,
        _shape(size, expand1, include),
        callback,
        expand1,
        include if include is not None else tuple((i, False) for i in range(size)),
    )
    for lhs, size, callback, expand1, include in RULES
)


# Action codes at or below this stand for a run of pass-throughs: _CHAINS[_CHAIN_BASE - code].
_CHAIN_BASE: Final = -1_000_000


def _unit_chains() -> tuple[list[dict[str, int]], list[dict[int, tuple[int, int | None]]]]:
    """ACTIONS, with each run of `?rule` pass-throughs (atom -> power -> unary -> product) done in one step.

    A pass-through pops one state and pushes one, so the state beneath it stays the same through the whole run:
    the run's end depends only on that state. Where ACTIONS reduces by a pass-through, the step is a code at or
    below _CHAIN_BASE, naming a dict from the state beneath to (state after the run, the action there for the same
    terminal). Codes stay ints, so the parser's loop tells the three kinds of step apart by comparisons alone.
    """
    steps: list[dict[str, int]] = []
    chains: list[dict[int, tuple[int, int | None]]] = []
    for row in ACTIONS:
        step_row: dict[str, int] = {}
        for kind, code in row.items():
            if code >= 0 or _RULES[~code][2] != _PASS:
                step_row[kind] = code
                continue
            chain: dict[int, tuple[int, int | None]] = {}
            for below in _RULES[~code][0]:
                state: int = -1
                next_code: int | None = code
                while next_code is not None and next_code < 0 and _RULES[~next_code][2] == _PASS:
                    state = _RULES[~next_code][0][below]
                    next_code = ACTIONS[state].get(kind)
                chain[below] = (state, next_code)
            step_row[kind] = _CHAIN_BASE - len(chains)
            chains.append(chain)
        steps.append(step_row)
    return steps, chains


_STEPS, _CHAINS = _unit_chains()


def _allowed(state: int) -> frozenset[str]:
    # What Lark's contextual lexer reports: the state's terminals, the end not among them.
    names = frozenset(name for name in ACTIONS[state] if name != _END)
    return names or frozenset({"<END-OF-FILE>"})


def _expected(state: int) -> frozenset[str]:
    # What Lark's parser reports when a token has no action: every terminal of the state.
    return frozenset(name for name in ACTIONS[state] if name.isupper())


def _filter(children: list[Any], include: tuple[tuple[int, bool], ...]) -> list[Any]:
    kept: list[Any] = []
    for index, splice in include:
        child = children[index]
        if not splice:
            kept.append(child)
        elif kept:
            kept += child.children
        else:
            # Reuse the helper's list: left-recursive lists (`a: a X | X`) then grow in place, in linear time.
            kept = child.children
    return kept


def parse(text: str, builder: object) -> Any:
    """Parse `text`, calling ``builder.<callback>(children)`` for every reduced rule; return the start rule's value.

    Raises `UnexpectedCharacter`, `UnexpectedToken` or `UnexpectedEnd` at the first syntax error, and lets any
    exception of a callback through.
    """
    steps = _STEPS
    chains = _CHAINS
    chain_base = _CHAIN_BASE
    reducers = [
        (goto, size, shape, None if name is None or shape == _PASS else getattr(builder, name), expand1, include)
        for goto, size, shape, name, expand1, include in _RULES
    ]
    states = [0]
    values: list[Any] = []
    state = 0
    for match in _TOKENS.finditer(text):
        kind: Any = match.lastgroup
        # Decided before any reduction: with a separator ahead, LALR reduces as at the end of a statement.
        if kind == _SEPARATOR and not _OPENED.isdisjoint(states) and _continues(states, match):
            continue
        code = steps[state].get(kind)
        if code is None:
            if kind is None:
                break  # ignored text up to the end
            if kind == _UNEXPECTED:
                raise UnexpectedCharacter(token_start(match), _allowed(state))
            raise UnexpectedToken(match, _allowed(state))
        while code < 0:
            if code <= chain_base:
                state, next_code = chains[chain_base - code][states[-2]]
                states[-1] = state
                if next_code is None:
                    raise UnexpectedToken(match, _expected(state))
                code = next_code
                continue
            goto, size, shape, callback, expand1, include = reducers[~code]
            # The two common shapes pop their children one by one: a slice and a slice deletion cost about 150 ns
            # more than pops, and this runs once per node.
            if shape == _BINARY:
                right = values.pop()
                values.pop()
                value = callback([values.pop(), right])  # type: ignore[misc]
                del states[-3:]
            elif shape == _ALL and size == 1:
                value = callback([values.pop()])  # type: ignore[misc]
                states.pop()
            else:
                value = _reduce(values, states, size, shape, callback, include, expand1)
            below = states[-1]
            state = goto[below]
            next_code = steps[state].get(kind)
            if next_code is not None and next_code <= chain_base:
                # The pass-throughs that follow most reductions, taken here rather than by another turn of the loop.
                state, next_code = chains[chain_base - next_code][below]
            states.append(state)
            values.append(value)
            if next_code is None:
                raise UnexpectedToken(match, _expected(state))
            code = next_code
        states.append(code)
        values.append(match)
        state = code
    return _finish(states, values, reducers)


def _continues(states: list[int], separator: Token) -> bool:
    """Whether a run of separators continues the statement: line breaks only, inside a parenthesis still open."""
    opened = sum(1 for state in states if state in _OPENED)
    if opened == (1 if states[-1] in _CLOSED else 0):
        return False
    return ";" not in _COMMENT.sub("", token_text(separator))


_COMMENT: Final = re.compile(r"#[^\n]*")


def _reduce(
    values: list[Any],
    states: list[int],
    size: int,
    shape: int,
    callback: Callable[[list[Any]], Any] | None,
    include: tuple[tuple[int, bool], ...],
    expand1: bool,
) -> Any:
    """Pop a rule's `size` entries off both stacks and return the value the rule builds from them."""
    children = values[-size:] if size else []
    if shape != _ALL:
        children = _filter(children, include)
    if size:
        del values[-size:]
        del states[-size:]
    if shape == _PASS or (expand1 and len(children) == 1):
        return children[0]
    if callback is None:
        return Inline(children)
    return callback(children)


def _finish(states: list[int], values: list[Any], reducers: list[Any]) -> Any:
    """Feed the end of the text: reduce until the start rule is complete."""
    while True:
        state = states[-1]
        code = ACTIONS[state].get(_END)
        if code is None:
            raise UnexpectedEnd(-1, _expected(state))
        goto, size, shape, callback, expand1, include = reducers[~code]
        value = _reduce(values, states, size, shape, callback, include, expand1)
        state = goto[states[-1]]
        states.append(state)
        values.append(value)
        if state == END_STATE:
            return value
