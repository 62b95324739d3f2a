"""Tables and lines as plain text, drawn without Rich: what Rich prints on a pipe, at a small part of its cost.

Rich lays out every cell of a table through its own measuring and styling machinery, about 270 us a row of the node
table: a 1e5-node table took 27 s on a terminal and a 300 x 300 Hessian 31 s, while the same numbers as JSON took a
few seconds. Without colour these tables are simple enough to draw here; tests compare each drawing with Rich's.
Where a cell holds a character whose width on screen is not one column, the answer is None and Rich draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checking import GradientCheck
    from .explain import Explanation

# Beyond this many table cells Rich's layout takes over a second on a terminal: the plain drawing is used there too,
# without colour (on a pipe it always is).
RICH_CELLS = 20_000

# Characters other than ASCII that exprgrad itself puts in cells, each one column wide.
_ONE_COLUMN = frozenset("…±")


def _one_column_each(text: str) -> bool:
    return text.isascii() or all(character.isascii() or character in _ONE_COLUMN for character in text)


def grid(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool], *, ascii_only: bool = False
) -> str | None:
    """A table as Rich draws it off a terminal (no outer edge, a heavy rule under the header), or None.

    `right` says which columns are right-justified. Lines end without trailing spaces, as exprgrad prints them.
    `ascii_only` draws the borders as Rich does for an output encoding other than UTF-8: with - + and |.
    """
    for row in rows:
        for cell in row:
            if not _one_column_each(cell):
                return None
    if not all(_one_column_each(header) for header in headers):
        return None
    count = len(headers)
    widths = [max([len(headers[column]), *(len(row[column]) for row in rows)]) for column in range(count)]

    def line(cells: Sequence[str], bar: str) -> str:
        parts = [
            cell.rjust(width) if right[column] else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return f" {bar} ".join(parts).rstrip()

    head_bar, cross, dash, bar = "|+-|" if ascii_only else "┃╇━│"
    last = count - 1
    rule = cross.join(dash * (width + (1 if column in (0, last) else 2)) for column, width in enumerate(widths))
    if count == 1:
        rule = dash * max(1, widths[0])
    lines = [line(headers, head_bar), rule, *(line(row, bar) for row in rows)]
    return "\n".join(lines) + "\n"


def hessian_text(output: str, hessian: dict[str, dict[str, float]], precision: int | None) -> str | None:
    """What `render.print_hessian` prints off a terminal, or None where Rich must measure a name."""
    from .render import number_text
    from .textform import wrap

    names = list(hessian)
    rows = [[row, *(number_text(hessian[row][column], precision) for column in names)] for row in names]
    table = grid(["", *names], rows, [False, *(True for _ in names)])
    if table is None:
        return None
    return f"\nHessian: d2{wrap(output)}/d(row) d(column)\n{table}"


CHECK_HEADERS = ("variable", "autodiff", "numeric", "expected", "verdict")


def check_cells(result: GradientCheck, plus_minus: str) -> list[str]:
    """One row of the gradient-check table, as its cells' text (the same for Rich and for the plain drawing)."""
    from .textform import format_number

    numeric = (
        "-" if result.numeric is None else f"{format_number(result.numeric)} {plus_minus} {result.numeric_error:.1g}"
    )
    expected = "-" if result.expected is None else format_number(result.expected)
    return [result.name, format_number(result.autodiff), numeric, expected, result.verdict]


def check_text(results: Sequence[GradientCheck]) -> str | None:
    """What `render.print_check` prints off a terminal, or None where Rich must measure a name."""
    from .checking import summary

    rows = [check_cells(result, "±") for result in results]
    table = grid(CHECK_HEADERS, rows, [False, True, True, True, False])
    if table is None:
        return None
    reasons = "".join(f"{result.name}: {result.reason}\n" for result in results if result.reason)
    return table + reasons + summary(results) + "\n"


def explanation_lines(explanation: Explanation, precision: int | None) -> str:
    """What `explain_output.print_explanation` prints off a terminal: one equation a line."""
    from .explain_output import equation_parts

    output = explanation.output
    return "".join(" = ".join(equation_parts(step, output, precision)) + "\n" for step in explanation.steps)
