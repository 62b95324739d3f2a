"""What the explorer page is told about a program: its nodes, variables, chain-rule steps and drawing options.

The page computes every number itself (with the JavaScript printed from the registry), so the document carries the
program's structure, the texts of its formulas and symbols, and the values of its variables, not results.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ..dot import DARK_FILLS, DEFAULT_DIGITS, NEGATIVE_FILLS, POSITIVE_FILLS, ZERO_FILL
from ..ops import IDENTITY, Op
from ..program import Program
from ..textform import describe, local_formula, node_text, shown_label, wrap

# A label that is a name the program assigned (not the source text the parser gives an unnamed node).
_NAME: Final = re.compile(r"[^\W\d]\w*")


def program_lines(program: Program) -> list[str]:
    """The program as assignments, one per named op node, then the output's formula when it has no name.

    Written by `exprgrad diff`'s own writer for exprgrad's language, so parentheses stand where precedence needs them.
    """
    from ..codegen.exprgrad_code import ExprgradWriter
    from ..codegen.layout import Written, flatten

    writer = ExprgradWriter()
    variables = {id(node) for node in program.variables.values()}
    written: list[Written] = []
    lines = []
    for node, inputs in zip(program.nodes, program.input_ids(), strict=True):
        if node.op is None:
            is_name = id(node) in variables or (not node.needs_grad and node.label and _NAME.fullmatch(node.label))
            written.append(writer.name(node.label) if is_name else writer.number(node.data))
            continue
        expression = (
            written[inputs[0]] if node.op is IDENTITY else writer.operation(node.op, [written[i] for i in inputs])
        )
        if _NAME.fullmatch(node.label):
            lines.append(f"{node.label} = {flatten(expression[0])}")
            written.append(writer.name(node.label))
        else:
            written.append(expression)
    output = program.output
    if output.op is not None and not _NAME.fullmatch(output.label):
        lines.append(flatten(written[program.output_index()][0]))
    return lines


def page_document(
    program: Program,
    *,
    precision: int | None = None,
    color_by_grad: bool = False,
    edge_derivatives: bool = False,
    drawn: bool = True,
) -> dict[str, Any]:
    """The JSON-ready description of `program` that the page script reads, opening at its variables' values."""
    nodes = program.nodes
    input_ids = program.input_ids()
    output_index = program.output_index()
    output_symbol = wrap(program.output_name)
    position = {id(node): index for index, node in enumerate(nodes)}
    variable_names = {id(node): name for name, node in program.variables.items()}
    users = [0] * len(nodes)
    for inputs in input_ids:
        for child in inputs:
            users[child] += 1
    node_records = []
    for index, node in enumerate(nodes):
        kind = "op" if node.op is not None else ("variable" if id(node) in variable_names else "constant")
        record: dict[str, Any] = {
            "label": shown_label(node),
            "text": describe(node) if node.op is None or node.label else node_text_of(node),
            "op": node.op.name if node.op is not None else "",
            "symbol": node.op.symbol if node.op is not None else "",
            "inputs": list(input_ids[index]),
            "kind": kind,
            "needsGrad": node.needs_grad,
            "gradSymbol": f"d{output_symbol}/d{wrap(node.label or describe(node))}",
            "used": users[index] > 0,
        }
        if kind == "constant":
            record["value"] = node.data
        elif kind == "variable":
            record["name"] = variable_names[id(node)]
        if node.op is not None:
            record["formulas"] = [local_formula(node, slot) for slot in range(len(node.inputs))]
            record["localSymbols"] = [
                f"d{wrap(node.label or describe(node))}/d{wrap(child.label or describe(child))}"
                for child in node.inputs
            ]
        node_records.append(record)
    return {
        "output": program.output_name,
        "outputIndex": output_index,
        "lines": program_lines(program),
        "nodes": node_records,
        "variables": [
            {"name": name, "node": position[id(node)], "value": node.data} for name, node in program.variables.items()
        ],
        "ops": {
            op.name: {"domain": op.domain, "description": op.description, "opens": _opens(op)}
            for op in used_ops(program)
        },
        # The order of `exprgrad explain`: the output first, then every other node from the last back to the first.
        "stepOrder": [output_index] + [index for index in range(len(nodes) - 1, -1, -1) if index != output_index],
        "precision": precision,
        "drawing": {
            "drawn": drawn,
            # The drawing shows `precision` digits too, as `dot.draw` does (DEFAULT_DIGITS without it).
            "digits": precision or DEFAULT_DIGITS,
            "colorByGrad": color_by_grad,
            "edgeDerivatives": edge_derivatives,
            "positiveFills": list(POSITIVE_FILLS),
            "negativeFills": list(NEGATIVE_FILLS),
            "zeroFill": ZERO_FILL,
            "darkFills": list(DARK_FILLS),
        },
    }


def used_ops(program: Program) -> list[Op]:
    """The ops the program uses, each once, sorted by name."""
    used = {node.op.name: node.op for node in program.nodes if node.op is not None}
    return [used[name] for name in sorted(used)]


def _opens(op: Op) -> str | None:
    """For a lazy op (when, unless): where its second input is read, "nonzero" or "zero" (of the first); else None."""
    if op.gate is None:
        return None
    return "nonzero" if op.gate(1.0) else "zero"


def node_text_of(node: Any) -> str:
    """An unlabelled op node written as its op over its inputs' names (``a*b``)."""
    return str(node_text(node.op, [describe(child) for child in node.inputs]))
