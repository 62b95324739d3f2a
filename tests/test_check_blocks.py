"""`check` in blocks: the finite-difference points evaluated together give the same verdicts, to the last bit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exprgrad import EvaluationError, checking, parse
from exprgrad.checking import check_gradients

from .strategies import Expr, bindings, expressions

# Points where relu and abs sit at their kinks, and where log and sqrt leave their domains within a step.
_EDGES = st.sampled_from([0.0, -0.0, 1e-12, -1e-12, 1e-7, 3.0])


def _both_ways(text: str, point: dict[str, float], monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    program = parse(text)
    values = {name: point.get(name, 0.5) for name in program.free_variables}
    results: list[object] = []
    for path, threshold in (("rows", checking._BLOCKS_FROM), ("blocks", 0)):
        monkeypatch.setenv("EXPRGRAD_POINTS", path)
        monkeypatch.setattr(checking, "_BLOCKS_FROM", threshold)
        try:
            results.append(check_gradients(program, values, {}))
        except EvaluationError as error:
            results.append(str(error))
    return results[0], results[1]


@settings(max_examples=120, deadline=None)
@given(expressions(), bindings())
def test_blocks_give_the_verdicts_of_one_pass_at_a_time(expression: Expr, point: dict[str, float]) -> None:
    """On random programs every estimate, error bound, verdict and reason is the same on both paths."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        rows, blocks = _both_ways(expression.text, point, monkeypatch)
    assert rows == blocks


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["relu(a)*b + abs(c - b)", "log(a)*sqrt(b) + c", "a**b + relu(c*a)", "abs(a)*abs(b)*c"]),
    st.fixed_dictionaries({"a": _EDGES, "b": _EDGES, "c": _EDGES}),
)
def test_kinks_and_domain_edges_agree(text: str, point: dict[str, float]) -> None:
    """At kinks and at the edge of a domain (rows the scalar engine redoes) the verdicts are the same."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        rows, blocks = _both_ways(text, point, monkeypatch)
    assert rows == blocks


# Ties and near-ties of two-input ops: the kink depends on both inputs, which a step may move one at a time.
_TIES = st.sampled_from([0.5, 0.5 + 1e-9, 0.5 - 1e-7, 0.0, -0.0, 1e-12, 2.0])


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        [
            "min(a, b)*c + max(a*c, b)",
            "clamp_min(a, b) + clamp_max(b, c)*a",
            "leaky_relu(a - b, c) + clamp(a, b, c)",
            "hypot(a - b, c)*floor(a + c) + atan2(a - c, b - c)",
        ]
    ),
    st.fixed_dictionaries({"a": _TIES, "b": _TIES, "c": _TIES}),
)
def test_ties_of_two_input_ops_agree(text: str, point: dict[str, float]) -> None:
    """At and near the ties of min, max, clamps and leaky_relu (kinks of two inputs) the verdicts are the same."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        rows, blocks = _both_ways(text, point, monkeypatch)
    assert rows == blocks


def test_a_ring_of_many_variables_is_checked_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ring of 300 variables goes through blocks (above the threshold) and every gradient agrees."""
    n = 300
    text = " + ".join(f"x{i}*tanh(x{(i + 1) % n})" for i in range(n))
    program = parse(text)
    assert len(program.variables) * len(program.nodes) >= checking._BLOCKS_FROM
    calls: list[object] = []
    original = checking._scalar_sample

    def counted(*arguments: object) -> object:
        calls.append(arguments)
        return original(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(checking, "_scalar_sample", counted)
    results = check_gradients(program, {f"x{i}": 0.1 * (i % 9 + 1) for i in range(n)}, {})
    assert [result.verdict for result in results] == ["ok"] * n
    assert len(calls) < n  # most variables settled within the block-sampled steps


def test_the_active_kinks_are_found_once_per_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding the active kinks walks the whole program: done once per check, not once per variable (quadratic)."""
    calls: list[object] = []
    original = checking._active_kinks

    def counted(program: object) -> object:
        calls.append(program)
        return original(program)  # type: ignore[arg-type]

    monkeypatch.setattr(checking, "_active_kinks", counted)
    program = parse(" + ".join(f"relu(x{i})*x{i + 1}" for i in range(40)))
    results = check_gradients(program, dict.fromkeys(program.free_variables, 0.5), {})
    assert len(results) == 41 and all(result.verdict == "ok" for result in results)
    assert len(calls) <= 2  # the blocks' sampler (when it runs) and the check itself
