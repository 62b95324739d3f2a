"""The explorer inline in a notebook: the page in an iframe's `srcdoc`, so it needs no server extension and its
script and style stay apart from the notebook's and from other outputs'.
"""

from __future__ import annotations

import html
import math
from typing import Any

from ..engine import Value, topological_order
from ..errors import ExprgradError
from ..program import Program
from .page import explorer_html


class NotEvaluatedError(ExprgradError):
    """The explorer was asked for before the program or value had numbers."""


# Tall enough for the graph, the inputs and the stepper of a 30-node program without scrolling the frame.
FRAME_HEIGHT = 820


def notebook_html(program: Program, *, color_by_grad: bool = False, edge_derivatives: bool = False) -> str:
    """The explorer of an evaluated `program` as an <iframe> for a notebook's output."""
    return _frame(program, _evaluated_page(program, color_by_grad=color_by_grad, edge_derivatives=edge_derivatives))


def _evaluated_page(program: Program, *, color_by_grad: bool, edge_derivatives: bool) -> str:
    if any(math.isnan(node.data) for node in program.variables.values()):
        raise NotEvaluatedError("evaluate the program first (program(a=..., ...)): the explorer opens at its values")
    return explorer_html(program, color_by_grad=color_by_grad, edge_derivatives=edge_derivatives)


def _frame(program: Program, page: str) -> str:
    title = html.escape(f"exprgrad explorer: {program.output_name}", quote=True)
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" title="{title}" sandbox="allow-scripts" '
        f'style="width: 100%; height: {FRAME_HEIGHT}px; border: 1px solid #d0d7de; border-radius: 8px;"></iframe>'
    )


def program_of(root: Value) -> Program:
    """A program over the graph of `root`: its leaves that take gradients are the variables, named by their labels."""
    nodes = topological_order(root)
    variables: dict[str, Value] = {}
    for index, node in enumerate(nodes):
        if node.op is not None or not node.needs_grad:
            continue
        name = node.label or f"x{index}"
        if name in variables:
            raise ExprgradError(f"two different leaves are labelled {name!r}: give each variable a label of its own")
        variables[name] = node
    return Program(nodes, root, variables, {})


class Explorer:
    """The explorer of a program, shown inline by Jupyter (`_repr_html_`) or saved as a page (`html`)."""

    def __init__(self, program: Program, *, color_by_grad: bool = False, edge_derivatives: bool = False) -> None:
        self.program = program
        self.page = _evaluated_page(program, color_by_grad=color_by_grad, edge_derivatives=edge_derivatives)

    def _repr_html_(self) -> str:
        return _frame(self.program, self.page)

    def html(self) -> str:
        """The stand-alone page, as `eval --html` writes it."""
        return self.page


def show(target: Program | Value, *, color_by_grad: bool = False, edge_derivatives: bool = False) -> Explorer | None:
    """Show the explorer of an evaluated program (or of a Value after `backward()`) inline in a notebook.

    In IPython it is displayed and None returned; elsewhere the `Explorer` is returned (its `html()` is the page).
    """
    if not isinstance(target, (Program, Value)):
        raise TypeError(f"show() takes a Program or a Value, not {type(target).__name__}")
    program = target if isinstance(target, Program) else program_of(target)
    explorer = Explorer(program, color_by_grad=color_by_grad, edge_derivatives=edge_derivatives)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return explorer
    if get_ipython() is None:
        return explorer
    # IPython's display is untyped; called through Any so that mypy --strict accepts it with or without IPython.
    displayed: Any = display
    displayed(explorer)
    return None
