"""From program text to a `Program`: the grammar's LALR tables, with callbacks that build the graph as they go.

The grammar lives in ``grammars/expr.lark``; Lark turns it into the tables in `grammar_tables` (regenerate with
``python -m exprgrad.make_grammar_tables``), and `lalr` runs them. One method of `_GraphBuilder` is called per
reduced rule (the method names are the grammar's aliases), so no parse tree is built and nothing recurses per node:
the parser keeps its own stack, and every callback does a constant amount of work.

Problems that are not syntax (an unknown function, a name assigned twice) are remembered, not raised, while
parsing goes on: a syntax error anywhere in the text is reported first, and only a text that parses cleanly gets
its first such problem reported.

User functions (``sq(x) = x*x``) are recorded, not re-parsed: the nodes their body builds are taken out of the
graph and kept as a list of steps (`UserFunction`), and each call appends fresh copies of those steps over its
arguments, in one loop. A body that calls another user function records that call already expanded, so no call
ever expands another: nesting costs no Python recursion, however deep.
"""

from __future__ import annotations

import _thread
import gc
import math
import re
from collections.abc import Iterable
from typing import Any

from . import lalr
from .bindings import rounds_to_zero
from .engine import Value, constant, new_node
from .errors import ParseError
from .grammar_tables import LITERALS, NAME_PATTERN
from .lalr import Token, token_start, token_text
from .ops import ADD, CONSTANTS, DIV, FUNCTIONS, IDENTITY, MUL, NEG, POW, SUB, Op
from .program import Program
from .textform import node_text

# Labels of unnamed nodes are their source text; past this length the middle is elided, which keeps labelling
# constant-time per node however large the expression.
MAX_LABEL_LENGTH = 48
# A node built by a call of a user function is labelled with the call's text, then its own text in the body
# (`neuron(x1, w1, b1): x*w`); calls within calls add their text in turn. Past this length the middle goes,
# keeping the outermost call and the innermost piece of body.
MAX_CALL_LABEL_LENGTH = 2 * MAX_LABEL_LENGTH
# Each call copies its function's body, so a few lines of functions that call the previous one twice would build
# 2**n nodes. Past this many copies, in calls and in the bodies of later functions together, a program is refused
# before memory runs out: a chain of 1,000 functions each calling the previous copies about 1,000,000.
MAX_COPIED_NODES = 2_000_000
_NAME = re.compile(NAME_PATTERN)
# Characters people paste from typeset formulas, and what the language writes instead.
_LOOKALIKES = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/", "\u2215": "/"}


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
# What a statement leaves: (the name it assigns, None for an expression alone; its node, None for a definition).
_Statement = tuple[str | None, Value | None]
# One step of a user function's body: (op, or None for a constant; the constant's value; the slots of its inputs;
# its label in the body). Slots number the parameters first, then the program's nodes the body reads, then the
# steps' own results in order.
_Step = tuple[Op | None, float, tuple[int, ...], str]


class UserFunction:
    """A function defined in the program: its parameters and its body, recorded as steps to copy at each call."""

    __slots__ = ("externals", "name", "parameters", "position", "result", "steps")

    def __init__(
        self,
        name: str,
        parameters: tuple[str, ...],
        position: int,
        externals: tuple[Value, ...],
        steps: tuple[_Step, ...],
        result: int,
    ) -> None:
        self.name = name
        self.parameters = parameters
        # Where the definition starts in the text, for messages.
        self.position = position
        # The program's own nodes the body reads (its variables, names assigned before the definition).
        self.externals = externals
        self.steps = steps
        # The slot of the body's value.
        self.result = result

    def __repr__(self) -> str:
        return f"UserFunction({self.name}({', '.join(self.parameters)}), {len(self.steps)} steps)"


class _Definition:
    """A definition whose body is being read: its parameters are in scope, stand-in leaves in the body."""

    __slots__ = ("first_node", "first_variable", "name", "parameters", "placeholders", "position", "shadowed")

    def __init__(self, name: str, position: int, parameters: list[str], builder: _GraphBuilder) -> None:
        self.name = name
        self.position = position
        self.parameters = tuple(parameters)
        self.placeholders = tuple(Value(math.nan, label=parameter) for parameter in parameters)
        # What the parameters hide while the body is read, put back when it ends.
        self.shadowed = {parameter: builder.scope.get(parameter) for parameter in parameters}
        # The body's nodes are the ones appended from here on (less the program variables it names first).
        self.first_node = len(builder.nodes)
        self.first_variable = len(builder.variables)


class _GraphBuilder:
    """The parser's callbacks and the state of the one parse under way."""

    def __init__(self) -> None:
        self.reset("", "")

    def reset(self, text: str, source_name: str) -> None:
        self.text = text
        self.source_name = source_name
        self.nodes: list[Value] = []
        # Nodes copied from function bodies so far, in calls and in the bodies of later functions alike.
        self.copied = 0
        self.scope: dict[str, Value] = {}
        self.variables: dict[str, Value] = {}
        self.defaults: dict[str, float] = {}
        self.assigned_at: dict[str, int] = {}
        self.first_use: dict[str, int] = {}
        # Nodes whose label is a name (variables and assigned results): naming one again makes an alias node.
        self.named: set[Value] = set()
        # Fresh literal leaves (numbers, pi): an assignment of one makes an input variable.
        self.literals: set[Value] = set()
        self.functions: dict[str, UserFunction] = {}
        # Where each unknown function is first called: defined later, it gets a message that says so.
        self.unknown_calls: dict[str, int] = {}
        # The definition whose body is being read, if any.
        self.defining: _Definition | None = None
        # The value of the last statement that is not a definition: the program's output unless one is chosen.
        self.last_output: Value | None = None
        self.problem: ParseError | None = None
        self.problem_position = -1

    # -- helpers --------------------------------------------------------------------------------------------

    def _report(self, message: str, position: int, *, replace_at: int = -2) -> Span:
        # `replace_at`: a problem already reported at that position is replaced by this one (a more precise word).
        if self.problem is None or self.problem_position == replace_at:
            self.problem = error_at(self.text, position, message, self.source_name)
            self.problem_position = position
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
        if name in FUNCTIONS or name in self.functions:
            stand_in = self._report(f"{name} is a function: call it as {name}(...)", start)
            return (stand_in[0], start, end)
        node = Value(math.nan, label=name)
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
            function = self.functions.get(name)
            if function is not None:
                return self._expand(function, arguments, start, closing.end())
            if self.defining is not None and name == self.defining.name:
                return self._report(f"{name} cannot call itself: a function's body uses only earlier functions", start)
            self.unknown_calls.setdefault(name, start)
            return self._report(f"unknown function {name!r}{_suggestion(name, [*FUNCTIONS, *self.functions])}", start)
        if len(arguments) != op.arity:
            plural = "" if op.arity == 1 else "s"
            return self._report(f"{name} takes {op.arity} argument{plural}, got {len(arguments)}", start)
        # Each argument is a Span: its node first.
        inputs = tuple(argument[0] for argument in arguments)
        if op.steps:
            return self._composition(op, inputs, start, closing.end())
        return self._node(op, inputs, start, closing.end())

    def _composition(self, op: Op, inputs: tuple[Value, ...], start: int, end: int) -> Span:
        # An op of more inputs than a node has (clamp) is a few nodes; the inner ones are labelled by their op.
        values = list(inputs)
        for step_op, positions in op.steps:
            (node, _, _) = self._node(step_op, tuple(values[p] for p in positions), start, end)
            node.label = node_text(step_op, [child.label for child in node.inputs])
            values.append(node)
        values[-1].label = self._label(start, end)
        return (values[-1], start, end)

    def _expand(self, function: UserFunction, arguments: list[Span], start: int, end: int) -> Span:
        """A call of a user function: fresh copies of its body's steps over the arguments, in one loop."""
        if len(arguments) != len(function.parameters):
            count = len(function.parameters)
            line = line_and_column(self.text, function.position)[0]
            return self._report(
                f"{function.name} takes {count} argument{'' if count == 1 else 's'}, got {len(arguments)} "
                f"({function.name}({', '.join(function.parameters)}) is defined on line {line})",
                start,
            )
        self.copied += len(function.steps)
        if self.copied > MAX_COPIED_NODES:
            return self._report(
                f"calling {function.name} here copies more than {MAX_COPIED_NODES:,} nodes of function bodies "
                "(each call copies its function's body)",
                start,
            )
        call = self._label(start, end)
        slots = [argument[0] for argument in arguments]
        slots += function.externals
        first_step = len(slots)
        nodes = self.nodes
        for op, data, inputs, body_label in function.steps:
            label = f"{call}: {body_label}"
            if len(label) > MAX_CALL_LABEL_LENGTH:
                half = MAX_CALL_LABEL_LENGTH // 2 - 1
                label = f"{label[:half]}…{label[-half:]}"
            if op is None:
                node = constant(data, label)
            else:
                node = new_node(op, tuple([slots[i] for i in inputs]), math.nan, label)
            nodes.append(node)
            slots.append(node)
        result = slots[function.result]
        if function.result >= first_step:
            result.label = call
        return (result, start, end)

    def head(self, children: list[Any]) -> _Definition:
        """The name and parameters of a definition: check them, and put the parameters in scope for the body."""
        name_token: Token = children[0]
        arguments: list[Span] = children[1] if len(children) == 3 else []
        name = token_text(name_token)
        position = token_start(name_token)
        # The parameters were read as expressions: each bare name made a variable (or a constant, for `pi`) that
        # belongs to no program. Those nodes are the last ones made; take them back.
        made = set()
        parameters: list[str] = []
        for node, start, end in arguments:
            text = self.text[start:end]
            if not _NAME.fullmatch(text):
                self._report(f"a parameter of {name} must be a name, got {folded(text)!r}", start)
                continue
            if self.first_use.get(text) == start and self.variables.get(text) is node:
                del self.variables[text], self.scope[text], self.first_use[text]
                self.named.discard(node)
                made.add(node)
            elif node in self.literals:
                self.literals.discard(node)
                made.add(node)
            self._check_parameter(name, text, start, parameters)
            parameters.append(text)
        while self.nodes and self.nodes[-1] in made:
            self.nodes.pop()
        self._check_function_name(name, position)
        called = self.unknown_calls.get(name)
        if called is not None:
            line, column = line_and_column(self.text, called)
            self._report(
                f"{name} is called (line {line}, column {column}) before its definition; define it first",
                position,
                replace_at=called,
            )
        definition = _Definition(name, position, parameters, self)
        for parameter, placeholder in zip(parameters, definition.placeholders, strict=True):
            self.scope[parameter] = placeholder
        self.defining = definition
        return definition

    def _check_function_name(self, name: str, position: int) -> None:
        if name in FUNCTIONS or name in CONSTANTS:
            kind = "constant" if name in CONSTANTS else "function"
            self._report(f"{name} is a built-in {kind}; give your function another name", position)
        elif name in self.functions:
            line = line_and_column(self.text, self.functions[name].position)[0]
            self._report(f"{name} is defined twice (first on line {line}); use a new name", position)
        elif name in self.scope or name in self.first_use:
            kind = "variable" if name in self.variables else "name assigned"
            self._report(f"{name} is a {kind} in the program; give the function another name", position)

    def _check_parameter(self, function: str, parameter: str, position: int, earlier: list[str]) -> None:
        if parameter in FUNCTIONS or parameter in CONSTANTS:
            kind = "constant" if parameter in CONSTANTS else "function"
            # Reading it as an expression may have reported "exp is a function": this says more.
            self._report(
                f"parameter {parameter} of {function} would hide the built-in {kind} {parameter}; rename it",
                position,
                replace_at=position,
            )
        elif parameter in self.functions:
            self._report(
                f"parameter {parameter} of {function} would hide the function {parameter}; rename it",
                position,
                replace_at=position,
            )
        elif parameter in earlier:
            self._report(f"parameter {parameter} appears twice in the definition of {function}", position)

    def define(self, children: list[Any]) -> _Statement:
        """The end of a definition: take its body's nodes out of the graph and record them as steps."""
        definition: _Definition = children[0]
        (body, _, _) = children[1]
        self.defining = None
        for parameter, shadowed in definition.shadowed.items():
            if shadowed is None:
                del self.scope[parameter]
            else:
                self.scope[parameter] = shadowed
        # Variables the body names first stay in the program; every other node it made is the body's.
        new_variables = set(list(self.variables.values())[definition.first_variable :])
        made = self.nodes[definition.first_node :]
        del self.nodes[definition.first_node :]
        slot: dict[Value, int] = {placeholder: i for i, placeholder in enumerate(definition.placeholders)}
        externals: list[Value] = []
        inside: list[Value] = []
        for node in made:
            if node in new_variables:
                self.nodes.append(node)
            else:
                inside.append(node)
                self.literals.discard(node)
        own = set(inside)
        for read in [*(child for node in inside for child in node.inputs), body]:
            if read not in slot and read not in own:
                slot[read] = -1  # numbered below, once the externals are all known
                externals.append(read)
        first_external = len(definition.placeholders)
        for index, node in enumerate(externals):
            slot[node] = first_external + index
        first_step = first_external + len(externals)
        for index, node in enumerate(inside):
            slot[node] = first_step + index
        steps = tuple((node.op, node.data, tuple(slot[child] for child in node.inputs), node.label) for node in inside)
        if definition.name not in FUNCTIONS and definition.name not in self.functions:
            self.functions[definition.name] = UserFunction(
                definition.name, definition.parameters, definition.position, tuple(externals), steps, slot[body]
            )
        return (definition.name, None)

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
        self.last_output = node
        if name in CONSTANTS or name in FUNCTIONS:
            kind = "constant" if name in CONSTANTS else "function"
            self._report(f"{name} is a built-in {kind} and cannot be assigned", position)
            return (name, node)
        if name in self.functions:
            line = line_and_column(self.text, self.functions[name].position)[0]
            self._report(f"{name} is a function (defined on line {line}) and cannot be assigned", position)
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
            node = Value(node.data, label=name)
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
        self.last_output = node
        return (name, node)

    def output(self, children: list[Span]) -> _Statement:
        ((node, _, _),) = children
        self.last_output = node
        return (None, node)

    def more(self, children: list[_Statement]) -> _Statement:
        # Every statement has built its nodes by now; the program's output is the last one.
        return children[1]

    def start(self, statements: list[_Statement]) -> Program:
        if not statements:
            raise error_at(
                self.text, len(self.text), "the program is empty: write an expression, e.g. a*b + c", self.source_name
            )
        output = self.last_output
        if output is None:
            if self.problem is not None:
                raise self.problem
            example = next(iter(self.functions.values()))
            call = f"{example.name}({', '.join(example.parameters)})"
            raise error_at(
                self.text,
                len(self.text.rstrip()),
                f"the program only defines functions: add an expression to evaluate, e.g. L = {call}",
                self.source_name,
            )
        return Program(
            nodes=self.nodes,
            output=output,
            variables=self.variables,
            defaults=self.defaults,
            names=self.scope,
            functions={name: function.parameters for name, function in self.functions.items()},
        )


def _suggestion(name: str, known: Iterable[str]) -> str:
    import difflib  # only for this message: its import costs a millisecond at every start

    matches = difflib.get_close_matches(name, list(known), n=3)
    if not matches:
        close = ""
    elif len(matches) == 1:
        close = f"did you mean {matches[0]}? "
    else:
        close = f"did you mean {', '.join(matches[:-1])} or {matches[-1]}? "
    return f" ({close}`exprgrad functions` lists them all)"


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
    if text.startswith("\ufeff"):
        # A byte-order mark, as some editors write at the start of a UTF-8 file: not part of the program.
        text = text[1:]
    with _parse_lock:
        _builder.reset(text, source_name)
        # The graph is acyclic and the parser makes no other cycles, so a garbage collection during a parse frees
        # nothing: it only walks the growing graph again, making the time per node grow with the program.
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
        if character in _LOOKALIKES:
            message += f"; did you mean {_LOOKALIKES[character]!r}?"
        elif character.isdecimal():
            message += f"; numbers are written with the digits 0-9 (this is {int(character)})"
        elif error.expected:
            message += f"; expected {_expected_words(error.expected)}"
        return error_at(text, position, message, source_name)
    if isinstance(error, lalr.UnexpectedToken):
        shown = repr(error.text)
        position = error.position
        if error.kind == "_SEPARATOR":
            # A run of separators is one token. Inside parentheses its line breaks are allowed and a semicolon in
            # it is the culprit: name that; else the first.
            semicolon = re.sub(r"#[^\n]*", lambda comment: " " * len(comment[0]), error.text).find(";")
            shown = "';'" if semicolon >= 0 else "line break"
            position += max(semicolon, 0)
        message = f"unexpected {shown}; expected {_expected_words(error.expected)}"
        return error_at(text, position, message, source_name)
    message = "the program ends too early"
    if error.expected:
        message += f"; expected {_expected_words(error.expected)}"
    return error_at(text, len(text.rstrip()), message, source_name)


__all__ = ["ParseError", "Program", "parse"]
