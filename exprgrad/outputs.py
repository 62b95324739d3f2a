"""Several outputs at once (``eval --output u --output v``): the Jacobian as JSON, CSV/TSV and a table.

With one output the documents of `formats` and `render` stay as they are; these add a gradient per output where
those have one: ``jacobian[output][variable]`` in JSON, a ``grad_<output>`` column in CSV and TSV, and a
``grad <output>`` column in the table.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .program import Evaluation, Program
from .render import number_text
from .textform import data_text, defined

if TYPE_CHECKING:
    from rich.console import Console

Hessians = dict[str, dict[str, dict[str, float]]]


def jacobian_json(program: Program, evaluation: Evaluation, hessians: Hessians | None = None) -> str:
    """The JSON document of `exprgrad eval --output u --output v --format json`.

    ``outputs`` lists the outputs in the order given, ``values`` holds their values, ``jacobian[output][variable]``
    the first derivatives, ``hessians[output][r][c]`` (with ``--order 2``) the second, and each node's ``grads``
    its gradient per output (null for a constant).
    """
    document: dict[str, Any] = {
        "outputs": list(evaluation.outputs),
        "values": evaluation.values,
        "jacobian": evaluation.jacobian,
    }
    if hessians is not None:
        document["hessians"] = hessians
    document["nodes"] = [
        {
            "id": index,
            "label": node.label,
            "op": node.op.name if node.op is not None else "",
            "data": defined(evaluation.data[index]),
            "grads": {name: grads[index] for name, grads in evaluation.output_grads.items()},
            "inputs": list(inputs),
        }
        for index, (node, inputs) in enumerate(zip(program.nodes, program.input_ids(), strict=True))
    ]
    # Never NaN or Infinity: an evaluation stops with an error before a non-finite number could get here.
    return json.dumps(document, allow_nan=False, separators=(", ", ": "))


def jacobian_table_text(program: Program, evaluation: Evaluation, delimiter: str) -> str:
    """CSV (delimiter ",") or TSV ("\\t"): id,label,op,data, a grad_<output> column per output, then inputs."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["id", "label", "op", "data", *(f"grad_{name}" for name in evaluation.outputs), "inputs"])
    columns = list(evaluation.output_grads.values())
    for index, (node, inputs) in enumerate(zip(program.nodes, program.input_ids(), strict=True)):
        grads = ["" if column[index] is None else repr(column[index]) for column in columns]
        op = node.op.name if node.op is not None else ""
        writer.writerow([index, node.label, op, data_text(evaluation.data[index]), *grads, " ".join(map(str, inputs))])
    return buffer.getvalue()


def print_jacobian_table(
    console: Console, program: Program, evaluation: Evaluation, precision: int | None = None
) -> None:
    """The node table with a gradient column per output, then one ``name = value`` line per output."""
    from rich.table import Table

    from .render import print_rstripped

    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("node", overflow="fold")
    table.add_column("op")
    table.add_column("data", justify="right", no_wrap=True)
    for name in evaluation.outputs:
        table.add_column(f"grad {name}", justify="right", no_wrap=True)
    outputs = {id(program.names[name]) for name in evaluation.outputs}
    columns = list(evaluation.output_grads.values())
    for index, node in enumerate(program.nodes):
        op = node.op.name if node.op is not None else ("variable" if node.needs_grad else "constant")
        table.add_row(
            node.label,
            op,
            number_text(evaluation.data[index], precision),
            *(number_text(column[index], precision) for column in columns),
            style="bold" if id(node) in outputs else None,
        )
    print_rstripped(console, table)
    for name, value in evaluation.values.items():
        console.print(f"{name} = {number_text(value, precision)}", markup=False, highlight=False)
