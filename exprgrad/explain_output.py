"""How `exprgrad explain` shows its steps: one equation per node for people, or one JSON object.

An equation reads left to right from symbols to numbers, and drops a part that would repeat the one before it:
``dL/da = dL/de * de/da = -2.0 * b = -2.0 * -3.0 = 6.0``; ``dL/dd = f = -2.0`` when the user is the output itself.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .explain import CONSTANT, OUTPUT, UNUSED, Explanation, Step, Term
from .render import number_text
from .textform import wrap

if TYPE_CHECKING:
    from rich.console import Console

_CONSTANT_FORMULA = re.compile(r"-?\d+")


def _term_symbols(term: Term) -> str:
    if term.from_output:
        # d(output)/d(node) would read as the step's own symbol (dL/db = dL/db + ...): show the formula instead.
        return wrap(term.formula)
    return f"{term.upstream_symbol} * {term.local_symbol}"


def _term_formula(term: Term, precision: int | None) -> str:
    if term.from_output:
        return term.formula
    return f"{number_text(term.upstream, precision)} * {wrap(term.formula)}"


def _local_text(local: float, formula: str, precision: int | None) -> str:
    # A derivative that is a constant of the op (d(a + b)/da = 1) keeps its own spelling, as in the formula.
    if _CONSTANT_FORMULA.fullmatch(formula) and float(formula) == local:
        return formula
    return number_text(local, precision)


def _term_numbers(term: Term, precision: int | None) -> str:
    if term.local is None:
        # The user's gradient is 0: backward passed nothing back, so the term is that 0.
        return number_text(term.upstream, precision)
    local = _local_text(term.local, term.formula, precision)
    if term.from_output:
        return local
    return f"{number_text(term.upstream, precision)} * {local}"


def equation_parts(step: Step, output: str, precision: int | None = None) -> list[str]:
    """The sides of a step's equation, symbol first and value last, with no side repeating the one before."""
    if step.kind == CONSTANT:
        return [step.symbol, f"none ({step.key or step.label} is a constant)"]
    grad = number_text(step.grad, precision)
    if step.kind == OUTPUT:
        return [step.symbol, grad]
    if step.kind == UNUSED:
        return [step.symbol, f"{grad} ({step.key or step.label} is not used by {output})"]
    parts = [step.symbol]
    if not all(term.from_output for term in step.terms):
        parts.append(" + ".join(_term_symbols(term) for term in step.terms))
    parts.append(" + ".join(_term_formula(term, precision) for term in step.terms))
    parts.append(" + ".join(_term_numbers(term, precision) for term in step.terms))
    parts.append(grad)
    return [part for index, part in enumerate(parts) if index == 0 or part != parts[index - 1]]


def equation(step: Step, output: str, precision: int | None = None) -> str:
    """A step as one line of plain text."""
    return " = ".join(equation_parts(step, output, precision))


def print_explanation(console: Console, explanation: Explanation, precision: int | None = None) -> None:
    """Print one equation per step; on a colour terminal the symbol and the resulting number stand out."""
    from rich.text import Text

    for step in explanation.steps:
        parts = equation_parts(step, explanation.output, precision)
        line = Text()
        for index, part in enumerate(parts):
            if index:
                line.append(" = ")
            if index == 0:
                style = "bold cyan"
            elif index == len(parts) - 1 and step.kind != CONSTANT:
                style = "bold"
            else:
                style = ""
            line.append(part, style=style)
        console.print(line, soft_wrap=True)


def _term_record(term: Term) -> dict[str, Any]:
    return {
        "user": term.user,
        "input": term.position,
        "upstream_symbol": term.upstream_symbol,
        "local_symbol": term.local_symbol,
        "formula": term.formula,
        "upstream": term.upstream,
        "local": term.local,
        "value": term.value,
    }


def explanation_json(explanation: Explanation) -> str:
    """The JSON document of `exprgrad explain --format json` (floats round-trip exactly; never NaN or Infinity)."""
    document = {
        "output": explanation.output,
        "value": explanation.value,
        "steps": [
            {
                "id": step.node,
                "label": step.label,
                "op": step.op,
                "kind": step.kind,
                "symbol": step.symbol,
                "grad": step.grad,
                "terms": [_term_record(term) for term in step.terms],
                "equation": equation(step, explanation.output),
                "key": step.key,
            }
            for step in explanation.steps
        ],
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False)
