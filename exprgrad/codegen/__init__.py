"""`exprgrad diff`'s targets: a derivative graph written as an exprgrad program, Python, NumPy, C, JavaScript or LaTeX.

`generate` picks the names (results first, then temporaries, each checked against the program's names and the
target's reserved words), lays the graph out as statements (`layout.Layout`) and hands them to the target, which
writes the document. Each target is a module of its own with one table of how it writes every op.
"""

from __future__ import annotations

from typing import Final

from ..formats import garbage_collection_paused
from ..ops import CONSTANTS, FUNCTIONS
from ..symbolic import Derivatives, DiffError
from .document import Document, Generated, TargetWriter
from .layout import Layout, Written

# Target name -> (module, writer class); modules load when their target is asked for.
_WRITERS: Final = {
    "exprgrad": ("exprgrad_code", "ExprgradWriter"),
    "python": ("python_code", "PythonWriter"),
    "numpy": ("numpy_code", "NumpyWriter"),
    "c": ("c_code", "CWriter"),
    "js": ("javascript", "JavaScriptWriter"),
    "latex": ("latex", "LatexWriter"),
}
TARGETS: Final = tuple(_WRITERS)


def writer_for(target: str) -> TargetWriter:
    """The writer of one target (raises `DiffError` for an unknown one)."""
    if target not in _WRITERS:
        raise DiffError(f"--to {target}: not a target (choose one of {', '.join(TARGETS)})")
    import importlib

    module, writer = _WRITERS[target]
    made: TargetWriter = getattr(importlib.import_module(f"{__name__}.{module}"), writer)()
    return made


def generate(derivatives: Derivatives, target: str, *, function_name: str = "f", source: str = "") -> Generated:
    """The derivatives written in `target`: its code, and the name of each derivative in it."""
    # Writing makes many small tuples (ropes) and no cycles, so a garbage collection frees nothing while it runs:
    # it only walks the growing text again (measured: 1.3 s instead of 0.57 s at 7,500 program nodes).
    with garbage_collection_paused():
        return _generate(derivatives, target, function_name, source)


def _generate(derivatives: Derivatives, target: str, function_name: str, source: str) -> Generated:
    writer = writer_for(target)
    names = _Names(writer, derivatives)
    if not writer.is_identifier(function_name) or function_name in writer.reserved:
        raise DiffError(f"--name {function_name}: not usable as a function name in {target}")
    names.take(function_name)
    variables = {name: names.variable(name) for name in derivatives.variables}
    given = derivatives.output_name
    # The output keeps the name the program gave it; an unnamed output is called `out` (or `out_1`, ...).
    output_name = names.variable(given) if given else names.result("out")
    first = {v: names.result(f"d_{v}") for v in derivatives.first}
    second = {v: {w: names.result(f"d2_{v}_{w}") for w in row} for v, row in derivatives.second.items()}
    graph = derivatives.graph
    results = [(output_name, derivatives.output)]
    results += [(first[v], node) for v, node in derivatives.first.items()]
    results += [(second[v][w], node) for v, row in derivatives.second.items() for w, node in row.items()]
    preferred = {node: names.variable(name) for node, name in derivatives.assigned.items() if name not in variables}
    if writer.keeps_statements:
        kept = [(preferred[node], node) for node in sorted(preferred)]
        results = kept + [result for result in results if result not in kept]
    layout = Layout(graph, results, preferred, names.temporary, repeat_calls=writer.repeat_calls)
    used_variables: set[str] = set()
    lazy = {layout.name[index] for index in layout.conditional} if writer.lazy_statements else set()

    def leaf(index: int) -> Written:
        name = graph.name[index]
        if name is not None:
            used_variables.add(name)
            return writer.name(variables[name])
        constant = graph.constant[index]
        if constant is not None:
            return writer.number(constant)
        name = layout.name[index]
        # A lazy statement is a function computing it once, when it is first read.
        return writer.name(f"{name}()" if name in lazy else name)

    statements = [(name, layout.expression(node, writer, leaf)) for name, node in layout.statements]
    statements += [(name, leaf(node)) for name, node in layout.aliases]
    hessian = {v: {w: second[v][w] if w in second[v] else second[w][v] for w in second} for v in second}
    document = Document(
        source=source,
        function_name=function_name,
        variables=variables,
        used_variables=[name for name in derivatives.variables if name in used_variables],
        defaults=derivatives.defaults,
        statements=statements,
        output=output_name,
        derivatives=first,
        hessian=hessian,
        order=derivatives.order,
        lazy=frozenset(lazy),
    )
    return Generated(target, writer.document(document), first, hessian, output_name, variables, derivatives.order)


class _Names:
    """Names taken so far in one target: the program's own, the target's reserved words, and every name given."""

    def __init__(self, writer: TargetWriter, derivatives: Derivatives) -> None:
        self.writer = writer
        self.taken: set[str] = set(writer.reserved) | set(FUNCTIONS) | set(CONSTANTS)
        self.taken |= set(derivatives.variables) | set(derivatives.assigned.values())
        self.given: dict[str, str] = {}

    def take(self, name: str) -> None:
        self.taken.add(name)

    def variable(self, name: str) -> str:
        """A program name as the target writes it: itself, unless the target reserves it or cannot spell it."""
        if name in self.given:
            return self.given[name]
        writer = self.writer
        if writer.is_identifier(name) and name not in writer.reserved and name not in FUNCTIONS:
            spelled = name
        else:
            spelled = self._free(writer.spell(name) + "_")
        self.given[name] = spelled
        self.taken.add(spelled)
        return spelled

    def result(self, wanted: str) -> str:
        """A name for a result: `wanted`, or with a numeric suffix when the program or target already uses it."""
        base = wanted if self.writer.is_identifier(wanted) else self.writer.spell(wanted)
        name = base if base not in self.taken else self._free(base + "_")
        self.taken.add(name)
        return name

    def temporary(self, number: int) -> str:
        name = self._free(f"t{number}", suffix_first=False)
        self.taken.add(name)
        return name

    def _free(self, base: str, *, suffix_first: bool = True) -> str:
        if not suffix_first and base not in self.taken:
            return base
        number = 1 if base.endswith("_") else 2
        while f"{base}{number}" in self.taken:
            number += 1
        return f"{base}{number}"
