"""Checking a hand-derived derivative: a formula compared with exprgrad's derivative at many sampled points.

The question a student or a code reviewer asks is "is my d/dx right?", not "is it right at x = 1.5". So the
formula is compared at `samples` points drawn uniformly from a range per variable (seeded, so a run can be
repeated). Points where either side is undefined (log of a negative, an infinite derivative) are skipped and
counted, and so are points where the derivative passes through a kink (relu at exactly 0), where any convention
is as good as another: a skipped point is never a failure.

>>> from exprgrad import parse
>>> report = check_against(parse("x**2 * sin(x)"), parse("2*x*sin(x) + x**2*cos(x)"), "x", samples=50)
>>> report.ok, report.compared, report.failures
(True, 50, 0)
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from .bindings import parse_number
from .checking import variables_at_kinks
from .errors import BindingError, EvaluationError
from .program import Program

# Where a variable is sampled unless a range or a value is given: wide enough to cross the interesting part of
# most textbook functions (sign changes, the bend of tanh and sigmoid), small enough not to overflow exp.
DEFAULT_RANGE = (-3.0, 3.0)


@dataclass(frozen=True)
class Comparison:
    """The two derivatives at one point and how far apart they are."""

    point: dict[str, float]
    derivative: float
    formula: float
    # |derivative - formula| measured against the tolerance: 1.0 is exactly at its edge, below 1 agrees.
    excess: float
    relative_error: float


@dataclass(frozen=True)
class AgainstReport:
    """The verdict of `check_against`, with the counts behind it and the worst point found."""

    wrt: str
    output: str
    samples: int
    ranges: dict[str, tuple[float, float]]
    fixed: dict[str, float]
    compared: int
    failures: int
    skipped_undefined: int
    skipped_kink: int
    # The point where the two sides are furthest apart (relative to the tolerance); None when none was compared.
    worst: Comparison | None
    # Why the first skipped point was skipped, for the report when nothing could be compared.
    first_skip_reason: str

    @property
    def ok(self) -> bool:
        """True when at least one point was compared and every compared point agrees."""
        return self.compared > 0 and self.failures == 0


def parse_range(text: str) -> tuple[str, tuple[float, float]]:
    """``x=-3:3`` as ("x", (-3.0, 3.0)) (raises BindingError with what was expected)."""
    name, equals, bounds = text.partition("=")
    low_text, colon, high_text = bounds.partition(":")
    name = name.strip()
    if not equals or not colon or not name:
        raise BindingError(f"--range takes NAME=LOW:HIGH (like x=-3:3), got {text!r}")
    low = parse_number(low_text.strip(), f"the low end of the range of {name}")
    high = parse_number(high_text.strip(), f"the high end of the range of {name}")
    if not low < high:
        raise BindingError(
            f"the range of {name} must have its low end below its high end, got {low_text.strip()}:{high_text.strip()}"
        )
    return name, (low, high)


def check_against(
    program: Program,
    formula: Program,
    wrt: str,
    *,
    fixed: Mapping[str, float] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    samples: int = 200,
    seed: int = 0,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> AgainstReport:
    """Compare d(program's output)/d(`wrt`) with the value of `formula` at `samples` random points.

    Variables named in `fixed` keep that value; the others are drawn uniformly from their entry in `ranges`, or
    from `DEFAULT_RANGE`. The formula may use the program's variables and the names its statements assign (`h` of
    ``h = tanh(x); L = h*h``, at that point's value), and no others.
    """
    fixed = dict(fixed or {})
    ranges = dict(ranges or {})
    _check_names(program, formula, wrt, fixed, ranges)
    sampled = {name: ranges.get(name, DEFAULT_RANGE) for name in program.variables if name not in fixed}
    generator = random.Random(seed)
    compared = failures = skipped_undefined = skipped_kink = 0
    worst: Comparison | None = None
    first_skip_reason = ""
    for _ in range(samples):
        point = {name: generator.uniform(low, high) for name, (low, high) in sampled.items()}
        # In the program's order of variables, so that reports list them as the program does.
        bindings = {name: fixed[name] if name in fixed else point[name] for name in program.variables}
        try:
            derivative = program.evaluate(bindings).gradients[wrt]
            if wrt in variables_at_kinks(program):
                skipped_kink += 1
                first_skip_reason = first_skip_reason or "the derivative passes through a kink"
                continue
            value = _formula_value(formula, program, bindings)
        except EvaluationError as error:
            skipped_undefined += 1
            first_skip_reason = first_skip_reason or str(error)
            continue
        compared += 1
        difference = abs(derivative - value)
        largest = max(abs(derivative), abs(value))
        excess = difference / (atol + rtol * largest)
        if excess > 1.0:
            failures += 1
        if worst is None or excess > worst.excess:
            relative = difference / largest if largest else 0.0
            worst = Comparison(bindings, derivative, value, excess, relative)
    return AgainstReport(
        wrt=wrt,
        output=program.output_name,
        samples=samples,
        ranges=sampled,
        fixed=fixed,
        compared=compared,
        failures=failures,
        skipped_undefined=skipped_undefined,
        skipped_kink=skipped_kink,
        worst=worst,
        first_skip_reason=first_skip_reason,
    )


def _check_names(
    program: Program,
    formula: Program,
    wrt: str,
    fixed: Mapping[str, float],
    ranges: Mapping[str, tuple[float, float]],
) -> None:
    program.check_option_names("--wrt", [wrt])
    strangers = [name for name in formula.variables if name not in program.names]
    if strangers:
        computed = program.computed_names
        known_names = ", ".join(program.variables) or "none"
        if computed:
            known_names += f"; its statements: {', '.join(computed)}"
        raise BindingError(
            f"the formula uses {', '.join(strangers)}, which the program does not (its variables: {known_names})"
        )
    program.check_option_names("--range", ranges)
    for name in ranges:
        if name in fixed:
            raise BindingError(f"{name} has both a value and a --range; give one or the other")


def _formula_value(formula: Program, program: Program, bindings: Mapping[str, float]) -> float:
    """The formula's value at `bindings` (and the program's statements as just evaluated): its forward pass alone."""
    values = {name: bindings[name] if name in bindings else program.names[name].data for name in formula.variables}
    formula.bind(values)
    formula.forward()
    return formula.output.data
