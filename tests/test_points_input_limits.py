"""--points input that is long, deep, endless, binary or wide: a bad row or a clean error, never a hang or traceback."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from exprgrad import parse
from exprgrad.points import MAX_LINE_BYTES, PointEvaluator, PointReader, PointWriter, RowError, stream_points

from .cli_helpers import run
from .growth import growth


def _points(program: str, data: bytes | io.RawIOBase) -> tuple[str, list[str]]:
    """stdout and the skipped-row messages of one --points run with --skip-bad."""
    out = io.StringIO()
    skipped: list[str] = []
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    stream_points(parse(program), {}, source, out, on_bad_row=lambda error: skipped.append(str(error)))  # type: ignore[arg-type]
    return out.getvalue(), skipped


def test_a_csv_field_longer_than_the_csv_modules_limit_is_one_bad_row() -> None:
    """A quoted field of 200,000 characters (over the csv module's default limit of 131,072) is one bad row."""
    long_field = '"' + "1" * 200_000 + '"'
    out, skipped = _points("a*b", f"a,b\n1,{long_field}\n2,3\n".encode())
    assert out.splitlines()[1:] == ["2.0,3.0,6.0,3.0,2.0"]
    assert len(skipped) == 1 and skipped[0].startswith("line 2: b is too large")


def test_a_long_csv_field_on_the_command_line_is_no_traceback() -> None:
    """The same through the CLI with --skip-bad: exit 0, the good row written, the bad one reported."""
    result = run("eval", "a*b", "--points", "-", "--skip-bad", input="a,b\n1,x" + "y" * 140_000 + "\n2,3\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == ["2.0,3.0,6.0,3.0,2.0"]
    assert "skipped line 2: b must be a number" in result.stderr


def test_a_json_row_nested_a_thousand_deep_is_one_bad_row() -> None:
    """A JSON line nested deeper than the parser's recursion allows is skipped with a message, not a RecursionError."""
    deep = "[" * 1000 + "]" * 1000
    out, skipped = _points("a*b", f'{{"a": 1, "b": 2}}\n{{"a": {deep}, "b": 1}}\n{{"a": 1, "b": 3}}\n'.encode())
    assert out.splitlines()[1:] == ["1.0,2.0,2.0,2.0,1.0", "1.0,3.0,3.0,3.0,1.0"]
    assert skipped == ["line 2: nested too deeply: each JSON line must be an object of name: number"]


def test_a_json_header_nested_deeply_is_an_error() -> None:
    """The first JSON line names the columns; nested too deep there, the run stops with exit 2."""
    result = run("eval", "a", "--points", "-", input='{"a": ' + "[" * 5000 + "]" * 5000 + "}\n")
    assert result.exit_code == 2
    assert "line 1: nested too deeply" in result.stderr


class _Endless(io.RawIOBase):
    """A stream that never ends: `head` once, then `byte` forever (an endless line), counting what was read."""

    def __init__(self, head: bytes, byte: bytes) -> None:
        self.head = head
        self.byte = byte
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        chunk, self.head = (self.head, b"") if self.head else (self.byte * size, b"")
        self.read_bytes += len(chunk)
        if self.read_bytes > 50 * MAX_LINE_BYTES:
            raise AssertionError("still reading an endless line far past the line limit")
        return chunk


def test_an_endless_line_after_the_header_stops_at_the_line_limit() -> None:
    """A valid header and then a line that never ends: the line-too-long error comes after about 1 MiB of it."""
    stream = _Endless(b"a\n", b"1")
    with pytest.raises(RowError, match=f"line 2: the line is longer than {MAX_LINE_BYTES} bytes"):
        stream_points(parse("a"), {}, stream, io.StringIO())  # type: ignore[arg-type]
    assert stream.read_bytes < MAX_LINE_BYTES + (1 << 17)


def test_a_long_line_is_skipped_and_the_rest_is_read() -> None:
    """With --skip-bad, a line of 3 MiB is reported once and the next line is evaluated."""
    out, skipped = _points("a", b"a\n1\n" + b"2" * (3 * MAX_LINE_BYTES) + b"\n5\n")
    assert out.splitlines()[1:] == ["1.0,1.0,1.0", "5.0,5.0,1.0"]
    assert skipped == [f"line 3: the line is longer than {MAX_LINE_BYTES} bytes"]


def test_a_nul_byte_stops_the_run_even_when_skipping_bad_rows() -> None:
    """NUL bytes mean the input is not text: a fatal error that --skip-bad does not skip past."""
    stream = _Endless(b"a\n1\n", b"\0")
    with pytest.raises(RowError, match="line 3: a NUL byte"):
        _points("a", stream)


def test_dev_zero_is_refused_at_once() -> None:
    """`exprgrad eval a --points /dev/zero` ends with exit 2 and one line on stderr, not an endless spin."""
    finished = subprocess.run(
        [sys.executable, "-m", "exprgrad", "eval", "a", "--points", "/dev/zero", "--skip-bad"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2
    assert finished.stderr == "exprgrad: error: line 1: a NUL byte: the points input is not text\n"


def _header_checks(columns: int) -> None:
    names = [f"x{i}" for i in range(columns)]
    program = _wide_programs[columns]
    reader = PointReader()
    header = reader.header(1, ",".join(names))
    evaluator = PointEvaluator(program, header, {})
    PointWriter(io.StringIO(), "csv", header, evaluator.gradient_names)


_wide_programs = {n: parse(" + ".join(f"x{i}" for i in range(n))) for n in (10_000, 40_000)}


def test_checking_a_wide_header_grows_linearly() -> None:
    """Reading and checking a header of 40,000 columns costs about 4 times 10,000 (quadratic would be 16)."""
    ratio = growth(lambda: _header_checks(10_000), lambda: _header_checks(40_000), repeat=5)
    assert ratio < 8, f"40,000 columns took {ratio:.1f} times as long as 10,000"


def test_a_repeated_column_in_a_wide_header_is_named() -> None:
    """The duplicate is found in one pass and named."""
    reader = PointReader()
    with pytest.raises(RowError, match="the column 'x3' appears twice"):
        reader.header(1, ",".join([*(f"x{i}" for i in range(10_000)), "x3"]))


def test_an_output_column_clash_is_named() -> None:
    """A variable named like a result column (value) cannot be told apart in the output: an error naming it."""
    result = run("eval", "value*b", "--points", "-", input="value,b\n1,2\n")
    assert result.exit_code == 2
    assert "two columns named 'value'" in result.stderr


def test_a_json_integer_too_large_for_a_float_is_one_bad_row() -> None:
    """An integer of 401 digits cannot be a float: a bad row with a message, not an OverflowError traceback."""
    out, skipped = _points("a", b'{"a": 1' + b"0" * 400 + b'}\n{"a": 2}\n')
    assert out.splitlines()[1:] == ["2.0,2.0,1.0"]
    assert skipped == ["line 1: a is too large for a float"]
