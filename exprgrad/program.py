"""A parsed program: its graph in topological order, its variables, and evaluation at given values.

>>> from exprgrad import parse
>>> program = parse("e = a*b; d = e + c; L = d*f")
>>> result = program(a=2, b=-3, c=10, f=-2)
>>> result.value, result.gradients
(-8.0, {'a': 6.0, 'b': -4.0, 'c': -2.0, 'f': 4.0})
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from .engine import Value, backward, forward
from .errors import BindingError


class Evaluation:
    """The numbers of one evaluation: output value, d(output)/d(variable), and every node's data and grad."""

    # A plain class: a dataclass or NamedTuple is built at import, about a millisecond at every start.
    __slots__ = ("data", "gradients", "grads", "output", "value")

    def __init__(
        self,
        output: str,
        value: float,
        gradients: dict[str, float],
        data: tuple[float, ...],
        grads: tuple[float | None, ...],
    ) -> None:
        self.output = output
        self.value = value
        self.gradients = gradients
        self.data = data
        # None where a node does not depend on any variable (a constant): it takes no gradient.
        self.grads = grads

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
    ) -> None:
        self.nodes = nodes
        self.output = output
        self.variables = variables
        self.defaults = defaults
        self._input_ids: list[tuple[int, ...]] | None = None

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

    def output_index(self) -> int:
        """The position of the output node in `nodes`."""
        return next(index for index in range(len(self.nodes) - 1, -1, -1) if self.nodes[index] is self.output)

    def input_ids(self) -> list[tuple[int, ...]]:
        """For each node, the positions in `nodes` of its inputs (in order, duplicates kept)."""
        if self._input_ids is None:
            position = {id(node): index for index, node in enumerate(self.nodes)}
            self._input_ids = [tuple(position[id(child)] for child in node.inputs) for node in self.nodes]
        return self._input_ids

    def check_names(self, names: Iterable[str]) -> None:
        """Raise `BindingError` unless every name is a variable whose value is not given in the program."""
        names = list(names)
        unknown = [name for name in names if name not in self.variables]
        if unknown:
            raise BindingError(_unknown_message(unknown, self))
        overridden = [name for name in names if name in self.defaults]
        if overridden:
            listing = ", ".join(overridden)
            raise BindingError(f"{listing} already given a value in the program; drop the option or the assignment")

    def bind(self, bindings: Mapping[str, float]) -> None:
        """Set every variable's value from `bindings` and the program's own defaults (raises `BindingError`)."""
        # One look-up per variable finds its value and what is wrong: with a check per pass, binding the half a
        # million variables of a 1e6-node sum took as long as its backward pass.
        defaults = self.defaults
        values: list[float] = []
        missing: list[str] = []
        given = 0
        overridden = False
        for name in self.variables:
            value = bindings.get(name, _UNBOUND)
            if value is not _UNBOUND:
                given += 1
                overridden = overridden or name in defaults
            elif name in defaults:
                value = defaults[name]
            else:
                missing.append(name)
            values.append(value)
        if overridden or given != len(bindings):
            # A name that is no variable, or that the program gives a value itself: the messages name them all.
            self.check_names(bindings)
        if missing:
            options = " ".join(f"--{name} VALUE" for name in missing)
            raise BindingError(f"no value for {', '.join(missing)}: pass {options}")
        for (name, node), value in zip(self.variables.items(), values, strict=True):
            if not math.isfinite(value):
                raise BindingError(f"the value of {name} must be a finite number, got {value!r}")
            node.data = float(value)

    def run(self, bindings: Mapping[str, float]) -> None:
        """Bind, then run forward and backward: every node's `data` and `grad` are filled in place."""
        self.bind(bindings)
        self.recompute()

    def recompute(self) -> None:
        """Forward and backward with the variables' values as they stand (set by `bind`, or directly per row)."""
        forward(self.nodes)
        backward(self.output, self.nodes)

    def evaluate(self, bindings: Mapping[str, float] | None = None) -> Evaluation:
        """Run the program at `bindings` and return a snapshot of every number."""
        self.run(bindings or {})
        return Evaluation(
            output=self.output_name,
            value=self.output.data,
            gradients={name: node.grad for name, node in self.variables.items()},
            # Lists first: a list comprehension runs faster than the generator `tuple()` would otherwise consume.
            data=tuple([node.data for node in self.nodes]),
            grads=tuple([node.grad if node.needs_grad else None for node in self.nodes]),
        )

    def __call__(self, **bindings: float) -> Evaluation:
        """`program(a=2, b=-3)`: shorthand for `evaluate`."""
        return self.evaluate(bindings)

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
