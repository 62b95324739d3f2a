"""The math namespace the registry's forward and partial functions are written over, and its float version.

`MathNamespace` lists every primitive a partial or a forward function may ask of its namespace `m`: one member per
function of the language, and the predicates the partials use to take a special case. Each namespace declares
itself a `MathNamespace` where it is made (``FLOAT_MATH: MathNamespace = FloatMath()``), so `mypy --strict`
reports a namespace that lacks a member, and a registry test reports a function the protocol lacks.

Namespaces: `FloatMath` here (first-order gradients), `exprgrad.hessian.ValueMath` (each primitive a registry op
applied to Values, so a partial becomes a differentiable graph), `exprgrad.vectorized.ArrayMath` and
`FastArrayMath` (NumPy arrays, for `--points`).
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from . import ops


class MathNamespace(Protocol):
    """Every primitive the registry's forward and partial functions use."""

    # -- predicates: a partial takes a special case where the general formula fails --------------------------
    def number(self, x: Any) -> Any:
        """The plain number behind `x` (for messages and comparisons)."""

    def is_zero(self, x: Any) -> bool:
        """Whether `x` is exactly 0 (arrays answer False: rows that need the special case go to the floats)."""

    def is_constant_zero(self, x: Any) -> bool:
        """Whether `x` is 0 and stays 0 under every change of the variables."""

    def is_positive(self, x: Any) -> bool:
        """Whether `x` is greater than 0."""

    def is_variable(self, x: Any) -> bool:
        """Whether `x` changes with the variables in a way that later derivatives follow (Values only)."""

    # -- one member per function of the language -----------------------------------------------------------------
    def exp(self, x: Any) -> Any: ...
    def exp2(self, x: Any) -> Any: ...
    def expm1(self, x: Any) -> Any: ...
    def log(self, x: Any) -> Any: ...
    def log2(self, x: Any) -> Any: ...
    def log10(self, x: Any) -> Any: ...
    def log1p(self, x: Any) -> Any: ...
    def pow(self, x: Any, y: Any) -> Any: ...
    def sqrt(self, x: Any) -> Any: ...
    def cbrt(self, x: Any) -> Any: ...
    def hypot(self, x: Any, y: Any) -> Any: ...
    def sin(self, x: Any) -> Any: ...
    def cos(self, x: Any) -> Any: ...
    def tan(self, x: Any) -> Any: ...
    def asin(self, x: Any) -> Any: ...
    def acos(self, x: Any) -> Any: ...
    def atan(self, x: Any) -> Any: ...
    def atan2(self, y: Any, x: Any) -> Any: ...
    def sinh(self, x: Any) -> Any: ...
    def cosh(self, x: Any) -> Any: ...
    def tanh(self, x: Any) -> Any: ...
    def asinh(self, x: Any) -> Any: ...
    def acosh(self, x: Any) -> Any: ...
    def atanh(self, x: Any) -> Any: ...
    def abs(self, x: Any) -> Any: ...
    def sign(self, x: Any) -> Any: ...
    def step(self, x: Any) -> Any: ...
    def floor(self, x: Any) -> Any: ...
    def ceil(self, x: Any) -> Any: ...
    def min(self, x: Any, y: Any) -> Any: ...
    def max(self, x: Any, y: Any) -> Any: ...
    def clamp_min(self, x: Any, low: Any) -> Any: ...
    def clamp_max(self, x: Any, high: Any) -> Any: ...
    def when(self, condition: Any, chosen: Any) -> Any: ...
    def unless(self, condition: Any, chosen: Any) -> Any: ...
    def where(self, condition: Any, yes: Any, no: Any) -> Any:
        """`yes` where `condition` is not 0, else `no` (both already computed: only the choice is made here)."""

    def sigmoid(self, x: Any) -> Any: ...
    def relu(self, x: Any) -> Any: ...
    def leaky_relu(self, x: Any, slope: Any) -> Any: ...
    def elu(self, x: Any) -> Any: ...
    def softplus(self, x: Any) -> Any: ...
    def log_sigmoid(self, x: Any) -> Any: ...
    def silu(self, x: Any) -> Any: ...
    def gelu(self, x: Any) -> Any: ...
    def softsign(self, x: Any) -> Any: ...
    def erf(self, x: Any) -> Any: ...
    def erfc(self, x: Any) -> Any: ...


class FloatMath:
    """The math namespace over plain floats, for first-order gradients: each member is the op's own forward."""

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

    @staticmethod
    def is_variable(x: float) -> bool:
        # First derivatives are not differentiated again.
        return False

    exp = staticmethod(ops.EXP.forward)
    exp2 = staticmethod(ops.EXP2.forward)
    expm1 = staticmethod(ops.EXPM1.forward)
    log = staticmethod(ops.LOG.forward)
    log2 = staticmethod(ops.LOG2.forward)
    log10 = staticmethod(ops.LOG10.forward)
    log1p = staticmethod(ops.LOG1P.forward)
    pow = staticmethod(ops.POW.forward)
    sqrt = staticmethod(ops.SQRT.forward)
    cbrt = staticmethod(ops.CBRT.forward)
    hypot = staticmethod(ops.HYPOT.forward)
    sin = staticmethod(ops.SIN.forward)
    cos = staticmethod(ops.COS.forward)
    tan = staticmethod(ops.TAN.forward)
    asin = staticmethod(ops.ASIN.forward)
    acos = staticmethod(ops.ACOS.forward)
    atan = staticmethod(ops.ATAN.forward)
    atan2 = staticmethod(ops.ATAN2.forward)
    sinh = staticmethod(ops.SINH.forward)
    cosh = staticmethod(ops.COSH.forward)
    tanh = staticmethod(ops.TANH.forward)
    asinh = staticmethod(ops.ASINH.forward)
    acosh = staticmethod(ops.ACOSH.forward)
    atanh = staticmethod(ops.ATANH.forward)
    abs = staticmethod(ops.ABS.forward)
    sign = staticmethod(ops.SIGN.forward)
    step = staticmethod(ops.STEP.forward)
    floor = staticmethod(ops.FLOOR.forward)
    ceil = staticmethod(ops.CEIL.forward)
    min = staticmethod(ops.MIN.forward)
    max = staticmethod(ops.MAX.forward)
    clamp_min = staticmethod(ops.CLAMP_MIN.forward)
    clamp_max = staticmethod(ops.CLAMP_MAX.forward)
    when = staticmethod(ops.WHEN.forward)
    unless = staticmethod(ops.UNLESS.forward)
    where = staticmethod(ops.WHERE.forward)
    sigmoid = staticmethod(ops.SIGMOID.forward)
    relu = staticmethod(ops.RELU.forward)
    leaky_relu = staticmethod(ops.LEAKY_RELU.forward)
    elu = staticmethod(ops.ELU.forward)
    softplus = staticmethod(ops.SOFTPLUS.forward)
    log_sigmoid = staticmethod(ops.LOG_SIGMOID.forward)
    silu = staticmethod(ops.SILU.forward)
    gelu = staticmethod(ops.GELU.forward)
    softsign = staticmethod(ops.SOFTSIGN.forward)
    erf = staticmethod(ops.ERF.forward)
    erfc = staticmethod(ops.ERFC.forward)


FLOAT_MATH: Final[MathNamespace] = FloatMath()
