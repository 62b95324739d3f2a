"""Wide point files and blocks: full blocks unless a read would wait, and a cost per node and point that stays flat."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from exprgrad import parse
from exprgrad.points import BLOCK_ROWS, BLOCK_VALUES, block_rows, read_may_wait, stream_points
from exprgrad.vectorized import BlockEvaluator

from .growth import fastest

UNIT = "h1 = tanh(x*w1 + y*w2 + b1); h2 = sigmoid(x*w3 - y*w4); o = h1*h2 + exp(-h1*h1)"
UNIT_NAMES = ("x", "y", "w1", "w2", "b1", "w3", "w4", "h1", "h2", "o")


def wide_program(copies: int) -> tuple[str, list[str]]:
    """`copies` copies of a 21-node unit over fresh variables, summed; and its variables in column order."""
    pattern = re.compile(r"\b(" + "|".join(UNIT_NAMES) + r")\b")
    statements = [pattern.sub(lambda match: f"{match.group(1)}_{k}", UNIT) for k in range(copies)]  # noqa: B023
    columns = [f"{name}_{k}" for k in range(copies) for name in UNIT_NAMES[:7]]
    return "; ".join([*statements, "out = " + " + ".join(f"o_{k}" for k in range(copies))]), columns


def _csv(columns: list[str], rows: int) -> bytes:
    lines = [",".join(columns)]
    lines += [
        ",".join(repr(((row * 31 + column * 17) % 200 - 100) / 101) for column in range(len(columns)))
        for row in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _block_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    original = BlockEvaluator.evaluate

    def counting(self: BlockEvaluator, block: Any) -> Any:
        sizes.append(block.shape[0])
        return original(self, block)

    monkeypatch.setattr(BlockEvaluator, "evaluate", counting)
    return sizes


def test_a_regular_file_gives_full_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From a file on disk nothing waits: every block but the last has BLOCK_ROWS rows, however the file is read."""
    rows = 2 * BLOCK_ROWS + 5
    path = tmp_path / "points.csv"
    path.write_bytes(b"a,b\n" + b"".join(b"%d,0.5\n" % i for i in range(rows)))
    sizes = _block_sizes(monkeypatch)
    with path.open("rb") as source:
        written, _ = stream_points(parse("a*b"), {}, source, io.StringIO())
    assert written == rows
    assert sizes == [BLOCK_ROWS, BLOCK_ROWS, 5]


def test_a_read_waits_only_on_an_empty_pipe(tmp_path: Path) -> None:
    """An empty pipe would make a read wait; one holding data, a regular file and a memory stream would not."""
    reading, writing = os.pipe()
    try:
        with os.fdopen(reading, "rb", buffering=0) as pipe:
            may_wait = read_may_wait(pipe)
            assert may_wait()
            os.write(writing, b"a\n1\n")
            assert not may_wait()
    finally:
        os.close(writing)
    path = tmp_path / "rows.csv"
    path.write_bytes(b"a\n")
    with path.open("rb") as regular:
        assert not read_may_wait(regular)()
    assert not read_may_wait(io.BytesIO(b"a\n"))()


def test_wide_programs_get_blocks_within_the_memory_budget() -> None:
    """A block holds at most BLOCK_VALUES node values, and never fewer rows than that budget allows."""
    assert block_rows(21, 7) == BLOCK_ROWS
    assert block_rows(3145, 1001) == BLOCK_VALUES // 3145 > 2000
    assert block_rows(10_000_000, 2) == 1


def test_wide_blocks_equal_the_row_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide program through blocks gives the scalar engine's output, byte for byte."""
    text, columns = wide_program(6)
    data = _csv(columns, 40)
    outputs = []
    for path in ("blocks", "rows"):
        monkeypatch.setenv("EXPRGRAD_POINTS", path)
        out = io.StringIO()
        stream_points(parse(text), {}, io.BytesIO(data), out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 41


def _seconds_per_node_and_point(copies: int, rows: int) -> float:
    text, columns = wide_program(copies)
    program = parse(text)
    data = _csv(columns, rows)
    seconds = fastest(lambda: stream_points(program, {}, io.BytesIO(data), io.StringIO()), repeat=3)
    return seconds / (rows * len(program.nodes))


def test_cost_per_node_and_point_stays_flat_with_the_number_of_variables() -> None:
    """End to end, 1,001 variables cost per node and point within 2.5x of 7 (blocks ending at each read: 4.9x)."""
    narrow = _seconds_per_node_and_point(1, 4000)
    wide = _seconds_per_node_and_point(143, 300)
    assert wide / narrow < 2.5, f"{wide / narrow:.2f}x the 21-node program's cost per node and point"
