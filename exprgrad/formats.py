"""Machine-readable output: one JSON object per evaluation. Pure text, no terminal markup."""

from __future__ import annotations

import json
from typing import Any

from .program import Evaluation, Program


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
    # allow_nan=False: exprgrad stops with an error before a non-finite number could reach the output.
    return json.dumps(document, ensure_ascii=False, allow_nan=False)
