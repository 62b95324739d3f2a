"""Gradient checking: autodiff against a finite-difference estimate and against values the user expects.

The estimate is a central difference with Richardson extrapolation, at a step scaled to the variable's size
(about the cube root of machine epsilon, where truncation and rounding error balance). Its error is estimated from
the two step sizes plus a rounding term, so a check can tell "disagrees" from "the estimate is too rough to say".
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import Value
from .errors import BindingError, EvaluationError
from .ops import Op
from .program import Program
from .textform import describe, with_labels

AGREE = "ok"
DISAGREE = "FAIL"
KINK = "not differentiable"
UNCHECKED = "unchecked"

_EPSILON = sys.float_info.epsilon
# An estimate whose error bound is larger than this fraction of it cannot confirm or refute a gradient.
_ROUGH = 1e-4
_BASE_STEP = _EPSILON ** (1 / 3)


@dataclass(frozen=True)
class GradientCheck:
    """The verdict for one variable, with the numbers behind it."""

    name: str
    autodiff: float
    numeric: float | None
    numeric_error: float | None
    expected: float | None
    verdict: str
    reason: str


@dataclass(frozen=True)
class _Estimate:
    value: float
    error: float


def _output_at(program: Program, variable: Value, x: float) -> float:
    variable.data = x
    program.forward()
    return program.output.data


def _active_kinks(program: Program) -> list[Value]:
    """The nodes of ops with kinks (relu, abs, min, floor, ...) that matter here: those whose gradient is not 0."""
    return [node for node in program.nodes if node.op is not None and _has_kinks(node.op) and node.grad != 0.0]


def _has_kinks(op: Op) -> bool:
    return any(convention.kink for convention in op.conventions)


def _piece(op: Op | None, values: Sequence[float]) -> tuple[float, bool]:
    """Which smooth piece of `op` these input values are on, and whether they sit exactly on a kink."""
    assert op is not None
    return (op.conventions[0].piece(*values), op.kink_at(*values) is not None)


def _kink_inputs(kinks: list[Value]) -> list[tuple[float, bool]]:
    """For each kink node: which smooth piece its inputs are on, and whether they sit exactly on a kink."""
    return [_piece(node.op, [child.data for child in node.inputs]) for node in kinks]


def _crosses_kink(before: list[tuple[float, bool]], after: list[tuple[float, bool]]) -> bool:
    # A kink input that the step does not move (it depends on other variables) is no obstacle.
    return any(a != b and (a[0] != b[0] or a[1] or b[1]) for a, b in zip(before, after, strict=True))


@dataclass(frozen=True)
class _Sample:
    """The output at x - h, x + h, x - h/2 and x + h/2, and whether an active kink changes branch between x - h
    and x + h."""

    down: float
    up: float
    down_half: float
    up_half: float
    crosses_kink: bool


# One step's sample, or why there is none (the program is not defined somewhere within the step).
_Outcome = _Sample | EvaluationError
_Sampler = Callable[[float], _Outcome]


def _scalar_sample(program: Program, variable: Value, x: float, step: float, kinks: list[Value]) -> _Outcome:
    """The four outputs around x with the scalar engine, one forward pass each (x is restored afterwards)."""
    try:
        down = _output_at(program, variable, x - step)
        kinks_down = _kink_inputs(kinks)
        up = _output_at(program, variable, x + step)
        kinks_up = _kink_inputs(kinks)
        down_half = _output_at(program, variable, x - step / 2)
        up_half = _output_at(program, variable, x + step / 2)
    except EvaluationError as error:
        return error
    finally:
        _output_at(program, variable, x)
    return _Sample(down, up, down_half, up_half, _crosses_kink(kinks_down, kinks_up))


class _KinkInStep(Exception):
    """A kink that matters (relu, abs, min, ...) changes branch between x - h and x + h."""


def _central_differences(sample: _Sample, step: float) -> _Estimate:
    """One Richardson-extrapolated central difference at `step`, with its error estimate (raises on a kink)."""
    if sample.crosses_kink:
        raise _KinkInStep
    f_down, f_up, f_down_half, f_up_half = sample.down, sample.up, sample.down_half, sample.up_half
    coarse = (f_up - f_down) / (2 * step)
    fine = (f_up_half - f_down_half) / step
    # Richardson extrapolation cancels the h**2 term of the central difference.
    extrapolated = fine + (fine - coarse) / 3
    scale = max(abs(f_up), abs(f_down), abs(f_up_half), abs(f_down_half))
    rounding = 3 * _EPSILON * scale / step
    return _Estimate(extrapolated, abs(fine - coarse) / 3 + rounding)


# Steps tried, as fractions of the first; the estimate with the smallest error estimate wins (as in Ridders'
# method). Small steps matter where the function varies fast for its size (sin(x) at x = 1e8) or stops being
# defined nearby (sqrt(x) at x = 1e-12).
_SHRINKS = tuple(10.0**-k for k in range(12))


def _relative_error(estimate: _Estimate) -> float:
    # Relative, not absolute: a step far wider than the function's wiggles (sin(x) at x = 1e15) averages them to
    # a tiny, steady, wrong value whose absolute error looks excellent.
    return estimate.error / max(abs(estimate.value), 1e-8)


def _step(x: float, shrink: float) -> float:
    # The step actually taken: rounding x + h back gives an exactly representable difference.
    step: float = (x + _BASE_STEP * shrink * max(1.0, abs(x))) - x
    return step


def finite_difference(
    program: Program,
    variable: Value,
    sampled: dict[float, _Outcome] | None = None,
    kinks: list[Value] | None = None,
    unsampled: _Sampler | None = None,
) -> tuple[_Estimate | None, str]:
    """d(output)/d(variable) estimated from the forward pass alone, or None and why not.

    Call it right after a backward pass at the point: which relu and abs nodes matter is read from the gradients.
    The error of each step's estimate is judged both from its two step sizes and against the previous step's
    estimate, so a step too coarse for the function cannot pass itself off as accurate. `sampled` holds outcomes
    already computed for some steps (in blocks, see `_sample_in_blocks`); other steps are evaluated here, one
    forward pass each, or by `unsampled` when given. `kinks` are the point's `_active_kinks`, when the caller has
    them (finding them walks the whole program).
    """
    x = variable.data
    if kinks is None:
        kinks = _active_kinks(program)
    known = sampled or {}
    reason = ""
    best: _Estimate | None = None
    previous: _Estimate | None = None
    worse_in_a_row = 0
    for shrink in _SHRINKS:
        step = _step(x, shrink)
        if step == 0.0:
            break
        sample = known.get(step)
        if sample is None:
            sample = unsampled(step) if unsampled else _scalar_sample(program, variable, x, step, kinks)
        if isinstance(sample, EvaluationError):
            reason, previous = f"the program is not defined within the step: {sample}", None
            continue
        try:
            estimate = _central_differences(sample, step)
        except _KinkInStep:
            reason, previous = "a function with a kink changes branch within the finite-difference step", None
            continue
        if previous is None:
            # Not yet confirmed by a neighbouring step: it cannot be the answer, however small its own error.
            previous = estimate
            continue
        confirmed = _Estimate(estimate.value, max(estimate.error, abs(estimate.value - previous.value)))
        previous = estimate
        if best is None or _relative_error(confirmed) < _relative_error(best):
            best, worse_in_a_row = confirmed, 0
        else:
            worse_in_a_row += 1
            if worse_in_a_row == 2 and _relative_error(best) <= _ROUGH:
                break  # a good estimate, and rounding has taken over: smaller steps only get worse
    if best is None:
        return None, reason or "no two neighbouring steps gave an estimate"
    return best, ""


# Steps sampled in blocks for every variable at once: a check usually settles within these (the loop above stops
# once rounding takes over). The variables that need smaller steps (every one whose gradient is 0 tries them all)
# get the rest in a second round of blocks.
_BLOCK_SHRINKS = _SHRINKS[:6]
# Blocks cost importing NumPy (about 0.15 s), then one NumPy call per node and block where one forward pass per
# sample costs a Python operation per node and sample (about 20 samples per variable): with few variables the
# passes are as fast. Measured on rings of tanh and of products and on chains of 3 to 100 variables, blocks win
# from about nodes x (variables - 4) = 60,000; they never do with 4 variables or fewer.
_BLOCKS_FROM = 60_000
_FEW_VARIABLES = 4
# Rows in a block of samples. A node that some of a block's rows move costs a few passes over all of them (its mask
# and its column), and a block moves one more variable every 24 rows: much longer blocks are slower, not faster.
_CHECK_ROWS = 4096


class _NotSampled(Exception):
    """The estimate needs a step that the blocks did not sample."""


def _not_sampled(step: float) -> _Outcome:
    raise _NotSampled


def _blocks_pay(program: Program) -> bool:
    """Whether sampling in blocks saves more time than importing NumPy costs."""
    return len(program.nodes) * (len(program.variables) - _FEW_VARIABLES) >= _BLOCKS_FROM


def _estimates(program: Program, kinks: list[Value]) -> dict[str, tuple[_Estimate | None, str]]:
    """Every variable's `finite_difference`, its samples taken in blocks when the program is large enough."""
    import os

    variables = program.variables
    sampled: dict[str, dict[float, _Outcome]] = {}
    if _blocks_pay(program) and os.environ.get("EXPRGRAD_POINTS") != "rows":
        sampled = _sample_in_blocks(program, list(variables), _BLOCK_SHRINKS, kinks)
    if not sampled:
        return {name: finite_difference(program, variable, None, kinks) for name, variable in variables.items()}
    estimates: dict[str, tuple[_Estimate | None, str]] = {}
    further: list[str] = []
    for name, variable in variables.items():
        try:
            estimates[name] = finite_difference(program, variable, sampled[name], kinks, _not_sampled)
        except _NotSampled:
            further.append(name)
    if further:
        smaller = _sample_in_blocks(program, further, _SHRINKS[len(_BLOCK_SHRINKS) :], kinks)
        for name in further:
            samples = {**sampled[name], **smaller.get(name, {})}
            estimates[name] = finite_difference(program, variables[name], samples, kinks)
    return estimates


def _sample_in_blocks(
    program: Program, names: Sequence[str], shrinks: Sequence[float], kinks: list[Value]
) -> dict[str, dict[float, _Outcome]]:
    """The samples of the steps `shrinks` of the variables `names`, evaluated as blocks of points with NumPy.

    Each row of a block is the point with one variable moved, so a node is computed only on the rows that move one
    of its variables (`BlockEvaluator.forward_near`): a term of a sum of many, on its own variables' rows. The array
    evaluator gives the scalar engine's values bit for bit, so the estimates and verdicts are those of one forward
    pass per point. A row whose values are not all finite is redone by the scalar engine, which gives the exact
    error (or value). Empty when NumPy is missing: then every sample is a scalar pass.
    """
    try:
        import numpy as np

        from .points import BLOCK_VALUES
        from .vectorized import BlockEvaluator
    except ImportError:
        return {}
    variables = list(program.variables.items())
    column_of = {name: index for index, (name, _) in enumerate(variables)}
    evaluator = BlockEvaluator(program, list(column_of))
    position = {id(node): index for index, node in enumerate(program.nodes)}
    kink_inputs = [[position[id(child)] for child in node.inputs] for node in kinks]
    output = program.output_index()
    # The nodes whose values the samples read.
    kept = [output, *(p for inputs in kink_inputs for p in inputs)]
    # (variable's column, its x, the step) for every sample; each takes four rows: x - h, x + h, x - h/2, x + h/2.
    wanted: list[tuple[int, float, float]] = []
    for name in names:
        x = program.variables[name].data
        wanted += [(column_of[name], x, step) for step in (_step(x, shrink) for shrink in shrinks) if step != 0.0]
    # A block holds a column for each variable it moves and the node values still to be read, which in a long sum
    # are few: far fewer than the program's nodes.
    held = evaluator.held_at_once(kept) + _CHECK_ROWS // (4 * len(shrinks))
    per_block = max(1, min(_CHECK_ROWS, BLOCK_VALUES // held) // 4)
    at_point = [node.data for node in program.nodes]
    sampled: dict[str, dict[float, _Outcome]] = {name: {} for name in names}
    for start in range(0, len(wanted), per_block):
        part = wanted[start : start + per_block]
        rows = 4 * len(part)
        moved: dict[int, tuple[Any, Any]] = {}
        for row, (index, x, step) in enumerate(part):
            if index not in moved:
                moved[index] = (np.zeros(rows, dtype=bool), np.full(rows, x))
            where, column = moved[index]
            where[4 * row : 4 * row + 4] = True
            column[4 * row : 4 * row + 4] = (x - step, x + step, x - step / 2, x + step / 2)
        values, suspect = evaluator.forward_near(rows, at_point, moved, kept)
        read = dict(zip(kept, values, strict=True))
        outputs = np.broadcast_to(read[output], (rows,)).tolist()
        crossings = _kink_crossings(kinks, kink_inputs, read, at_point, len(part))
        unsure = suspect.tolist()
        for row, (index, x, step) in enumerate(part):
            name, variable = variables[index]
            first = 4 * row
            if any(unsure[first : first + 4]):
                sampled[name][step] = _scalar_sample(program, variable, x, step, kinks)
                continue
            down, up, down_half, up_half = outputs[first : first + 4]
            sampled[name][step] = _Sample(down, up, down_half, up_half, crossings[row])
    return sampled


def _kink_crossings(
    kinks: list[Value], kink_inputs: list[list[int]], read: Mapping[int, Any], at_point: list[float], samples: int
) -> list[bool]:
    """For each sample of a block (four rows: x - h, x + h, x - h/2, x + h/2), whether an active kink changes branch
    between its rows of x - h and x + h.

    Only the kinks whose inputs a sample moves are looked at: the others have the point's inputs on both rows, so
    they stay on one branch. A sample's cost is then the kinks its variable reaches, not every active kink, and a
    sample keeps one bool rather than two lists as long as the program's kinks.
    """
    import numpy as np

    crossing = [False] * samples
    for node, inputs in zip(kinks, kink_inputs, strict=True):
        columns = [read[p] for p in inputs]
        moves = np.zeros(samples, dtype=bool)
        for p, column in zip(inputs, columns, strict=True):
            if np.ndim(column):  # a NumPy scalar: no row of the block moves it
                moves |= (column[0::4] != at_point[p]) | (column[1::4] != at_point[p])
        full_columns = [np.broadcast_to(column, (4 * samples,)) for column in columns]
        for sample in np.flatnonzero(moves).tolist():
            down = _piece(node.op, [float(column[4 * sample]) for column in full_columns])
            up = _piece(node.op, [float(column[4 * sample + 1]) for column in full_columns])
            crossing[sample] = crossing[sample] or _crosses_kink([down], [up])
    return crossing


def variables_at_kinks(program: Program) -> dict[str, str]:
    """Variables whose gradient passes through a node exactly at its kink: name -> what is said about it.

    One walk from all such kinks at once (each node is visited once), so it stays linear in the program.
    """
    variable_names = {id(node): name for name, node in program.variables.items()}
    stack: list[tuple[Value, str]] = []
    for node in program.nodes:
        if node.op is None or node.grad == 0.0 or not _has_kinks(node.op):
            continue
        convention = node.op.kink_at(*(child.data for child in node.inputs))
        if convention is not None:
            where = with_labels(node, convention.where)
            usage = f"{node.op.name}({', '.join(node.op.parameters)})"
            said = f"{describe(node)} is at its kink ({where}); there {usage} takes {convention.rule}"
            stack.extend((child, said) for slot, child in enumerate(node.inputs) if slot in convention.jumps)
    at_kink: dict[str, str] = {}
    seen: set[int] = set()
    while stack:
        current, kink = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if id(current) in variable_names:
            at_kink.setdefault(variable_names[id(current)], kink)
        if _flat_here(current):
            # step(x) away from 0 (a `where` condition, say) does not move with x: no variable crosses the kink.
            continue
        stack.extend((child, kink) for child in current.inputs)
    return at_kink


def _flat_here(node: Value) -> bool:
    """Whether `node` is a piecewise-constant op (step, sign, floor, ceil) away from its own jumps."""
    op = node.op
    return op is not None and all(f == "0" for f in op.formulas) and op.kink_at(*(c.data for c in node.inputs)) is None


def _close(a: float, b: float, rtol: float, atol: float, slack: float = 0.0) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b)) + slack


def check_gradients(
    program: Program,
    bindings: Mapping[str, float],
    expected: Mapping[str, float],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> list[GradientCheck]:
    """Check every variable's gradient at `bindings` (raises EvaluationError if the point itself fails)."""
    unknown = [name for name in expected if name not in program.variables]
    if unknown:
        raise BindingError(f"--expect names {unknown[0]}, which is not a variable of the program")
    evaluation = program.evaluate(bindings)
    at_kink = variables_at_kinks(program)
    # Found once for the point: per variable, this walk made a check of n variables quadratic.
    kinks = _active_kinks(program)
    # Each estimate moves only forward-pass data; the gradients it reads stay those of the point.
    estimates = _estimates(program, kinks)
    results = []
    for name in program.variables:
        autodiff = evaluation.gradients[name]
        wanted = expected.get(name)
        estimate, why_not = estimates[name]
        problems = []
        if wanted is not None and not _close(autodiff, wanted, rtol, atol):
            problems.append(f"autodiff differs from the expected {wanted!r}")
        if name in at_kink:
            verdict = DISAGREE if problems else KINK
            reason = at_kink[name]
            results.append(GradientCheck(name, autodiff, None, None, wanted, verdict, "; ".join([*problems, reason])))
            continue
        if estimate is not None and _relative_error(estimate) > _ROUGH:
            why_not = f"the finite-difference estimate is too rough here ({estimate.value!r} ± {estimate.error:.1g})"
            estimate = None
        if estimate is not None and not _close(autodiff, estimate.value, rtol, atol, estimate.error):
            problems.append(f"autodiff differs from the finite difference by {abs(autodiff - estimate.value):.3g}")
        if problems:
            verdict, reason = DISAGREE, "; ".join(problems)
        elif estimate is None and wanted is None:
            verdict, reason = UNCHECKED, f"no finite-difference estimate: {why_not}"
        else:
            verdict, reason = AGREE, "" if estimate is not None else f"no finite-difference estimate: {why_not}"
        numeric = estimate.value if estimate is not None else None
        error = estimate.error if estimate is not None else None
        results.append(GradientCheck(name, autodiff, numeric, error, wanted, verdict, reason))
    # The finite differences moved the variables; leave the graph as the evaluation found it.
    program.evaluate(bindings)
    return results


def all_agree(results: Sequence[GradientCheck]) -> bool:
    """True when no variable failed (a kink or an unchecked variable is not a failure)."""
    return all(result.verdict != DISAGREE for result in results)


def nothing_checked(results: Sequence[GradientCheck]) -> bool:
    """True when no gradient was confirmed and none failed: the run verified nothing (every one unchecked or at a
    kink, or no variables at all), which a script must not mistake for a pass."""
    return not any(result.verdict in (AGREE, DISAGREE) for result in results)


def summary(results: Sequence[GradientCheck]) -> str:
    """One line: how many gradients agree, and which did not or could not be checked."""
    counts = {
        verdict: [r.name for r in results if r.verdict == verdict] for verdict in (AGREE, DISAGREE, KINK, UNCHECKED)
    }
    parts = [f"{len(counts[AGREE])} of {len(results)} gradients agree"]
    if nothing_checked(results):
        parts[0] = f"nothing checked: {parts[0]}"
    if counts[DISAGREE]:
        parts.append(f"FAIL: {', '.join(counts[DISAGREE])}")
    if counts[KINK]:
        parts.append(f"not differentiable here: {', '.join(counts[KINK])}")
    if counts[UNCHECKED]:
        parts.append(f"unchecked: {', '.join(counts[UNCHECKED])}")
    return "; ".join(parts)
