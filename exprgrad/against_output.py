"""How a `check --against` report is written: a few lines of text for people, one JSON object for scripts."""

from __future__ import annotations

import json

from .against import AgainstReport, Comparison
from .errors import shown_text
from .textform import format_number, wrap


def _point_text(point: dict[str, float]) -> str:
    # Sampled coordinates are random floats: six digits say where; the JSON report has them exactly.
    return ", ".join(f"{name} = {value:.6g}" for name, value in point.items())


def _worst_text(worst: Comparison) -> str:
    return (
        f"at {_point_text(worst.point)}: exprgrad {format_number(worst.derivative)}, "
        f"formula {format_number(worst.formula)} (relative error {worst.relative_error:.2g})"
    )


def report_text(report: AgainstReport, formula_text: str) -> str:
    """The report as lines: what was compared, where, the verdict and the worst point."""
    lines = [f"d{wrap(report.output)}/d{wrap(report.wrt)} against {shown_text(' '.join(formula_text.split()))}"]
    where = [f"{name} in [{format_number(low)}, {format_number(high)}]" for name, (low, high) in report.ranges.items()]
    where += [f"{name} = {format_number(value)}" for name, value in report.fixed.items()]
    if where:
        lines.append(f"{report.samples} points: {'; '.join(where)}")
    skipped = report.skipped_undefined + report.skipped_kink
    if skipped:
        lines.append(
            f"skipped {skipped} of {report.samples} points: {report.skipped_undefined} where either side is not "
            f"defined, {report.skipped_kink} at a kink"
        )
    if report.worst is None:
        reason = f" (the first: {report.first_skip_reason})" if report.first_skip_reason else ""
        lines.append(f"nothing checked: no point where both sides are defined{reason}")
    elif report.failures:
        lines.append(
            f"FAIL: disagree at {report.failures} of {report.compared} points; worst {_worst_text(report.worst)}"
        )
    else:
        worst = report.worst
        lines.append(
            f"agree at {report.compared} of {report.compared} points (largest relative difference "
            f"{worst.relative_error:.2g}, at {_point_text(worst.point)})"
        )
    return "".join(line + "\n" for line in lines)


def report_json(report: AgainstReport, formula_text: str, *, rtol: float, atol: float) -> str:
    """The report as one JSON object (see the README's `check --against` section)."""
    worst = report.worst
    document = {
        "ok": report.ok,
        "nothing_checked": worst is None,
        "wrt": report.wrt,
        "formula": formula_text,
        "samples": report.samples,
        "compared": report.compared,
        "failures": report.failures,
        "skipped": {"undefined": report.skipped_undefined, "kink": report.skipped_kink},
        "ranges": {name: [low, high] for name, (low, high) in report.ranges.items()},
        "fixed": report.fixed,
        "rtol": rtol,
        "atol": atol,
        "worst": None
        if worst is None
        else {
            "point": worst.point,
            "exprgrad": worst.derivative,
            "formula": worst.formula,
            "relative_error": worst.relative_error,
        },
    }
    return json.dumps(document, allow_nan=False)
