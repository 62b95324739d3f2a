"""The one registry of operations.

Each `Op` keeps everything exprgrad knows about an operation side by side: how it is written, its forward value,
its local partial derivatives and the formula an explanation prints for them. The engine, the parser, the renderers
and the explainer all read this table; adding an operation means adding one entry here.

Local partials are written once, over an abstract "math namespace" `m`: the engine evaluates them with
`FLOAT_MATH` (plain floats, first-order gradients), `hessian` with a namespace of `Value` operations (a
differentiable backward pass, which is what second derivatives differentiate), `vectorized` with NumPy arrays.
This module imports nothing from the project.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

isfinite = math.isfinite


class DomainError(ArithmeticError):
    """An operation was applied where it is not defined, or its result does not fit in a float."""


# Notation decides how a node is printed: `a*b`, `-a`, `tanh(a)`.
INFIX: Final = "infix"
PREFIX: Final = "prefix"
CALL: Final = "call"
LEAF: Final = "leaf"

# A local partial: (m, *input_values, output_value) -> d(output)/d(that input). `Any` because it is evaluated
# over floats and over Values alike.
Partial = Callable[..., Any]


class Op:
    """One operation: notation, forward function, and one local partial (with its formula) per input.

    A plain class rather than a dataclass: generating a dataclass's methods costs about a millisecond at every
    start of the command. Each op exists once, so ops compare by identity.
    """

    __slots__ = (
        "arity",
        "array_forward",
        "formulas",
        "forward",
        "name",
        "notation",
        "partials",
        "symbol",
    )

    def __init__(
        self,
        name: str,
        symbol: str,
        arity: int,
        notation: str,
        forward: Callable[..., float],
        array_forward: Callable[..., Any],
        partials: tuple[Partial, ...],
        formulas: tuple[str, ...],
    ) -> None:
        self.name = name
        self.symbol = symbol
        self.arity = arity
        self.notation = notation
        self.forward = forward
        # The forward value over a math namespace of arrays (exprgrad.vectorized), without the domain checks of
        # `forward`: a row whose result is not finite is redone with `forward`.
        self.array_forward = array_forward
        self.partials = partials
        self.formulas = formulas

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _finite(value: float, what: str) -> float:
    # Python floats overflow to inf silently in * + - /; exprgrad reports overflow instead of carrying inf along.
    if math.isfinite(value):
        return value
    raise DomainError(f"{what} overflows (the result does not fit in a float)")


def _add(x: float, y: float) -> float:
    z = x + y
    # The check of `_finite`, written out: this runs once per node.
    if isfinite(z):
        return z
    raise DomainError("addition overflows (the result does not fit in a float)")


def _sub(x: float, y: float) -> float:
    z = x - y
    # The check of `_finite`, written out: this runs once per node.
    if isfinite(z):
        return z
    raise DomainError("subtraction overflows (the result does not fit in a float)")


def _mul(x: float, y: float) -> float:
    z = x * y
    # The check of `_finite`, written out: this runs once per node.
    if isfinite(z):
        return z
    raise DomainError("multiplication overflows (the result does not fit in a float)")


def _div(x: float, y: float) -> float:
    if y == 0.0:
        raise DomainError("division by zero")
    z = x / y
    if isfinite(z):
        return z
    raise DomainError("division overflows (the result does not fit in a float)")


def _pow(x: float, y: float) -> float:
    if x == 0.0 and y < 0.0:
        raise DomainError(f"0 cannot be raised to a negative power ({y!r})")
    if x < 0.0 and not y.is_integer():
        raise DomainError(f"a negative base ({x!r}) cannot be raised to a fractional power ({y!r})")
    try:
        return _finite(math.pow(x, y), "power")
    except OverflowError:
        raise DomainError("power overflows (the result does not fit in a float)") from None


def _neg(x: float) -> float:
    return -x


def _identity(x: float) -> float:
    return x


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise DomainError(f"exp({x!r}) overflows (the result does not fit in a float)") from None


def _log(x: float) -> float:
    if x <= 0.0:
        raise DomainError(f"log needs a positive argument, got {x!r}")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise DomainError(f"sqrt needs a non-negative argument, got {x!r}")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument: no overflow for any finite x.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def step(x: float) -> float:
    # relu'(0) = 0, as in PyTorch.
    return 1.0 if x > 0.0 else 0.0


def sign(x: float) -> float:
    # abs'(0) = 0, as in PyTorch.
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _pow_base_partial(m: Any, x: Any, y: Any, out: Any) -> Any:
    if m.is_constant_zero(y):
        # x**0 is the constant 1 (at x = 0 too), so its slope is 0; y * x**(y - 1) would divide by zero there.
        return 0.0
    return y * m.pow(x, y - 1.0)


def _pow_exponent_partial(m: Any, x: Any, y: Any, out: Any) -> Any:
    if m.is_positive(x):
        return out * m.log(x)
    if m.is_zero(x):
        # 0**y is 0 for every y > 0 (the only y where it is defined), so it does not change with y.
        return 0.0
    raise DomainError(
        f"x**y has no derivative in y for a negative base x ({m.number(x)!r}): it is defined at whole y only"
    )


class FloatMath:
    """The math namespace over plain floats, for first-order gradients."""

    @staticmethod
    def number(x: float) -> float:
        return x

    @staticmethod
    def is_zero(x: float) -> bool:
        return x == 0.0

    @staticmethod
    def is_constant_zero(x: float) -> bool:
        # A float cannot tell a constant from a variable; for a first derivative at this point it does not matter.
        return x == 0.0

    @staticmethod
    def is_positive(x: float) -> bool:
        return x > 0.0

    exp = staticmethod(_exp)
    log = staticmethod(_log)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    sqrt = staticmethod(_sqrt)
    pow = staticmethod(_pow)
    step = staticmethod(step)
    sign = staticmethod(sign)


FLOAT_MATH: Final = FloatMath()


def _op(
    name: str,
    symbol: str,
    notation: str,
    forward: Callable[..., float],
    array_forward: Callable[..., Any],
    *partials: tuple[Partial, str],
) -> Op:
    # A Value has two input slots (exprgrad.engine): an op of three inputs would need a new kind of node.
    if len(partials) not in (1, 2):
        raise ValueError(f"{name}: an op takes one or two inputs")
    return Op(
        name=name,
        symbol=symbol,
        arity=len(partials),
        notation=notation,
        forward=forward,
        array_forward=array_forward,
        partials=tuple(p for p, _ in partials),
        formulas=tuple(f for _, f in partials),
    )


# In the formulas, x and y are the inputs in order and `out` is the node's own value.
ADD: Final = _op(
    "add",
    "+",
    INFIX,
    _add,
    lambda m, x, y: x + y,
    (lambda m, x, y, o: 1.0, "1"),
    (lambda m, x, y, o: 1.0, "1"),
)
SUB: Final = _op(
    "sub",
    "-",
    INFIX,
    _sub,
    lambda m, x, y: x - y,
    (lambda m, x, y, o: 1.0, "1"),
    (lambda m, x, y, o: -1.0, "-1"),
)
MUL: Final = _op(
    "mul",
    "*",
    INFIX,
    _mul,
    lambda m, x, y: x * y,
    (lambda m, x, y, o: y, "y"),
    (lambda m, x, y, o: x, "x"),
)
DIV: Final = _op(
    "div",
    "/",
    INFIX,
    _div,
    lambda m, x, y: x / y,
    (lambda m, x, y, o: 1.0 / y, "1/y"),
    (lambda m, x, y, o: -o / y, "-out/y"),
)
POW: Final = _op(
    "pow",
    "**",
    INFIX,
    _pow,
    lambda m, x, y: m.pow(x, y),
    (_pow_base_partial, "y * x**(y - 1)"),
    (_pow_exponent_partial, "out * log(x)"),
)
NEG: Final = _op("neg", "-", PREFIX, _neg, lambda m, x: -x, (lambda m, x, o: -1.0, "-1"))
IDENTITY: Final = _op("identity", "=", LEAF, _identity, lambda m, x: x, (lambda m, x, o: 1.0, "1"))
EXP: Final = _op("exp", "exp", CALL, _exp, lambda m, x: m.exp(x), (lambda m, x, o: o, "out"))
LOG: Final = _op("log", "log", CALL, _log, lambda m, x: m.log(x), (lambda m, x, o: 1.0 / x, "1/x"))
TANH: Final = _op(
    "tanh",
    "tanh",
    CALL,
    math.tanh,
    lambda m, x: m.tanh(x),
    (lambda m, x, o: 1.0 - o * o, "1 - out**2"),
)
SIGMOID: Final = _op(
    "sigmoid",
    "sigmoid",
    CALL,
    _sigmoid,
    lambda m, x: m.sigmoid(x),
    (lambda m, x, o: o * (1.0 - o), "out * (1 - out)"),
)
RELU: Final = _op(
    "relu",
    "relu",
    CALL,
    _relu,
    lambda m, x: m.relu(x),
    (lambda m, x, o: m.step(x), "1 if x > 0 else 0"),
)
SIN: Final = _op("sin", "sin", CALL, math.sin, lambda m, x: m.sin(x), (lambda m, x, o: m.cos(x), "cos(x)"))
COS: Final = _op("cos", "cos", CALL, math.cos, lambda m, x: m.cos(x), (lambda m, x, o: -m.sin(x), "-sin(x)"))
SQRT: Final = _op("sqrt", "sqrt", CALL, _sqrt, lambda m, x: m.sqrt(x), (lambda m, x, o: 0.5 / o, "1 / (2*out)"))
ABS: Final = _op("abs", "abs", CALL, abs, lambda m, x: m.abs(x), (lambda m, x, o: m.sign(x), "sign(x), 0 at x = 0"))

ALL_OPS: Final[tuple[Op, ...]] = (
    ADD,
    SUB,
    MUL,
    DIV,
    POW,
    NEG,
    IDENTITY,
    EXP,
    LOG,
    TANH,
    SIGMOID,
    RELU,
    SIN,
    COS,
    SQRT,
    ABS,
)
# What a program may call by name: every op written as a call.
FUNCTIONS: Final[dict[str, Op]] = {op.name: op for op in ALL_OPS if op.notation == CALL}
CONSTANTS: Final[dict[str, float]] = {"pi": math.pi}
# Ops whose derivative jumps at one point: the convention there is documented (0, as in PyTorch).
KINKS: Final[dict[str, float]] = {"relu": 0.0, "abs": 0.0}
