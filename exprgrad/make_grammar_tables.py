"""Generate `exprgrad/grammar_tables.py` from ``grammars/expr.lark``: ``python -m exprgrad.make_grammar_tables``.

The grammar stays the single source of truth. Lark (a development dependency) reads it and builds its LALR(1)
automaton; this script writes that automaton out as plain Python data: the token regex (Lark's terminals, the
common ones moved ahead where that cannot change a match), the action table, and one entry per rule saying which
children the callback receives. At run time `exprgrad.lalr` drives those tables, so a parse needs neither Lark's
import (~25 ms) nor its grammar analysis (~30 ms) in every process. ``--check`` exits 1 when the file is stale;
a test runs the same comparison.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections import deque
from importlib import resources
from pathlib import Path
from typing import Any

TABLES_PATH = Path(__file__).resolve().parent / "grammar_tables.py"


def grammar_text() -> str:
    """The grammar: from the installed package, else from the checkout's top-level ``grammars/`` folder."""
    packaged = resources.files("exprgrad") / "grammars" / "expr.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "grammars" / "expr.lark").read_text(encoding="utf-8")


def build_lark(text: str, transformer: Any = None) -> Any:
    """Lark's parser for the grammar, configured exactly as the generated tables reproduce it."""
    from lark import Lark

    return Lark(text, parser="lalr", lexer="contextual", transformer=transformer, maybe_placeholders=False)


def _child_filter(rule: Any) -> tuple[tuple[int, bool], ...] | None:
    """Which children a rule's callback gets, as Lark decides it: (index, splice) pairs, or None for all of them.

    Tokens written as strings in the rule (and terminals named with a leading `_`) are dropped; the children of
    rules named with a leading `_` (Lark's helpers for `*`, `+`, `?`) are spliced into their parent's list.
    """
    include = tuple(
        (index, not symbol.is_term and symbol.name.startswith("_"))
        for index, symbol in enumerate(rule.expansion)
        if rule.options.keep_all_tokens or not (symbol.is_term and symbol.filter_out)
    )
    if len(include) == len(rule.expansion) and not any(splice for _, splice in include):
        return None
    return include


def _check_one_lexer_is_enough(table: Any, terminals: list[Any], ignored: set[str], start: int) -> None:
    """Stop unless one lexer for all terminals splits every text as Lark's contextual lexer does.

    Lark lexes in each parser state with only that state's terminals; exprgrad lexes with all of them. The two
    differ only where a terminal the state does not accept wins a match that an accepted one would also make
    (`**` against `*`), so every such pair is looked for on sample texts.
    """
    import re

    samples = ["1", ".5", "x", "#", " ", "**", "^", ";", "\n", "\r\n"]
    samples += [t.pattern.value for t in terminals if t.pattern.type == "str"]
    compiled = [(t.name, re.compile(t.pattern.to_regexp())) for t in terminals]
    lexing_states = {start} | {
        target
        for row in table.states.values()
        for symbol, (action, target) in row.items()
        if action.name == "Shift" and symbol.isupper()
    }
    for state in lexing_states:
        accepted = set(table.states[state]) | ignored
        for position, (name, pattern) in enumerate(compiled):
            if name in accepted:
                continue
            for later, later_pattern in compiled[position + 1 :]:
                clash = [s for s in samples if later in accepted and pattern.match(s) and later_pattern.match(s)]
                if clash:
                    raise SystemExit(f"state {state}: {name} would hide {later} on {clash[0]!r}; lexing differs")


def _check_ignored_text_stands_apart(terminals: list[Any], ignored: set[str]) -> None:
    """Stop unless no text that starts an ignored terminal (whitespace, a comment) also starts a token.

    The lexer skips ignored text in front of every token before it tries the tokens, which is what Lark does only
    when the two kinds never compete for the same characters.
    """
    import re

    samples = [chr(code) for code in range(128)] + ["\u00a0", "\u3000", "\u00e9"]
    compiled = [(t.name, re.compile(t.pattern.to_regexp())) for t in terminals]
    for name, pattern in compiled:
        if name not in ignored:
            continue
        for other, other_pattern in compiled:
            clash = [s for s in samples if other not in ignored and pattern.match(s) and other_pattern.match(s)]
            if clash:
                raise SystemExit(f"ignored {name} and {other} both start with {clash[0]!r}; lexing would differ")


# The terminals a program is mostly made of, most common first. A regex tries the alternatives of the token
# pattern in order, and every one it tries before the one that matches costs time: with names first and
# operators next, lexing a chain of statements (`x1 = x0*w + b`) took a fifth less time than in Lark's order
# (by priority and length: NUMBER, _SEPARATOR, NAME, _POW, then single characters by name).
_COMMON_FIRST = ("NAME", "STAR", "PLUS", "MINUS", "SLASH", "EQUAL", "LPAR", "RPAR", "_SEPARATOR", "NUMBER")


def _rank(name: str) -> int:
    return _COMMON_FIRST.index(name) if name in _COMMON_FIRST else len(_COMMON_FIRST)


def matching_order(names: list[str], patterns: dict[str, str]) -> list[str]:
    """Terminal `names` in the order the lexer tries them: Lark's order (`names`), with common terminals moved ahead.

    A terminal moves ahead of another only when no character can start a match of both. Two such terminals
    never both match at one place, so which is tried first changes nothing but the time.
    """
    starts = {name: first_characters(patterns[name]) for name in names}

    def clash(first: str, second: str) -> bool:
        return not starts[first].isdisjoint(starts[second])

    remaining = list(names)
    ordered: list[str] = []
    while remaining:
        # Ready: nothing still to place that Lark tries earlier shares a first character with it (the first one
        # left always is, so the loop ends).
        ready = [name for index, name in enumerate(remaining) if not any(clash(name, e) for e in remaining[:index])]

        def urgency(name: str) -> int:
            # A terminal that holds back a common one (`**` must be tried before `*`) is as urgent as that one.
            held_back = [later for later in remaining[remaining.index(name) + 1 :] if clash(name, later)]
            return min(map(_rank, [name, *held_back]))

        # min() keeps Lark's order among equally urgent terminals.
        chosen = min(ready, key=urgency)
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered


def first_characters(regex: str) -> frozenset[str]:
    """Every character that a match of `regex` can start with; every character at all where it cannot tell.

    A regex that can match the empty string matches at every place, whatever comes next, so it counts as starting
    with every character too; so does one with flags for the whole pattern (``(?i)``), which change the classes.
    """
    import re

    try:
        from re import _parser as sre_parse
    except ImportError:  # Python 3.10
        import sre_parse

    parsed = sre_parse.parse(regex)
    if parsed.state.flags & ~re.UNICODE:
        return _every_character()
    characters, can_be_empty = _sequence_start(list(parsed))
    return _every_character() if can_be_empty else characters


def _sequence_start(items: list[Any]) -> tuple[frozenset[str], bool]:
    """The first characters of a sequence of parsed regex items, and whether it can match the empty string."""
    characters: frozenset[str] = frozenset()
    for opcode, argument in items:
        first, can_be_empty = _item_start(str(opcode), argument)
        characters |= first
        if not can_be_empty:
            return characters, False
    return characters, True


def _item_start(opcode: str, argument: Any) -> tuple[frozenset[str], bool]:
    if opcode == "LITERAL":
        return frozenset(chr(argument)), False
    if opcode == "IN":
        return _class_members(argument), False
    if opcode == "SUBPATTERN" and not argument[1] and not argument[2]:  # a group that sets no flags
        return _sequence_start(list(argument[3]))
    if opcode == "BRANCH":
        starts = [_sequence_start(list(branch)) for branch in argument[1]]
        return frozenset().union(*(first for first, _ in starts)), any(empty for _, empty in starts)
    if opcode in ("MAX_REPEAT", "MIN_REPEAT"):
        low, _, repeated = argument
        first, can_be_empty = _sequence_start(list(repeated))
        return first, can_be_empty or low == 0
    # Anything else (a flag, a lookaround, a backreference, `.`): assume it may start with any character.
    return _every_character(), False


_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _class_members(items: list[tuple[Any, Any]]) -> frozenset[str]:
    """The characters of a parsed character class `[...]`, found by running the class over every character."""
    import re

    parts: list[str] = []
    for opcode, argument in items:
        kind = str(opcode)
        if kind == "NEGATE":
            parts.insert(0, "^")
        elif kind == "LITERAL":
            parts.append(f"\\U{argument:08x}")
        elif kind == "RANGE":
            parts.append(f"\\U{argument[0]:08x}-\\U{argument[1]:08x}")
        elif kind == "CATEGORY" and str(argument) in _CATEGORIES:
            parts.append(_CATEGORIES[str(argument)])
        else:
            return _every_character()
    return frozenset(re.findall(f"[{''.join(parts)}]", _every_character_text()))


@functools.cache
def _every_character_text() -> str:
    return "".join(map(chr, range(sys.maxunicode + 1)))


@functools.cache
def _every_character() -> frozenset[str]:
    return frozenset(_every_character_text())


def generate_source(text: str) -> str:
    """The text of `grammar_tables.py` for grammar `text`."""
    lark = build_lark(text)
    table = lark.parser.parser._parse_table
    (start,) = table.start_states.values()
    (end,) = table.end_states.values()
    rules = list(lark.rules)

    # Number states in breadth-first order from the start, following symbols in sorted order: Lark's own numbers
    # can vary from run to run, these do not.
    number = {start: 0}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for _symbol, (action, target) in sorted(table.states[state].items()):
            if action.name == "Shift" and target not in number:
                number[target] = len(number)
                queue.append(target)

    actions: list[dict[str, int]] = [{} for _ in number]
    gotos: dict[str, dict[int, int]] = {}
    for state, row in table.states.items():
        for symbol, (action, argument) in sorted(row.items()):
            if symbol.isupper() or symbol == "$END":
                # A shift goes to a state (>= 0); a reduction by rule r is written ~r (< 0).
                code = number[argument] if action.name == "Shift" else ~rules.index(argument)
                actions[number[state]][symbol] = code
            else:
                gotos.setdefault(str(symbol), {})[number[state]] = number[argument]

    root = lark.parser.lexer.root_lexer
    for terminal in root.terminals:
        if not terminal.name.isidentifier():
            raise SystemExit(f"terminal {terminal.name} cannot name a regex group")
    ignored = set(lark.lexer_conf.ignore)
    _check_one_lexer_is_enough(table, root.terminals, ignored, start)
    _check_ignored_text_stands_apart(root.terminals, ignored)
    regexes = {t.name: t.pattern.to_regexp() for t in root.terminals if t.name not in ignored}
    pattern = "|".join(f"(?P<{name}>{regexes[name]})" for name in matching_order(list(regexes), regexes))
    ignored_pattern = "|".join(t.pattern.to_regexp() for t in root.terminals if t.name in ignored)
    literals = {t.name: t.pattern.value for t in root.terminals if t.pattern.type == "str"}
    rule_entries = [
        (
            str(rule.origin.name),
            len(rule.expansion),
            # Lark calls the method named after the alias, else after the rule; helper rules build a list.
            None if rule.origin.name.startswith("_") else str(rule.alias or rule.origin.name),
            bool(rule.options.expand1 and not rule.alias),
            _child_filter(rule),
        )
        for rule in rules
    ]

    lines = [
        "# Generated by `python -m exprgrad.make_grammar_tables` from grammars/expr.lark. Do not edit.",
        '"""The LALR(1) tables of the exprgrad grammar, as Lark builds them (see exprgrad/make_grammar_tables.py)."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final",
        "",
        f"GRAMMAR_SHA256: Final = {hashlib.sha256(text.encode('utf-8')).hexdigest()!r}",
        "# One alternative per terminal: Lark's order, with common terminals moved ahead of others that cannot start",
        "# with the same character. The ignored ones (whitespace, comments) are skipped in front of each token.",
        f"TOKEN_PATTERN: Final = {pattern!r}",
        f"IGNORED_PATTERN: Final = {ignored_pattern!r}",
        "# The patterns of numbers and names, for reading them anywhere else (values given on the command line).",
        f"NUMBER_PATTERN: Final = {regexes['NUMBER']!r}",
        f"NAME_PATTERN: Final = {regexes['NAME']!r}",
        "# Terminals that are fixed strings, as error messages quote them.",
        f"LITERALS: Final[dict[str, str]] = {literals!r}",
        f"END_STATE: Final = {number[end]}",
        "# ACTIONS[state][terminal]: n >= 0 shifts and goes to state n; n < 0 reduces by rule ~n.",
        "ACTIONS: Final[tuple[dict[str, int], ...]] = (",
        *(f"    {row!r}," for row in actions),
        ")",
        "# GOTOS[nonterminal][state]: the state after a reduction to nonterminal uncovers `state`.",
        "GOTOS: Final[dict[str, dict[int, int]]] = {",
        *(f"    {symbol!r}: {dict(sorted(gotos[symbol].items()))!r}," for symbol in sorted(gotos)),
        "}",
        "# RULES[r]: (nonterminal, length, callback or None for a helper rule that is spliced into its parent,",
        "# pass a single child through unchanged (a `?rule`), children kept as (index, splice) or None for all).",
        "RULES: Final[tuple[tuple[str, int, str | None, bool, tuple[tuple[int, bool], ...] | None], ...]] = (",
        *(f"    {entry!r}," for entry in rule_entries),
        ")",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Write the tables, or with ``--check`` report whether the written ones are current."""
    source = generate_source(grammar_text())
    if "--check" in argv:
        current = TABLES_PATH.read_text(encoding="utf-8") if TABLES_PATH.exists() else ""
        if current != source:
            sys.stderr.write(f"{TABLES_PATH} is stale: run python -m exprgrad.make_grammar_tables\n")
            return 1
        return 0
    TABLES_PATH.write_text(source, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
