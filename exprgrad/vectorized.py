"""Many points at once: the parsed graph evaluated over a block of rows as NumPy arrays.

Each node's data and gradient become an array with one entry per row; the forward and backward passes are the
same loops as in `engine`, over the same registry, with NumPy doing the arithmetic. The results are the scalar
engine's, bit for bit: + - * / and sqrt are correctly rounded in both, the transcendental functions (exp, log,
tanh, sin, cos, pow) are the C library's `math` functions mapped over the array rather than NumPy's own (which
may round the last bit differently), and gradients are summed in the same order.

Rows where any value or gradient is not finite are handed back to the caller, which recomputes them one at a time
with the scalar engine: that is where domain errors get their exact messages, and where the special cases of the
scalar rules apply (a zero gradient passes nothing back; 0**0 has slope 0).

`check` of a program with many variables evaluates its finite-difference points here too (`forward_near`: rows
that are one point with one variable moved, each node computed only on the rows that move it).

NumPy is imported only by this module, which only `--points` and `check` use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import ops
from .engine import Value
from .mathspace import MathNamespace
from .program import Program
from .sweep import PartialFailed, reverse_sweep

Array = np.ndarray[Any, Any]


def _safely(function: Callable[..., float]) -> Callable[..., float]:
    def value_or_nan(*arguments: float) -> float:
        try:
            return function(*arguments)
        except (ValueError, ArithmeticError):
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
        # A memoryview (`.data`) hands out each entry as a Python float, and fromiter fills the result straight from
        # the map: no list in between either way.
        columns = [
            np.ascontiguousarray(np.broadcast_to(argument, shape), dtype=np.float64).data for argument in arguments
        ]
        count = len(columns[0])
        try:
            return np.fromiter(map(function, *columns), dtype=np.float64, count=count)
        except (ValueError, ArithmeticError):
            return np.fromiter(map(careful, *columns), dtype=np.float64, count=count)

    return apply


def _where(condition: Any, yes: Any, no: Any) -> Any:
    return np.where(condition, yes, no)


class ArrayMath:
    """The math namespace over NumPy arrays, for the registry's forward and partial functions.

    Every function the C library has is its `math` function mapped over the entries, so the results are the scalar
    engine's bit for bit; the rest are written as the scalar forward is, with each branch chosen per row. The pow
    partials ask `is_zero` and `is_positive` to pick a special case; arrays answer with the general formula for
    every row, and rows where it is not finite go to the scalar engine, which takes the special case.
    """

    @staticmethod
    def number(x: Any) -> Any:
        return x

    @staticmethod
    def is_zero(x: Any) -> bool:
        return False

    @staticmethod
    def is_constant_zero(x: Any) -> bool:
        # A plain number (a constant of the program, or a gradient never reached) that is 0; never an array.
        return isinstance(x, float) and x == 0.0

    @staticmethod
    def is_positive(x: Any) -> bool:
        return True

    @staticmethod
    def is_variable(x: Any) -> bool:
        return False

    exp = staticmethod(_elementwise(math.exp))
    exp2 = staticmethod(_elementwise(ops.EXP2.forward))
    expm1 = staticmethod(_elementwise(math.expm1))
    log = staticmethod(_elementwise(math.log))
    log2 = staticmethod(_elementwise(math.log2))
    log10 = staticmethod(_elementwise(math.log10))
    log1p = staticmethod(_elementwise(math.log1p))
    pow = staticmethod(_elementwise(math.pow))
    sqrt = staticmethod(np.sqrt)
    cbrt = staticmethod(_elementwise(ops.CBRT.forward))
    hypot = staticmethod(_elementwise(math.hypot))
    sin = staticmethod(_elementwise(math.sin))
    cos = staticmethod(_elementwise(math.cos))
    tan = staticmethod(_elementwise(math.tan))
    asin = staticmethod(_elementwise(math.asin))
    acos = staticmethod(_elementwise(math.acos))
    atan = staticmethod(_elementwise(math.atan))
    atan2 = staticmethod(_elementwise(math.atan2))
    sinh = staticmethod(_elementwise(math.sinh))
    cosh = staticmethod(_elementwise(math.cosh))
    tanh = staticmethod(_elementwise(math.tanh))
    asinh = staticmethod(_elementwise(math.asinh))
    acosh = staticmethod(_elementwise(math.acosh))
    atanh = staticmethod(_elementwise(math.atanh))
    erf = staticmethod(_elementwise(math.erf))
    erfc = staticmethod(_elementwise(math.erfc))
    abs = staticmethod(np.abs)

    @staticmethod
    def floor(x: Any) -> Any:
        # + 0.0 turns NumPy's -0.0 (floor(-0.0), ceil(-0.5)) into the 0.0 that float(math.ceil(x)) gives.
        return np.floor(x) + 0.0

    @staticmethod
    def ceil(x: Any) -> Any:
        return np.ceil(x) + 0.0

    @staticmethod
    def sign(x: Any) -> Any:
        # Not np.sign, which keeps the sign of -0.0; the scalar rule gives 0.0 there.
        return _where(x > 0.0, 1.0, _where(x < 0.0, -1.0, 0.0))

    @staticmethod
    def step(x: Any) -> Any:
        return _where(x > 0.0, 1.0, 0.0)

    @staticmethod
    def min(x: Any, y: Any) -> Any:
        return _where(x <= y, x, y)

    @staticmethod
    def max(x: Any, y: Any) -> Any:
        return _where(x >= y, x, y)

    @staticmethod
    def clamp_min(x: Any, low: Any) -> Any:
        return _where(x >= low, x, low)

    @staticmethod
    def clamp_max(x: Any, high: Any) -> Any:
        return _where(x <= high, x, high)

    @staticmethod
    def where(condition: Any, yes: Any, no: Any) -> Any:
        # Both were computed over every row; a row whose chosen one is not finite goes to the scalar engine.
        return _where(condition != 0.0, yes, no)

    @staticmethod
    def when(condition: Any, chosen: Any) -> Any:
        return _where(condition != 0.0, chosen, 0.0)

    @staticmethod
    def unless(condition: Any, chosen: Any) -> Any:
        return _where(condition == 0.0, chosen, 0.0)

    @staticmethod
    def relu(x: Any) -> Any:
        return _where(x > 0.0, x, 0.0)

    @staticmethod
    def leaky_relu(x: Any, slope: Any) -> Any:
        return _where(x > 0.0, x, slope * x)

    def sigmoid(self, x: Any) -> Any:
        # The scalar formula in both branches, chosen per row: exp never sees a large positive argument.
        z = self.exp(-np.abs(x))
        return _where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))

    def elu(self, x: Any) -> Any:
        return _where(x > 0.0, x, self.expm1(self.clamp_max(x, 0.0)))

    def softplus(self, x: Any) -> Any:
        return _where(x > 0.0, x, 0.0) + self.log1p(self.exp(-np.abs(x)))

    def log_sigmoid(self, x: Any) -> Any:
        return _where(x < 0.0, x, 0.0) - self.log1p(self.exp(-np.abs(x)))

    def silu(self, x: Any) -> Any:
        return x * self.sigmoid(x)

    def gelu(self, x: Any) -> Any:
        return x * self.erfc(-x / _SQRT2) / 2.0

    @staticmethod
    def softsign(x: Any) -> Any:
        return x / (1.0 + np.abs(x))


_SQRT2 = math.sqrt(2.0)
ARRAY_MATH: MathNamespace = ArrayMath()


class FastArrayMath(ArrayMath):
    """`ArrayMath` with NumPy's own transcendental functions (``eval --points --fast-math``).

    These run over the whole array in C instead of calling the C library once per entry, which cuts the compute
    of a program with a few of them to about a third. NumPy's implementations may round the last bit differently,
    so values and gradients may differ from the scalar engine's in the last bits (and more where the program itself
    amplifies rounding); rows that are not finite still go to the scalar engine. erf and erfc, which NumPy lacks,
    stay the C library's.
    """

    exp = staticmethod(np.exp)
    exp2 = staticmethod(np.exp2)
    expm1 = staticmethod(np.expm1)
    log = staticmethod(np.log)
    log2 = staticmethod(np.log2)
    log10 = staticmethod(np.log10)
    log1p = staticmethod(np.log1p)
    pow = staticmethod(np.power)
    cbrt = staticmethod(np.cbrt)
    hypot = staticmethod(np.hypot)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tan = staticmethod(np.tan)
    asin = staticmethod(np.arcsin)
    acos = staticmethod(np.arccos)
    atan = staticmethod(np.arctan)
    atan2 = staticmethod(np.arctan2)
    sinh = staticmethod(np.sinh)
    cosh = staticmethod(np.cosh)
    tanh = staticmethod(np.tanh)
    asinh = staticmethod(np.arcsinh)
    acosh = staticmethod(np.arccosh)
    atanh = staticmethod(np.arctanh)


FAST_ARRAY_MATH: MathNamespace = FastArrayMath()


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
        self._plan: tuple[tuple[int, ...], list[list[int]], int] | None = None

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
                result = op.over(math_, *[data[i] for i in self.inputs[index]])
                data[index] = result
                suspect |= ~np.isfinite(result)
        return data, suspect

    def forward_near(
        self, rows: int, base: Sequence[float], moved: Mapping[int, tuple[Array, Array]], kept: Sequence[int]
    ) -> tuple[list[Any], Array]:
        """`forward` over `rows` rows that are one point with a few columns moved, computing each node only on the
        rows where it can differ from the point; the values of the `kept` nodes, and the rows that are not finite.

        `base` holds every node's value at the point (the scalar engine's, which the array evaluator reproduces bit
        for bit). `moved` maps a column to the rows where it differs from the point and its values on every row;
        the other columns are the point's. A node can differ only where one of its inputs does: it is computed on
        those rows alone and takes its `base` value on the others, or stays a NumPy scalar when nothing moved it.
        The values are `forward`'s to the last bit, and so are the rows that are not finite (a node not finite at the
        point, one only a `where` branch not chosen there needs, is so on every row not computed). A node's values
        are dropped after their last use, so a block holds at most `held_at_once(kept)` of them.
        """
        nodes: list[Value] = self.program.nodes
        released, _ = self._release_plan(tuple(kept))
        suspect = np.zeros(rows, dtype=bool)
        data: list[Any] = [None] * len(nodes)
        # For each node that moved: the rows where it may differ from the point, as a mask (`everywhere` for all
        # rows) and as their positions (None for all rows).
        everywhere = np.ones(rows, dtype=bool)
        changed: list[Array | None] = [None] * len(nodes)
        taken: list[Array | None] = [None] * len(nodes)
        math_ = self.math
        with np.errstate(all="ignore"):
            for index, node in enumerate(nodes):
                op = node.op
                if op is None:
                    column = self.leaf_column[index]
                    entry = moved.get(column) if column is not None else None
                    if entry is None:
                        data[index] = np.float64(base[index])
                    else:
                        changed[index], data[index] = entry
                        taken[index] = np.flatnonzero(entry[0])
                else:
                    inputs = self.inputs[index]
                    where: Array | None = None
                    source = -1  # the input whose rows are this node's, when they are one input's
                    for i in inputs:
                        other = changed[i]
                        if other is None or other is where or where is everywhere:
                            continue
                        if where is None or other is everywhere:
                            where, source = other, i
                        else:
                            where, source = where | other, -1
                    if where is None:
                        data[index] = np.float64(base[index])
                        # Not finite at the point (a node of a `where` branch not chosen there): so on every row.
                        if not math.isfinite(base[index]):
                            suspect[:] = True
                    else:
                        positions = taken[source] if source >= 0 else np.flatnonzero(where)
                        if positions is None or len(positions) == rows:
                            # Unmoved inputs are the point's scalars, which broadcast like the columns they stand for.
                            result = op.over(math_, *[data[i] for i in inputs])
                            suspect |= ~np.isfinite(result)
                            where, positions = everywhere, None
                        else:
                            part = op.over(
                                math_, *[data[i] if changed[i] is None else data[i][positions] for i in inputs]
                            )
                            result = np.full(rows, base[index])
                            result[positions] = part
                            if math.isfinite(base[index]):
                                suspect[positions] |= ~np.isfinite(part)
                            else:
                                suspect |= ~np.isfinite(result)
                        data[index], changed[index], taken[index] = result, where, positions
                for i in released[index]:
                    data[i] = changed[i] = taken[i] = None
        return [data[i] for i in kept], suspect

    def held_at_once(self, kept: Sequence[int]) -> int:
        """The most node values `forward_near` holds at one time, keeping `kept`: what its memory grows with."""
        return self._release_plan(tuple(kept))[1]

    def _release_plan(self, kept: tuple[int, ...]) -> tuple[list[list[int]], int]:
        """For each node, the nodes whose values are not needed after it; and the most values alive at once."""
        if self._plan is None or self._plan[0] != kept:
            count = len(self.inputs)
            last_read = list(range(count))
            for index, reads in enumerate(self.inputs):
                for i in reads:
                    last_read[i] = index
            for i in kept:
                last_read[i] = count
            released: list[list[int]] = [[] for _ in range(count)]
            for i, last in enumerate(last_read):
                if last < count:
                    released[last].append(i)
            alive = most = 0
            for index in range(count):
                alive += 1
                most = max(most, alive)
                alive -= len(released[index])
            self._plan = (kept, released, most)
        return self._plan[1], self._plan[2]

    def evaluate(self, block: Array) -> tuple[Array, list[Array], Array]:
        """(values, one column of gradients per variable, rows that must be redone by the scalar engine) for a block.

        The gradients stay columns: the caller joins them to its own columns in one copy (a table of them here
        made a second copy, about a tenth of the compute).
        """
        rows = block.shape[0]
        nodes: list[Value] = self.program.nodes
        data, suspect = self.forward(block)
        with np.errstate(all="ignore"):
            try:
                grads = reverse_sweep(nodes, self.inputs, self.output, data, self.math, np.ones(rows))
            except PartialFailed:
                # A partial failed on the program's constants alone: every row goes to the scalar engine.
                grads = [0.0] * len(nodes)
                suspect[:] = True
            for grad in grads:
                if not isinstance(grad, float):
                    suspect |= ~np.isfinite(grad)
        value = np.broadcast_to(data[self.output], (rows,))
        gradients = [np.broadcast_to(np.asarray(grads[i], dtype=np.float64), (rows,)) for i in self.gradient_positions]
        return value, gradients, suspect
