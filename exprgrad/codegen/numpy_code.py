"""The `numpy` target: the Python target's function over NumPy arrays, element by element, with broadcasting.

A value outside an operation's domain gives NaN in that element (or an infinity at a pole and on overflow), as
NumPy does; the function computes under ``np.errstate(all="ignore")``, so no warning is printed. Every result
has the broadcast shape of the arguments.
"""

from __future__ import annotations

from typing import Final

from .document import Document
from .python_code import PythonWriter, python_module

SPELLING: Final[dict[str, str | None]] = {
    "add": None, "sub": None, "mul": None, "div": None, "pow": "np.power", "neg": None, "identity": None,
    "exp": "np.exp", "exp2": "np.exp2", "expm1": "np.expm1", "log": "np.log", "log2": "np.log2",
    "log10": "np.log10", "log1p": "np.log1p", "sqrt": "np.sqrt", "cbrt": "np.cbrt", "hypot": "np.hypot",
    "sin": "np.sin", "cos": "np.cos", "tan": "np.tan", "asin": "np.arcsin", "acos": "np.arccos",
    "atan": "np.arctan", "atan2": "np.arctan2", "sinh": "np.sinh", "cosh": "np.cosh", "tanh": "np.tanh",
    "asinh": "np.arcsinh", "acosh": "np.arccosh", "atanh": "np.arctanh", "abs": "np.abs", "sign": "_sign",
    "step": "_step", "floor": "np.floor", "ceil": "np.ceil", "min": "_min", "max": "_max",
    "clamp_min": "_clamp_min", "clamp_max": "_clamp_max", "clamp": "_clamp", "sigmoid": "_sigmoid",
    "relu": "_relu", "leaky_relu": "_leaky_relu", "elu": "_elu", "softplus": "_softplus",
    "log_sigmoid": "_log_sigmoid", "silu": "_silu", "gelu": "_gelu", "softsign": "_softsign", "erf": "_erf",
    "erfc": "_erfc",
    "when": "_when", "unless": "_unless", "where": "_where",
}  # fmt: skip

# Comparisons are written out (np.where), so ties and zeros take the same side as in exprgrad's forward functions.
# An input that is NaN (it failed: eval refuses) gives NaN, not a side of a comparison (NaN > 0.0 is false); in min
# and max a NaN second input already loses every comparison.
HELPERS: Final[dict[str, str]] = {
    "_sign": "def _sign(x):\n    return np.where(np.isnan(x), x, np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0)))",
    "_step": "def _step(x):\n    return np.where(np.isnan(x), x, np.where(x > 0.0, 1.0, 0.0))",
    "_min": "def _min(x, y):\n    return np.where(np.isnan(x), x, np.where(x <= y, x, y))",
    "_max": "def _max(x, y):\n    return np.where(np.isnan(x), x, np.where(x >= y, x, y))",
    "_clamp_min": "def _clamp_min(x, low):\n    return np.where(np.isnan(x), x, np.where(x >= low, x, low))",
    "_clamp_max": "def _clamp_max(x, high):\n    return np.where(np.isnan(x), x, np.where(x <= high, x, high))",
    "_clamp": "def _clamp(x, low, high):\n    return _clamp_max(_clamp_min(x, low), high)",
    "_sigmoid": """def _sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))""",
    "_relu": "def _relu(x):\n    return np.where(np.isnan(x), x, np.where(x > 0.0, x, 0.0))",
    "_leaky_relu": "def _leaky_relu(x, slope):\n"
    "    return np.where(np.isnan(slope), slope, np.where(x > 0.0, x, slope * x))",
    "_elu": "def _elu(x):\n    return np.where(x > 0.0, x, np.expm1(np.minimum(x, 0.0)))",
    "_softplus": "def _softplus(x):\n    return np.where(x > 0.0, x, 0.0) + np.log1p(np.exp(-np.abs(x)))",
    "_log_sigmoid": "def _log_sigmoid(x):\n    return np.where(x < 0.0, x, 0.0) - np.log1p(np.exp(-np.abs(x)))",
    "_silu": "def _silu(x):\n    return x * _sigmoid(x)",
    "_gelu": "def _gelu(x):\n    return x * _erfc(-x / math.sqrt(2.0)) / 2.0",
    "_softsign": "def _softsign(x):\n    return x / (1.0 + np.abs(x))",
    # A condition that is NaN (it failed: eval refuses) gives NaN, not a branch: `c != 0.0` alone would hold.
    "_when": "def _when(c, a):\n    return np.where(np.isnan(c), c, np.where(c != 0.0, a, 0.0))",
    "_unless": "def _unless(c, b):\n    return np.where(np.isnan(c), c, np.where(c == 0.0, b, 0.0))",
    "_where": "def _where(c, a, b):\n    return np.where(np.isnan(c), c, np.where(c != 0.0, a, b))",
    "_erf": "_erf = np.vectorize(math.erf, otypes=[float])",
    "_erfc": "_erfc = np.vectorize(math.erfc, otypes=[float])",
}
NEEDS: Final[dict[str, tuple[str, ...]]] = {
    "_silu": ("_sigmoid",), "_gelu": ("_erfc",), "_clamp": ("_clamp_min", "_clamp_max"),
}  # fmt: skip


class NumpyWriter(PythonWriter):
    """Writes a module with one function over arrays."""

    spelling = SPELLING
    helpers = HELPERS
    needs = NEEDS
    lazy_statements = False

    def document(self, document: Document) -> str:
        return python_module(self, document, arrays=True)
