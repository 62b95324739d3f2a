"""What the language offers, read from the registry: every operator, function and constant, with its derivatives,
domain and conventions. `exprgrad functions` prints it; the README's tables are generated from it (a docs test
keeps them in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .ops import ALL_OPS, CALL, CONSTANT_DESCRIPTIONS, CONSTANTS, FUNCTIONS, IDENTITY, INFIX, PREFIX, Op
from .textform import format_number

if TYPE_CHECKING:
    from rich.console import Console

_PLACEHOLDER = re.compile(r"\b(x|y)\b")


@dataclass(frozen=True)
class Entry:
    """One operator or function as a user reads it: how it is written and how it is differentiated."""

    kind: str  # "operator" or "function"
    name: str
    usage: str
    aliases: tuple[str, ...]
    description: str
    # (parameter, its local derivative written over the parameters and `out`), one per input.
    derivatives: tuple[tuple[str, str], ...]
    domain: str
    # (where, what is taken there, whether the first derivative is missing there).
    conventions: tuple[tuple[str, str, bool], ...]


def _named(op: Op, text: str) -> str:
    """A registry text over the placeholders x, y written with the op's parameter names (atan2(y, x): x -> y)."""
    names = dict(zip(("x", "y"), op.parameters, strict=False))
    return _PLACEHOLDER.sub(lambda match: names.get(match.group(1), match.group(1)), text)


def _usage(op: Op) -> str:
    if op.notation == INFIX:
        return f"{op.parameters[0]} {op.symbol} {op.parameters[1]}"
    if op.notation == PREFIX:
        return f"{op.symbol}{op.parameters[0]}"
    return f"{op.name}({', '.join(op.parameters)})"


def _derivatives(op: Op) -> tuple[tuple[str, str], ...]:
    if op.steps and not op.written:
        # A composition: its derivatives are those of its steps.
        return tuple((parameter, f"that of {op.description.partition(': ')[2]}") for parameter in op.parameters)
    return tuple((parameter, _named(op, formula)) for parameter, formula in zip(op.parameters, op.written, strict=True))


def entries() -> list[Entry]:
    """Every operator and function of the language, operators first, in the registry's order."""
    aliases: dict[Op, list[str]] = {}
    for name, op in FUNCTIONS.items():
        if name != op.name:
            aliases.setdefault(op, []).append(name)
    result = []
    for op in sorted(ALL_OPS, key=lambda op: op.notation == CALL):
        if op is IDENTITY:
            continue
        result.append(
            Entry(
                kind="function" if op.notation == CALL else "operator",
                name=op.name,
                usage=_usage(op),
                aliases=tuple(aliases.get(op, ())),
                description=op.description,
                derivatives=_derivatives(op),
                domain=_named(op, op.domain),
                conventions=tuple((_named(op, c.where), c.rule, c.kink) for c in op.conventions),
            )
        )
    return result


def as_json(listing: list[Entry]) -> dict[str, Any]:
    """The listing as a JSON document: operators, functions (each with its derivatives) and constants."""

    def entry(item: Entry) -> dict[str, Any]:
        return {
            "name": item.name,
            "usage": item.usage,
            "aliases": list(item.aliases),
            "arity": len(item.derivatives),
            "description": item.description,
            "derivatives": dict(item.derivatives),
            "domain": item.domain,
            "conventions": [{"where": where, "rule": rule, "kink": kink} for where, rule, kink in item.conventions],
        }

    return {
        "operators": [entry(item) for item in listing if item.kind == "operator"],
        "functions": [entry(item) for item in listing if item.kind == "function"],
        "constants": [
            {"name": name, "value": value, "description": CONSTANT_DESCRIPTIONS[name]}
            for name, value in CONSTANTS.items()
        ],
    }


def _derivative_text(item: Entry) -> str:
    return "; ".join(f"d/d{parameter} = {formula}" for parameter, formula in item.derivatives)


def _usage_text(item: Entry) -> str:
    return item.usage + "".join(f", {alias}" for alias in item.aliases)


def print_listing(console: Console, listing: list[Entry]) -> None:
    """The listing as Rich tables: functions and operators, then the conventions at kinks, then the constants."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold", pad_edge=False, show_lines=False)
    for header in ("function", "derivative", "domain", "what it is"):
        table.add_column(header, overflow="fold")
    for item in listing:
        table.add_row(*map(escape, (_usage_text(item), _derivative_text(item), item.domain, item.description)))
    console.print(table)
    conventions = Table(show_edge=False, header_style="bold", pad_edge=False, title="At kinks, ties and jumps")
    for header in ("function", "where", "exprgrad takes (as PyTorch does)"):
        conventions.add_column(header, overflow="fold")
    for item in listing:
        for where, rule, _ in item.conventions:
            conventions.add_row(*map(escape, (item.usage, where, rule)))
    console.print()
    console.print(conventions)
    constants = Table(show_edge=False, header_style="bold", pad_edge=False)
    for header in ("constant", "value", "what it is"):
        constants.add_column(header)
    for name, value in CONSTANTS.items():
        constants.add_row(*map(escape, (name, format_number(value), CONSTANT_DESCRIPTIONS[name])))
    console.print()
    console.print(constants)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_functions(listing: list[Entry]) -> str:
    """The README's table of functions and operators, in Markdown."""
    lines = ["| function | derivative | domain | what it is |", "| --- | --- | --- | --- |"]
    for item in listing:
        usage = ", ".join(f"`{text}`" for text in (item.usage, *item.aliases))
        derivative = "; ".join(f"d/d{parameter} = `{formula}`" for parameter, formula in item.derivatives)
        lines.append(f"| {usage} | {_cell(derivative)} | {_cell(item.domain)} | {_cell(item.description)} |")
    return "\n".join(lines) + "\n"


def markdown_conventions(listing: list[Entry]) -> str:
    """The README's table of what exprgrad takes at kinks, ties and jumps, in Markdown."""
    lines = ["| function | where | exprgrad takes (as PyTorch does) |", "| --- | --- | --- |"]
    for item in listing:
        for where, rule, _ in item.conventions:
            lines.append(f"| `{item.usage}` | `{where}` | {_cell(rule)} |")
    return "\n".join(lines) + "\n"
