"""The one registry of operations.

Each `Op` keeps everything exprgrad knows about an operation side by side: its names, how it is written, its
forward value (over floats, and over any math namespace), its local partial derivatives with their formulas, its
domain, and what it takes as its derivative where it has none (a kink, a tie, a jump). The engine, the parser, the
renderers, the explainer, the gradient check and `exprgrad functions` all read this table.

Local partials are written once, over a math namespace `m` (`exprgrad.mathspace.MathNamespace`): the engine
evaluates them with floats (first-order gradients), `hessian` with `Value` operations (a differentiable backward
pass, which is what second derivatives differentiate), `vectorized` with NumPy arrays. Each partial's formula is
the same derivative written in exprgrad's own language over ``x``, ``y`` (the inputs in order) and ``out`` (the
node's value); a test evaluates every formula with exprgrad and compares it with the partial.

This module imports nothing from the project.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
# over floats, Values and arrays alike.
Partial = Callable[..., Any]


class Convention:
    """What an op takes as its derivative at points where it has none, or where a choice is made.

    `where` says where (in the language, over x and y), `rule` what is taken there. `holds` tells whether input
    values are at such a point; `piece` names the smooth piece the inputs are on, so the gradient check can tell
    when a finite-difference step crosses from one piece to another. A `kink` is a point where the first
    derivative does not exist (the check reports it as not differentiable); other conventions (a second
    derivative's jump, a one-sided limit) are documented but checkable.
    """

    __slots__ = ("holds", "jumps", "kink", "piece", "rule", "where")

    def __init__(
        self,
        where: str,
        rule: str,
        holds: Callable[..., bool],
        piece: Callable[..., float],
        *,
        kink: bool = True,
        jumps: tuple[int, ...] = (0, 1),
    ) -> None:
        self.where = where
        self.rule = rule
        self.holds = holds
        self.piece = piece
        self.kink = kink
        # The inputs (by position) along which the function has no derivative there: leaky_relu(x, slope) at
        # x == 0 has none in x, but in slope it is smooth.
        self.jumps = jumps


class Op:
    """One operation: names, notation, forward function, one local partial (with its formula) per input, domain
    and conventions.

    A plain class rather than a dataclass: generating a dataclass's methods costs about a millisecond at every
    start of the command. Each op exists once, so ops compare by identity.
    """

    __slots__ = (
        "aliases",
        "arity",
        "conventions",
        "description",
        "domain",
        "formulas",
        "forward",
        "gate",
        "given_constant",
        "name",
        "notation",
        "over",
        "parameters",
        "partials",
        "steps",
        "symbol",
        "unbounded",
        "written",
    )

    def __init__(
        self,
        name: str,
        symbol: str,
        notation: str,
        forward: Callable[..., float],
        over: Callable[..., Any],
        partials: tuple[Partial, ...],
        formulas: tuple[str, ...],
        *,
        description: str,
        parameters: tuple[str, ...] = ("x",),
        domain: str = "every x",
        conventions: tuple[Convention, ...] = (),
        aliases: tuple[str, ...] = (),
        steps: tuple[tuple[Op, tuple[int, ...]], ...] = (),
        gate: Callable[[float], bool] | None = None,
        unbounded: Callable[[int, tuple[float | None, ...]], bool] | None = None,
        given_constant: tuple[tuple[int, int, str], ...] = (),
        written: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.symbol = symbol
        self.notation = notation
        self.forward = forward
        # The forward value over a math namespace (arrays in exprgrad.vectorized, floats, Values), without the
        # domain checks of `forward`: a row of arrays whose result is not finite is redone with `forward`.
        self.over = over
        self.partials = partials
        self.formulas = formulas
        self.arity = len(parameters) if steps else len(partials)
        self.description = description
        self.parameters = parameters
        self.domain = domain
        self.conventions = conventions
        self.aliases = aliases
        # A composition of other ops (an op with more inputs than a node has slots): each step is an op and the
        # positions of its inputs, counting the call's arguments first and then the earlier steps' results.
        self.steps = steps
        # A lazy op (when, unless): given its first input's value, whether its second input is used. Where it is
        # not, the node is 0 and the second input is never read, so a failure there is no failure of the program.
        self.gate = gate
        # Whether the partial of input `slot` can be infinite or undefined where the op itself is defined (sqrt's
        # at 0), given the inputs that are constants (None for one that varies). eval passes nothing back through
        # a gradient of 0, so 0 times such a partial is 0; generated code multiplies, so `exprgrad diff` writes such
        # a chain-rule term guarded, `when(g, g*p)`. A registry test finds every such partial by sampling.
        self.unbounded = unbounded or _bounded
        # (slot, input, formula): the formula of partial `slot` where input `input` is a constant, when the general
        # one says more than such a node needs (x**2's slope is `y * x**(y - 1)`, without what x**y needs at 0).
        # Explanations and `exprgrad diff` use it; a registry test checks it equals the partial there.
        self.given_constant = given_constant
        # The formulas as tables, explanations and messages write them, where `formulas` also spells out the
        # conventions for generated code (pow's `when(x, out * log(x))` is `out * log(x)` here; the convention
        # table says what is taken at x = 0). Empty: the formulas themselves.
        self.written = written or formulas

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def formula(self, slot: int, constant: Sequence[bool]) -> str:
        """The formula of partial `slot`, where `constant[i]` says whether input i is a constant (`given_constant`)."""
        return self._given_constant(slot, constant) or self.formulas[slot]

    def written_formula(self, slot: int, constant: Sequence[bool]) -> str:
        """`formula` as people read it (`written`)."""
        return self._given_constant(slot, constant) or self.written[slot]

    def _given_constant(self, slot: int, constant: Sequence[bool]) -> str:
        for given_slot, given_input, text in self.given_constant:
            if given_slot == slot and constant[given_input]:
                return text
        return ""

    def kink_at(self, *values: float) -> Convention | None:
        """The convention that applies at these input values where the first derivative does not exist, if any."""
        for convention in self.conventions:
            if convention.kink and convention.holds(*values):
                return convention
        return None


def _bounded(slot: int, constants: tuple[float | None, ...]) -> bool:
    return False


def _unbounded_at(*slots: int) -> Callable[[int, tuple[float | None, ...]], bool]:
    def unbounded(slot: int, constants: tuple[float | None, ...]) -> bool:
        return slot in slots

    return unbounded


def _pow_unbounded(slot: int, constants: tuple[float | None, ...]) -> bool:
    # y * x**(y - 1) is infinite at x = 0 for 0 < y < 1 (and y = 0 is special-cased to 0); d/dy fails at x <= 0.
    x, y = constants
    if slot == 0:
        return y is None or 0.0 < y < 1.0
    return x is None or x <= 0.0


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


def _overflowing(name: str, function: Callable[[float], float]) -> Callable[[float], float]:
    """`function` with an overflow (raised or returned as inf) reported as a DomainError naming `name`."""

    def checked(x: float) -> float:
        try:
            value = function(x)
        except OverflowError:
            value = math.inf
        if math.isfinite(value):
            return value
        raise DomainError(f"{name}({x!r}) overflows (the result does not fit in a float)")

    return checked


_exp = _overflowing("exp", math.exp)
_expm1 = _overflowing("expm1", math.expm1)
_sinh = _overflowing("sinh", math.sinh)
_cosh = _overflowing("cosh", math.cosh)
# math.exp2 and math.cbrt are new in Python 3.11; before, the same values from pow (exact for whole exponents) and
# from a Newton step on pow's cube root.
_exp2 = _overflowing("exp2", getattr(math, "exp2", lambda x: math.pow(2.0, x)))


def _cbrt_fallback(x: float) -> float:
    if x == 0.0 or not math.isfinite(x):
        return x
    root = math.copysign(math.pow(abs(x), 1.0 / 3.0), x)
    return root - (root * root * root - x) / (3.0 * root * root)


_cbrt: Callable[[float], float] = getattr(math, "cbrt", _cbrt_fallback)


def _positive_only(name: str, function: Callable[[float], float], *, above: float = 0.0) -> Callable[[float], float]:
    def checked(x: float) -> float:
        if x <= above:
            wanted = "a positive argument" if above == 0.0 else f"an argument greater than {above:g}"
            raise DomainError(f"{name} needs {wanted}, got {x!r}")
        return function(x)

    return checked


_log = _positive_only("log", math.log)
_log2 = _positive_only("log2", math.log2)
_log10 = _positive_only("log10", math.log10)
_log1p = _positive_only("log1p", math.log1p, above=-1.0)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise DomainError(f"sqrt needs a non-negative argument, got {x!r}")
    return math.sqrt(x)


def _within_one(name: str, function: Callable[[float], float], *, closed: bool) -> Callable[[float], float]:
    def checked(x: float) -> float:
        if (closed and -1.0 <= x <= 1.0) or (-1.0 < x < 1.0):
            return function(x)
        interval = "[-1, 1]" if closed else "(-1, 1), ends excluded"
        raise DomainError(f"{name} needs an argument in {interval}, got {x!r}")

    return checked


_asin = _within_one("asin", math.asin, closed=True)
_acos = _within_one("acos", math.acos, closed=True)
_atanh = _within_one("atanh", math.atanh, closed=False)


def _acosh(x: float) -> float:
    if x < 1.0:
        raise DomainError(f"acosh needs an argument of at least 1, got {x!r}")
    return math.acosh(x)


def _hypot(x: float, y: float) -> float:
    return _finite(math.hypot(x, y), "hypot")


def _sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument: no overflow for any finite x.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): exp never overflows, and nothing cancels.
    return (x if x > 0.0 else 0.0) + math.log1p(math.exp(-abs(x)))


def _log_sigmoid(x: float) -> float:
    # -softplus(-x), written the same way.
    return (x if x < 0.0 else 0.0) - math.log1p(math.exp(-abs(x)))


def _silu(x: float) -> float:
    return x * _sigmoid(x)


_SQRT2: Final = math.sqrt(2.0)
_SQRT_2PI: Final = math.sqrt(2.0 * math.pi)
_LN2: Final = math.log(2.0)
_LN10: Final = math.log(10.0)
_TWO_OVER_SQRT_PI: Final = 2.0 / math.sqrt(math.pi)


def _gelu(x: float) -> float:
    # x * Phi(x) with Phi from erfc: for negative x, 1 + erf(x/sqrt 2) would cancel to 0 long before the value does.
    return x * math.erfc(-x / _SQRT2) / 2.0


def _elu(x: float) -> float:
    return x if x > 0.0 else math.expm1(x)


def _leaky_relu(x: float, slope: float) -> float:
    return x if x > 0.0 else _finite(slope * x, "leaky_relu")


def _softsign(x: float) -> float:
    return x / (1.0 + abs(x))


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def step(x: float) -> float:
    """1 for x > 0, else 0 (the Heaviside step with step(0) = 0: relu'(0) = 0, as in PyTorch)."""
    return 1.0 if x > 0.0 else 0.0


def sign(x: float) -> float:
    """1, -1 or 0 (at 0 and -0): abs'(0) = 0, as in PyTorch."""
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _floor(x: float) -> float:
    return float(math.floor(x))


def _ceil(x: float) -> float:
    return float(math.ceil(x))


def _min(x: float, y: float) -> float:
    return x if x <= y else y


def _max(x: float, y: float) -> float:
    return x if x >= y else y


def _clamp_min(x: float, low: float) -> float:
    return x if x >= low else low


def _clamp_max(x: float, high: float) -> float:
    return x if x <= high else high


def _when(condition: float, chosen: float) -> float:
    return chosen if condition != 0.0 else 0.0


def _unless(condition: float, chosen: float) -> float:
    return chosen if condition == 0.0 else 0.0


def _is_nonzero(condition: float) -> bool:
    return condition != 0.0


def _is_zero(condition: float) -> bool:
    return condition == 0.0


def _where(condition: float, yes: float, no: float) -> float:
    return yes if condition != 0.0 else no


def _pow_base_partial(m: Any, x: Any, y: Any, out: Any) -> Any:
    if m.is_constant_zero(y):
        # x**0 is the constant 1 (at x = 0 too), so its slope is 0; y * x**(y - 1) would divide by zero there.
        return 0.0
    return y * m.pow(x, y - 1.0)


def _pow_exponent_partial(m: Any, x: Any, y: Any, out: Any) -> Any:
    if m.is_positive(x):
        return out * m.log(x)
    if m.is_zero(x):
        # 0**y is 0 for every y > 0 (the only y where it is defined), so it does not change with y. Its change
        # with x as well, d/dx (x**y * log(x)) = x**(y-1) * (y*log(x) + 1), is 0 at x = 0 only for y > 1: a
        # second derivative across both inputs is infinite otherwise.
        if m.is_variable(x) and m.number(y) <= 1.0:
            raise DomainError("the mixed second derivative of x**y is infinite at x = 0 for y <= 1")
        return 0.0
    raise DomainError(
        f"x**y has no derivative in y for a negative base x ({m.number(x)!r}): it is defined at whole y only"
    )


def _atan2_partial(*, first: bool) -> Partial:
    def partial(m: Any, x: Any, y: Any, out: Any) -> Any:
        if m.is_zero(x) and m.is_zero(y):
            # At the origin atan2 jumps; PyTorch takes 0 for both partials, where the formula divides 0 by 0.
            return 0.0
        return (y if first else -x) / m.hypot(x, y) / m.hypot(x, y)

    return partial


def _at_zero(x: float, *rest: float) -> bool:
    return x == 0.0


def _sign_piece(x: float, *rest: float) -> float:
    return sign(x)


def _tie(x: float, y: float) -> bool:
    return x == y


def _tie_piece(x: float, y: float) -> float:
    return sign(x - y)


def _whole(x: float) -> bool:
    return x.is_integer()


def _at_zero_kink(rule: str, *, jumps: tuple[int, ...] = (0, 1)) -> Convention:
    return Convention("x == 0", rule, _at_zero, _sign_piece, jumps=jumps)


def _op(
    name: str,
    symbol: str,
    notation: str,
    forward: Callable[..., float],
    over: Callable[..., Any],
    *partials: tuple[Partial, str],
    description: str,
    parameters: tuple[str, ...] = ("x",),
    domain: str = "",
    conventions: tuple[Convention, ...] = (),
    aliases: tuple[str, ...] = (),
    gate: Callable[[float], bool] | None = None,
    unbounded: Callable[[int, tuple[float | None, ...]], bool] | None = None,
    given_constant: tuple[tuple[int, int, str], ...] = (),
    written: tuple[str, ...] = (),
) -> Op:
    # A Value has two input slots (exprgrad.engine): an op of three inputs is a composition (see CLAMP).
    if len(partials) not in (1, 2) or len(parameters) != len(partials):
        raise ValueError(f"{name}: an op takes one or two inputs, with one partial each")
    return Op(
        name,
        symbol,
        notation,
        forward,
        over,
        tuple(p for p, _ in partials),
        tuple(f for _, f in partials),
        description=description,
        parameters=parameters,
        domain=domain or f"every {', '.join(parameters)}",
        conventions=conventions,
        aliases=aliases,
        gate=gate,
        unbounded=unbounded,
        given_constant=given_constant,
        written=written,
    )


def _call(
    name: str,
    forward: Callable[..., float],
    *partials: tuple[Partial, str],
    description: str,
    parameters: tuple[str, ...] = ("x",),
    domain: str = "",
    conventions: tuple[Convention, ...] = (),
    aliases: tuple[str, ...] = (),
    gate: Callable[[float], bool] | None = None,
    unbounded: Callable[[int, tuple[float | None, ...]], bool] | None = None,
    given_constant: tuple[tuple[int, int, str], ...] = (),
    written: tuple[str, ...] = (),
) -> Op:
    """A function op, written `name(...)`, computed over a namespace by the namespace's member of the same name."""

    def over(m: Any, *inputs: Any) -> Any:
        return getattr(m, name)(*inputs)

    return _op(
        name,
        name,
        CALL,
        forward,
        over,
        *partials,
        description=description,
        parameters=parameters,
        domain=domain,
        conventions=conventions,
        aliases=aliases,
        gate=gate,
        unbounded=unbounded,
        given_constant=given_constant,
        written=written,
    )


_XY: Final = ("x", "y")

# In the formulas, x and y are the inputs in order and `out` is the node's own value.
ADD: Final = _op(
    "add",
    "+",
    INFIX,
    _add,
    lambda m, x, y: x + y,
    (lambda m, x, y, o: 1.0, "1"),
    (lambda m, x, y, o: 1.0, "1"),
    description="x + y",
    parameters=_XY,
)
SUB: Final = _op(
    "sub",
    "-",
    INFIX,
    _sub,
    lambda m, x, y: x - y,
    (lambda m, x, y, o: 1.0, "1"),
    (lambda m, x, y, o: -1.0, "-1"),
    description="x - y",
    parameters=_XY,
)
MUL: Final = _op(
    "mul",
    "*",
    INFIX,
    _mul,
    lambda m, x, y: x * y,
    (lambda m, x, y, o: y, "y"),
    (lambda m, x, y, o: x, "x"),
    description="x * y",
    parameters=_XY,
)
DIV: Final = _op(
    "div",
    "/",
    INFIX,
    _div,
    lambda m, x, y: x / y,
    (lambda m, x, y, o: 1.0 / y, "1/y"),
    (lambda m, x, y, o: -o / y, "-out/y"),
    description="x / y",
    parameters=_XY,
    domain="y != 0",
)
POW: Final = _op(
    "pow",
    "**",
    INFIX,
    _pow,
    lambda m, x, y: m.pow(x, y),
    # At x = y = 0 eval takes d/dx = 0 (x**0 is 1 at x = 0 too), and d/dy = 0 at x = 0. The sqrt(x) added at
    # x = 0 for 0 <= y <= 1 is 0 as well; differentiating it in x fails, as eval's Hessian refuses there (the
    # mixed second derivative is infinite; d2/dx2 is computed wherever it is), so `exprgrad diff --order 2`
    # refuses where eval does. With y a constant (x**2) there is no mixed derivative: `given_constant`.
    (
        _pow_base_partial,
        "when(max(abs(x), abs(y)), y * x**(y - 1)) + unless(x, unless(step(-y) + step(y - 1), sqrt(x)))",
    ),
    (_pow_exponent_partial, "when(x, out * log(x))"),
    description="x to the power y (also written x**y and x^y)",
    parameters=_XY,
    unbounded=_pow_unbounded,
    given_constant=((0, 1, "y * x**(y - 1)"),),
    written=("y * x**(y - 1)", "out * log(x)"),
    domain="x > 0; x == 0 with y >= 0; x < 0 with whole y",
    conventions=(
        Convention(
            "x == 0",
            "d/dx = 0 when y is the constant 0; d/dy = 0 (the mixed second derivative is refused for y <= 1)",
            _at_zero,
            _sign_piece,
            kink=False,
        ),
    ),
)
NEG: Final = _op("neg", "-", PREFIX, _neg, lambda m, x: -x, (lambda m, x, o: -1.0, "-1"), description="-x (negation)")
IDENTITY: Final = _op(
    "identity",
    "=",
    LEAF,
    _identity,
    lambda m, x: x,
    (lambda m, x, o: 1.0, "1"),
    description="a name for another node's value",
)

# -- exponentials and logarithms -------------------------------------------------------------------------------
EXP: Final = _call("exp", _exp, (lambda m, x, o: o, "out"), description="e to the power x")
EXP2: Final = _call("exp2", _exp2, (lambda m, x, o: o * _LN2, "out * log(2)"), description="2 to the power x")
EXPM1: Final = _call(
    "expm1", _expm1, (lambda m, x, o: m.exp(x), "exp(x)"), description="exp(x) - 1, accurate for small x"
)
LOG: Final = _call(
    "log",
    _log,
    (lambda m, x, o: 1.0 / x, "1/x"),
    description="the natural logarithm",
    domain="x > 0",
    aliases=("ln",),
)
LOG2: Final = _call(
    "log2",
    _log2,
    (lambda m, x, o: 1.0 / (x * _LN2), "1 / (x * log(2))"),
    description="the base-2 logarithm",
    domain="x > 0",
)
LOG10: Final = _call(
    "log10",
    _log10,
    (lambda m, x, o: 1.0 / (x * _LN10), "1 / (x * log(10))"),
    description="the base-10 logarithm",
    domain="x > 0",
)
LOG1P: Final = _call(
    "log1p",
    _log1p,
    (lambda m, x, o: 1.0 / (1.0 + x), "1 / (1 + x)"),
    description="log(1 + x), accurate for small x",
    domain="x > -1",
)
SQRT: Final = _call(
    "sqrt",
    _sqrt,
    (lambda m, x, o: 0.5 / o, "1 / (2*out)"),
    description="the square root",
    domain="x >= 0 (no derivative at 0: a math error)",
    unbounded=_unbounded_at(0),
)
CBRT: Final = _call(
    "cbrt",
    _cbrt,
    (lambda m, x, o: 1.0 / (3.0 * (o * o)), "1 / (3 * out**2)"),
    description="the real cube root",
    domain="every x (no derivative at 0: a math error)",
    unbounded=_unbounded_at(0),
)
HYPOT: Final = _call(
    "hypot",
    _hypot,
    (lambda m, x, y, o: x / o, "x / out"),
    (lambda m, x, y, o: y / o, "y / out"),
    description="sqrt(x**2 + y**2) without overflow",
    parameters=_XY,
    domain="every x, y (no derivative at (0, 0): a math error)",
    unbounded=_unbounded_at(0, 1),
)

# -- trigonometric and hyperbolic --------------------------------------------------------------------------------
SIN: Final = _call("sin", math.sin, (lambda m, x, o: m.cos(x), "cos(x)"), description="the sine (radians)")
COS: Final = _call("cos", math.cos, (lambda m, x, o: -m.sin(x), "-sin(x)"), description="the cosine (radians)")
TAN: Final = _call("tan", math.tan, (lambda m, x, o: 1.0 + o * o, "1 + out**2"), description="the tangent (radians)")
ASIN: Final = _call(
    "asin",
    _asin,
    (lambda m, x, o: 1.0 / m.sqrt((1.0 - x) * (1.0 + x)), "1 / sqrt((1 - x) * (1 + x))"),
    description="the inverse sine, in [-pi/2, pi/2]",
    domain="-1 <= x <= 1 (no derivative at -1 and 1: a math error)",
    unbounded=_unbounded_at(0),
)
ACOS: Final = _call(
    "acos",
    _acos,
    (lambda m, x, o: -1.0 / m.sqrt((1.0 - x) * (1.0 + x)), "-1 / sqrt((1 - x) * (1 + x))"),
    description="the inverse cosine, in [0, pi]",
    domain="-1 <= x <= 1 (no derivative at -1 and 1: a math error)",
    unbounded=_unbounded_at(0),
)
ATAN: Final = _call(
    "atan",
    math.atan,
    (lambda m, x, o: (1.0 / m.hypot(1.0, x)) ** 2, "(1 / hypot(1, x))**2"),
    description="the inverse tangent, in (-pi/2, pi/2)",
)
ATAN2: Final = _call(
    "atan2",
    math.atan2,
    # hypot(x, y) is 0 only at the origin, where both are 0 (eval's convention).
    (_atan2_partial(first=True), "when(hypot(x, y), y / hypot(x, y) / hypot(x, y))"),
    (_atan2_partial(first=False), "when(hypot(x, y), -x / hypot(x, y) / hypot(x, y))"),
    description="the angle of the point (x, y) from the x axis, in [-pi, pi]",
    written=("y / hypot(x, y) / hypot(x, y)", "-x / hypot(x, y) / hypot(x, y)"),
    parameters=("y", "x"),
    domain="every y, x (atan2(0, 0) = 0)",
    conventions=(
        Convention(
            "x == 0 and y == 0",
            "d/dy = d/dx = 0 (atan2 jumps there)",
            lambda x, y: x == 0.0 and y == 0.0,
            # Crossing the negative x axis, atan2 jumps from pi to -pi: a finite difference across it is no estimate.
            lambda y, x: sign(y) if x < 0.0 else 0.0,
        ),
    ),
)
SINH: Final = _call("sinh", _sinh, (lambda m, x, o: m.cosh(x), "cosh(x)"), description="the hyperbolic sine")
COSH: Final = _call("cosh", _cosh, (lambda m, x, o: m.sinh(x), "sinh(x)"), description="the hyperbolic cosine")
TANH: Final = _call(
    "tanh", math.tanh, (lambda m, x, o: 1.0 - o * o, "1 - out**2"), description="the hyperbolic tangent"
)
ASINH: Final = _call(
    "asinh",
    math.asinh,
    (lambda m, x, o: 1.0 / m.hypot(1.0, x), "1 / hypot(1, x)"),
    description="the inverse hyperbolic sine",
)
ACOSH: Final = _call(
    "acosh",
    _acosh,
    (lambda m, x, o: 1.0 / (m.sqrt(x - 1.0) * m.sqrt(x + 1.0)), "1 / (sqrt(x - 1) * sqrt(x + 1))"),
    description="the inverse hyperbolic cosine, >= 0",
    domain="x >= 1 (no derivative at 1: a math error)",
    unbounded=_unbounded_at(0),
)
ATANH: Final = _call(
    "atanh",
    _atanh,
    (lambda m, x, o: 1.0 / ((1.0 - x) * (1.0 + x)), "1 / ((1 - x) * (1 + x))"),
    description="the inverse hyperbolic tangent",
    domain="-1 < x < 1",
)

# -- piecewise ------------------------------------------------------------------------------------------------
ABS: Final = _call(
    "abs",
    abs,
    (lambda m, x, o: m.sign(x), "sign(x)"),
    description="the absolute value",
    conventions=(_at_zero_kink("d/dx = 0"),),
)
SIGN: Final = _call(
    "sign",
    sign,
    (lambda m, x, o: 0.0, "0"),
    description="1, 0 or -1 by the sign of x",
    conventions=(_at_zero_kink("d/dx = 0 (a jump)"),),
)
STEP: Final = _call(
    "step",
    step,
    (lambda m, x, o: 0.0, "0"),
    description="the Heaviside step: 1 for x > 0, else 0 (step(0) = 0)",
    conventions=(_at_zero_kink("d/dx = 0 (a jump)"),),
)
FLOOR: Final = _call(
    "floor",
    _floor,
    (lambda m, x, o: 0.0, "0"),
    description="the largest whole number <= x",
    conventions=(Convention("x is whole", "d/dx = 0 (a jump)", _whole, _floor),),
)
CEIL: Final = _call(
    "ceil",
    _ceil,
    (lambda m, x, o: 0.0, "0"),
    description="the smallest whole number >= x",
    conventions=(Convention("x is whole", "d/dx = 0 (a jump)", _whole, _ceil),),
)
MIN: Final = _call(
    "min",
    _min,
    (lambda m, x, y, o: (1.0 - m.sign(x - y)) / 2.0, "(1 - sign(x - y)) / 2"),
    (lambda m, x, y, o: (1.0 + m.sign(x - y)) / 2.0, "(1 + sign(x - y)) / 2"),
    description="the smaller of x and y",
    parameters=_XY,
    conventions=(Convention("x == y", "d/dx = d/dy = 1/2 (the gradient is split)", _tie, _tie_piece),),
)
MAX: Final = _call(
    "max",
    _max,
    (lambda m, x, y, o: (1.0 + m.sign(x - y)) / 2.0, "(1 + sign(x - y)) / 2"),
    (lambda m, x, y, o: (1.0 - m.sign(x - y)) / 2.0, "(1 - sign(x - y)) / 2"),
    description="the larger of x and y",
    parameters=_XY,
    conventions=(Convention("x == y", "d/dx = d/dy = 1/2 (the gradient is split)", _tie, _tie_piece),),
)
CLAMP_MIN: Final = _call(
    "clamp_min",
    _clamp_min,
    (lambda m, x, y, o: 1.0 - m.step(y - x), "1 - step(y - x)"),
    (lambda m, x, y, o: m.step(y - x), "step(y - x)"),
    description="x, but at least lo: max(x, lo) with a tie going to x",
    parameters=("x", "lo"),
    conventions=(Convention("x == y", "d/dx = 1, d/dlo = 0", _tie, _tie_piece),),
)
CLAMP_MAX: Final = _call(
    "clamp_max",
    _clamp_max,
    (lambda m, x, y, o: 1.0 - m.step(x - y), "1 - step(x - y)"),
    (lambda m, x, y, o: m.step(x - y), "step(x - y)"),
    description="x, but at most hi: min(x, hi) with a tie going to x",
    parameters=("x", "hi"),
    conventions=(Convention("x == y", "d/dx = 1, d/dhi = 0", _tie, _tie_piece),),
)
# Three inputs do not fit a node's two slots: clamp is clamp_max(clamp_min(x, lo), hi), two nodes.
CLAMP: Final = Op(
    "clamp",
    "clamp",
    CALL,
    lambda x, low, high: _clamp_max(_clamp_min(x, low), high),
    lambda m, x, low, high: m.clamp_max(m.clamp_min(x, low), high),
    (),
    (),
    description="x limited to [lo, hi]: clamp_max(clamp_min(x, lo), hi), two nodes",
    parameters=("x", "lo", "hi"),
    domain="every x, lo, hi (hi wins when lo > hi)",
    conventions=(
        Convention(
            "x == lo or x == hi",
            "d/dx = 1, d/dlo = d/dhi = 0 (the bound's node is clamp_min or clamp_max)",
            lambda x, low, high: x in (low, high),
            lambda x, low, high: sign(x - low) + 3.0 * sign(x - high),
        ),
    ),
    steps=((CLAMP_MIN, (0, 1)), (CLAMP_MAX, (3, 2))),
)

# -- choice: where(c, a, b) is a where c is not 0, else b, and only the chosen one is computed --------------------
# A node has two inputs, so where is three nodes: when(c, a) + unless(c, b). Each of the two is lazy (its `gate`):
# where it is 0 its second input is not read, and a failure there (log of a negative number) is no error. Their
# slope in c is 0 (a jump where c crosses 0, as step's); in the chosen input it is 1, written with `where` over the
# namespace, which picks a plain number for floats and Values so that nothing is differentiated into the other one.
WHEN: Final = _call(
    "when",
    _when,
    (lambda m, x, y, o: 0.0, "0"),
    (lambda m, x, y, o: m.where(x, 1.0, 0.0), "when(x, 1)"),
    description="a where c is not 0, else 0 (a is computed only where c is not 0)",
    parameters=("c", "a"),
    domain="every c, a (a is needed only where c != 0)",
    conventions=(_at_zero_kink("d/dc = 0 (a jump)", jumps=(0,)),),
    gate=_is_nonzero,
)
UNLESS: Final = _call(
    "unless",
    _unless,
    (lambda m, x, y, o: 0.0, "0"),
    (lambda m, x, y, o: m.where(x, 0.0, 1.0), "unless(x, 1)"),
    description="b where c is 0, else 0 (b is computed only where c is 0)",
    parameters=("c", "b"),
    domain="every c, b (b is needed only where c == 0)",
    conventions=(_at_zero_kink("d/dc = 0 (a jump)", jumps=(0,)),),
    gate=_is_zero,
)
WHERE: Final = Op(
    "where",
    "where",
    CALL,
    _where,
    lambda m, c, a, b: m.where(c, a, b),
    (),
    (),
    description="a where c is not 0, else b; only the chosen one is computed: when(c, a) + unless(c, b), three nodes",
    parameters=("c", "a", "b"),
    # Its steps' partials, over the condition (x): the table shows these rather than "that of its steps".
    written=("0", "when(x, 1)", "unless(x, 1)"),
    domain="every c, a, b (a is needed only where c != 0, b only where c == 0)",
    conventions=(
        Convention(
            "c == 0",
            "d/dc = 0 (a jump), d/da = 0, d/db = 1 (the node is unless(c, b))",
            lambda c, a, b: c == 0.0,
            lambda c, a, b: sign(c),
            jumps=(0,),
        ),
    ),
    steps=((WHEN, (0, 1)), (UNLESS, (0, 2)), (ADD, (3, 4))),
)
# The ops whose second input is needed only at some values of the first.
GATES: Final = (WHEN, UNLESS)

# -- activations ----------------------------------------------------------------------------------------------
SIGMOID: Final = _call(
    "sigmoid",
    _sigmoid,
    (lambda m, x, o: o * (1.0 - o), "out * (1 - out)"),
    description="the logistic function 1 / (1 + exp(-x))",
)
RELU: Final = _call(
    "relu",
    _relu,
    (lambda m, x, o: m.step(x), "step(x)"),
    description="max(x, 0)",
    conventions=(_at_zero_kink("d/dx = 0"),),
)
LEAKY_RELU: Final = _call(
    "leaky_relu",
    _leaky_relu,
    (lambda m, x, y, o: m.step(x) + y * (1.0 - m.step(x)), "step(x) + y * (1 - step(x))"),
    (lambda m, x, y, o: m.clamp_max(x, 0.0), "clamp_max(x, 0)"),
    description="x for x > 0, else slope * x",
    parameters=("x", "slope"),
    conventions=(_at_zero_kink("d/dx = slope, d/dslope = 0", jumps=(0,)),),
)
ELU: Final = _call(
    "elu",
    _elu,
    # exp(-relu(-x)) is exp(x) for x <= 0 and 1 above; through relu'(0) = 0 its own slope at 0 is 0, as PyTorch's.
    (lambda m, x, o: m.exp(-m.relu(-x)), "exp(-relu(-x))"),
    description="x for x > 0, else exp(x) - 1 (alpha = 1)",
    conventions=(
        Convention("x == 0", "d/dx = 1 (smooth); d2/dx2 = 0, the x > 0 side", _at_zero, _sign_piece, kink=False),
    ),
)
SOFTPLUS: Final = _call(
    "softplus",
    _softplus,
    (lambda m, x, o: m.sigmoid(x), "sigmoid(x)"),
    description="log(1 + exp(x)), computed without overflow",
)
LOG_SIGMOID: Final = _call(
    "log_sigmoid",
    _log_sigmoid,
    (lambda m, x, o: m.sigmoid(-x), "sigmoid(-x)"),
    description="log(sigmoid(x)) = -softplus(-x), computed without overflow",
)
SILU: Final = _call(
    "silu",
    _silu,
    (lambda m, x, o: m.sigmoid(x) * (1.0 + x * m.sigmoid(-x)), "sigmoid(x) * (1 + x * sigmoid(-x))"),
    description="x * sigmoid(x) (also called swish)",
    aliases=("swish",),
)
GELU: Final = _call(
    "gelu",
    _gelu,
    (
        lambda m, x, o: m.erfc(-x / _SQRT2) / 2.0 + x * m.exp(-(x * x) / 2.0) / _SQRT_2PI,
        "erfc(-x / sqrt(2)) / 2 + x * exp(-x**2 / 2) / sqrt(2*pi)",
    ),
    description="x * Phi(x), Phi the standard normal CDF (the erf form)",
)
SOFTSIGN: Final = _call(
    "softsign",
    _softsign,
    (lambda m, x, o: (1.0 / (1.0 + m.abs(x))) ** 2, "(1 / (1 + abs(x)))**2"),
    description="x / (1 + abs(x))",
    conventions=(Convention("x == 0", "d2/dx2 = 0 (abs'(0) = 0)", _at_zero, _sign_piece, kink=False),),
)

# -- special --------------------------------------------------------------------------------------------------
ERF: Final = _call(
    "erf",
    math.erf,
    (lambda m, x, o: _TWO_OVER_SQRT_PI * m.exp(-(x * x)), "2 / sqrt(pi) * exp(-x**2)"),
    description="the error function",
)
ERFC: Final = _call(
    "erfc",
    math.erfc,
    (lambda m, x, o: -_TWO_OVER_SQRT_PI * m.exp(-(x * x)), "-2 / sqrt(pi) * exp(-x**2)"),
    description="1 - erf(x), accurate where erf(x) is near 1",
)

ALL_OPS: Final[tuple[Op, ...]] = (
    ADD,
    SUB,
    MUL,
    DIV,
    POW,
    NEG,
    IDENTITY,
    EXP,
    EXP2,
    EXPM1,
    LOG,
    LOG2,
    LOG10,
    LOG1P,
    SQRT,
    CBRT,
    HYPOT,
    SIN,
    COS,
    TAN,
    ASIN,
    ACOS,
    ATAN,
    ATAN2,
    SINH,
    COSH,
    TANH,
    ASINH,
    ACOSH,
    ATANH,
    ABS,
    SIGN,
    STEP,
    FLOOR,
    CEIL,
    MIN,
    MAX,
    CLAMP_MIN,
    CLAMP_MAX,
    CLAMP,
    WHEN,
    UNLESS,
    WHERE,
    SIGMOID,
    RELU,
    LEAKY_RELU,
    ELU,
    SOFTPLUS,
    LOG_SIGMOID,
    SILU,
    GELU,
    SOFTSIGN,
    ERF,
    ERFC,
)
# What a program may call by name: every op written as a call, under each of its names, and `pow`, the same op
# as `**`.
FUNCTIONS: Final[dict[str, Op]] = {name: op for op in ALL_OPS if op.notation == CALL for name in (op.name, *op.aliases)}
FUNCTIONS["pow"] = POW
# Ops that are nodes (a composition such as clamp is not one).
NODE_OPS: Final[tuple[Op, ...]] = tuple(op for op in ALL_OPS if not op.steps)
CONSTANTS: Final[dict[str, float]] = {"pi": math.pi}
CONSTANT_DESCRIPTIONS: Final[dict[str, str]] = {"pi": "the ratio of a circle's circumference to its diameter"}
