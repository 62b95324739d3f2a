"""The terminal table: one row per node in topological order, then the output's value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .program import Evaluation, Program

if TYPE_CHECKING:
    from rich.console import Console

    from .checking import GradientCheck


def number_text(x: float | None, precision: int | None) -> str:
    """A number for people: exact (shortest round-trip) by default, or `precision` significant digits."""
    if x is None:
        return "-"
    if precision is None:
        return repr(x)
    return f"{x:.{precision}g}"


def print_table(console: Console, program: Program, evaluation: Evaluation, precision: int | None = None) -> None:
    """Print the node table and the output line to `console`."""
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("node", overflow="fold")
    table.add_column("op")
    table.add_column("data", justify="right", no_wrap=True)
    table.add_column("grad", justify="right", no_wrap=True)
    output_index = program.output_index()
    for index, node in enumerate(program.nodes):
        op = node.op.name if node.op is not None else ("variable" if node.needs_grad else "constant")
        table.add_row(
            node.label,
            op,
            number_text(evaluation.data[index], precision),
            number_text(evaluation.grads[index], precision),
            style="bold" if index == output_index else None,
        )
    print_rstripped(console, table)
    console.print(f"{evaluation.output} = {number_text(evaluation.value, precision)}", markup=False, highlight=False)


def print_check(console: Console, results: Sequence[GradientCheck]) -> None:
    """Print the gradient-check table; failing rows say FAIL (and are red on a terminal)."""
    from rich.table import Table

    from .checking import summary

    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("variable")
    table.add_column("autodiff", justify="right", no_wrap=True)
    table.add_column("numeric", justify="right", no_wrap=True)
    table.add_column("expected", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for result in results:
        numeric = "-" if result.numeric is None else f"{result.numeric!r} ± {result.numeric_error:.1g}"
        expected = "-" if result.expected is None else repr(result.expected)
        failed = result.verdict == "FAIL"
        table.add_row(
            result.name,
            repr(result.autodiff),
            numeric,
            expected,
            result.verdict,
            style="bold red" if failed else ("yellow" if result.verdict != "ok" else None),
        )
    print_rstripped(console, table)
    for result in results:
        if result.reason:
            console.print(f"{result.name}: {result.reason}", markup=False, highlight=False)
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

    from .explain import wrap

    names = list(hessian)
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("", style="bold", overflow="fold")
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for row in names:
        table.add_row(row, *(number_text(hessian[row][column], precision) for column in names))
    console.print(f"\nHessian: d2{wrap(output)}/d(row) d(column)", markup=False, highlight=False)
    print_rstripped(console, table)
