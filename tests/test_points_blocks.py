"""The NumPy block path of --points gives the scalar engine's results bit for bit, errors and special cases included."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from exprgrad import parse
from exprgrad.points import BLOCK_ROWS, RowError, stream_points

from .strategies import VARIABLE_NAMES, Expr, expressions


def _run(
    text: str, points: str, monkeypatch: pytest.MonkeyPatch, path: str, fixed: dict[str, float] | None = None
) -> tuple[str, list[str]]:
    """stdout and the skipped-row messages of one --points run, on the block or the row path."""
    monkeypatch.setenv("EXPRGRAD_POINTS", path)
    out = io.StringIO()
    skipped: list[str] = []
    stream_points(
        parse(text), fixed or {}, io.BytesIO(points.encode()), out, on_bad_row=lambda error: skipped.append(str(error))
    )
    return out.getvalue(), skipped


_FIELDS = st.one_of(
    st.floats(min_value=-4, max_value=4, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, 700.0, -700.0]),
)


@settings(max_examples=150, deadline=None)
@given(expressions(), st.lists(st.fixed_dictionaries(dict.fromkeys(VARIABLE_NAMES, _FIELDS)), min_size=1, max_size=40))
def test_blocks_equal_rows_bit_for_bit(expr: Expr, rows: list[dict[str, float]]) -> None:
    """Every value, every gradient and every skipped row is the same on both paths, to the last bit."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        names = [name for name in VARIABLE_NAMES if name in parse(expr.text).variables]
        assume(names)
        text = ",".join(names) + "\n" + "".join(",".join(repr(row[n]) for n in names) + "\n" for row in rows)
        assert _run(expr.text, text, monkeypatch, "blocks") == _run(expr.text, text, monkeypatch, "rows")


@pytest.mark.parametrize(
    ("program", "rows"),
    [
        ("log(a)*b", "a,b\n1,2\n0,1\n-1,3\n2,0\n"),  # domain errors in some rows
        ("0*sqrt(a) + a", "a\n0\n1\n"),  # a zero gradient passes nothing back, even past an infinite slope
        ("a**0 + a**b", "a,b\n0,2\n2,3\n-2,2\n0,0.5\n"),  # the pow special cases
        ("exp(a)", "a\n1\n1000\n2\n"),  # overflow
        ("relu(a)*abs(b) + sigmoid(a*b)", "a,b\n0,-0.0\n-1,0\n1000,1000\n-1000,3\n"),
        ("a/0 + a/(1-1)", "a\n1\n2\n"),  # division by a constant zero: inf, not ZeroDivisionError
        ("relu(a)", "a\n1\n-1e999\n2\n"),  # a field too large for a float is refused, not read as -inf
        ("a", "a\n1e999\n1e-30\n0\n"),
    ],
)
def test_special_rows_match(program: str, rows: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows the block path cannot finish are redone by the scalar engine, with the same results and messages."""
    from exprgrad.vectorized import BlockEvaluator

    blocks_seen: list[int] = []
    evaluate = BlockEvaluator.evaluate

    def counting(self: BlockEvaluator, block: Any) -> Any:
        blocks_seen.append(len(block))
        return evaluate(self, block)

    monkeypatch.setattr(BlockEvaluator, "evaluate", counting)
    assert _run(program, rows, monkeypatch, "blocks") == _run(program, rows, monkeypatch, "rows")
    assert blocks_seen, "the block path was not taken"


def test_many_blocks_keep_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows spanning several blocks come out in input order, a bad row in the middle reported in its place."""
    lines = [f"{i},{i % 7}" for i in range(BLOCK_ROWS * 2 + 10)]
    lines[BLOCK_ROWS + 3] = "x,1"
    text = "a,b\n" + "\n".join(lines) + "\n"
    blocks = _run("a*b + 1/(b + 1)", text, monkeypatch, "blocks")
    assert blocks == _run("a*b + 1/(b + 1)", text, monkeypatch, "rows")
    assert blocks[1] == [f"line {BLOCK_ROWS + 5}: a must be a number (like 2, -3.5 or 1e-3), got 'x'"]
    assert blocks[0].count("\n") == 1 + len(lines) - 1


def test_a_bad_row_stops_at_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a handler, the rows before a bad one are written, then the error is raised."""
    monkeypatch.setenv("EXPRGRAD_POINTS", "blocks")
    out = io.StringIO()
    with pytest.raises(RowError, match="line 4: math error"):
        stream_points(parse("log(a)"), {}, io.BytesIO(b"a\n1\n2\n0\n3\n"), out)
    assert out.getvalue().splitlines() == ["a,value,grad_a", "1.0,0.0,1.0", "2.0,0.6931471805599453,0.5"]


def test_values_from_options_behave_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable given as an option is a plain number in a block: dividing by its 0, or log(0), is a row error."""
    for program in ("log(y)*a", "a/y", "sqrt(y)*a"):
        rows = "a\n1\n2\n"
        fixed = {"y": 0.0}
        assert _run(program, rows, monkeypatch, "blocks", fixed) == _run(program, rows, monkeypatch, "rows", fixed)


# Programs with every function --fast-math changes, on inputs where they are well conditioned.
_FAST_MATH_PROGRAMS = [
    "h1 = tanh(x*w + y*v + b); h2 = sigmoid(x*v - y*w); o = h1*h2 + exp(-h1*h1)",
    "sin(x)*cos(y) + log(x*x + 1) - (y*y + 0.5)**w",
    "z = x*w + y; relu(z)*tanh(v) + sqrt(b*b + 1)/(1 + exp(z))",
]
_MODERATE = st.floats(min_value=-3, max_value=3, allow_nan=False, allow_infinity=False)


def _numbers(output: str) -> list[list[float]]:
    return [[float(field) for field in line.split(",")] for line in output.splitlines()[1:]]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(_FAST_MATH_PROGRAMS),
    st.lists(st.fixed_dictionaries(dict.fromkeys(["x", "y", "w", "v", "b"], _MODERATE)), min_size=1, max_size=30),
)
def test_fast_math_stays_within_rounding_of_the_exact_results(program: str, rows: list[dict[str, float]]) -> None:
    """--fast-math swaps the C library's functions for NumPy's: each value and gradient may move in its last bits,
    never by more than 1e-12 (relative, or absolute near 0)."""
    names = list(parse(program).variables)
    text = ",".join(names) + "\n" + "".join(",".join(repr(row[n]) for n in names) + "\n" for row in rows)
    outputs = []
    for fast_math in (False, True):
        out = io.StringIO()
        stream_points(parse(program), {}, io.BytesIO(text.encode()), out, fast_math=fast_math)
        outputs.append(_numbers(out.getvalue()))
    exact, fast = outputs
    assert len(exact) == len(fast) == len(rows)
    for exact_row, fast_row in zip(exact, fast, strict=True):
        for want, got in zip(exact_row, fast_row, strict=True):
            assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12), (want, got)


@pytest.mark.parametrize(("program", "rows"), [("log(a)*b", "a,b\n1,2\n0,1\n-1,3\n"), ("exp(a)", "a\n1\n1000\n")])
def test_fast_math_reports_the_same_errors(program: str, rows: str) -> None:
    """Rows that are not finite on the fast path are redone by the scalar engine, which names the error."""
    messages: list[list[str]] = [[], []]
    for fast_math, skipped in zip((False, True), messages, strict=True):
        stream_points(
            parse(program),
            {},
            io.BytesIO(rows.encode()),
            io.StringIO(),
            on_bad_row=lambda error, into=skipped: into.append(str(error)),  # type: ignore[misc]
            fast_math=fast_math,
        )
    assert messages[0] == messages[1] and messages[0]


def test_fast_math_takes_numpys_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flag reaches the block evaluator: tanh is NumPy's, called once per block rather than once per row."""
    import numpy as np

    from exprgrad.vectorized import FastArrayMath

    calls: list[int] = []

    def counting_tanh(x: Any) -> Any:
        calls.append(np.size(x))
        return np.tanh(x)

    monkeypatch.setattr(FastArrayMath, "tanh", staticmethod(counting_tanh))
    out = io.StringIO()
    stream_points(parse("tanh(a)"), {}, io.BytesIO(b"a\n1\n2\n3\n"), out, fast_math=True)
    assert calls == [3]
    assert out.getvalue().splitlines()[1].startswith("1.0,0.7615941559557649,")
