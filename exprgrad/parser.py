"""From program text to a `Program`: the grammar's LALR tables, with callbacks that build the graph as they go.

The grammar lives in ``grammars/expr.lark``; Lark turns it into the tables in `grammar_tables` (regenerate with
``python -m exprgrad.make_grammar_tables``), and `lalr` runs them. One method of `_GraphBuilder` is called per
reduced rule (the method names are the grammar's aliases), so no parse tree is built and nothing recurses per node:
the parser keeps its own stack, and every callback does a constant amount of work.

Problems that are not syntax (an unknown function, a name assigned twice) are remembered, not raised, while
parsing goes on: a syntax error anywhere in the text is reported first, and only a text that parses cleanly gets
its first such problem reported.
"""

from __future__ import annotations

import _thread
import gc
import math
from collections.abc import Iterable
from typing import Any

from . import lalr
from .bindings import rounds_to_zero
from .engine import Value, constant, new_node
from .errors import ParseError
from .grammar_tables import LITERALS
from .lalr import Token, token_start, token_text
from .ops import ADD, CONSTANTS, DIV, FUNCTIONS, IDENTITY, MUL, NEG, POW, SUB, Op
from .program import Program

# Labels of unnamed nodes are their source text; past this length the middle is elided, which keeps labelling
# constant-time per node however large the expression.
MAX_LABEL_LENGTH = 48


def folded(piece: str) -> str:
    """`piece` of source text as a label: each run of whitespace (spaces, tabs, form feeds) as one space.

    `piece` starts and ends with a token, never with whitespace. Most pieces need no folding, and telling so
    costs a fraction of folding: with no two spaces in a row and nothing unprintable (every kind of whitespace but
    the plain space is unprintable, which a test checks), `piece` is its own folding.
    """
    return piece if "  " not in piece and piece.isprintable() else " ".join(piece.split())


# A node as the callbacks pass it around: (the node, where its text starts, where it ends). Plain tuples, not
# NamedTuples: the parser makes one per name and per operation, and a NamedTuple cost about 150 ns more to make
# (a sixth of a `name` callback) and more again to read by attribute.
Span = tuple[Value, int, int]
# What a statement leaves: (the name it assigns, None for an expression alone; its node).
_Statement = tuple[str | None, Value]


class _GraphBuilder:
    """The parser's callbacks and the state of the one parse under way."""

    def __init__(self) -> None:
        self.reset("", "")

    def reset(self, text: str, source_name: str) -> None:
        self.text = text
        self.source_name = source_name
        self.nodes: list[Value] = []
        self.scope: dict[str, Value] = {}
        self.variables: dict[str, Value] = {}
        self.defaults: dict[str, float] = {}
        self.assigned_at: dict[str, int] = {}
        self.first_use: dict[str, int] = {}
        # Nodes whose label is a name (variables and assigned results): naming one again makes an alias node.
        self.named: set[Value] = set()
        # Fresh literal leaves (numbers, pi): an assignment of one makes an input variable.
        self.literals: set[Value] = set()
        self.problem: ParseError | None = None

    # -- helpers --------------------------------------------------------------------------------------------

    def _report(self, message: str, position: int) -> Span:
        if self.problem is None:
            self.problem = error_at(self.text, position, message, self.source_name)
        # A stand-in node lets parsing go on, so that a later syntax error still wins.
        return (constant(0.0), position, position)

    def _label(self, start: int, end: int) -> str:
        text = self.text
        if end - start <= MAX_LABEL_LENGTH:
            piece = text[start:end]
        else:
            half = MAX_LABEL_LENGTH // 2 - 1
            piece = f"{text[start : start + half]}…{text[end - half : end]}"
        return folded(piece)

    def _node(self, op: Op, inputs: tuple[Value, ...], start: int, end: int) -> Span:
        # NaN until evaluation: variables are bound only after the whole text has parsed.
        node = new_node(op, inputs, math.nan, self._label(start, end))
        self.nodes.append(node)
        return (node, start, end)

    def _binary(self, op: Op, operands: list[Span]) -> Span:
        # The hottest callback: `_node`, and `_label` for short labels, written out, since each Python call costs
        # about as much as the work itself (the short path took 3 % off chains).
        (left, start, _), (right, _, end) = operands
        node = Value.__new__(Value)
        node.data = math.nan
        node.grad = 0.0
        node.first = left
        node.second = right
        node.op = op
        node.label = folded(self.text[start:end]) if end - start <= MAX_LABEL_LENGTH else self._label(start, end)
        node.needs_grad = left.needs_grad or right.needs_grad
        self.nodes.append(node)
        return (node, start, end)

    def _literal(self, value: float, label: str, start: int, end: int) -> Span:
        node = constant(value, label)
        self.nodes.append(node)
        self.literals.add(node)
        return (node, start, end)

    def _take_fresh_literal(self, node: Value) -> bool:
        """If `node` is the literal just read, remove it (the caller replaces it) and say so."""
        if node not in self.literals or self.nodes[-1] is not node:
            return False
        self.nodes.pop()
        self.literals.discard(node)
        return True

    # -- callbacks, named after the grammar's aliases; Lark passes each the list of its rule's children -----------

    def number(self, children: list[Token]) -> Span:
        (token,) = children
        text = token_text(token)
        start = token_start(token)
        value = float(text)
        if not math.isfinite(value):
            return self._report(f"the number {text} is too large for a float", start)
        if rounds_to_zero(text, value):
            return self._report(f"the number {text} is too small for a float (it would be read as 0)", start)
        return self._literal(value, text, start, token.end())

    def name(self, children: list[Token]) -> Span:
        (token,) = children
        # token_text and token_start written out: this runs for every name in the program.
        group = token.lastindex
        name: str = token[group]  # type: ignore[index]
        start, end = token.span(group)  # type: ignore[arg-type]
        node = self.scope.get(name)
        if node is not None:
            return (node, start, end)
        if name in CONSTANTS:
            return self._literal(CONSTANTS[name], name, start, end)
        if name in FUNCTIONS:
            return self._report(f"{name} is a function: call it as {name}(...)", start)
        node = Value(math.nan, name)
        self.nodes.append(node)
        self.scope[name] = self.variables[name] = node
        self.named.add(node)
        self.first_use[name] = start
        return (node, start, end)

    def call(self, children: list[Any]) -> Span:
        name_token: Token = children[0]
        arguments: list[Span] = children[1] if len(children) == 3 else []
        closing: Token = children[-1]
        name = token_text(name_token)
        start = token_start(name_token)
        op = FUNCTIONS.get(name)
        if op is None:
            return self._report(f"unknown function {name!r}{_suggestion(name, FUNCTIONS)}", start)
        if len(arguments) != op.arity:
            plural = "" if op.arity == 1 else "s"
            return self._report(f"{name} takes {op.arity} argument{plural}, got {len(arguments)}", start)
        # Each argument is a Span: its node first.
        return self._node(op, tuple(argument[0] for argument in arguments), start, closing.end())

    def arguments(self, children: list[Span]) -> list[Span]:
        return children

    def group(self, children: list[Any]) -> Span:
        opening, (inner, _, _), closing = children
        return (inner, token_start(opening), closing.end())

    def neg(self, children: list[Any]) -> Span:
        minus, (node, _, end) = children
        start = token_start(minus)
        if self._take_fresh_literal(node):
            # `-3` is one constant, not a negation of 3; `b = -3` then reads as a signed literal.
            return self._literal(-node.data, self._label(start, end), start, end)
        return self._node(NEG, (node,), start, end)

    def pos(self, children: list[Any]) -> Span:
        plus, (node, _, end) = children
        return (node, token_start(plus), end)

    def add(self, children: list[Span]) -> Span:
        return self._binary(ADD, children)

    def sub(self, children: list[Span]) -> Span:
        return self._binary(SUB, children)

    def mul(self, children: list[Span]) -> Span:
        return self._binary(MUL, children)

    def div(self, children: list[Span]) -> Span:
        return self._binary(DIV, children)

    def pow(self, children: list[Span]) -> Span:
        return self._binary(POW, children)

    def assign(self, children: list[Any]) -> _Statement:
        name_token, (node, _, end) = children
        name = token_text(name_token)
        position = token_start(name_token)
        if name in CONSTANTS or name in FUNCTIONS:
            kind = "constant" if name in CONSTANTS else "function"
            self._report(f"{name} is a built-in {kind} and cannot be assigned", position)
            return (name, node)
        if name in self.assigned_at:
            line = line_and_column(self.text, self.assigned_at[name])[0]
            self._report(f"{name} is assigned twice (first on line {line}); use a new name", position)
            return (name, node)
        if name in self.first_use:
            line, column = line_and_column(self.text, self.first_use[name])
            self._report(f"{name} is used (line {line}, column {column}) before it is assigned", position)
            return (name, node)
        self.assigned_at[name] = position
        # A fresh literal is a constant leaf: the cheap test first, since most statements assign an expression.
        if node.op is None and not node.needs_grad and self._take_fresh_literal(node):
            # `b = -3`: an input variable with a value given in the program.
            node = Value(node.data, name)
            self.nodes.append(node)
            self.variables[name] = node
            self.defaults[name] = node.data
        elif node in self.named:
            # `d = e`: the name gets a node of its own, so that every name has a row.
            (node, _, _) = self._node(IDENTITY, (node,), position, end)
            node.label = name
        else:
            node.label = name
        self.named.add(node)
        self.scope[name] = node
        return (name, node)

    def output(self, children: list[Span]) -> _Statement:
        ((node, _, _),) = children
        return (None, node)

    def more(self, children: list[_Statement]) -> _Statement:
        # Every statement has built its nodes by now; the program's output is the last one.
        return children[1]

    def start(self, statements: list[_Statement]) -> Program:
        if not statements:
            raise error_at(
                self.text, len(self.text), "the program is empty: write an expression, e.g. a*b + c", self.source_name
            )
        _, output = statements[-1]
        return Program(
            nodes=self.nodes,
            output=output,
            variables=self.variables,
            defaults=self.defaults,
        )


def _suggestion(name: str, known: Iterable[str]) -> str:
    import difflib  # only for this message: its import costs a millisecond at every start

    matches = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {matches[0]}?)" if matches else ""


def line_and_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1


def error_at(text: str, position: int, message: str, source_name: str = "") -> ParseError:
    """A ParseError pointing at `position` in `text`."""
    line, column = line_and_column(text, position)
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    source_line = text[line_start : len(text) if line_end < 0 else line_end].rstrip("\r")
    return ParseError(message, line=line, column=column, source_line=source_line, source_name=source_name)


_builder = _GraphBuilder()
# The callbacks carry the state of one parse, so parses take turns.
# _thread rather than threading: the same lock, without a millisecond of imports at every start.
_parse_lock = _thread.allocate_lock()


def parse(text: str, *, source_name: str = "") -> Program:
    """Parse a program into a `Program` graph (raises `ParseError`). Its variables are bound at evaluation."""
    with _parse_lock:
        _builder.reset(text, source_name)
        # The graph is acyclic and the parser makes no other cycles, so a garbage collection during a parse frees
        # nothing: it only walks the growing graph again, which made the time per node grow with the program
        # (measured: 1.3x slower at 1e6 nodes). The collector is paused for the parse, as it was found after it.
        collecting = gc.isenabled()
        gc.disable()
        try:
            program: Program = lalr.parse(text, _builder)
        except lalr.SyntaxProblem as error:
            raise _syntax_error(text, error, source_name) from None
        finally:
            if collecting:
                gc.enable()
            problem = _builder.problem
            _builder.reset("", "")
    if problem is not None:
        raise problem
    return program


# How the grammar's terminals are named in messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "_SEPARATOR": "';'",
    "_POW": "'**'",
    "$END": "the end of the program",
}


def _terminal_word(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    if name in LITERALS:
        return repr(LITERALS[name])
    return name.lower()


def _expected_words(names: Iterable[str]) -> str:
    words = sorted({_terminal_word(n) for n in names})
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(text: str, error: lalr.SyntaxProblem, source_name: str) -> ParseError:
    if isinstance(error, lalr.UnexpectedCharacter):
        position = error.position
        character = text[position]
        what = f"control character {character!a}" if not character.isprintable() else f"character {character!r}"
        message = f"unexpected {what}"
        if error.expected:
            message += f"; expected {_expected_words(error.expected)}"
        return error_at(text, position, message, source_name)
    if isinstance(error, lalr.UnexpectedToken):
        shown = repr(error.text)
        if error.kind == "_SEPARATOR":
            # A run of separators is one token: name the first.
            shown = "';'" if error.text.startswith(";") else "a line break"
        message = f"unexpected {shown}; expected {_expected_words(error.expected)}"
        return error_at(text, error.position, message, source_name)
    message = "the program ends too early"
    if error.expected:
        message += f"; expected {_expected_words(error.expected)}"
    return error_at(text, len(text.rstrip()), message, source_name)


__all__ = ["ParseError", "Program", "parse"]
