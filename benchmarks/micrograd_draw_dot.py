"""The drawing peer: micrograd's `draw_dot` (from its trace_graph notebook) on the shared-weight chain.

``python benchmarks/micrograd_draw_dot.py LAYERS`` builds x1 = x0*w + b; ... with micrograd's Value, runs
backward, and renders the graph to SVG through the `graphviz` package (the system `dot`), as the notebook does.
`trace` and `draw_dot` follow the notebook line for line (MIT licence, Andrej Karpathy); only type hints are
added and the label's %-format is written as an f-string.
"""

from __future__ import annotations

import sys
from typing import Any

from graphviz import Digraph
from micrograd.engine import Value


def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """All nodes and edges of the graph below `root`."""
    nodes: set[Any] = set()
    edges: set[tuple[Any, Any]] = set()

    def build(v: Any) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR") -> Any:
    """micrograd's picture: a record per value, an ellipse per op."""
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={"rankdir": rankdir})
    for n in nodes:
        dot.node(name=str(id(n)), label=f"{{ data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def main(layers: int) -> None:
    """Build, differentiate and draw the chain; print the SVG's size."""
    w, b = Value(0.9), Value(0.1)
    x = Value(0.5)
    for _ in range(layers):
        x = x * w + b
    x.backward()
    print(len(draw_dot(x).pipe()))


if __name__ == "__main__":
    main(int(sys.argv[1]))
