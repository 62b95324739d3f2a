"""exprgrad: the value and every derivative of a small program, for every node, at once.

>>> from exprgrad import Value
>>> a, b = Value(2.0, label="a"), Value(-0.5, label="b")
>>> out = (a * b).tanh()
>>> out.backward()
>>> round(out.data, 6), round(a.grad, 6)
(-0.761594, -0.209987)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .engine import Value
from .errors import BindingError, EvaluationError, ExprgradError, ParseError
from .parser import parse
from .program import Evaluation, Program

if TYPE_CHECKING:
    from .dot import draw

__all__ = [
    "BindingError",
    "Evaluation",
    "EvaluationError",
    "ExprgradError",
    "ParseError",
    "Program",
    "Value",
    "draw",
    "parse",
]
__version__ = "1.0.0"


def __getattr__(name: str) -> Any:
    # `draw` pulls in graphviz; load it only when someone asks for it.
    if name == "draw":
        from .dot import draw

        return draw
    raise AttributeError(f"module 'exprgrad' has no attribute {name!r}")
