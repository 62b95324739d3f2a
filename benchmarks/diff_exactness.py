"""How exactly `exprgrad diff`'s program reproduces eval: ``python benchmarks/diff_exactness.py [EXAMPLES]``.

Draws Hypothesis programs (tests/strategies.py) and points, evaluates the generated exprgrad program (order 2)
and the original, and counts programs whose value and gradients are bit for bit eval's, and the largest
difference of first and second derivatives otherwise, in ulps and absolute.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings

from tests.diff_helpers import eval_results, generated, run_exprgrad
from tests.strategies import Expr, bindings, expressions


def ulps(a: float, b: float) -> float:
    """The distance of two floats in units in the last place of the larger."""
    return 0.0 if a == b else abs(a - b) / math.ulp(max(abs(a), abs(b)))


def main(examples: int) -> None:
    counts = {"bit for bit": 0, "within ulps": 0, "generated fails": 0, "eval fails": 0}
    worst = {"first": 0.0, "second": 0.0, "first absolute": 0.0, "second absolute": 0.0}

    @settings(max_examples=examples, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(expressions(), bindings())
    def measure(expr: Expr, point: dict[str, float]) -> None:
        program, code = generated(expr.text, "exprgrad", order=2)
        expected = eval_results(program, point, 2)
        actual = run_exprgrad(code, point)
        if expected is None:
            counts["eval fails"] += 1
            return
        if actual is None:
            counts["generated fails"] += 1
            return
        value, first, second = expected
        got_value, got_first, got_second = actual
        first_ulps = max([ulps(value, got_value)] + [ulps(first[v], got_first[v]) for v in got_first])
        second_ulps = max([0.0] + [ulps(second[r][c], x) for r, row in got_second.items() for c, x in row.items()])
        counts["bit for bit" if first_ulps == 0 else "within ulps"] += 1
        worst["first"] = max(worst["first"], first_ulps)
        worst["second"] = max(worst["second"], second_ulps)
        # Near a cancellation a last-bit difference of a term is many ulps of a result close to 0: the absolute
        # difference says how large it is.
        first_absolute = max(abs(first[v] - got_first[v]) for v in got_first) if got_first else 0.0
        second_absolute = max([0.0] + [abs(second[r][c] - x) for r, row in got_second.items() for c, x in row.items()])
        worst["first absolute"] = max(worst["first absolute"], first_absolute)
        worst["second absolute"] = max(worst["second absolute"], second_absolute)

    measure()
    print(counts)
    print(f"first derivatives: at most {worst['first']:g} ulps, {worst['first absolute']:.3g} absolute")
    print(f"second derivatives: at most {worst['second']:g} ulps, {worst['second absolute']:.3g} absolute")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
