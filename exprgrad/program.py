"""A parsed program: its graph in topological order, its variables, and evaluation at given values.

>>> from exprgrad import parse
>>> program = parse("e = a*b; d = e + c; L = d*f")
>>> result = program(a=2, b=-3, c=10, f=-2)
>>> result.value, result.gradients
(-8.0, {'a': 6.0, 'b': -4.0, 'c': -2.0, 'f': 4.0})

Any named node can be the output, and several outputs give the Jacobian, one row per output:

>>> program.evaluate({"a": 2, "b": -3, "c": 10, "f": -2}, outputs=["e", "L"]).jacobian
{'e': {'a': -3.0, 'b': 2.0, 'c': 0.0, 'f': 0.0}, 'L': {'a': 6.0, 'b': -4.0, 'c': -2.0, 'f': 4.0}}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .engine import Value, backward, forward, lazy_forward
from .errors import BindingError


class Evaluation:
    """The numbers of one evaluation: output value, d(output)/d(variable), and every node's data and grad.

    With several outputs, `output`, `value`, `gradients` and `grads` are the first output's, and `outputs`,
    `values`, `jacobian` (``jacobian[output][variable]``) and `output_grads` (every node's grad, per output) hold
    them all. With one output those hold just it.
    """

    # A plain class: a dataclass or NamedTuple is built at import, about a millisecond at every start.
    __slots__ = ("data", "gradients", "grads", "jacobian", "output", "output_grads", "outputs", "value", "values")

    def __init__(
        self,
        output: str,
        value: float,
        gradients: dict[str, float],
        data: tuple[float, ...],
        grads: tuple[float | None, ...],
        *,
        others: Mapping[str, tuple[float, dict[str, float], tuple[float | None, ...]]] | None = None,
    ) -> None:
        self.output = output
        self.value = value
        self.gradients = gradients
        self.data = data
        # None where a node does not depend on any variable (a constant): it takes no gradient.
        self.grads = grads
        # `others`: the outputs after the first, each with its value, gradients and grads.
        rest = others or {}
        self.outputs = (output, *rest)
        self.values = {output: value, **{name: entry[0] for name, entry in rest.items()}}
        self.jacobian = {output: gradients, **{name: entry[1] for name, entry in rest.items()}}
        self.output_grads = {output: grads, **{name: entry[2] for name, entry in rest.items()}}

    def __repr__(self) -> str:
        return f"Evaluation(output={self.output!r}, value={self.value!r}, gradients={self.gradients!r})"


# What `bind` finds for a variable with no value given (a sentinel: any float, or even None, is a value).
_UNBOUND: Any = object()


class Program:
    """A parsed program. `nodes` are in topological order (inputs first, the output last among its own inputs)."""

    # A plain class, not a dataclass: the generated methods would cost about a millisecond at every start.
    def __init__(
        self,
        nodes: list[Value],
        output: Value,
        variables: dict[str, Value],
        defaults: dict[str, float],
        names: dict[str, Value] | None = None,
        functions: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.nodes = nodes
        self.output = output
        self.variables = variables
        # Values written in the program (`a = 2`): used unless the caller gives another.
        self.defaults = defaults
        # Every name of the program: its variables and the names its statements assign, in order of appearance.
        self.names = names if names is not None else dict(variables)
        # The user functions it defines, with their parameters.
        self.functions = functions or {}
        self._input_ids: list[tuple[int, ...]] | None = None
        # Whether a node is lazy (`where`): then a failure matters only where its value is needed. Found on first
        # use, and shared by the programs `output` makes over the same nodes.
        self._lazy: bool | None = None

    @property
    def lazy(self) -> bool:
        """Whether the program has lazy nodes (`where`, `when`, `unless`)."""
        if self._lazy is None:
            self._lazy = any(node.op is not None and node.op.gate is not None for node in self.nodes)
        return self._lazy

    def __repr__(self) -> str:
        return f"Program({len(self.nodes)} nodes, output={self.output_name!r}, variables={list(self.variables)})"

    @property
    def output_name(self) -> str:
        """The label of the output node: the name it was assigned to, or its source text."""
        return self.output.label

    @property
    def free_variables(self) -> list[str]:
        """The variables whose values must come from outside the program, in order of first appearance."""
        return [name for name in self.variables if name not in self.defaults]

    @property
    def computed_names(self) -> list[str]:
        """The names whose values the program computes (``e = a*b``): possible outputs, never given a value."""
        return [name for name in self.names if name not in self.variables]

    def with_output(self, name: str) -> Program:
        """The same program (the same graph) with the node named `name` as its output (raises `BindingError`)."""
        node = self.names.get(name)
        if node is None:
            raise BindingError(_unknown_output_message(name, self))
        chosen = Program(self.nodes, node, self.variables, self.defaults, self.names, self.functions)
        chosen._input_ids = self._input_ids
        chosen._lazy = self._lazy
        return chosen

    def output_index(self) -> int:
        """The position of the output node in `nodes`."""
        return next(index for index in range(len(self.nodes) - 1, -1, -1) if self.nodes[index] is self.output)

    def input_ids(self) -> list[tuple[int, ...]]:
        """For each node, the positions in `nodes` of its inputs (in order, duplicates kept)."""
        if self._input_ids is None:
            position = {id(node): index for index, node in enumerate(self.nodes)}
            self._input_ids = [tuple(position[id(child)] for child in node.inputs) for node in self.nodes]
        return self._input_ids

    def check_option_names(self, option: str, names: Iterable[str]) -> None:
        """Raise `BindingError` for the first of `names`, given with `option` (``--wrt``), that is not a variable."""
        for name in names:
            if name not in self.variables:
                listing = ", ".join(self.variables) or "none"
                raise BindingError(f"{option} {name}: not a variable of the program (its variables: {listing})")

    def check_names(self, names: Iterable[str]) -> None:
        """Raise `BindingError` unless every name is a variable (one with a value in the program included)."""
        names = list(names)
        computed = [name for name in names if name in self.names and name not in self.variables]
        if computed:
            listing = ", ".join(computed)
            verb = "is" if len(computed) == 1 else "are"
            raise BindingError(
                f"{listing} {verb} computed by the program, so {'it takes' if len(computed) == 1 else 'they take'} "
                f"no value; give values to its variables ({', '.join(self.variables) or 'none'})"
            )
        unknown = [name for name in names if name not in self.variables]
        if unknown:
            raise BindingError(_unknown_message(unknown, self))

    def bind(self, bindings: Mapping[str, float]) -> None:
        """Set every variable's value from `bindings` and the program's own defaults (raises `BindingError`)."""
        # One look-up per variable finds its value and what is wrong: with a check per pass, binding the half a
        # million variables of a 1e6-node sum took as long as its backward pass.
        defaults = self.defaults
        values: list[float] = []
        missing: list[str] = []
        given = 0
        for name in self.variables:
            value = bindings.get(name, _UNBOUND)
            if value is not _UNBOUND:
                given += 1
            elif name in defaults:
                value = defaults[name]
            else:
                missing.append(name)
            values.append(value)
        if given != len(bindings):
            # A name that is no variable: the messages name them all.
            self.check_names(bindings)
        if missing:
            options = " ".join(f"--{name} VALUE" for name in missing)
            # `e` is a name like any other; someone who meant Euler's number is told how to write it.
            euler = "; Euler's number is written exp(1)" if "e" in missing else ""
            raise BindingError(f"no value for {', '.join(missing)}: pass {options}{euler}")
        for (name, node), value in zip(self.variables.items(), values, strict=True):
            if not math.isfinite(value):
                raise BindingError(f"the value of {name} must be a finite number, got {value!r}")
            node.data = float(value)

    def run(self, bindings: Mapping[str, float]) -> None:
        """Bind, then run forward and backward: every node's `data` and `grad` are filled in place."""
        self.bind(bindings)
        self.recompute()

    def forward(self, outputs: Sequence[Value] = ()) -> None:
        """Every node's `data` from the variables' values as they stand (raises `EvaluationError`).

        In a program with `where`, a node needed only by a branch not chosen may fail: it is left undefined (NaN),
        and only a failure the output (or `outputs`, or a statement nothing uses) needs is an error.
        """
        if self.lazy:
            lazy_forward(self.nodes, (self.output, *outputs))
        else:
            forward(self.nodes)

    def recompute(self) -> None:
        """Forward and backward with the variables' values as they stand (set by `bind`, or directly per row)."""
        self.forward()
        backward(self.output, self.nodes)

    def evaluate(
        self, bindings: Mapping[str, float] | None = None, *, outputs: Sequence[str] | None = None
    ) -> Evaluation:
        """Run the program at `bindings` and return a snapshot of every number.

        `outputs` names the outputs (statement names or variables) in place of the program's own: one forward
        pass, then one backward pass per output, giving ``jacobian[output][variable]``.
        """
        if not outputs:
            self.run(bindings or {})
            return self._snapshot(self.output_name, self.output, None)
        chosen = _distinct_outputs(self, outputs)
        self.bind(bindings or {})
        self.forward([self.names[name] for name in chosen])
        others: dict[str, tuple[float, dict[str, float], tuple[float | None, ...]]] = {}
        for name in chosen[1:]:
            backward(self.names[name], self.nodes)
            snapshot = self._snapshot(name, self.names[name], None)
            others[name] = (snapshot.value, snapshot.gradients, snapshot.grads)
        # The first output last, so that every node's `grad` is left as d(first output)/d(node).
        backward(self.names[chosen[0]], self.nodes)
        return self._snapshot(chosen[0], self.names[chosen[0]], others)

    def _snapshot(
        self,
        name: str,
        output: Value,
        others: Mapping[str, tuple[float, dict[str, float], tuple[float | None, ...]]] | None,
    ) -> Evaluation:
        return Evaluation(
            output=name,
            value=output.data,
            gradients={name: node.grad for name, node in self.variables.items()},
            # Lists first: a list comprehension runs faster than the generator `tuple()` would otherwise consume.
            data=tuple([node.data for node in self.nodes]),
            grads=tuple([node.grad if node.needs_grad else None for node in self.nodes]),
            others=others,
        )

    def __call__(self, **bindings: float) -> Evaluation:
        """`program(a=2, b=-3)`: shorthand for `evaluate`."""
        return self.evaluate(bindings)

    def hessians(
        self, bindings: Mapping[str, float] | None, outputs: Sequence[str]
    ) -> dict[str, dict[str, dict[str, float]]]:
        """One Hessian per output: ``result[output][r][c]`` is d2(output)/dr dc."""
        chosen = _distinct_outputs(self, outputs)
        return {name: self.with_output(name).hessian(bindings) for name in chosen}

    def hessian(self, bindings: Mapping[str, float] | None = None) -> dict[str, dict[str, float]]:
        """Second derivatives: ``result[r][c]`` is d2(output)/dr dc, by differentiating the backward pass.

        >>> from exprgrad import parse
        >>> parse("a**2 * b")(a=3, b=5).value, parse("a**2 * b").hessian({"a": 3, "b": 5})
        (45.0, {'a': {'a': 10.0, 'b': 6.0}, 'b': {'a': 6.0, 'b': 0.0}})
        """
        from .hessian import hessian

        return hessian(self, bindings)

    def _repr_html_(self) -> str | None:
        """The explorer (graph, table, steps, sliders) inline in Jupyter once the program is evaluated, else None."""
        if any(math.isnan(node.data) for node in self.variables.values()):
            return None
        from .explorer import notebook_html

        return notebook_html(self)

    def _repr_svg_(self) -> str:
        """The graph with the numbers of the last evaluation, as SVG for Jupyter (no system Graphviz needed)."""
        from .dot import graph_svg

        return graph_svg(self.nodes, output=self.output).decode("utf-8")


def _distinct_outputs(program: Program, outputs: Sequence[str]) -> list[str]:
    chosen: list[str] = []
    for name in outputs:
        if name not in program.names:
            raise BindingError(_unknown_output_message(name, program))
        if name in chosen:
            raise BindingError(f"--output {name} is given twice; name each output once")
        chosen.append(name)
    return chosen


def _unknown_output_message(name: str, program: Program) -> str:
    import difflib

    statements = ", ".join(program.computed_names or program.names) or "none"
    if name in program.functions:
        return f"--output {name}: {name} is a function; name a statement (the program's statements: {statements})"
    close = difflib.get_close_matches(name, list(program.names), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"--output {name}: no statement or variable named {name} ({hint}the program's statements: {statements})"


def _unknown_message(unknown: list[str], program: Program) -> str:
    import difflib

    known = list(program.variables)
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean --{close[0]}?)" if close else ""
        parts.append(f"{name}{hint}")
    listing = ", ".join(known) if known else "none"
    return f"no variable named {', '.join(parts)} in the program (its variables: {listing})"
