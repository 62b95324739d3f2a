"""The `latex` target: the output and its derivatives as equations in one `aligned` block.

Names are written as a reader would: `x1` as `x_{1}`, Greek names as Greek letters (`alpha` as `\\alpha`), longer
names upright; each derivative's left-hand side is a partial derivative (`\\frac{\\partial L}{\\partial x}`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final

from .. import ops
from ..ops import Op
from ..textform import format_number
from .document import Document
from .layout import ATOM, POWER, PRODUCT, SUM, Written, call, flatten, infix, prefix_minus, signed_number

GREEK: Final = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Pi",
        "Sigma",
        "Upsilon",
        "Phi",
        "Psi",
        "Omega",
    ]
)
# Functions LaTeX typesets as operators of its own; the others are written with \operatorname.
OPERATORS: Final = {
    "exp": "\\exp", "log": "\\ln", "sin": "\\sin", "cos": "\\cos", "tan": "\\tan", "asin": "\\arcsin",
    "acos": "\\arccos", "atan": "\\arctan", "sinh": "\\sinh", "cosh": "\\cosh", "tanh": "\\tanh",
    "log2": "\\log_{2}", "log10": "\\log_{10}", "min": "\\min", "max": "\\max",
}  # fmt: skip


def latex_name(name: str) -> str:
    """A program name in LaTeX: `x1` as `x_{1}`, `alpha` and `α` as `\\alpha`, `d_x` as `d_{x}`, long names upright."""
    name = "".join(_greek_word(c) for c in name)
    # `a_b_c` is a_{b_{c}}: the heads are taken off in a loop and the subscripts nested at the end (a name can be
    # long, so this does not recurse per part).
    heads: list[str] = []
    while (simple := _simple_name(name)) is None:
        head, underscore, tail = name.partition("_")
        if not (underscore and tail and (len(head) == 1 or head in GREEK)):
            break
        heads.append(_simple_name(head) or f"\\mathrm{{{head}}}")
        name = tail
    text = simple if simple is not None else "\\mathrm{" + name.replace("_", "\\_") + "}"
    for head in reversed(heads):
        text = f"{head}_{{{text}}}"
    return text


def _simple_name(name: str) -> str | None:
    """A name LaTeX writes as a letter, a Greek letter, or either with a numeric subscript; None for the others."""
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if match and (len(match[1]) == 1 or match[1] in GREEK):
        letter = f"\\{match[1]}" if match[1] in GREEK else match[1]
        return f"{letter}_{{{match[2]}}}"
    if name in GREEK:
        return f"\\{name}"
    if len(name) == 1 and name.isascii():
        return name
    return None


_MARKER: Final = re.compile("\x00([^\x00]*)\x00")


def _greek_word(character: str) -> str:
    """`α` as `alpha` (and `Ω` as `Omega`), so that Greek letters typed as such print as LaTeX's letters."""
    if character.isascii():
        return character
    import unicodedata

    described = unicodedata.name(character, "")
    for prefix, case in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.capitalize)):
        if described.startswith(prefix):
            word = case(described[len(prefix) :])
            if word in GREEK:
                return word
    return character


def _latex_magnitude(value: float) -> Written:
    # pi by its letter, and powers of ten as a product, as a person writes them.
    if value == math.pi:
        return ("\\pi",), ATOM
    text = format_number(value)
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        return (f"{mantissa} \\cdot 10^{{{int(exponent)}}}",), PRODUCT
    return (text,), ATOM


class LatexWriter:
    """Writes `\\begin{aligned} ... \\end{aligned}`, one equation per line."""

    reserved: frozenset[str] = frozenset()
    repeat_calls = True
    keeps_statements = False
    lazy_statements = False

    def is_identifier(self, name: str) -> bool:
        return name.isidentifier()

    def spell(self, name: str) -> str:
        return name

    def name(self, name: str) -> Written:
        # A marker, resolved in `document`: a derivative used in another equation is written as the partial it is.
        return (f"\x00{name}\x00",), ATOM

    def number(self, value: float) -> Written:
        return signed_number(value, _latex_magnitude)

    def operation(self, op: Op, operands: Sequence[Written]) -> Written:
        name = op.name
        if op is ops.NEG:
            return prefix_minus(operands[0])
        if name in ("add", "sub"):
            return infix(" + " if name == "add" else " - ", SUM, operands[0], operands[1])
        if name == "mul":
            return infix(" \\cdot ", PRODUCT, operands[0], operands[1])
        if name == "div":
            return ("\\frac{", operands[0][0], "}{", operands[1][0], "}"), ATOM
        if name == "pow":
            base, precedence = operands[0]
            if precedence < ATOM or (isinstance(base[0], str) and base[0].startswith("\\frac")):
                base = ("\\left(", base, "\\right)")
            elif not (len(base) == 1 and isinstance(base[0], str) and "_" not in base[0]):
                base = ("{", base, "}")
            return (base, "^{", operands[1][0], "}"), POWER
        if name == "sqrt":
            return ("\\sqrt{", operands[0][0], "}"), ATOM
        if name == "abs":
            return ("\\left|", operands[0][0], "\\right|"), ATOM
        if op.gate is not None or op is ops.WHERE:
            condition, *branches = operands
            test = " = 0" if name == "unless" else " \\neq 0"
            no = branches[1][0] if len(branches) > 1 else ("0",)
            return (
                ("\\begin{cases} ", branches[0][0], " & ", condition[0], test, " \\\\ "),
                (no, " & \\text{otherwise} \\end{cases}"),
            ), ATOM
        # An underscore in \operatorname would start a subscript (clamp_max would read clamp with m below).
        escaped = name.replace("_", "\\_")
        spelled = OPERATORS.get(name, f"\\operatorname{{{escaped}}}")
        rope, _ = call(spelled, operands)
        return ("".join([spelled, "\\left("]), *rope[2:-1], "\\right)"), ATOM

    def document(self, document: Document) -> str:
        output = latex_name(document.output)
        derivative_of = {name: variable for variable, name in document.derivatives.items()}
        second_of: dict[str, tuple[str, str]] = {}
        for row, columns in document.hessian.items():
            for column, name in columns.items():
                second_of.setdefault(name, (row, column))

        def left(name: str) -> str:
            if name in derivative_of:
                wrt = latex_name(document.variables[derivative_of[name]])
                return f"\\frac{{\\partial {output}}}{{\\partial {wrt}}}"
            if name in second_of:
                row, column = (latex_name(document.variables[v]) for v in second_of[name])
                if row == column:
                    return f"\\frac{{\\partial^{{2}} {output}}}{{\\partial {row}^{{2}}}}"
                return f"\\frac{{\\partial^{{2}} {output}}}{{\\partial {row} \\, \\partial {column}}}"
            return latex_name(name)

        variable_names = {spelled: latex_name(spelled) for spelled in document.variables.values()}

        def resolve(match: re.Match[str]) -> str:
            name = match[1]
            return variable_names.get(name) or left(name)

        lines = [f"  {left(name)} &= {_MARKER.sub(resolve, flatten(rope))}" for name, (rope, _) in document.statements]
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n"
