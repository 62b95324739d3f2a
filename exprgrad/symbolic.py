"""Derivatives as formulas: a program's graph rebuilt as a shared, simplified expression graph, swept backwards.

`Graph` holds expressions as numbered nodes (a constant, a variable, or a registry op applied to earlier nodes).
Identical expressions are one node (hash-consing), and every node is simplified as it is made, with rewrites
that give the same float bit for bit: constants folded by the op's own forward function, ``x*1``, ``x+0``,
``x-0``, ``x/1``, ``x**1``, ``x**0``, ``--x`` and ``0*x`` removed, a negation moved out of a product or a
quotient, ``x + -y`` written ``x - y``, and the operands of ``+`` and ``*`` put in a readable order (both are
commutative in floating point). Nothing is re-associated, so a formula computes what `eval` computes.

The derivative is the shared reverse sweep (`exprgrad.sweep`) run over this graph: each local partial is the
op's formula from the registry (text in exprgrad's language over ``x``, ``y`` and ``out``), parsed once and
instantiated with the node's inputs and its own value. Kinks therefore follow `eval`'s conventions by
construction (``relu'(x)`` is ``step(x)``, and ``step(0)`` is 0 in every target). A second sweep over the
first derivative's nodes gives the Hessian.

Where `eval` gives a number though a local derivative is infinite or undefined, so do the formulas. eval passes
nothing back through a gradient of 0: a term whose partial can be infinite where its op is defined
(`ops.Op.unbounded`) is written ``when(g, g*p)``, 0 where g is, without computing p there. A `where` branch not
chosen is not computed: while derivatives are built, arithmetic on ``when(c, x)`` is written inside it
(``when(c, x*y)``). The Hessian differentiates the plain products, as eval's differentiates its backward pass,
except that each product with a piecewise-constant gradient (max's partial) is guarded: eval computes such a
gradient as a constant, and where it is 0 differentiates nothing behind it.

Node numbers grow in topological order (a node's inputs are always older), so every pass is a plain loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

from . import ops
from .errors import ExprgradError
from .formats import garbage_collection_paused
from .ops import DomainError, Op
from .program import Program
from .sweep import reverse_sweep

# What a node is when it is not an op: its `op` entry is one of these markers' None, and `constant`/`name` say.
_CONSTANT: Final = 0
_VARIABLE: Final = 1


class Graph:
    """Expression nodes, numbered in order of creation; identical expressions share one number."""

    def __init__(self) -> None:
        self.op: list[Op | None] = []
        self.args: list[tuple[int, ...]] = []
        # The number for a constant, None otherwise; the name for a variable, None otherwise.
        self.constant: list[float | None] = []
        self.name: list[str | None] = []
        self.varies: list[bool] = []
        # Whether a node of a derivative is piecewise constant (its slope 0 wherever it has one: max's partial
        # (1 + sign(x - y))/2): eval's Hessian computes such a partial as a constant, so a 0 there passes nothing
        # back. The program's own nodes (a step(x) it wrote) are not: eval differentiates through them.
        self.flat: list[bool] = []
        self._known: dict[Any, int] = {}
        # While derivatives are built: a product (or quotient, negation, sum) of a lazy `when(c, x)` is written
        # inside it, `when(c, x*y)`, so what lies behind an unchosen branch is not computed, as eval passes nothing
        # back through a gradient of 0. Not for the program's own nodes: there `when(c, 1)*log(x)` needs log(x).
        self.pushing = False
        # While first and second derivatives are written: guard each chain-rule term g*p whose partial p can be
        # infinite where the op is defined (`ops.Op.unbounded`) as `when(g, g*p)`, which is 0 where g is, as eval.
        self.guarding = False

    def __len__(self) -> int:
        return len(self.op)

    def _add(self, key: Any, op: Op | None, args: tuple[int, ...], constant: float | None, name: str | None) -> int:
        index = self._known.get(key)
        if index is not None:
            return index
        index = len(self.op)
        self.op.append(op)
        self.args.append(args)
        self.constant.append(constant)
        self.name.append(name)
        self.varies.append(name is not None or any(self.varies[a] for a in args))
        flat = self.flat
        self.flat.append(
            not self.varies[index]
            or (
                self.pushing
                and op is not None
                and all(formula == "0" or flat[a] for formula, a in zip(op.formulas, args, strict=True))
            )
        )
        self._known[key] = index
        return index

    def number(self, value: float) -> int:
        """The node of a constant (0.0 and -0.0 are different constants)."""
        value = float(value)
        return self._add((_CONSTANT, value, math.copysign(1.0, value)), None, (), value, None)

    def variable(self, name: str) -> int:
        """The node of a variable."""
        return self._add((_VARIABLE, name), None, (), None, name)

    def is_number(self, index: int, value: float | None = None) -> bool:
        """Whether node `index` is a constant (equal to `value`, when given)."""
        constant = self.constant[index]
        return constant is not None and (value is None or constant == value)

    def apply(self, op: Op, *args: int) -> int:
        """The node of `op` applied to `args`, simplified (see the module's docstring)."""
        simpler = self._simplified(op, args)
        if simpler is not None:
            return simpler
        return self._add((op, args), op, args, None, None)

    def _simplified(self, op: Op, args: tuple[int, ...]) -> int | None:
        constant = self.constant
        values = [constant[a] for a in args]
        if all(v is not None for v in values) and op is not ops.IDENTITY:
            try:
                folded = op.forward(*values)
            except (DomainError, ArithmeticError, ValueError):
                return None  # left to fail where the code runs, as `eval` fails there
            return self.number(folded)
        if op is ops.IDENTITY:
            return args[0]
        if op.gate is not None:
            return self._gated(op, args, values[0], values[1])
        if self.pushing:
            pushed = self._pushed(op, args)
            if pushed is not None:
                return pushed
        first = args[0]
        if op is ops.NEG:
            if self.op[first] is ops.NEG:
                return self.args[first][0]
            return None
        if op is ops.MAX and first == args[1]:
            return first
        second = args[1] if len(args) > 1 else -1
        a, b = values[0], values[1] if len(values) > 1 else None
        neg = ops.NEG
        if op is ops.ADD:
            if b == 0.0:
                return first
            either = self._either(first, second)
            if either is not None:
                return either
            if a == 0.0:
                return second
            if b is not None and b < 0.0:
                return self.apply(ops.SUB, first, self.number(-b))
            if first == second:
                # x + x is 2*x exactly (doubling only changes the exponent).
                return self.apply(ops.MUL, self.number(2.0), first)
            if self.op[second] is neg:
                return self.apply(ops.SUB, first, self.args[second][0])
            if self.op[first] is neg:
                return self.apply(ops.SUB, second, self.args[first][0])
            if self._later(op, first, second):
                return self._add((op, (second, first)), op, (second, first), None, None)
        elif op is ops.SUB:
            if b == 0.0:
                return first
            if a == 0.0:
                return self.apply(neg, second)
            if b is not None and b < 0.0:
                return self.apply(ops.ADD, first, self.number(-b))
            if self.op[second] is neg:
                return self.apply(ops.ADD, first, self.args[second][0])
        elif op is ops.MUL:
            if a == 0.0 or b == 0.0:
                return self.number(0.0)
            if b == 1.0:
                return first
            if a == 1.0:
                return second
            if a == -1.0:
                return self.apply(neg, second)
            if b == -1.0:
                return self.apply(neg, first)
            if a is not None and a < 0.0:
                return self.apply(neg, self.apply(op, self.number(-a), second))
            if b is not None and b < 0.0:
                return self.apply(neg, self.apply(op, first, self.number(-b)))
            if self.op[first] is neg:
                return self.apply(neg, self.apply(op, self.args[first][0], second))
            if self.op[second] is neg:
                return self.apply(neg, self.apply(op, first, self.args[second][0]))
            if self._later(op, first, second):
                return self._add((op, (second, first)), op, (second, first), None, None)
        elif op is ops.DIV:
            if b == 1.0:
                return first
            if self.op[first] is neg:
                return self.apply(neg, self.apply(op, self.args[first][0], second))
        elif op is ops.POW:
            if b == 1.0:
                return first
            if b == 0.0:
                return self.number(1.0)
        return None

    def _gated(self, op: Op, args: tuple[int, ...], condition: float | None, chosen: float | None) -> int | None:
        """when(c, x) and unless(c, x) with a constant condition or a chosen value of 0 are no choice."""
        assert op.gate is not None
        if condition is not None:
            return args[1] if op.gate(condition) else self.number(0.0)
        if self.nonzero(args[0]):
            return args[1] if op is ops.WHEN else self.number(0.0)
        if chosen == 0.0:
            return self.number(0.0)
        kind = self.op
        if kind[args[0]] is ops.ABS or kind[args[0]] is ops.NEG:
            # abs(c) and -c are 0 exactly where c is.
            return self.apply(op, self.args[args[0]][0], args[1])
        inner = args[1]
        if kind[inner] in ops.GATES and self.args[inner][0] == args[0]:
            # The same choice twice: when(c, when(c, x)) is when(c, x), and when(c, unless(c, x)) is 0.
            return inner if kind[inner] is op else self.number(0.0)
        return None

    def nonzero(self, index: int) -> bool:
        """Whether node `index` is never 0 where it is defined: a constant other than 0, max(abs(x), 3) (pow's
        partial asks `max(abs(x), abs(y))` with y = 3), and 1/x (a quotient of a constant of at least 1 cannot
        underflow to 0)."""
        constant, kind = self.constant, self.op
        value = constant[index]
        if value is not None:
            return value != 0.0
        if kind[index] is ops.DIV:
            numerator = constant[self.args[index][0]]
            return numerator is not None and abs(numerator) >= 1.0
        if kind[index] is not ops.MAX:
            return False
        first, second = self.args[index]
        for one, other in ((first, second), (second, first)):
            value = constant[one]
            if value is not None and value > 0.0 and (kind[other] is ops.ABS or constant[other] is not None):
                return True
        return False

    def _either(self, first: int, second: int) -> int | None:
        """x for when(c, x) + unless(c, x): the same value whichever is chosen."""
        kind, args = self.op, self.args
        if {kind[first], kind[second]} == {ops.WHEN, ops.UNLESS} and args[first] == args[second]:
            return args[first][1]
        return None

    def _pushed(self, op: Op, args: tuple[int, ...]) -> int | None:
        """`op` of a lazy node written inside it (see `pushing`): the same float wherever its branch is chosen."""
        gates = ops.GATES
        kind = self.op
        if op is ops.NEG:
            inner = args[0]
            if kind[inner] in gates:
                gate, (condition, chosen) = kind[inner], self.args[inner]
                return self.apply(gate, condition, self.apply(op, chosen))  # type: ignore[arg-type]
            return None
        if len(args) != 2:
            return None
        first, second = args
        if op is ops.MUL or op is ops.DIV:
            if kind[first] in gates:
                gate, (condition, chosen) = kind[first], self.args[first]
                return self.apply(gate, condition, self.apply(op, chosen, second))  # type: ignore[arg-type]
            if op is ops.MUL and kind[second] in gates:
                gate, (condition, chosen) = kind[second], self.args[second]
                return self.apply(gate, condition, self.apply(op, first, chosen))  # type: ignore[arg-type]
        elif (op is ops.ADD or op is ops.SUB) and kind[first] in gates and kind[first] is kind[second]:
            (condition, left), (other, right) = self.args[first], self.args[second]
            if condition == other:
                return self.apply(kind[first], condition, self.apply(op, left, right))  # type: ignore[arg-type]
        return None

    def guarded(self, gradient: int, product: int) -> int:
        """`when(gradient, product)`; behind a `where` branch both are `when(c, ...)`: `when(c, when(h, ...))`."""
        kind, args = self.op, self.args
        gate = kind[gradient]
        if gate in ops.GATES and kind[product] is gate and args[gradient][0] == args[product][0]:
            (condition, inner), chosen = args[gradient], args[product][1]
            return self.apply(gate, condition, self.apply(ops.WHEN, inner, chosen))
        return self.apply(ops.WHEN, gradient, product)

    def _later(self, chained: Op, first: int, second: int) -> bool:
        """Whether a sum's or product's operands read better swapped: a constant first, a chain of the same op left.

        `x + y` and `x * y` give the same float as `y + x` and `y * x`, so swapping never changes a value.
        """
        constant = self.constant
        if constant[second] is not None:
            return constant[first] is None
        if constant[first] is not None:
            return False
        op = self.op
        # `sin(x)*(2*x)` reads as `2*x*sin(x)`: the product of a product and a factor, left to right.
        return op[second] is chained and op[first] is not chained


class Term:
    """A node of a `Graph` with arithmetic, so that the shared sweep can add and multiply gradients."""

    __slots__ = ("graph", "index", "unbounded")

    def __init__(self, graph: Graph, index: int, *, unbounded: bool = False) -> None:
        self.graph = graph
        self.index = index
        # A local partial that can be infinite where its op is defined: a product with it may be guarded.
        self.unbounded = unbounded

    def __add__(self, other: Term) -> Term:
        return Term(self.graph, self.graph.apply(ops.ADD, self.index, other.index))

    def __mul__(self, other: Term) -> Term:
        graph = self.graph
        product = graph.apply(ops.MUL, self.index, other.index)
        # Written guarded: a product with a partial that can be infinite; and, for the plain products second
        # derivatives differentiate, any product with a piecewise-constant gradient, which eval's Hessian computes
        # as a constant: where it is 0, nothing behind it (abs(sin(cbrt(x))) at x = 0: cbrt) is differentiated.
        guard = other.unbounded if graph.guarding else graph.flat[self.index]
        if guard and not graph.nonzero(self.index):
            # A gradient that cannot be 0 (a constant: a 0 passes nothing) needs no guard.
            product = graph.guarded(self.index, product)
        return Term(graph, product)


class _FormulaMath:
    """The sweep's namespace over Terms: it asks only whether a gradient is the constant 0."""

    @staticmethod
    def is_constant_zero(x: Term | None) -> bool:
        return x is not None and x.graph.is_number(x.index, 0.0)


# A parsed partial formula: its nodes as (op or None, input positions, constant or None, variable name or None).
_Template = list[tuple[Op | None, tuple[int, ...], float | None, str | None]]
_templates: dict[tuple[str, str], _Template] = {}


def _template(op: Op, slot: int, constant: tuple[bool, ...]) -> _Template:
    """The registry's formula for `op`'s partial in input `slot` (`constant[i]`: input i is a constant), parsed
    once into a list of steps."""
    formula = op.formula(slot, constant)
    key = (op.name, formula)
    template = _templates.get(key)
    if template is None:
        from .parser import parse

        program = parse(formula)
        template = []
        for node, inputs in zip(program.nodes, program.input_ids(), strict=True):
            if node.op is None:
                variable = node.label if node.label in program.variables else None
                template.append((None, (), None if variable else node.data, variable))
            else:
                template.append((node.op, inputs, None, None))
        # The formula's value is its program's output, which is the last node built.
        template = template[: program.output_index() + 1]
        _templates[key] = template
    return template


def instantiate(graph: Graph, op: Op, slot: int, inputs: Sequence[int], out: int) -> int:
    """The node of `op`'s local partial in input `slot`, with ``x``, ``y`` the inputs and ``out`` the node."""
    bound = {"out": out, "x": inputs[0]}
    if len(inputs) > 1:
        bound["y"] = inputs[1]
    made: list[int] = []
    constants = tuple(graph.constant[i] is not None for i in inputs)
    for step_op, positions, constant, variable in _template(op, slot, constants):
        if step_op is None:
            made.append(bound[variable] if variable is not None else graph.number(constant or 0.0))
        else:
            made.append(graph.apply(step_op, *(made[p] for p in positions)))
    return made[-1]


class _SweepNode:
    """A graph node as the sweep reads it: its op (with the formula partials) and whether it varies."""

    __slots__ = ("needs_grad", "op")

    def __init__(self, op: Op | None, needs_grad: bool) -> None:
        self.op = op
        self.needs_grad = needs_grad


_formula_ops: dict[str, Op] = {}


def _formula_op(op: Op) -> Op:
    """`op` with partials that build its registry formulas into a graph (what `reverse_sweep` calls)."""
    mirror = _formula_ops.get(op.name)
    if mirror is None:

        def partial_for(slot: int) -> Any:
            def partial(m: Any, *terms: Term) -> Term:
                *inputs, out = terms
                graph = out.graph
                arguments = [t.index for t in inputs]
                index = instantiate(graph, op, slot, arguments, out.index)
                constants = tuple(graph.constant[a] for a in arguments)
                unbounded = graph.constant[index] is None and op.unbounded(slot, constants)
                return Term(graph, index, unbounded=unbounded)

            return partial

        mirror = Op(
            op.name,
            op.symbol,
            op.notation,
            op.forward,
            op.over,
            tuple(partial_for(slot) for slot in range(len(op.partials))),
            op.formulas,
            description=op.description,
            parameters=op.parameters,
        )
        _formula_ops[op.name] = mirror
    return mirror


def gradients(graph: Graph, output: int, wrt: Sequence[int], *, guard: bool = True) -> list[int]:
    """The node of d(output)/d(w) for each node `w` of `wrt` (the constant 0 where the output does not depend on it).

    With `guard`, each term whose local partial can be infinite is written `when(g, g*p)`: the numbers eval gives,
    where a gradient of 0 passes nothing back. Without, the plain products, which second derivatives differentiate
    (as eval's Hessian differentiates its backward pass).
    """
    graph.pushing, graph.guarding = True, guard
    try:
        return _gradients(graph, output, wrt)
    finally:
        graph.pushing = graph.guarding = False


def _gradients(graph: Graph, output: int, wrt: Sequence[int]) -> list[int]:
    last = output
    nodes = [
        _SweepNode(None if op is None else _formula_op(op), graph.varies[i])
        for i, op in enumerate(graph.op[: last + 1])
    ]
    inputs = graph.args[: last + 1]
    data = [Term(graph, i) for i in range(last + 1)]
    grads = reverse_sweep(nodes, inputs, output, data, _FormulaMath(), Term(graph, graph.number(1.0)), zero=None)  # type: ignore[arg-type]
    zero = graph.number(0.0)
    return [zero if w > last or grads[w] is None else grads[w].index for w in wrt]


class DiffError(ExprgradError):
    """A derivative could not be written (an option names no variable, an order that is not offered)."""


class Derivatives:
    """A program's graph with its derivatives: the nodes to write, each under its name, and the naming."""

    def __init__(
        self,
        graph: Graph,
        output: int,
        output_name: str,
        assigned: dict[int, str],
        variables: list[str],
        defaults: dict[str, float],
        first: dict[str, int],
        second: dict[str, dict[str, int]],
        order: int,
    ) -> None:
        self.order = order
        self.graph = graph
        self.output = output
        self.output_name = output_name
        # Program nodes the user named (node -> name): written under that name when they are written at all.
        self.assigned = assigned
        self.variables = variables
        self.defaults = defaults
        self.first = first
        self.second = second


def differentiate(program: Program, wrt: Sequence[str] = (), order: int = 1) -> Derivatives:
    """The program's output, and its first (and with `order` 2, second) derivatives as a shared graph."""
    # Graphs are built without cycles: a collection frees nothing and only walks the growing graph again.
    with garbage_collection_paused():
        return _differentiate(program, wrt, order)


def _differentiate(program: Program, wrt: Sequence[str], order: int) -> Derivatives:
    program.check_option_names("--wrt", wrt)
    if order not in (1, 2):
        raise DiffError(f"--order takes 1 or 2, got {order}")
    names = list(dict.fromkeys(wrt)) if wrt else list(program.variables)
    graph = Graph()
    built: list[int] = []
    assigned: dict[int, str] = {}
    for node, inputs in zip(program.nodes, program.input_ids(), strict=True):
        if node.op is None:
            if node.label in program.variables and program.variables[node.label] is node:
                built.append(graph.variable(node.label))
            else:
                built.append(graph.number(node.data))
            continue
        index = graph.apply(node.op, *(built[position] for position in inputs))
        built.append(index)
        if node.label.isidentifier() and index not in assigned and graph.op[index] is not None:
            assigned[index] = node.label
    output = built[program.output_index()]
    variable_nodes = [graph.variable(name) for name in names]
    first = dict(zip(names, gradients(graph, output, variable_nodes), strict=True))
    second: dict[str, dict[str, int]] = {}
    if order == 2:
        # The Hessian differentiates the plain products (the guards are how the first derivatives are written).
        plain = dict(zip(names, gradients(graph, output, variable_nodes, guard=False), strict=True))
        for row, name in enumerate(names):
            entries = gradients(graph, plain[name], variable_nodes) if graph.varies[plain[name]] else []
            second[name] = {
                other: entries[column] if entries else graph.number(0.0)
                for column, other in enumerate(names)
                if column >= row
            }
    label = program.output.label
    # A variable as the output (the program `x`) gets a statement of its own, `out = x`.
    named = label.isidentifier() and program.output.op is not None
    output_name = label if named else ""
    return Derivatives(
        graph, output, output_name, assigned, list(program.variables), dict(program.defaults), first, second, order
    )
