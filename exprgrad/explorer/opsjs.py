"""The ops of a program as JavaScript, written by `exprgrad diff --to js`'s writer: each op's forward function, and
one function per local partial (the registry's formula over x, y and out, parsed and written by the same writer).

Nothing here spells an op in JavaScript: the writer does, with the helpers it has for what `Math` lacks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from ..codegen.document import helper_closure
from ..codegen.javascript import HELPERS, NEEDS, JavaScriptWriter
from ..codegen.layout import Written, flatten
from ..ops import IDENTITY, Op

# The registry's placeholders: an op's inputs in order, then its own value (for the partials).
INPUT_NAMES: Final = ("x", "y")


def ops_script(used: Sequence[Op]) -> str:
    """A script that sets `window.exprgradOps = {name: {forward, partials}}` for the ops in `used`.

    `forward(x[, y])` is the op's value, `partials[i](x[, y], out)` its derivative in input i; outside an op's
    domain they give NaN or an infinity, as `Math` does (the page reports those, naming the node).
    """
    writer = JavaScriptWriter()
    entries = []
    for op in used:
        parameters = INPUT_NAMES[: op.arity]
        if op is IDENTITY:
            # A name for another node's value: the value itself (the writer makes it an alias, not an operation).
            forward = writer.name(parameters[0])
        else:
            forward = writer.operation(op, [writer.name(name) for name in parameters])
        partials = [_formula(writer, formula) for formula in op.formulas]
        entries.append(
            f"  {json.dumps(op.name)}: {{\n"
            f"    forward: {_function(parameters, forward)},\n"
            f"    partials: [{', '.join(_function((*parameters, 'out'), partial) for partial in partials)}],\n"
            "  }"
        )
    helpers = [HELPERS[name] for name in helper_closure(writer.used, NEEDS)]
    lines = ["// The ops of this program, written from exprgrad's registry by the writer of `exprgrad diff --to js`."]
    lines += ["(function () {", *helpers, "window.exprgradOps = {", ",\n".join(entries), "};", "})();"]
    return "\n".join(lines) + "\n"


def _function(parameters: Sequence[str], body: Written) -> str:
    return f"({', '.join(parameters)}) => {flatten(body[0])}"


def _formula(writer: JavaScriptWriter, formula: str) -> Written:
    """A registry formula (exprgrad's language over x, y and out) written by `writer`, node by node."""
    from ..parser import parse

    program = parse(formula)
    variables = {id(node) for node in program.variables.values()}
    written: list[Written] = []
    for node, inputs in zip(program.nodes, program.input_ids(), strict=True):
        if node.op is None:
            written.append(writer.name(node.label) if id(node) in variables else writer.number(node.data))
        elif node.op is IDENTITY:
            written.append(written[inputs[0]])
        else:
            written.append(writer.operation(node.op, [written[position] for position in inputs]))
    return written[program.output_index()]
