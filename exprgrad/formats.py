"""Machine-readable output: one JSON object per evaluation. Pure text, no terminal markup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .jsontext import dumps
from .program import Evaluation, Program

if TYPE_CHECKING:
    from .checking import GradientCheck


def node_records(program: Program, evaluation: Evaluation) -> list[dict[str, Any]]:
    """One dict per node in topological order: id, label, op ("" for leaves), data, grad (None: a constant), inputs."""
    records = []
    for index, (node, inputs) in enumerate(zip(program.nodes, program.input_ids(), strict=True)):
        records.append(
            {
                "id": index,
                "label": node.label,
                "op": node.op.name if node.op is not None else "",
                "data": evaluation.data[index],
                "grad": evaluation.grads[index],
                "inputs": list(inputs),
            }
        )
    return records


def evaluation_json(
    program: Program, evaluation: Evaluation, hessian: dict[str, dict[str, float]] | None = None
) -> str:
    """The JSON document of `exprgrad eval --format json` (floats round-trip exactly; never NaN or Infinity).

    With `hessian` (``--order 2``) a ``hessian`` key follows ``gradients``: an object of objects,
    ``hessian[r][c]`` = d2(output)/dr dc, rows and columns in the order of ``gradients``.
    """
    document: dict[str, object] = {"output": evaluation.output, "value": evaluation.value}
    document["gradients"] = evaluation.gradients
    if hessian is not None:
        document["hessian"] = hessian
    document["nodes"] = node_records(program, evaluation)
    # No NaN or Infinity: exprgrad stops with an error before a non-finite number could reach the output.
    return dumps(document)


NODE_COLUMNS = ("id", "label", "op", "data", "grad", "inputs")


def evaluation_table_text(program: Program, evaluation: Evaluation, delimiter: str) -> str:
    """CSV (delimiter ",") or TSV ("\\t") with one row per node: id,label,op,data,grad,inputs.

    A constant's grad is empty; inputs are the input ids separated by spaces. Numbers are exact (repr).
    """
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(NODE_COLUMNS)
    for record in node_records(program, evaluation):
        grad = record["grad"]
        writer.writerow(
            [
                record["id"],
                record["label"],
                record["op"],
                repr(record["data"]),
                "" if grad is None else repr(grad),
                " ".join(map(str, record["inputs"])),
            ]
        )
    return buffer.getvalue()


def check_json(
    results: Sequence[GradientCheck], *, ok: bool, rtol: float, atol: float, nothing_checked: bool = False
) -> str:
    """The JSON document of `exprgrad check --format json` (``nothing_checked``: no gradient agreed or failed)."""
    document = {
        "ok": ok,
        "nothing_checked": nothing_checked,
        "rtol": rtol,
        "atol": atol,
        "variables": [
            {
                "name": r.name,
                "autodiff": r.autodiff,
                "numeric": r.numeric,
                "numeric_error": r.numeric_error,
                "expected": r.expected,
                "verdict": r.verdict,
                "reason": r.reason,
            }
            for r in results
        ],
    }
    return dumps(document)
