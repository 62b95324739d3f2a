"""The `python` target: one function over floats, standard library only.

``NAME(*, x, y=...)`` takes the variables as keyword arguments (a program's own value as the default) and returns
``(value, {variable: derivative})``, plus ``{row: {column: second derivative}}`` with ``--order 2``. A value outside
an operation's domain raises `ValueError` naming the operation, as `exprgrad eval` reports a math error there.
"""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from typing import Final

from .. import ops
from ..ops import Op
from .document import Document, ascii_spelling, helper_closure
from .exprgrad_code import write_operation
from .layout import ATOM, Written, call, choice, flatten, signed_number

# How each op is written: the function called (a `math` function, or a helper below), None for an operator.
SPELLING: Final[dict[str, str | None]] = {
    "add": None, "sub": None, "mul": None, "div": None, "pow": "_pow", "neg": None, "identity": None,
    "exp": "_exp", "exp2": "_exp2", "expm1": "_expm1", "log": "_log", "log2": "_log2", "log10": "_log10",
    "log1p": "_log1p", "sqrt": "_sqrt", "cbrt": "_cbrt", "hypot": "math.hypot",
    "sin": "math.sin", "cos": "math.cos", "tan": "math.tan", "asin": "_asin", "acos": "_acos", "atan": "math.atan",
    "atan2": "math.atan2", "sinh": "_sinh", "cosh": "_cosh", "tanh": "math.tanh", "asinh": "math.asinh",
    "acosh": "_acosh", "atanh": "_atanh", "abs": "abs", "sign": "_sign", "step": "_step", "floor": "_floor",
    "ceil": "_ceil", "min": "_min", "max": "_max", "clamp_min": "_clamp_min", "clamp_max": "_clamp_max",
    "clamp": "_clamp", "sigmoid": "_sigmoid", "relu": "_relu", "leaky_relu": "_leaky_relu", "elu": "_elu",
    "softplus": "_softplus", "log_sigmoid": "_log_sigmoid", "silu": "_silu", "gelu": "_gelu",
    "softsign": "_softsign", "erf": "math.erf", "erfc": "math.erfc",
    "when": None, "unless": None, "where": None,
}  # fmt: skip

# Helpers, written from the registry's forward functions; each is emitted once, only when the code calls it.
HELPERS: Final[dict[str, str]] = {
    "_pow": """def _pow(x, y):
    if x == 0.0 and y < 0.0:
        raise ValueError(f"pow: 0 cannot be raised to a negative power ({y!r})")
    if x < 0.0 and not float(y).is_integer():
        raise ValueError(f"pow: a negative base ({x!r}) cannot be raised to a fractional power ({y!r})")
    try:
        return math.pow(x, y)
    except OverflowError:
        raise ValueError("pow overflows") from None""",
    "_overflowing": """def _overflowing(name, function, x):
    try:
        return function(x)
    except OverflowError:
        raise ValueError(f"{name}({x!r}) overflows") from None""",
    "_exp": 'def _exp(x):\n    return _overflowing("exp", math.exp, x)',
    "_exp2": 'def _exp2(x):\n    return _overflowing("exp2", lambda v: math.pow(2.0, v), x)',
    "_expm1": 'def _expm1(x):\n    return _overflowing("expm1", math.expm1, x)',
    "_sinh": 'def _sinh(x):\n    return _overflowing("sinh", math.sinh, x)',
    "_cosh": 'def _cosh(x):\n    return _overflowing("cosh", math.cosh, x)',
    "_log": """def _log(x):
    if x <= 0.0:
        raise ValueError(f"log needs a positive argument, got {x!r}")
    return math.log(x)""",
    "_log2": """def _log2(x):
    if x <= 0.0:
        raise ValueError(f"log2 needs a positive argument, got {x!r}")
    return math.log2(x)""",
    "_log10": """def _log10(x):
    if x <= 0.0:
        raise ValueError(f"log10 needs a positive argument, got {x!r}")
    return math.log10(x)""",
    "_log1p": """def _log1p(x):
    if x <= -1.0:
        raise ValueError(f"log1p needs an argument greater than -1, got {x!r}")
    return math.log1p(x)""",
    "_sqrt": """def _sqrt(x):
    if x < 0.0:
        raise ValueError(f"sqrt needs a non-negative argument, got {x!r}")
    return math.sqrt(x)""",
    "_cbrt": """def _cbrt(x):
    if hasattr(math, "cbrt"):
        return math.cbrt(x)
    if x == 0.0:
        return x
    root = math.copysign(math.pow(abs(x), 1.0 / 3.0), x)
    return root - (root * root * root - x) / (3.0 * root * root)""",
    "_asin": """def _asin(x):
    if not -1.0 <= x <= 1.0:
        raise ValueError(f"asin needs an argument in [-1, 1], got {x!r}")
    return math.asin(x)""",
    "_acos": """def _acos(x):
    if not -1.0 <= x <= 1.0:
        raise ValueError(f"acos needs an argument in [-1, 1], got {x!r}")
    return math.acos(x)""",
    "_acosh": """def _acosh(x):
    if x < 1.0:
        raise ValueError(f"acosh needs an argument of at least 1, got {x!r}")
    return math.acosh(x)""",
    "_atanh": """def _atanh(x):
    if not -1.0 < x < 1.0:
        raise ValueError(f"atanh needs an argument in (-1, 1), got {x!r}")
    return math.atanh(x)""",
    "_sign": "def _sign(x):\n    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)",
    "_step": "def _step(x):\n    return 1.0 if x > 0.0 else 0.0",
    "_floor": "def _floor(x):\n    return float(math.floor(x))",
    "_ceil": "def _ceil(x):\n    return float(math.ceil(x))",
    "_min": "def _min(x, y):\n    return x if x <= y else y",
    "_max": "def _max(x, y):\n    return x if x >= y else y",
    "_clamp_min": "def _clamp_min(x, low):\n    return x if x >= low else low",
    "_clamp_max": "def _clamp_max(x, high):\n    return x if x <= high else high",
    "_clamp": "def _clamp(x, low, high):\n    return _clamp_max(_clamp_min(x, low), high)",
    "_sigmoid": """def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)""",
    "_relu": "def _relu(x):\n    return x if x > 0.0 else 0.0",
    "_leaky_relu": "def _leaky_relu(x, slope):\n    return x if x > 0.0 else slope * x",
    "_elu": "def _elu(x):\n    return x if x > 0.0 else math.expm1(x)",
    "_softplus": "def _softplus(x):\n    return (x if x > 0.0 else 0.0) + math.log1p(math.exp(-abs(x)))",
    "_log_sigmoid": "def _log_sigmoid(x):\n    return (x if x < 0.0 else 0.0) - math.log1p(math.exp(-abs(x)))",
    "_silu": "def _silu(x):\n    return x * _sigmoid(x)",
    "_gelu": "def _gelu(x):\n    return x * math.erfc(-x / math.sqrt(2.0)) / 2.0",
    "_softsign": "def _softsign(x):\n    return x / (1.0 + abs(x))",
}
# Helpers that call other helpers.
NEEDS: Final[dict[str, tuple[str, ...]]] = {
    "_exp": ("_overflowing",), "_exp2": ("_overflowing",), "_expm1": ("_overflowing",),
    "_sinh": ("_overflowing",), "_cosh": ("_overflowing",), "_silu": ("_sigmoid",),
    "_clamp": ("_clamp_min", "_clamp_max"),
}  # fmt: skip

# Python's keywords, and the names the generated module itself uses (a parameter of that name would hide them).
RESERVED: Final = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {
    "math", "np", "numpy", "shape", "abs", "float", "ValueError", "ZeroDivisionError",
}  # fmt: skip


class PythonWriter:
    """Writes a module with one function; the helpers it calls come first."""

    reserved: frozenset[str] = RESERVED
    repeat_calls = False
    keeps_statements = False
    lazy_statements = True
    spelling: dict[str, str | None] = SPELLING
    helpers: dict[str, str] = HELPERS
    needs: dict[str, tuple[str, ...]] = NEEDS

    def __init__(self) -> None:
        self.used: set[str] = set()

    def is_identifier(self, name: str) -> bool:
        return name.isidentifier() and not name.startswith("_")

    def spell(self, name: str) -> str:
        return "v_" + ascii_spelling(name) if not name.isidentifier() else name.lstrip("_") or "v"

    def name(self, name: str) -> Written:
        return (name,), ATOM

    def number(self, value: float) -> Written:
        return signed_number(value, lambda magnitude: ((repr(magnitude),), ATOM))

    def operation(self, op: Op, operands: Sequence[Written]) -> Written:
        spelled = self.spelling[op.name]
        if spelled is None and (op.gate is not None or op is ops.WHERE):
            # `a if c != 0.0 else b`: only the branch chosen is computed (a failure raises, so c is never NaN).
            return choice(op, operands)
        if op is ops.POW and _whole_number(operands[1]):
            # A whole constant exponent: `**` is C's pow, as math.pow is, and cannot fail but by overflow.
            spelled = None
        if spelled is None:
            return write_operation(op, operands)
        if spelled in self.helpers:
            self.used.add(spelled)
        return call(spelled, operands)

    def document(self, document: Document) -> str:
        return python_module(self, document, arrays=False)


def _whole_number(operand: Written) -> bool:
    rope, _ = operand
    if len(rope) != 1 or not isinstance(rope[0], str):
        return False
    try:
        return float(rope[0]).is_integer()
    except ValueError:
        return False


def python_module(writer: PythonWriter, document: Document, *, arrays: bool) -> str:
    """The module text shared by the Python (floats) and NumPy (`arrays`) targets."""
    helpers = [writer.helpers[name] for name in helper_closure(writer.used, writer.needs)]
    if document.lazy:
        helpers.insert(0, _LAZY)
    parameters = []
    for name, spelled in document.variables.items():
        default = document.defaults.get(name)
        parameters.append(spelled if default is None else f"{spelled}={default!r}")
    listed = f"*, {', '.join(parameters)}" if parameters else ""
    source = document.source.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')

    def result(spelled: str) -> str:
        # NumPy: every result an array of the arguments' broadcast shape, constants included.
        return f"np.broadcast_to({spelled}, shape) + 0.0" if arrays else spelled

    gradient = "{" + ", ".join(f"{name!r}: {result(spelled)}" for name, spelled in document.derivatives.items()) + "}"
    returned = f"{result(document.output)}, {gradient}"
    if document.order == 2:
        rows = ", ".join(
            f"{row!r}: {{" + ", ".join(f"{column!r}: {result(spelled)}" for column, spelled in columns.items()) + "}"
            for row, columns in document.hessian.items()
        )
        returned += ", {" + rows + "}"
    kind = "NumPy arrays (element-wise, with broadcasting)" if arrays else "floats"
    domain = (
        "A value outside an operation's domain gives NaN (an infinity at a pole or on overflow) in that element."
        if arrays
        else "A value outside an operation's domain raises ValueError naming the operation."
    )
    lines = [
        f'"""Generated by exprgrad diff: the value of a program and its derivatives, over {kind}.',
        "",
        "Program:",
        "",
        *(f"    {line}" for line in source.splitlines()),
        "",
        f"{document.function_name}(...) returns (value, {{variable: derivative}}"
        + (", {row: {column: second derivative}})." if document.order == 2 else ")."),
        domain,
        *_renamed_arguments(document),
        '"""',
        "",
        "import math",
    ]
    if arrays:
        lines += ["", "import numpy as np"]
    lines.append("")
    for helper in helpers:
        lines += ["", helper, ""]
    lines += ["", f"def {document.function_name}({listed}):"]
    if arrays:
        lines.append('    with np.errstate(all="ignore"):')
        lines += [f"        {name} = np.asarray({name}, dtype=float)" for name in document.variables.values()]
        shapes = ", ".join(f"np.shape({name})" for name in document.variables.values())
        lines.append(f"        shape = np.broadcast_shapes({shapes})")
    else:
        lines.append("    try:")
    for name, (rope, _) in document.statements:
        # A statement needed only behind a `where` branch is computed when first read: it may fail elsewhere.
        text = f"_Lazy(lambda: {flatten(rope)})" if name in document.lazy else flatten(rope)
        lines.append(f"        {name} = {text}")
    if not arrays:
        lines.append("    except ZeroDivisionError:")
        lines.append('        raise ValueError("division by zero") from None')
        # Only `**` with a whole exponent raises it here: every math function that can overflow is a helper.
        lines.append("    except OverflowError:")
        lines.append('        raise ValueError("power overflows (the result does not fit in a float)") from None')
    lines.append(f"    return {returned}")
    return "\n".join(lines) + "\n"


# A statement needed only behind a `where` branch: computed when first read, so it fails only where it is chosen.
_LAZY: Final = """class _Lazy:
    def __init__(self, compute):
        self.compute = compute

    def __call__(self):
        if self.compute is not None:
            self.value = self.compute()
            self.compute = None
        return self.value"""


def _renamed_arguments(document: Document) -> list[str]:
    """A docstring line for the arguments renamed because Python or the module uses their names (`lambda_1`)."""
    renamed = [f"{name} as {spelled}" for name, spelled in document.variables.items() if name != spelled]
    return [f"Arguments renamed (Python or this module uses the name): {', '.join(renamed)}."] if renamed else []
