"""The terminal table: one row per node in topological order, then the output's value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .node_keys import node_keys
from .program import Evaluation, Program
from .textform import format_number

if TYPE_CHECKING:
    from rich.console import Console

    from .checking import GradientCheck


def number_text(x: float | None, precision: int | None) -> str:
    """A number for people (`textform.format_number`), "-" for none, "not evaluated" for NaN (a node of a `where`
    branch not chosen, whose value failed)."""
    if x is None:
        return "-"
    if math.isnan(x):
        return "not evaluated"
    return format_number(x, precision)


HEADERS = ("node", "op", "data", "grad")


def table_rows(program: Program, evaluation: Evaluation, precision: int | None) -> list[tuple[str, str, str, str]]:
    """The cells of the table: label, op, data and grad of every node, in topological order.

    A label that several nodes share is followed by each one's id (`exprgrad.node_keys`), as in the JSON ``key``.
    """
    rows = []
    keys = node_keys([node.label for node in program.nodes])
    for index, node in enumerate(program.nodes):
        op = node.op.name if node.op is not None else ("variable" if node.needs_grad else "constant")
        rows.append(
            (
                keys[index],
                op,
                number_text(evaluation.data[index], precision),
                number_text(evaluation.grads[index], precision),
            )
        )
    return rows


def output_line(evaluation: Evaluation, precision: int | None) -> str:
    """The line after the table: the output's name and value."""
    return f"{evaluation.output} = {number_text(evaluation.value, precision)}"


def print_table(console: Console, program: Program, evaluation: Evaluation, precision: int | None = None) -> None:
    """Print the node table and the output line to `console`."""
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column(HEADERS[0], overflow="fold")
    table.add_column(HEADERS[1])
    table.add_column(HEADERS[2], justify="right", no_wrap=True)
    table.add_column(HEADERS[3], justify="right", no_wrap=True)
    output_index = program.output_index()
    for index, row in enumerate(table_rows(program, evaluation, precision)):
        table.add_row(*row, style="bold" if index == output_index else None)
    console.print(table)
    console.print(output_line(evaluation, precision), markup=False, highlight=False)


def plain_table(
    program: Program, evaluation: Evaluation, precision: int | None = None, *, ascii_only: bool = False
) -> str | None:
    """The text `print_table` writes to a pipe (no colour, no width limit), drawn without importing Rich.

    `ascii_only` draws the borders as Rich does for an output encoding other than UTF-8: with - + and |.

    Importing Rich costs about 40 ms, more than all the rest of a small run. Without colour the table is simple
    enough to draw here; tests compare the two drawings. Where a cell holds a character other than ASCII or the
    label ellipsis, its width on screen needs Rich's tables (wide and zero-width characters): the answer is None.
    """
    from .plain import grid

    rows = table_rows(program, evaluation, precision)
    table = grid(HEADERS, rows, [False, False, True, True], ascii_only=ascii_only)
    return None if table is None else table + output_line(evaluation, precision) + "\n"


def print_check(console: Console, results: Sequence[GradientCheck]) -> None:
    """Print the gradient-check table; failing rows say FAIL (and are red on a terminal)."""
    from rich.table import Table

    from .checking import summary
    from .plain import CHECK_HEADERS, check_cells

    # An output encoding other than UTF-8 gets "+/-" for the plus-minus sign, as Rich gives it ASCII borders.
    plus_minus = "+/-" if console.options.ascii_only else "±"
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    for header in CHECK_HEADERS:
        right = header in ("autodiff", "numeric", "expected")
        table.add_column(header, justify="right" if right else "left", no_wrap=header != "variable")
    for result in results:
        failed = result.verdict == "FAIL"
        table.add_row(
            *check_cells(result, plus_minus),
            style="bold red" if failed else ("yellow" if result.verdict != "ok" else None),
        )
    print_rstripped(console, table)
    for result in results:
        if result.reason:
            reason = result.reason.replace("±", plus_minus)
            console.print(f"{result.name}: {reason}", markup=False, highlight=False)
    console.print(summary(results), markup=False, highlight=False)


def print_rstripped(console: Console, renderable: object) -> None:
    """Print a table; off a terminal, without the padding Rich leaves at the end of lines."""
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as capture:
        console.print(renderable)
    text = capture.get()
    console.file.write("".join(line.rstrip() + "\n" for line in text.splitlines()))


def print_hessian(
    console: Console, output: str, hessian: dict[str, dict[str, float]], precision: int | None = None
) -> None:
    """Print the Hessian as a table: the row for r holds d2(output)/dr dc for every column c."""
    from rich.table import Table

    from .textform import wrap

    names = list(hessian)
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("", style="bold", overflow="fold")
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for row in names:
        table.add_row(row, *(number_text(hessian[row][column], precision) for column in names))
    console.print(f"\nHessian: d2{wrap(output)}/d(row) d(column)", markup=False, highlight=False)
    print_rstripped(console, table)
