"""The explorer as one HTML file: the template, its style and script, the drawing, the program's document and the
ops' JavaScript, put together with nothing fetched from anywhere (the page's own Content-Security-Policy forbids it).
"""

from __future__ import annotations

import html
import json
from importlib import resources
from string import Template
from typing import Any

from ..dot import MAX_DRAWN_NODES, draw, render
from ..program import Program
from .model import page_document, program_lines, used_ops
from .opsjs import ops_script


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def explorer_html(
    program: Program,
    *,
    precision: int | None = None,
    rankdir: str = "LR",
    color_by_grad: bool = False,
    edge_derivatives: bool = False,
) -> str:
    """The self-contained explorer page of `program`, opening at its variables' current values (raises RenderError
    if the drawing fails)."""
    drawn = len(program.nodes) <= MAX_DRAWN_NODES
    document = page_document(
        program,
        precision=precision,
        color_by_grad=color_by_grad,
        edge_derivatives=edge_derivatives,
        drawn=drawn,
    )
    if drawn:
        source = draw(
            program.nodes,
            output=program.output,
            digits=precision,
            rankdir=rankdir,
            color_by_grad=color_by_grad,
            edge_derivatives=edge_derivatives,
        ).source
        graph = _figure(render(source, "svg", node_count=len(program.nodes)).decode("utf-8"), len(program.nodes))
        zoom = (
            '<div class="zoom" role="group" aria-label="Zoom">'
            '<button type="button" id="zoom-out" aria-label="Zoom out">−</button>'
            '<span id="zoom-level" aria-live="polite">100%</span>'
            '<button type="button" id="zoom-in" aria-label="Zoom in">+</button>'
            '<button type="button" id="zoom-fit" aria-label="Fit the graph to the pane">Fit</button></div>\n'
        )
    else:
        graph = (
            f'<p class="notice" id="graph-caption">The graph has {len(program.nodes)} nodes: drawings are limited to '
            f"{MAX_DRAWN_NODES}, because laying one out takes much longer as the graph grows. The table and the "
            "chain-rule steps below show every node.</p>\n"
        )
        zoom = ""
    title = f"exprgrad explorer: {program.output_name}"
    return Template(_asset("page.html")).substitute(
        title=html.escape(title),
        style=_asset("page.css"),
        program=html.escape("\n".join(program_lines(program))),
        zoom=zoom,
        graph=graph,
        data=script_json(document),
        ops=ops_script(used_ops(program)),
        script=_asset("page.js"),
    )


def _figure(svg: str, node_count: int) -> str:
    # Inline SVG inside HTML: Graphviz's XML declaration and DOCTYPE do not belong there.
    start = svg.find("<svg")
    picture = svg[start:].strip()
    caption = (
        f"The expression graph: {node_count} nodes, each value a box (label, data, grad) and each op an ellipse "
        "between its inputs and its result. The node table lists the same nodes as text."
    )
    return (
        f'<figure>\n<div class="graph-box" id="graph">\n{picture}\n</div>\n'
        f'<figcaption id="graph-caption">{html.escape(caption)}</figcaption>\n</figure>\n'
    )


def script_json(document: dict[str, Any]) -> str:
    """`document` as JSON that can stand inside a <script> element (no `</`, no `<!--`)."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
