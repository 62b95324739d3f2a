"""Many points in one process: read rows of variable values, evaluate the parsed program at each, write rows.

The program is parsed once; each row only sets the variables' values and runs forward and backward over the same
graph. Input is read in chunks as they arrive and output is flushed before each wait for more input, so a
million-row stream runs in bounded memory and its first results appear before its input ends.

Input: CSV (or TSV) with a header of variable names, or JSON lines (one object of name -> number per line).
Output: CSV, TSV or JSON lines with the input columns, ``value``, and ``grad_<name>`` for every variable.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, TextIO

from .bindings import parse_number, rounds_to_zero
from .errors import BindingError, EvaluationError, ExprgradError
from .program import Program

# How much input is read at a time: large enough that per-read overhead vanishes, small enough to stay streaming.
CHUNK_BYTES = 1 << 16


class RowError(ExprgradError):
    """One input row is unusable (a missing or extra field, not a number) or fails to evaluate.

    A `fatal` error is about the input as a whole (it is not text), so --skip-bad does not skip past it.
    """

    def __init__(self, line: int, message: str, *, math: bool = False, fatal: bool = False) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.math = math
        self.fatal = fatal


@dataclass(frozen=True)
class Row:
    """One point: its line number in the input and its values, in the order of the input's columns."""

    line: int
    values: tuple[float, ...]


# A longer line is reported (and skipped with --skip-bad) rather than held in memory.
MAX_LINE_BYTES = 1 << 20
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def read_may_wait(stream: IO[bytes]) -> Callable[[], bool]:
    """A test of whether the next read of `stream` would wait for input (so that output should be flushed first).

    A regular file or an in-memory stream never makes exprgrad wait; a pipe, a terminal or a socket does only when
    nothing is ready to read (asked with a zero-timeout select). Where that cannot be asked, assume it may wait.
    """
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return lambda: False  # not backed by a file descriptor: nothing to wait for
    try:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            return lambda: False
        import select

        select.select([descriptor], [], [], 0)
    except (OSError, ValueError, ImportError):
        return lambda: True

    def nothing_ready() -> bool:
        return not select.select([descriptor], [], [], 0)[0]

    return nothing_ready


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, str | RowError] | None]:
    """(line number, text or the reason it is unusable) for each line; None comes before each read that would wait.

    Work and memory per line are linear in its length, whatever the chunking: a partial line is kept as a list of
    pieces and joined once. A line is reported as a RowError as soon as it passes MAX_LINE_BYTES (an endless line
    would otherwise be read forever), and the rest of it is dropped as it streams by. A NUL byte means the input is
    not text (``/dev/zero``, a binary file): a fatal RowError at once.
    """
    pieces: list[bytes] = []
    size = 0
    number = 0
    first = True
    may_wait = read_may_wait(stream)
    while True:
        if may_wait():
            yield None
        chunk = stream.read1(CHUNK_BYTES) if hasattr(stream, "read1") else stream.read(CHUNK_BYTES)
        if not chunk:
            break
        if first:
            # Spreadsheets often start UTF-8 CSV with a byte-order mark; it is not part of the first column's name.
            chunk = chunk.removeprefix(_BYTE_ORDER_MARK)
            first = False
        if b"\0" in chunk:
            line = number + 1 + chunk[: chunk.index(b"\0")].count(b"\n")
            yield line, RowError(line, "a NUL byte: the points input is not text", fatal=True)
            return
        lines = chunk.split(b"\n")
        for index, piece in enumerate(lines):
            if size <= MAX_LINE_BYTES:
                pieces.append(piece)
                if size + len(piece) > MAX_LINE_BYTES:
                    yield number + 1, _too_long(number + 1)
            size += len(piece)
            if index == len(lines) - 1:
                break  # the chunk ends inside a line: wait for the rest
            number += 1
            if size <= MAX_LINE_BYTES:
                yield number, _line_text(pieces, number)
            pieces, size = [], 0
    if size and size <= MAX_LINE_BYTES:
        yield number + 1, _line_text(pieces, number + 1)


def _too_long(line: int) -> RowError:
    return RowError(line, f"the line is longer than {MAX_LINE_BYTES} bytes")


def _line_text(pieces: list[bytes], line: int) -> str | RowError:
    try:
        return b"".join(pieces).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return RowError(line, "not UTF-8 text")


class PointReader:
    """Turns input lines into `Row`s: a CSV/TSV header and rows, or JSON-lines objects (detected by a leading `{`)."""

    def __init__(self, delimiter: str = ",") -> None:
        self.delimiter = delimiter
        self.columns: list[str] | None = None
        self.column_set: frozenset[str] = frozenset()
        self.json_lines = False

    def header(self, line: int, text: str) -> list[str]:
        """Read the column names from the first non-blank line (for JSON lines, from the first object's keys)."""
        if text.lstrip().startswith("{"):
            self.json_lines = True
            self.columns = list(_json_object(line, text))
        else:
            names = [name.strip() for name in _csv_fields(line, text, self.delimiter)]
            duplicate = first_repeated(names)
            if duplicate is not None:
                raise RowError(line, f"the column {duplicate!r} appears twice in the header")
            self.columns = names
        self.column_set = frozenset(self.columns)
        return self.columns

    def row(self, line: int, text: str) -> Row:
        """Parse one data line (raises RowError with the line number)."""
        assert self.columns is not None
        if self.json_lines:
            document = _json_object(line, text)
            if document.keys() != self.column_set:
                missing = [name for name in self.columns if name not in document]
                extra = [name for name in document if name not in self.column_set]
                detail = f"missing {', '.join(missing)}" if missing else f"unexpected {', '.join(extra)}"
                raise RowError(line, f"the keys differ from the first line's ({detail})")
            return Row(line, tuple(_json_number(line, name, document[name]) for name in self.columns))
        fields = _csv_fields(line, text, self.delimiter)
        if len(fields) != len(self.columns):
            raise RowError(line, f"expected {len(self.columns)} fields ({', '.join(self.columns)}), got {len(fields)}")
        try:
            return Row(line, tuple(parse_number(f.strip(), n) for n, f in zip(self.columns, fields, strict=True)))
        except BindingError as error:
            raise RowError(line, str(error)) from None

    def block(self, texts: Sequence[str]) -> Any:
        """All fields of CSV/TSV lines as a NumPy array, one row per line, or None if any line needs a closer look.

        Only digits, signs, points, exponents and delimiters are let through, so float() accepts exactly the
        language's number syntax here; anything else (spaces, nan, a short row) goes to `row`, line by line.
        Lines are split a group at a time: the strings of a whole wide block would take several times its array.
        """
        if self.json_lines or self.columns is None:
            return None
        import numpy as np

        delimiter = self.delimiter
        separators = len(self.columns) - 1
        if any(text.count(delimiter) != separators for text in texts):
            return None
        matrix = np.empty((len(texts), separators + 1))
        group = max(1, _FIELDS_AT_ONCE // (separators + 1))
        for start in range(0, len(texts), group):
            joined = delimiter.join(texts[start : start + group])
            if _NOT_A_NUMBER_CHARACTER[delimiter].search(joined):
                return None
            try:
                numbers = list(map(float, joined.split(delimiter)))
            except ValueError:
                return None
            # A nonzero field read as 0 (1e-400) is refused by `row`, as on the command line. Only a field with a
            # three-digit negative exponent or hundreds of zeros can be one, so blocks of ordinary zeros stay here.
            if 0.0 in numbers and _MAY_UNDERFLOW.search(joined):
                return None
            matrix[start : start + group] = np.array(numbers).reshape(-1, separators + 1)
        return matrix


_FIELDS_AT_ONCE = 1 << 16
_MAY_UNDERFLOW = re.compile(r"[eE]-0*\d{3}|0{200}")
_NOT_A_NUMBER_CHARACTER = {delimiter: re.compile(rf"[^0-9eE.+\-{delimiter}]") for delimiter in (",", "\t")}


def first_repeated(names: Sequence[str]) -> str | None:
    """The first name that occurs a second time in `names` (in one pass), or None."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def _csv_fields(line: int, text: str, delimiter: str) -> list[str]:
    # The csv module refuses fields over 128 KiB by default (a process-wide limit); any field of a line within the
    # line limit is allowed here, and anything else it refuses is one bad row, not a traceback.
    if csv.field_size_limit() < MAX_LINE_BYTES:
        csv.field_size_limit(MAX_LINE_BYTES)
    try:
        return next(csv.reader([text], delimiter=delimiter))
    except csv.Error as error:
        raise RowError(line, f"not a CSV line ({error})") from None


def _json_object(line: int, text: str) -> dict[str, object]:
    try:
        document = json.loads(text, object_pairs_hook=_refuse_repeated_keys, parse_float=_json_float)
    except _RepeatedKey as repeated:
        raise RowError(line, f"the key {repeated.args[0]!r} appears twice") from None
    except ValueError as error:
        raise RowError(line, f"not valid JSON ({error.args[0].split(':')[0]})") from None
    except RecursionError:
        # The JSON parser recurses once per level of nesting; a row is one flat object, so depth is an error anyway.
        raise RowError(line, "nested too deeply: each JSON line must be an object of name: number") from None
    if not isinstance(document, dict):
        raise RowError(line, "each JSON line must be an object of name: number")
    return document


class _RepeatedKey(Exception):
    pass


class _ReadAsZero(float):
    """0.0 read from a nonzero JSON number (1e-400): `_json_number` refuses it by name, as a CSV cell is refused."""

    text = ""


def _json_float(text: str) -> float:
    value = float(text)
    if rounds_to_zero(text, value):
        zero = _ReadAsZero(value)
        zero.text = text
        return zero
    return value


def _refuse_repeated_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _RepeatedKey(next(key for index, (key, _) in enumerate(pairs) if key in dict(pairs[:index])))
    return document


def _json_number(line: int, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RowError(line, f"{name} must be a number, got {json.dumps(value)}")
    if isinstance(value, _ReadAsZero):
        raise RowError(line, f"{name} is too small for a float (it would be read as 0): {value.text}")
    try:
        number = float(value)
    except OverflowError:
        # A JSON integer is exact and unbounded; one beyond the largest float is refused as in CSV.
        raise RowError(line, f"{name} is too large for a float") from None
    if not math.isfinite(number):
        raise RowError(line, f"{name} must be a finite number")
    return number


class PointEvaluator:
    """Evaluates one program at many points: fixed values are set once, columns set per row."""

    def __init__(self, program: Program, columns: Sequence[str], fixed: Mapping[str, float]) -> None:
        self.program = program
        self.columns = list(columns)
        unknown = [name for name in columns if name not in program.variables]
        if unknown:
            raise BindingError(f"the input has a column {unknown[0]!r}, which is not a variable of the program")
        both = [name for name in columns if name in fixed]
        if both:
            raise BindingError(f"{both[0]} is given both as a column and as an option; give it once")
        given = set(columns)
        missing = [name for name in program.free_variables if name not in given and name not in fixed]
        if missing:
            names = ", ".join(missing)
            raise BindingError(f"no value for {names}: add a column for it or pass --{missing[0]} VALUE")
        # Check the fixed values with the same messages as a single run.
        placeholder = dict.fromkeys(columns, 0.0)
        program.bind({**fixed, **placeholder})
        self.column_nodes = [program.variables[name] for name in columns]
        self.gradient_nodes = list(program.variables.values())
        self.gradient_names = list(program.variables)

    def evaluate(self, row: Row) -> tuple[float, list[float]]:
        """The output value and the gradient for every variable at one row."""
        for node, value in zip(self.column_nodes, row.values, strict=True):
            node.data = value
        try:
            self.program.recompute()
        except EvaluationError as error:
            raise RowError(row.line, str(error), math=True) from None
        return self.program.output.data, [node.grad for node in self.gradient_nodes]


class PointWriter:
    """Writes result rows as CSV, TSV or JSON lines, with stable column names."""

    def __init__(self, stream: TextIO, output_format: str, columns: Sequence[str], gradient_names: Sequence[str]):
        self.stream = stream
        self.output_format = output_format
        self.columns = list(columns)
        self.keys = [*self.columns, "value", *(f"grad_{name}" for name in gradient_names)]
        clash = first_repeated(self.keys)
        if clash is not None:
            raise BindingError(
                f"the output would have two columns named {clash!r} (the results are named value and grad_<name>);"
                " rename that variable"
            )
        if output_format != "json":
            separator = "\t" if output_format == "tsv" else ","
            self.separator = separator
            stream.write(separator.join(self.keys) + "\n")

    def write(self, row: Row, value: float, gradients: Sequence[float]) -> None:
        """One output row."""
        self.write_numbers([*row.values, value, *gradients])

    def write_numbers(self, numbers: Sequence[float]) -> None:
        """One output row from its numbers: the inputs, the value, the gradients."""
        if self.output_format == "json":
            self.stream.write(json.dumps(dict(zip(self.keys, numbers, strict=True))) + "\n")
        else:
            self.stream.write(self.separator.join(map(repr, numbers)) + "\n")


# Rows evaluated together with NumPy; a read that would wait for input also ends a block, so output keeps up.
# Each op of the program costs a few microseconds of Python per block whatever its size, so blocks are large
# enough to spread that thin; larger ones only hold more memory.
BLOCK_ROWS = 8192
# A block holds every node's values for each of its rows (and the gradients, and the input and output fields):
# a wide program gets fewer rows, so that a block stays near 8 M numbers (64 MiB) per array set. At 1,000
# variables and 3,000 nodes that is still over 2,000 rows, enough to spread the per-op cost thin.
BLOCK_VALUES = 1 << 23


def block_rows(nodes: int, columns: int) -> int:
    """How many rows `--points` evaluates together for a program of `nodes` nodes read from `columns` columns."""
    return max(1, min(BLOCK_ROWS, BLOCK_VALUES // max(1, nodes, 2 * columns + 1)))


def _block_evaluator(program: Program, columns: Sequence[str], fast_math: bool) -> Any:
    """A NumPy evaluator for the program, or None: NumPy missing, or EXPRGRAD_POINTS=rows asks for the row path."""
    if os.environ.get("EXPRGRAD_POINTS", "blocks") == "rows":
        return None
    try:
        from .vectorized import BlockEvaluator
    except ImportError:
        return None
    return BlockEvaluator(program, columns, fast_math=fast_math)


def stream_points(
    program: Program,
    fixed: Mapping[str, float],
    source: IO[bytes],
    out: TextIO,
    *,
    output_format: str = "csv",
    input_delimiter: str = ",",
    on_bad_row: Callable[[RowError], None] | None = None,
    fast_math: bool = False,
) -> tuple[int, int]:
    """Evaluate `program` at every row of `source`, writing results to `out` as they are computed.

    Returns (rows written, rows skipped). A bad row raises RowError, unless `on_bad_row` is given: then it is
    handed the error and the row is skipped. A bad header is always raised. With `fast_math`, blocks of rows use
    NumPy's transcendental functions (see `vectorized.FastArrayMath`): faster, not bit for bit the scalar engine.
    """
    # Values given as options are the command line's business, checked before any line is read.
    program.check_names(fixed)
    stream = _PointStream(program, fixed, out, output_format, input_delimiter, on_bad_row, fast_math)
    for item in read_lines(source):
        if item is None:
            stream.flush()
            out.flush()
        else:
            stream.take(*item)
    stream.finish()
    return stream.written, stream.skipped


_ROWS_AS_FLOATS = 256


class _PointStream:
    """The state of one --points run: header, evaluators, the block being gathered, and the counts.

    Rows are gathered into blocks and evaluated with NumPy where possible; a row that fails there (or a block
    that does not parse cleanly) is redone on its own with the scalar engine, which gives the exact error message
    or the special-case result. Output order is input order.
    """

    def __init__(
        self,
        program: Program,
        fixed: Mapping[str, float],
        out: TextIO,
        output_format: str,
        input_delimiter: str,
        on_bad_row: Callable[[RowError], None] | None,
        fast_math: bool,
    ) -> None:
        self.program = program
        self.fixed = fixed
        self.fast_math = fast_math
        self.out = out
        self.output_format = output_format
        self.reader = PointReader(input_delimiter)
        self.on_bad_row = on_bad_row
        self.evaluator: PointEvaluator | None = None
        self.writer: PointWriter | None = None
        self.block: Any = None
        self.block_rows = BLOCK_ROWS
        self.pending: list[tuple[int, str]] = []
        self.written = 0
        self.skipped = 0

    def take(self, line: int, text: str | RowError) -> None:
        """One input line: the header, a data row to gather, or a line that could not be read."""
        if self.evaluator is None:
            self._header(line, text)
        elif isinstance(text, RowError):
            self.flush()
            self._bad(text)
        elif text.strip():
            self.pending.append((line, text))
            if len(self.pending) >= self.block_rows:
                self.flush()

    def _header(self, line: int, text: str | RowError) -> None:
        if isinstance(text, RowError):
            raise text
        if not text.strip():
            return
        columns = self.reader.header(line, text)
        try:
            self.evaluator = PointEvaluator(self.program, columns, self.fixed)
            self.writer = PointWriter(self.out, self.output_format, columns, self.evaluator.gradient_names)
        except BindingError as error:
            raise RowError(line, str(error)) from None
        self.block = _block_evaluator(self.program, columns, self.fast_math)
        self.block_rows = block_rows(len(self.program.nodes), len(columns))
        if self.reader.json_lines:
            # The first JSON line is a row as well as the header.
            self.pending.append((line, text))

    def _bad(self, error: RowError) -> None:
        if self.on_bad_row is None or error.fatal:
            raise error
        self.on_bad_row(error)
        self.skipped += 1

    def _one_row(self, line: int, text: str) -> None:
        assert self.evaluator is not None and self.writer is not None
        try:
            row = self.reader.row(line, text)
            value, gradients = self.evaluator.evaluate(row)
        except RowError as error:
            self._bad(error)
            return
        self.writer.write(row, value, gradients)
        self.written += 1

    def flush(self) -> None:
        """Evaluate and write the rows gathered so far."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        matrix = self.reader.block([text for _, text in pending]) if self.block is not None else None
        if matrix is None:
            for line, text in pending:
                self._one_row(line, text)
            return
        import numpy as np

        assert self.writer is not None
        try:
            values, gradients, suspect = self.block.evaluate(matrix)
        except ArithmeticError:
            # NumPy gives inf or nan rather than raising; should Python arithmetic raise somewhere anyway, the
            # scalar engine reports every row of the block exactly.
            for line, text in pending:
                self._one_row(line, text)
            return
        # A field like 1e999 reads as inf; the row path refuses it with a message.
        suspect |= ~np.isfinite(matrix).all(axis=1)
        table = np.column_stack([matrix, values, *gradients])
        suspects = suspect.tolist()
        # Python floats for a slice of rows at a time: a whole wide block of them would be several times its array.
        for start in range(0, len(pending), _ROWS_AS_FLOATS):
            numbers = table[start : start + _ROWS_AS_FLOATS].tolist()
            for index, row in enumerate(numbers, start):
                if suspects[index]:
                    self._one_row(*pending[index])
                else:
                    self.writer.write_numbers(row)
                    self.written += 1

    def finish(self) -> None:
        """Write what is left; an input without even a header is an error."""
        if self.evaluator is None:
            raise BindingError("the points input is empty: it needs a header line of variable names")
        self.flush()
