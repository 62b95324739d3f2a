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


def _unary(child: Expr, kind: str) -> Expr:
    t, s = child.text, child.sym
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
    }
    return table[kind]


def _binary(left: Expr, right: Expr, kind: str) -> Expr:
    a, b = left.text, right.text
    table = {
        "add": Expr(f"({a}) + ({b})", left.sym + right.sym),
        "sub": Expr(f"({a}) - ({b})", left.sym - right.sym),
        "mul": Expr(f"({a}) * ({b})", left.sym * right.sym),
        "div": Expr(f"({a}) / {_positive(right).text}", left.sym / _positive(right).sym),
        "pow": Expr(f"{_positive(left).text} ** tanh({b})", _positive(left).sym ** sympy.tanh(right.sym)),
    }
    return table[kind]


UNARY_KINDS = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "abs", "square", "cube")
BINARY_KINDS = ("add", "sub", "mul", "div", "pow")


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
