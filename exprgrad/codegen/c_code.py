"""The `c` target: one C99 function, `#include <math.h>` only, no allocation.

``double NAME(const double *in, double *grad)`` reads the variables from ``in`` and writes d(output)/d(variable)
to ``grad``, both in the order of `exprgrad eval`'s gradients, and returns the output's value. With ``--order 2``
a third argument ``double *hessian`` receives the n*n second derivatives, row-major. A value outside an
operation's domain gives NaN (an infinity at a pole or on overflow), as C's math library does; nothing is
reported. It compiles cleanly with ``cc -std=c99 -Wall -Wextra -Werror`` (link with ``-lm``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..ops import Op
from . import exprgrad_code
from .document import Document, ascii_spelling, helper_closure
from .layout import ATOM, Written, call, flatten, signed_number

# How each op is written: a <math.h> function, a helper below, or None for an operator.
SPELLING: Final[dict[str, str | None]] = {
    "add": None, "sub": None, "mul": None, "div": None, "pow": "pow", "neg": None, "identity": None,
    "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "sqrt": "sqrt", "cbrt": "cbrt", "hypot": "hypot", "sin": "sin", "cos": "cos", "tan": "tan",
    "asin": "asin", "acos": "acos", "atan": "atan", "atan2": "atan2", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "asinh": "asinh", "acosh": "acosh", "atanh": "atanh", "abs": "fabs", "sign": "eg_sign",
    "step": "eg_step", "floor": "floor", "ceil": "ceil", "min": "eg_min", "max": "eg_max",
    "clamp_min": "eg_clamp_min", "clamp_max": "eg_clamp_max", "clamp": "eg_clamp", "sigmoid": "eg_sigmoid",
    "relu": "eg_relu", "leaky_relu": "eg_leaky_relu", "elu": "eg_elu", "softplus": "eg_softplus",
    "log_sigmoid": "eg_log_sigmoid", "silu": "eg_silu", "gelu": "eg_gelu", "softsign": "eg_softsign",
    "erf": "erf", "erfc": "erfc",
    "when": "eg_when", "unless": "eg_unless", "where": "eg_where",
}  # fmt: skip

# Helpers written from the registry's forward functions, with the same comparisons (ties, zeros, kinks). An input
# that is NaN (it failed: eval refuses) gives NaN, not a side of a comparison (NaN > 0.0 is false); in min and
# max a NaN second input already loses every comparison.
HELPERS: Final[dict[str, str]] = {
    "eg_sign": "static double eg_sign(double x) { return isnan(x) ? x : (x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0)); }",
    "eg_step": "static double eg_step(double x) { return isnan(x) ? x : (x > 0.0 ? 1.0 : 0.0); }",
    "eg_min": "static double eg_min(double x, double y) { return isnan(x) ? x : (x <= y ? x : y); }",
    "eg_max": "static double eg_max(double x, double y) { return isnan(x) ? x : (x >= y ? x : y); }",
    "eg_clamp_min": "static double eg_clamp_min(double x, double lo) { return isnan(x) ? x : (x >= lo ? x : lo); }",
    "eg_clamp_max": "static double eg_clamp_max(double x, double hi) { return isnan(x) ? x : (x <= hi ? x : hi); }",
    "eg_clamp": "static double eg_clamp(double x, double lo, double hi) "
    "{ return eg_clamp_max(eg_clamp_min(x, lo), hi); }",
    "eg_sigmoid": "static double eg_sigmoid(double x) {\n"
    "    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));\n"
    "    double z = exp(x);\n"
    "    return z / (1.0 + z);\n}",
    "eg_relu": "static double eg_relu(double x) { return isnan(x) ? x : (x > 0.0 ? x : 0.0); }",
    "eg_leaky_relu": "static double eg_leaky_relu(double x, double slope) "
    "{ return isnan(slope) ? slope : (x > 0.0 ? x : slope * x); }",
    "eg_elu": "static double eg_elu(double x) { return x > 0.0 ? x : expm1(x); }",
    "eg_softplus": "static double eg_softplus(double x) { return (x > 0.0 ? x : 0.0) + log1p(exp(-fabs(x))); }",
    "eg_log_sigmoid": "static double eg_log_sigmoid(double x) { return (x < 0.0 ? x : 0.0) - log1p(exp(-fabs(x))); }",
    "eg_silu": "static double eg_silu(double x) { return x * eg_sigmoid(x); }",
    "eg_gelu": "static double eg_gelu(double x) { return x * erfc(-x / sqrt(2.0)) / 2.0; }",
    "eg_softsign": "static double eg_softsign(double x) { return x / (1.0 + fabs(x)); }",
    # A condition that is NaN (it failed: eval refuses) gives NaN, not a branch: `c != 0.0` alone would hold.
    "eg_when": "static double eg_when(double c, double a) { return isnan(c) ? c : (c != 0.0 ? a : 0.0); }",
    "eg_unless": "static double eg_unless(double c, double b) { return isnan(c) ? c : (c == 0.0 ? b : 0.0); }",
    "eg_where": "static double eg_where(double c, double a, double b) { return isnan(c) ? c : (c != 0.0 ? a : b); }",
}
NEEDS: Final[dict[str, tuple[str, ...]]] = {
    "eg_silu": ("eg_sigmoid",), "eg_clamp": ("eg_clamp_min", "eg_clamp_max"),
}  # fmt: skip

# C99's keywords, <math.h>'s names (functions and macros) and the function's own parameters.
RESERVED: Final = frozenset(
    # C99's keywords; <math.h>'s functions (including POSIX's) and macros, which a local name may not be; the
    # function's own parameters.
    [
        "auto",
        "break",
        "case",
        "char",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extern",
        "float",
        "for",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "register",
        "restrict",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "typedef",
        "union",
        "unsigned",
        "void",
        "volatile",
        "while",
        "_Bool",
        "_Complex",
        "_Imaginary",
        "in",
        "grad",
        "hessian",
        "main",
        "errno",
        "exp",
        "exp2",
        "expm1",
        "log",
        "log2",
        "log10",
        "log1p",
        "logb",
        "ilogb",
        "sqrt",
        "cbrt",
        "hypot",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "sinh",
        "cosh",
        "tanh",
        "asinh",
        "acosh",
        "atanh",
        "fabs",
        "floor",
        "ceil",
        "erf",
        "erfc",
        "pow",
        "fmin",
        "fmax",
        "fdim",
        "fma",
        "fmod",
        "remainder",
        "remquo",
        "round",
        "lround",
        "llround",
        "trunc",
        "rint",
        "lrint",
        "llrint",
        "nearbyint",
        "copysign",
        "nan",
        "nextafter",
        "nexttoward",
        "frexp",
        "ldexp",
        "modf",
        "scalbn",
        "scalbln",
        "tgamma",
        "lgamma",
        "gamma",
        "j0",
        "j1",
        "jn",
        "y0",
        "y1",
        "yn",
        "drem",
        "finite",
        "significand",
        "scalb",
        "NAN",
        "INFINITY",
        "HUGE_VAL",
        "HUGE_VALF",
        "HUGE_VALL",
        "FP_INFINITE",
        "FP_NAN",
        "FP_NORMAL",
        "FP_SUBNORMAL",
        "FP_ZERO",
        "FP_FAST_FMA",
        "FP_ILOGB0",
        "FP_ILOGBNAN",
        "MATH_ERRNO",
        "MATH_ERREXCEPT",
        "math_errhandling",
        "isnan",
        "isinf",
        "isfinite",
        "isnormal",
        "signbit",
        "fpclassify",
        "isgreater",
        "isgreaterequal",
        "isless",
        "islessequal",
        "islessgreater",
        "isunordered",
        "M_E",
        "M_LOG2E",
        "M_LOG10E",
        "M_LN2",
        "M_LN10",
        "M_PI",
        "M_PI_2",
        "M_PI_4",
        "M_1_PI",
        "M_2_PI",
        "M_2_SQRTPI",
        "M_SQRT2",
        "M_SQRT1_2",
    ]
)


class CWriter:
    """Writes helpers, then the function: inputs read into named constants, one `const double` per statement.

    The JavaScript writer is a C writer with its own spellings, helpers, reserved words and document.
    """

    reserved: frozenset[str] = RESERVED
    spelling: dict[str, str | None] = SPELLING
    helpers: dict[str, str] = HELPERS
    repeat_calls = False
    keeps_statements = False
    lazy_statements = False

    def __init__(self) -> None:
        self.used: set[str] = set()

    def is_identifier(self, name: str) -> bool:
        return name.isascii() and name.isidentifier() and not name.startswith(("_", "eg_"))

    def spell(self, name: str) -> str:
        return "v_" + ascii_spelling(name).lstrip("_")

    def name(self, name: str) -> Written:
        return (name,), ATOM

    def number(self, value: float) -> Written:
        return signed_number(value, lambda magnitude: ((repr(magnitude),), ATOM))

    def operation(self, op: Op, operands: Sequence[Written]) -> Written:
        return write_operation(op, operands, self.spelling, self.helpers, self.used)

    def document(self, document: Document) -> str:
        helpers = [HELPERS[name] for name in helper_closure(self.used, NEEDS)]
        n = len(document.variables)
        arguments = "const double *in, double *grad" + (", double *hessian" if document.order == 2 else "")
        lines = [
            "/* Generated by exprgrad diff: the value of a program and its derivatives.",
            " *",
            *(f" *     {line}".rstrip() for line in _comment(document.source).splitlines()),
            " *",
            f" * double {document.function_name}({arguments})",
            " * in[i] and grad[i] follow the variables: "
            + (", ".join(f"{i}: {name}" for i, name in enumerate(document.variables)) or "none")
            + (f"; hessian[i*{n} + j] = d2/d(var i) d(var j)." if document.order == 2 else "."),
            " * Outside an operation's domain the result is NaN (an infinity at a pole or on overflow).",
            " */",
            "#include <math.h>",
            "",
        ]
        for helper in helpers:
            lines += [helper, ""]
        lines.append(f"double {document.function_name}({arguments}) {{")
        position = {name: index for index, name in enumerate(document.variables)}
        for name in document.used_variables:
            lines.append(f"    const double {document.variables[name]} = in[{position[name]}];")
        if not document.used_variables:
            lines.append("    (void)in;")
        for name, (rope, _) in document.statements:
            lines.append(f"    const double {name} = {flatten(rope)};")
        for variable, derivative in document.derivatives.items():
            lines.append(f"    grad[{position[variable]}] = {derivative};")
        if not document.derivatives:
            lines.append("    (void)grad;")
        if document.order == 2 and not document.hessian:
            lines.append("    (void)hessian;")
        for row, columns in document.hessian.items():
            for column, entry in columns.items():
                lines.append(f"    hessian[{position[row] * n + position[column]}] = {entry};")
        lines.append(f"    return {document.output};")
        lines.append("}")
        return "\n".join(lines) + "\n"


def write_operation(
    op: Op, operands: Sequence[Written], spelling: dict[str, str | None], helpers: dict[str, str], used: set[str]
) -> Written:
    """`op` in C-like syntax: `+ - * /` and unary minus as operators, everything else a call."""
    spelled = spelling[op.name]
    if spelled is None:
        return exprgrad_code.write_operation(op, operands)
    if spelled in helpers:
        used.add(spelled)
    return call(spelled, operands)


def _comment(text: str) -> str:
    # A program cannot end the comment early.
    return text.strip().replace("*/", "* /")
