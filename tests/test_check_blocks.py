"""`check` in blocks: the finite-difference points evaluated together give the same verdicts, to the last bit."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from exprgrad import EvaluationError, checking, parse, points
from exprgrad.checking import check_gradients
from exprgrad.vectorized import BlockEvaluator

from .growth import growth
from .strategies import VARIABLE_NAMES, Expr, bindings, expressions, values

# Points where relu and abs sit at their kinks, and where log and sqrt leave their domains within a step.
_EDGES = st.sampled_from([0.0, -0.0, 1e-12, -1e-12, 1e-7, 3.0])


def _both_ways(text: str, point: dict[str, float], monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    program = parse(text)
    values = {name: point.get(name, 0.5) for name in program.free_variables}
    results: list[object] = []
    for path in ("rows", "blocks"):
        monkeypatch.setenv("EXPRGRAD_POINTS", path)
        monkeypatch.setattr(checking, "_blocks_pay", lambda program, blocks=path == "blocks": blocks)
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
    """A ring of 300 variables goes through blocks (above the threshold) and every gradient agrees; a variable whose
    gradient is 0 (behind a dead relu), which tries every step, gets the smaller steps in blocks too."""
    n = 300
    text = " + ".join(f"x{i}*tanh(x{(i + 1) % n})" for i in range(n)) + " + relu(z - 5)*x0"
    program = parse(text)
    assert checking._blocks_pay(program)
    calls: list[object] = []
    original = checking._scalar_sample

    def counted(*arguments: object) -> object:
        calls.append(arguments)
        return original(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(checking, "_scalar_sample", counted)
    results = check_gradients(program, {"z": 0.5, **{f"x{i}": 0.1 * (i % 9 + 1) for i in range(n)}}, {})
    assert [result.verdict for result in results] == ["ok"] * n + ["unchecked"]
    assert calls == []  # every sample of every step came from a block


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


# Terms defined at the point whose values leave the finite numbers within a step: log and sqrt just above 0, exp
# just below its overflow, a quotient with a tiny denominator.
_EDGE_TERMS = st.sampled_from(["log(e)", "sqrt(e)*w", "exp(e)", "w/e"])
_EDGE_VALUES = st.sampled_from([1e-12, 1e-7, 709.78, 3.0])
_SHARED = "w"
_OWN = re.compile(r"\b(" + "|".join(name for name in VARIABLE_NAMES if name != _SHARED) + r"|e)\b")


@st.composite
def _wide_programs(draw: st.DrawFn) -> tuple[str, dict[str, float]]:
    """A sum of generated terms, each over variables of its own and a shared w, some at the edge of being defined,
    with a point: a program of many variables where most nodes depend on a few of them."""
    terms = [expression.text for expression in draw(st.lists(expressions(max_leaves=5), min_size=2, max_size=5))]
    terms += draw(st.lists(_EDGE_TERMS, max_size=3))
    point = {_SHARED: draw(values())}
    texts = []
    for k, term in enumerate(terms):
        texts.append(_OWN.sub(lambda match: f"{match.group(1)}_{k}", term))  # noqa: B023
        point.update({f"{name}_{k}": draw(values()) for name in VARIABLE_NAMES if name != _SHARED})
        point[f"e_{k}"] = draw(_EDGE_VALUES)
    text = " + ".join(f"({term})" for term in texts)
    program = parse(text)
    return text, {name: point[name] for name in program.free_variables}


def _bits(value: Any, rows: int) -> bytes:
    """A node's values on every row, byte for byte (every NaN the same: their payloads are no part of the result)."""
    column = np.array(np.broadcast_to(value, (rows,)), dtype=np.float64)
    column[np.isnan(column)] = np.nan
    return column.tobytes()


_MOVES = st.one_of(values(), st.sampled_from([1e200, -1e200, 1e-300, -0.0, 1e-12, 800.0]))


@settings(max_examples=80, deadline=None)
@given(
    _wide_programs(), st.lists(st.lists(st.tuples(st.integers(0, 10**6), _MOVES), max_size=3), min_size=1, max_size=12)
)
# A node not finite at the point (log of a `where` branch not chosen there) that a moved row computes finite.
@example(("where(step(a_0 - 0.5), log(a_0 - 0.5), a_0) + a_1", {"a_0": 0.0, "a_1": 0.0}), [[(0, 1.0)]])
def test_forward_near_gives_forward_to_the_last_bit(
    wide: tuple[str, dict[str, float]], moves: list[list[tuple[int, float]]]
) -> None:
    """Computing each node only on the rows that move one of its variables gives every node the full forward pass's
    values on every row, bit for bit, and the same non-finite rows; dropping values after their last use keeps
    the output's."""
    text, point = wide
    program = parse(text)
    try:
        program.evaluate(point)
    except EvaluationError:
        assume(False)
    names = list(program.variables)
    assume(names)
    evaluator = BlockEvaluator(program, names)
    rows = len(moves)
    block = np.tile([point[name] for name in names], (rows, 1))
    moved: dict[int, tuple[Any, Any]] = {}
    for row, changes in enumerate(moves):
        for which, value in changes:
            column = which % len(names)
            if column not in moved:
                moved[column] = (np.zeros(rows, dtype=bool), block[:, column])
            moved[column][0][row] = True
            block[row, column] = value
    at_point = [node.data for node in program.nodes]
    everything = list(range(len(program.nodes)))
    expected, expected_suspect = evaluator.forward(block)
    near, suspect = evaluator.forward_near(rows, at_point, moved, everything)
    assert [_bits(value, rows) for value in near] == [_bits(value, rows) for value in expected]
    assert suspect.tolist() == expected_suspect.tolist()
    output = program.output_index()
    [alone], _ = evaluator.forward_near(rows, at_point, moved, [output])
    assert _bits(alone, rows) == _bits(expected[output], rows)


def test_a_point_that_is_not_finite_makes_every_row_suspect() -> None:
    """When a value at the point itself is not finite (1/c at c = 0), every row is suspect, as in `forward`: the
    scalar engine says why, row by row."""
    program = parse("a*b + 1/c")
    names = list(program.variables)
    evaluator = BlockEvaluator(program, names)
    point, _ = evaluator.forward(np.array([[0.5, 2.0, 0.0]]))
    at_point = [float(np.broadcast_to(value, (1,))[0]) for value in point]
    block = np.tile([0.5, 2.0, 0.0], (4, 1))
    block[:2, 0] = (0.25, 0.75)
    moved = {0: (np.array([True, True, False, False]), block[:, 0])}
    expected, expected_suspect = evaluator.forward(block)
    near, suspect = evaluator.forward_near(4, at_point, moved, list(range(len(program.nodes))))
    assert suspect.tolist() == expected_suspect.tolist() == [True] * 4
    assert [_bits(value, 4) for value in near] == [_bits(value, 4) for value in expected]


def _described(outcome: object) -> str:
    """A sample written out exactly (repr keeps every bit of a float, and -0.0), or its error's message."""
    if isinstance(outcome, EvaluationError):
        return f"error: {outcome}"
    return repr(dataclasses.astuple(outcome))  # type: ignore[call-overload]


@settings(max_examples=60, deadline=None)
@given(
    _wide_programs(),
    st.sampled_from([4, 8, 28, 100, 4096]),
    st.sampled_from([checking._BLOCK_SHRINKS, checking._SHRINKS[len(checking._BLOCK_SHRINKS) :]]),
)
def test_block_samples_are_those_of_one_pass_at_a_time(
    wide: tuple[str, dict[str, float]], rows: int, shrinks: tuple[float, ...]
) -> None:
    """Every sample taken in blocks (of any length, so variables straddle blocks; of the first steps or the smaller
    ones; for some of the variables) is the one a forward pass per point gives, bit for bit; samples whose rows leave
    the finite numbers are the scalar engine's errors or values."""
    text, point = wide
    program = parse(text)
    try:
        program.evaluate(point)
    except EvaluationError:
        assume(False)
    names = sorted(program.variables)[:: 1 + len(program.variables) // 8]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(checking, "_CHECK_ROWS", rows)
        kinks = checking._active_kinks(program)
        sampled = checking._sample_in_blocks(program, names, shrinks, kinks)
    assert sorted(sampled) == names
    for name, samples in sampled.items():
        variable = program.variables[name]
        x = variable.data
        steps = {checking._step(x, shrink) for shrink in shrinks} - {0.0}  # too small a step for x rounds to 0
        assert sorted(samples) == sorted(steps)
        for step, outcome in samples.items():
            alone = checking._scalar_sample(program, variable, x, step, kinks)
            assert _described(outcome) == _described(alone), (name, step)


@settings(max_examples=40, deadline=None)
@given(_wide_programs())
def test_wide_programs_get_the_verdicts_of_one_pass_at_a_time(wide: tuple[str, dict[str, float]]) -> None:
    """On programs of many variables, short blocks give every estimate, verdict and reason of one pass at a time."""
    text, point = wide
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(checking, "_CHECK_ROWS", 28)
        rows, blocks = _both_ways(text, point, monkeypatch)
    assert rows == blocks


def test_rows_that_leave_the_finite_numbers_are_redone_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the samples whose rows overflow or leave a domain go to the scalar engine, which names the error."""
    n = 100
    text = " + ".join(f"x{i}*tanh(x{(i + 1) % n})" for i in range(n)) + " + log(e) + exp(f)"
    program = parse(text)
    point = {**{f"x{i}": 0.1 * (i % 9 + 1) for i in range(n)}, "e": 1e-12, "f": 709.78}
    program.evaluate(point)
    redone: list[str] = []
    original = checking._scalar_sample

    def counted(program: Any, variable: Any, *rest: Any) -> Any:
        redone.append(variable.label)
        return original(program, variable, *rest)

    monkeypatch.setattr(checking, "_scalar_sample", counted)
    monkeypatch.setattr(checking, "_CHECK_ROWS", 40)
    kinks = checking._active_kinks(program)
    sampled = checking._sample_in_blocks(program, list(program.variables), checking._BLOCK_SHRINKS, kinks)
    assert sorted(set(redone)) == ["e", "f"]
    assert all(isinstance(outcome, EvaluationError) for outcome in sampled["e"].values())
    assert any(isinstance(outcome, EvaluationError) for outcome in sampled["f"].values())
    assert not any(isinstance(outcome, EvaluationError) for outcome in sampled["x7"].values())


def test_a_pole_at_a_half_step_sends_the_sample_to_the_scalar_engine() -> None:
    """A row of x + h/2 that divides by zero (the rows of x - h and x + h are finite) makes the whole sample the
    scalar engine's, which names the error."""
    x = 1.0
    step = checking._step(x, checking._BLOCK_SHRINKS[0])
    program = parse(f"1/(a - {x + step / 2!r}) + b")
    program.evaluate({"a": x, "b": 0.5})
    kinks = checking._active_kinks(program)
    sampled = checking._sample_in_blocks(program, ["a"], checking._BLOCK_SHRINKS, kinks)
    outcome = sampled["a"][step]
    assert isinstance(outcome, EvaluationError) and "division by zero" in str(outcome)
    assert _described(outcome) == _described(checking._scalar_sample(program, program.variables["a"], x, step, kinks))


def test_a_block_is_shorter_when_more_values_stay_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """A block's rows times the values it holds (the nodes still to be read and the moved columns) stay within
    BLOCK_VALUES: statements that all stay alive until the last one sums them get shorter blocks."""
    n = 200
    layer = parse("; ".join(f"h{i} = tanh(x{i})" for i in range(n)) + "; L = " + " + ".join(f"h{i}" for i in range(n)))
    layer.evaluate({f"x{i}": 0.1 * (i % 9 + 1) for i in range(n)})
    monkeypatch.setattr(points, "BLOCK_VALUES", 40_000)
    held: list[int] = []
    original = BlockEvaluator.forward_near

    def measured(self: BlockEvaluator, rows: int, base: Any, moved: Any, kept: Any) -> Any:
        held.append(rows * (self.held_at_once(kept) + len(moved)))
        return original(self, rows, base, moved, kept)

    monkeypatch.setattr(BlockEvaluator, "forward_near", measured)
    checking._sample_in_blocks(layer, list(layer.variables), checking._BLOCK_SHRINKS, [])
    assert len(held) > 1 and max(held) <= points.BLOCK_VALUES


def test_a_block_holds_only_the_values_still_to_be_read() -> None:
    """A block's memory is what stays alive: a few values along a long sum, one per statement still to be summed,
    every node when every node is kept."""
    n = 1000
    ring = parse(" + ".join(f"x{i}*tanh(x{(i + 1) % n})" for i in range(n)))
    evaluator = BlockEvaluator(ring, list(ring.variables))
    assert evaluator.held_at_once([ring.output_index()]) <= 8
    assert evaluator.held_at_once(list(range(len(ring.nodes)))) == len(ring.nodes)
    layer = parse("; ".join(f"h{i} = tanh(x{i})" for i in range(n)) + "; L = " + " + ".join(f"h{i}" for i in range(n)))
    assert n <= BlockEvaluator(layer, list(layer.variables)).held_at_once([layer.output_index()]) <= n + 8


def _ring_check(n: int) -> Any:
    text = " + ".join(f"x{i}*tanh(x{(i + 1) % n})" for i in range(n))
    program = parse(text)
    point = {f"x{i}": 0.1 * (i % 9 + 1) for i in range(n)}
    return lambda: check_gradients(program, point, {})


def test_a_ring_check_grows_about_linearly() -> None:
    """4x the variables of a ring costs about 4x the time, not 16x: each block computes a term only on the rows of
    its own variables (every row computing every node made a check of n variables quadratic)."""
    ratio = growth(_ring_check(250), _ring_check(1000))
    assert ratio < 9, f"a check of 4x the variables took {ratio:.1f}x as long"


def _kink_ring_check(n: int) -> Any:
    text = " + ".join(f"abs(x{i} - 0.3)*min(x{i}, x{(i + 1) % n})" for i in range(n))
    program = parse(text)
    point = {f"x{i}": 0.1 * (i % 9 + 1) + 0.001 * i for i in range(n)}
    return lambda: check_gradients(program, point, {})


def test_a_check_with_kinks_in_every_term_grows_about_linearly() -> None:
    """4x the variables of a ring with abs and min in every term costs about 4x the time, not 16x: a sample looks
    only at the kinks its variable moves (looking at every active kink for every sample made it quadratic)."""
    ratio = growth(_kink_ring_check(150), _kink_ring_check(600))
    assert ratio < 9, f"a check of 4x the variables took {ratio:.1f}x as long"


def test_a_kink_moved_on_the_row_of_x_plus_h_alone_is_crossed() -> None:
    """abs(r - 1) with r = a rounded to an even number (through 2**53): at a = 0.999997 the row of a - h rounds to the
    point's 0 and only the row of a + h reaches 2, across the kink; the blocks see that crossing as the scalar
    engine does."""
    program = parse("r = (a + 9007199254740992) - 9007199254740992; abs(r - 1)*b + b")
    x = 0.999997
    program.evaluate({"a": x, "b": 0.5})
    kinks = checking._active_kinks(program)
    step = checking._step(x, checking._BLOCK_SHRINKS[0])
    sampled = checking._sample_in_blocks(program, ["a"], checking._BLOCK_SHRINKS, kinks)
    alone = checking._scalar_sample(program, program.variables["a"], x, step, kinks)
    assert isinstance(alone, checking._Sample) and alone.crosses_kink
    assert _described(sampled["a"][step]) == _described(alone)
