"""Hypothesis strategies shared by the tests: programs in exprgrad's language, each with its SymPy twin.

An expression is generated as a small tree and written out twice, as exprgrad text and as a SymPy expression, so
SymPy is an independent reference: it never sees exprgrad's parser or engine. Functions with a restricted domain
get arguments that stay inside it (``log(u**2 + 1)``, ``(u**2 + 1)**v``), so every generated program can be
evaluated; values stay small enough that only deep exp towers overflow, and those draws are discarded.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from hypothesis import strategies as st

VARIABLE_NAMES = ("a", "b", "c", "x1", "w")
SYMBOLS = {name: sympy.Symbol(name, real=True) for name in VARIABLE_NAMES}


@dataclass(frozen=True)
class Expr:
    """One generated expression: exprgrad text (fully parenthesised where it matters) and the SymPy equivalent."""

    text: str
    sym: sympy.Expr


def _leaf() -> st.SearchStrategy[Expr]:
    variables = st.sampled_from(VARIABLE_NAMES).map(lambda name: Expr(name, SYMBOLS[name]))
    constants = st.sampled_from(["2", "0.5", "3", "1.5", "pi"]).map(
        lambda text: Expr(text, sympy.pi if text == "pi" else sympy.Rational(text))
    )
    return st.one_of(variables, variables, constants)


def _positive(e: Expr) -> Expr:
    return Expr(f"(({e.text})**2 + 1)", e.sym**2 + 1)


class _Floor(sympy.Function):  # type: ignore[misc]
    """floor with derivative 0 wherever it has one (SymPy leaves floor's derivative unevaluated)."""

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        return sympy.floor(x) if x.is_number else None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


class _Ceil(sympy.Function):  # type: ignore[misc]
    """ceil with derivative 0 wherever it has one."""

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        return sympy.ceiling(x) if x.is_number else None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


def _within_one(e: Expr) -> Expr:
    """An argument strictly inside (-1, 1)."""
    return Expr(f"(0.9*tanh({e.text}))", sympy.Rational(9, 10) * sympy.tanh(e.sym))


class RealCubeRoot(sympy.Function):  # type: ignore[misc]
    """The real cube root, negative for negative x (SymPy's x**(1/3) is complex there)."""

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        if x.is_number and x.is_real is not False:
            return sympy.sign(x) * sympy.Abs(x) ** sympy.Rational(1, 3)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return 1 / (3 * RealCubeRoot(self.args[0]) ** 2)


def _sigmoid(s: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-s))


def _unary(child: Expr, kind: str) -> Expr:
    t, s = child.text, child.sym
    positive, inside = _positive(child), _within_one(child)
    half = sympy.Rational(1, 2)
    table = {
        "neg": Expr(f"-({t})", -s),
        "exp": Expr(f"exp(tanh({t}))", sympy.exp(sympy.tanh(s))),
        "log": Expr(f"log({_positive(child).text})", sympy.log(_positive(child).sym)),
        "tanh": Expr(f"tanh({t})", sympy.tanh(s)),
        "sigmoid": Expr(f"sigmoid({t})", 1 / (1 + sympy.exp(-s))),
        "relu": Expr(f"relu({t})", sympy.Max(0, s)),
        "sin": Expr(f"sin({t})", sympy.sin(s)),
        "cos": Expr(f"cos({t})", sympy.cos(s)),
        "sqrt": Expr(f"sqrt({_positive(child).text})", sympy.sqrt(_positive(child).sym)),
        "abs": Expr(f"abs({t})", sympy.Abs(s)),
        "square": Expr(f"({t})**2", s**2),
        "cube": Expr(f"({t})^3", s**3),
        "tan": Expr(f"tan({t})", sympy.tan(s)),
        "asin": Expr(f"asin({inside.text})", sympy.asin(inside.sym)),
        "acos": Expr(f"acos({inside.text})", sympy.acos(inside.sym)),
        "atan": Expr(f"atan({t})", sympy.atan(s)),
        "sinh": Expr(f"sinh({t})", sympy.sinh(s)),
        "cosh": Expr(f"cosh({t})", sympy.cosh(s)),
        "asinh": Expr(f"asinh({t})", sympy.asinh(s)),
        "acosh": Expr(f"acosh({positive.text} + 0.5)", sympy.acosh(positive.sym + half)),
        "atanh": Expr(f"atanh({inside.text})", sympy.atanh(inside.sym)),
        "exp2": Expr(f"exp2(tanh({t}))", 2 ** sympy.tanh(s)),
        "expm1": Expr(f"expm1({t})", sympy.exp(s) - 1),
        "ln": Expr(f"ln({positive.text})", sympy.log(positive.sym)),
        "log2": Expr(f"log2({positive.text})", sympy.log(positive.sym, 2)),
        "log10": Expr(f"log10({positive.text})", sympy.log(positive.sym, 10)),
        "log1p": Expr(f"log1p(({t})**2)", sympy.log(1 + s**2)),
        # Away from 0, where the cube root has no derivative.
        "cbrt": Expr(
            f"cbrt({t} - 0.3)",
            RealCubeRoot(s - sympy.Rational(3, 10)),
        ),
        "sign": Expr(f"sign({t})", sympy.sign(s)),
        "step": Expr(f"step({t})", sympy.Heaviside(s, 0)),
        "floor": Expr(f"floor({t})", _Floor(s)),
        "ceil": Expr(f"ceil({t})", _Ceil(s)),
        "clamp": Expr(f"clamp({t}, -0.5, 0.75)", sympy.Min(sympy.Max(s, -half), sympy.Rational(3, 4))),
        "softplus": Expr(f"softplus({t})", sympy.log(1 + sympy.exp(s))),
        "silu": Expr(f"silu({t})", s * _sigmoid(s)),
        "swish": Expr(f"swish({t})", s * _sigmoid(s)),
        "gelu": Expr(f"gelu({t})", s / 2 * (1 + sympy.erf(s / sympy.sqrt(2)))),
        "elu": Expr(f"elu({t})", sympy.Piecewise((s, s > 0), (sympy.exp(s) - 1, True))),
        "log_sigmoid": Expr(f"log_sigmoid({t})", -sympy.log(1 + sympy.exp(-s))),
        "softsign": Expr(f"softsign({t})", s / (1 + sympy.Abs(s))),
        "erf": Expr(f"erf({t})", sympy.erf(s)),
        "erfc": Expr(f"erfc({t})", sympy.erfc(s)),
    }
    return table[kind]


def _binary(left: Expr, right: Expr, kind: str) -> Expr:
    a, b = left.text, right.text
    half = sympy.Rational(1, 2)
    table = {
        "add": Expr(f"({a}) + ({b})", left.sym + right.sym),
        "sub": Expr(f"({a}) - ({b})", left.sym - right.sym),
        "mul": Expr(f"({a}) * ({b})", left.sym * right.sym),
        "div": Expr(f"({a}) / {_positive(right).text}", left.sym / _positive(right).sym),
        "pow": Expr(f"{_positive(left).text} ** tanh({b})", _positive(left).sym ** sympy.tanh(right.sym)),
        "pow()": Expr(f"pow({_positive(left).text}, tanh({b}))", _positive(left).sym ** sympy.tanh(right.sym)),
        # The point stays right of the y axis: atan2 jumps across the negative x axis.
        "atan2": Expr(f"atan2({a}, {_positive(right).text})", sympy.atan2(left.sym, _positive(right).sym)),
        "hypot": Expr(f"hypot({a}, {_positive(right).text})", sympy.sqrt(left.sym**2 + _positive(right).sym ** 2)),
        "min": Expr(f"min({a}, {b})", sympy.Min(left.sym, right.sym)),
        "max": Expr(f"max({a}, {b})", sympy.Max(left.sym, right.sym)),
        "clamp_min": Expr(f"clamp_min({a}, {b})", sympy.Max(left.sym, right.sym)),
        "clamp_max": Expr(f"clamp_max({a}, {b})", sympy.Min(left.sym, right.sym)),
        "leaky_relu": Expr(
            f"leaky_relu({a}, {b})", sympy.Piecewise((left.sym, left.sym > 0), (right.sym * left.sym, True))
        ),
        # Lazy choices whose branch not chosen fails where it is not chosen: log and sqrt of a value <= 0. Shifted by
        # 0.5, so that a chosen argument is never tiny (floats near 0.5 are 1e-16 apart): there the second
        # derivatives overflow, which generated Python writes as inf where eval reports an overflow.
        "where": Expr(
            f"where(step(({a}) - 0.5), log(({a}) - 0.5), {b})",
            sympy.Piecewise((sympy.log(left.sym - half), left.sym > half), (right.sym, True)),
        ),
        "when": Expr(
            f"when(step(({b}) - 0.5), sqrt(({b}) - 0.5)*({a}))",
            sympy.Piecewise((sympy.sqrt(right.sym - half) * left.sym, right.sym > half), (0, True)),
        ),
        "unless": Expr(f"unless(step({a}), {b})", sympy.Piecewise((0, left.sym > 0), (right.sym, True))),
    }
    return table[kind]


UNARY_KINDS = (
    *("neg", "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "abs", "square", "cube", "tan", "asin"),
    *("acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "exp2", "expm1", "ln", "log2", "log10", "log1p"),
    *("cbrt", "sign", "step", "floor", "ceil", "clamp", "softplus", "silu", "swish", "gelu", "elu", "log_sigmoid"),
    *("softsign", "erf", "erfc"),
)
BINARY_KINDS = (
    *("add", "sub", "mul", "div", "pow", "pow()", "atan2", "hypot", "min", "max", "clamp_min", "clamp_max"),
    *("leaky_relu", "where", "when", "unless"),
)


def expressions(max_leaves: int = 8) -> st.SearchStrategy[Expr]:
    """Random expressions over every operator and function of the language."""

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        unary = st.builds(_unary, children, st.sampled_from(UNARY_KINDS))
        binary = st.builds(_binary, children, children, st.sampled_from(BINARY_KINDS))
        return st.one_of(unary, binary)

    return st.recursive(_leaf(), extend, max_leaves=max_leaves)


def values() -> st.SearchStrategy[float]:
    """A variable's value: moderate, finite, sometimes exactly 0 or a whole number."""
    return st.one_of(
        st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, -1.0, 2.0, 0.5]),
    )


def bindings() -> st.SearchStrategy[dict[str, float]]:
    """Values for every name in VARIABLE_NAMES."""
    return st.fixed_dictionaries({name: values() for name in VARIABLE_NAMES})


def sympy_number(expression: sympy.Expr, substitution: dict[sympy.Symbol, sympy.Float]) -> float:
    """`expression` at `substitution` as a float, or the draw is discarded where SymPy cannot evaluate it.

    Some derivatives SymPy writes with objects it cannot evaluate to a number (the second derivative of
    `softsign(asin(...))` through its Abs, for one): there SymPy is no reference, and the example says nothing.
    """
    from hypothesis import assume

    try:
        return float(expression.evalf(30, subs=substitution))
    except TypeError:
        assume(False)
        raise
