"""The `js` target: an ES module exporting one function, no dependencies.

``export function NAME({x, y})`` takes the variables as the properties of one object and returns
``{value, gradient: {x: ..., y: ...}}``, plus ``hessian: {x: {x: ..., y: ...}, ...}`` with ``--order 2``. A value
outside an operation's domain gives NaN (an infinity at a pole or on overflow), as `Math` does; nothing throws.
`erf` and `erfc`, which `Math` lacks, are written out (within 1e-14, relative, of C's: measured at 30,000
points in [-6, 6]).
"""

from __future__ import annotations

import json
from typing import Final

from .c_code import CWriter
from .document import Document, helper_closure
from .layout import ATOM, Written, flatten, signed_number

SPELLING: Final[dict[str, str | None]] = {
    "add": None, "sub": None, "mul": None, "div": None, "pow": "Math.pow", "neg": None, "identity": None,
    "exp": "Math.exp", "exp2": "eg_exp2", "expm1": "Math.expm1", "log": "Math.log", "log2": "Math.log2",
    "log10": "Math.log10", "log1p": "Math.log1p", "sqrt": "Math.sqrt", "cbrt": "Math.cbrt", "hypot": "Math.hypot",
    "sin": "Math.sin", "cos": "Math.cos", "tan": "Math.tan", "asin": "Math.asin", "acos": "Math.acos",
    "atan": "Math.atan", "atan2": "Math.atan2", "sinh": "Math.sinh", "cosh": "Math.cosh", "tanh": "Math.tanh",
    "asinh": "Math.asinh", "acosh": "Math.acosh", "atanh": "Math.atanh", "abs": "Math.abs", "sign": "eg_sign",
    "step": "eg_step", "floor": "Math.floor", "ceil": "Math.ceil", "min": "eg_min", "max": "eg_max",
    "clamp_min": "eg_clamp_min", "clamp_max": "eg_clamp_max", "clamp": "eg_clamp", "sigmoid": "eg_sigmoid",
    "relu": "eg_relu", "leaky_relu": "eg_leaky_relu", "elu": "eg_elu", "softplus": "eg_softplus",
    "log_sigmoid": "eg_log_sigmoid", "silu": "eg_silu", "gelu": "eg_gelu", "softsign": "eg_softsign",
    "erf": "eg_erf", "erfc": "eg_erfc",
    "when": "eg_when", "unless": "eg_unless", "where": "eg_where",
}  # fmt: skip

# Written with explicit comparisons: Math.sign(-0) is -0 and Math.max(NaN, 1) NaN; the registry's own choices
# (ties to x, step(0) = 0) hold here too. An input that is NaN (it failed: eval refuses) gives NaN, not a side of a
# comparison (NaN > 0 is false); in min and max a NaN second input already loses every comparison.
HELPERS: Final[dict[str, str]] = {
    "eg_exp2": "function eg_exp2(x) { return Math.pow(2, x); }",
    "eg_sign": "function eg_sign(x) { return Number.isNaN(x) ? x : (x > 0 ? 1 : (x < 0 ? -1 : 0)); }",
    "eg_step": "function eg_step(x) { return Number.isNaN(x) ? x : (x > 0 ? 1 : 0); }",
    "eg_min": "function eg_min(x, y) { return Number.isNaN(x) ? x : (x <= y ? x : y); }",
    "eg_max": "function eg_max(x, y) { return Number.isNaN(x) ? x : (x >= y ? x : y); }",
    "eg_clamp_min": "function eg_clamp_min(x, lo) { return Number.isNaN(x) ? x : (x >= lo ? x : lo); }",
    "eg_clamp_max": "function eg_clamp_max(x, hi) { return Number.isNaN(x) ? x : (x <= hi ? x : hi); }",
    "eg_clamp": "function eg_clamp(x, lo, hi) { return eg_clamp_max(eg_clamp_min(x, lo), hi); }",
    "eg_sigmoid": "function eg_sigmoid(x) {\n"
    "  if (x >= 0) return 1 / (1 + Math.exp(-x));\n"
    "  const z = Math.exp(x);\n"
    "  return z / (1 + z);\n}",
    "eg_relu": "function eg_relu(x) { return Number.isNaN(x) ? x : (x > 0 ? x : 0); }",
    "eg_leaky_relu": "function eg_leaky_relu(x, slope) "
    "{ return Number.isNaN(slope) ? slope : (x > 0 ? x : slope * x); }",
    "eg_elu": "function eg_elu(x) { return x > 0 ? x : Math.expm1(x); }",
    "eg_softplus": "function eg_softplus(x) { return (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x))); }",
    "eg_log_sigmoid": "function eg_log_sigmoid(x) { return (x < 0 ? x : 0) - Math.log1p(Math.exp(-Math.abs(x))); }",
    "eg_silu": "function eg_silu(x) { return x * eg_sigmoid(x); }",
    "eg_gelu": "function eg_gelu(x) { return x * eg_erfc(-x / Math.SQRT2) / 2; }",
    "eg_softsign": "function eg_softsign(x) { return x / (1 + Math.abs(x)); }",
    # A condition that is NaN (it failed: eval refuses) gives NaN, not a branch: `c !== 0` alone would hold.
    "eg_when": "function eg_when(c, a) { return Number.isNaN(c) ? c : (c !== 0 ? a : 0); }",
    "eg_unless": "function eg_unless(c, b) { return Number.isNaN(c) ? c : (c === 0 ? b : 0); }",
    "eg_where": "function eg_where(c, a, b) { return Number.isNaN(c) ? c : (c !== 0 ? a : b); }",
    # erf by its series exp(-x^2) * sum 2^n x^(2n+1) / (1*3*...*(2n+1)) (all terms positive, so nothing cancels)
    # below 1, and erfc by its continued fraction (Lentz's method) above; each from the other by 1 - (the result).
    "eg_erf_parts": """function eg_erf_parts(x) {
  // [erf(|x|), erfc(|x|)] for finite x.
  const a = Math.abs(x);
  if (a < 1) {
    let term = a, sum = a, n = 0;
    while (term > sum * 1e-17) {
      n += 1;
      term *= (2 * a * a) / (2 * n + 1);
      sum += term;
    }
    const erf = (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
    return [erf, 1 - erf];
  }
  let fraction = a, c = a, d = 0;
  for (let k = 1; k < 5000; k += 1) {
    const ak = k / 2;
    d = a + ak * d;
    d = 1 / d;
    c = a + ak / c;
    const delta = c * d;
    fraction *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / fraction;
  return [1 - erfc, erfc];
}""",
    "eg_erf": """function eg_erf(x) {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Math.sign(x);
  const e = eg_erf_parts(x)[0];
  return x < 0 ? -e : e;
}""",
    "eg_erfc": """function eg_erfc(x) {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return x > 0 ? 0 : 2;
  const parts = eg_erf_parts(x);
  return x < 0 ? 1 + parts[0] : parts[1];
}""",
}
NEEDS: Final[dict[str, tuple[str, ...]]] = {
    "eg_silu": ("eg_sigmoid",), "eg_clamp": ("eg_clamp_min", "eg_clamp_max"), "eg_gelu": ("eg_erfc",),
    "eg_erf": ("eg_erf_parts",), "eg_erfc": ("eg_erf_parts",),
}  # fmt: skip

RESERVED: Final = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "enum",
        "await",
        "implements",
        "package",
        "protected",
        "interface",
        "private",
        "public",
        "arguments",
        "eval",
        "undefined",
        "NaN",
        "Infinity",
        "Math",
        "Number",
        "Object",
        "value",
        "gradient",
        "hessian",
    ]
)


class JavaScriptWriter(CWriter):
    """Writes helpers, then the exported function: one `const` per statement."""

    reserved: frozenset[str] = RESERVED
    spelling: dict[str, str | None] = SPELLING
    helpers: dict[str, str] = HELPERS

    def number(self, value: float) -> Written:
        return signed_number(value, lambda magnitude: ((repr(magnitude).removesuffix(".0"),), ATOM))

    def document(self, document: Document) -> str:
        helpers = [HELPERS[name] for name in helper_closure(self.used, NEEDS)]
        # Object keys are the program's own names, so a renamed variable is still passed under its name; a value
        # written in the program is the default, as in the Python target.
        keys = ", ".join(
            (name if name == spelled else f"{json.dumps(name)}: {spelled}")
            + (f" = {flatten(self.number(document.defaults[name])[0])}" if name in document.defaults else "")
            for name, spelled in document.variables.items()
        )
        result = "{" + ", ".join(f"{json.dumps(v)}: {name}" for v, name in document.derivatives.items()) + "}"
        returned = f"{{ value: {document.output}, gradient: {result}"
        if document.order == 2:
            rows = ", ".join(
                f"{json.dumps(row)}: {{"
                + ", ".join(f"{json.dumps(column)}: {name}" for column, name in columns.items())
                + "}"
                for row, columns in document.hessian.items()
            )
            returned += f", hessian: {{{rows}}}"
        returned += " }"
        lines = [
            "// Generated by exprgrad diff: the value of a program and its derivatives.",
            *(f"//     {line}".rstrip() for line in document.source.strip().splitlines()),
            f"// {document.function_name}({{variable: number, ...}}) returns"
            + " {value, gradient: {variable: derivative}"
            + (", hessian: {row: {column: second derivative}}}." if document.order == 2 else "}."),
            "// Outside an operation's domain the result is NaN (an infinity at a pole or on overflow).",
            "",
        ]
        for helper in helpers:
            lines += [helper, ""]
        lines.append(f"export function {document.function_name}({{{keys}}}) {{")
        for name, (rope, _) in document.statements:
            lines.append(f"  const {name} = {flatten(rope)};")
        lines.append(f"  return {returned};")
        lines.append("}")
        return "\n".join(lines) + "\n"
