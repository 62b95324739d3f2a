"""Many points at once: the parsed graph evaluated over a block of rows as NumPy arrays.

Each node's data and gradient become an array with one entry per row; the forward and backward passes are the
same loops as in `engine`, over the same registry, with NumPy doing the arithmetic. The results are the scalar
engine's, bit for bit: + - * / and sqrt are correctly rounded in both, the transcendental functions (exp, log,
tanh, sin, cos, pow) are the C library's `math` functions mapped over the array rather than NumPy's own (which
may round the last bit differently), and gradients are summed in the same order.

Rows where any value or gradient is not finite are handed back to the caller, which recomputes them one at a time
with the scalar engine: that is where domain errors get their exact messages, and where the special cases of the
scalar rules apply (a zero gradient passes nothing back; 0**0 has slope 0).

NumPy is imported only by this module, which only `--points` uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import Value
from .program import Program

Array = np.ndarray[Any, Any]


def _safely(function: Callable[..., float]) -> Callable[..., float]:
    def value_or_nan(*arguments: float) -> float:
        try:
            return function(*arguments)
        except (ValueError, OverflowError, ZeroDivisionError):
            # Not finite: the row goes to the scalar engine, which names the error.
            return math.nan

    return value_or_nan


def _elementwise(function: Callable[..., float]) -> Callable[..., Any]:
    """`function` from `math` applied to every entry (or to a plain number), exactly as the scalar engine does."""
    careful = _safely(function)

    def apply(*arguments: Any) -> Any:
        shape = np.broadcast(*arguments).shape
        if not shape:
            # Plain numbers, or 0-d arrays: a constant part of the program.
            return np.float64(careful(*(float(argument) for argument in arguments)))
        # A memoryview (`.data`) hands out each entry as a Python float, and fromiter fills the result straight from the
        # map: no list in between either way. 54 ns an entry for exp instead of 115 with tolist() and np.array()
        # (measured on 65,536 entries), most of what is left being the C library's exp itself.
        columns = [
            np.ascontiguousarray(np.broadcast_to(argument, shape), dtype=np.float64).data for argument in arguments
        ]
        count = len(columns[0])
        try:
            return np.fromiter(map(function, *columns), dtype=np.float64, count=count)
        except (ValueError, OverflowError, ZeroDivisionError):
            return np.fromiter(map(careful, *columns), dtype=np.float64, count=count)

    return apply


class ArrayMath:
    """The math namespace over NumPy arrays, for the registry's forward and partial functions.

    The pow partials ask `is_zero` and `is_positive` to pick a special case; arrays answer with the general
    formula for every row, and rows where it is not finite go to the scalar engine, which takes the special case.
    """

    @staticmethod
    def number(x: Any) -> Any:
        return x

    @staticmethod
    def is_zero(x: Any) -> bool:
        return False

    @staticmethod
    def is_constant_zero(x: Any) -> bool:
        return False

    @staticmethod
    def is_positive(x: Any) -> bool:
        return True

    exp = staticmethod(_elementwise(math.exp))
    log = staticmethod(_elementwise(math.log))
    sin = staticmethod(_elementwise(math.sin))
    cos = staticmethod(_elementwise(math.cos))
    tanh = staticmethod(_elementwise(math.tanh))
    pow = staticmethod(_elementwise(math.pow))
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)

    @staticmethod
    def sign(x: Any) -> Any:
        # Not np.sign, which keeps the sign of -0.0; the scalar rule gives 0.0 there.
        return np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0))

    @staticmethod
    def step(x: Any) -> Any:
        return np.where(x > 0.0, 1.0, 0.0)

    @staticmethod
    def relu(x: Any) -> Any:
        return np.where(x > 0.0, x, 0.0)

    @classmethod
    def sigmoid(cls, x: Any) -> Any:
        # The scalar formula in both branches, chosen per row: exp never sees a large positive argument.
        z = cls.exp(-np.abs(x))
        return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


ARRAY_MATH = ArrayMath()


class FastArrayMath(ArrayMath):
    """`ArrayMath` with NumPy's own exp, log, sin, cos, tanh and power (``eval --points --fast-math``).

    These run over the whole array in C instead of calling the C library once per entry, which cuts the compute
    of a program with a few of them to about a third. NumPy's implementations may round the last bit differently,
    so values and gradients may differ from the scalar engine's in the last bits (and more where the program itself
    amplifies rounding); rows that are not finite still go to the scalar engine.
    """

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tanh = staticmethod(np.tanh)
    pow = staticmethod(np.power)


FAST_ARRAY_MATH = FastArrayMath()


class BlockEvaluator:
    """Evaluates one program over blocks of rows: columns come from the block, other variables are fixed."""

    def __init__(self, program: Program, columns: Sequence[str], *, fast_math: bool = False) -> None:
        self.program = program
        self.math = FAST_ARRAY_MATH if fast_math else ARRAY_MATH
        nodes = program.nodes
        self.inputs = program.input_ids()
        column_of = {name: index for index, name in enumerate(columns)}
        # For a variable read from the block: its column; for every other leaf: its fixed value (set by bind).
        self.leaf_column = [
            column_of.get(node.label) if node.op is None and node.needs_grad else None for node in nodes
        ]
        self.output = program.output_index()
        position = {id(node): index for index, node in enumerate(nodes)}
        self.gradient_positions = [position[id(node)] for node in program.variables.values()]

    def forward(self, block: Array) -> tuple[list[Any], Array]:
        """Every node's values over a block (an array, or a NumPy scalar where it is constant), and the rows where
        one of them is not finite (for the scalar engine)."""
        nodes: list[Value] = self.program.nodes
        suspect = np.zeros(block.shape[0], dtype=bool)
        data: list[Any] = [None] * len(nodes)
        math_ = self.math
        with np.errstate(all="ignore"):
            for index, node in enumerate(nodes):
                op = node.op
                if op is None:
                    column = self.leaf_column[index]
                    # NumPy scalars, not floats, for the other leaves: dividing by a zero constant must give inf
                    # (a row for the scalar engine), not raise ZeroDivisionError.
                    data[index] = block[:, column] if column is not None else np.float64(node.data)
                    continue
                result = op.array_forward(math_, *[data[i] for i in self.inputs[index]])
                data[index] = result
                suspect |= ~np.isfinite(result)
        return data, suspect

    def evaluate(self, block: Array) -> tuple[Array, list[Array], Array]:
        """(values, one column of gradients per variable, rows that must be redone by the scalar engine) for a block.

        The gradients stay columns: the caller joins them to its own columns in one copy (a table of them here
        made a second copy, about a tenth of the compute).
        """
        rows = block.shape[0]
        nodes: list[Value] = self.program.nodes
        data, suspect = self.forward(block)
        math_ = self.math
        with np.errstate(all="ignore"):
            grads: list[Any] = [0.0] * len(nodes)
            grads[self.output] = np.ones(rows)
            for index in range(self.output, -1, -1):
                node = nodes[index]
                grad = grads[index]
                op = node.op
                if not node.needs_grad or isinstance(grad, float):
                    continue
                suspect |= ~np.isfinite(grad)
                if op is None:
                    continue
                values = [data[i] for i in self.inputs[index]]
                for child, position, partial in zip(node.inputs, self.inputs[index], op.partials, strict=True):
                    if child.needs_grad:
                        grads[position] = grads[position] + grad * partial(math_, *values, data[index])
        value = np.broadcast_to(data[self.output], (rows,))
        gradients = [np.broadcast_to(np.asarray(grads[i], dtype=np.float64), (rows,)) for i in self.gradient_positions]
        return value, gradients, suspect
