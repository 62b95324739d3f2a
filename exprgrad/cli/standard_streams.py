"""Standard streams that report their faults instead of raising tracebacks from deep inside a library.

Three faults are handled here, once, for every command and for Click's own `--help` and `--version`:

- a stream the process was started without (`>&-`, `<&-`): its descriptor is held open on /dev/null, so that no
  file exprgrad opens later takes its number, and using the stream fails with a message;
- standard output that cannot be written (a full disk, a broken pipe): the write raises `OutputStreamError`,
  which `app.main` turns into one message and an exit code;
- an output encoding that lacks a character (`PYTHONIOENCODING=ascii`, a latin-1 terminal): the character is
  written as a JSON-style escape (``\\u03b1``), which is lossless, visible, and valid inside a JSON string.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import stat
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# The name under which `escape_unencodable` is registered with the codecs module.
ESCAPE_ERRORS = "exprgrad-escape"


class OutputStreamError(Exception):
    """Standard output could not be written.

    Not an OSError: Click turns an OSError with EPIPE into a silent exit 1, and the CLI decides that itself.
    """

    def __init__(self, error_number: int, reason: str) -> None:
        super().__init__(reason)
        self.errno = error_number
        self.reason = reason


def escape_unencodable(error: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: each character the encoding lacks becomes ``\\uXXXX`` (a surrogate pair above U+FFFF)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    pieces = []
    for character in error.object[error.start : error.end]:
        code = ord(character)
        if code > 0xFFFF:
            code -= 0x10000
            pieces.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            pieces.append(f"\\u{code:04x}")
    return "".join(pieces), error.end


class CheckedOutput(io.FileIO):
    """File descriptor 1, whose write errors become `OutputStreamError`; after the first, writes are dropped.

    Dropping matters at exit: Python flushes stdout once more, and a second failure would print a warning. When
    stdout is a regular file (`> out.csv` on a disk that fills up), the file is cut back to its last complete
    line, so that a reader never takes a half-written row for a whole one.
    """

    def __init__(self, descriptor: int, *, closed_at_start: bool = False) -> None:
        super().__init__(descriptor, "wb", closefd=False)
        self.failure: OutputStreamError | None = (
            OutputStreamError(errno.EBADF, "it is closed") if closed_at_start else None
        )
        self.reported = False
        # Where this process's output starts in the file and where its last complete line ends (regular files).
        self.position: int | None = None
        self.line_end = 0
        if not closed_at_start:
            try:
                if stat.S_ISREG(os.fstat(descriptor).st_mode):
                    self.position = self.line_end = os.lseek(descriptor, 0, os.SEEK_CUR)
            except OSError:
                pass

    def write(self, data: ReadableBuffer, /) -> int:
        """Write `data` to the descriptor, or raise `OutputStreamError` (once) if it cannot be written."""
        view = memoryview(data)
        if self.failure is None:
            try:
                written = super().write(view)
            except OSError as error:
                self.failure = OutputStreamError(error.errno or errno.EIO, error.strerror or str(error))
                self._cut_to_last_line()
            else:
                if self.position is not None and written:
                    newline = view[:written].tobytes().rfind(b"\n")
                    if newline >= 0:
                        self.line_end = self.position + newline + 1
                    self.position += written
                return written
        if self.reported:
            return view.nbytes
        self.reported = True
        raise self.failure

    def _cut_to_last_line(self) -> None:
        if self.position is not None and self.position > self.line_end:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fileno(), self.line_end)

    def isatty(self) -> bool:
        """False for a stream that was closed at start (its descriptor now holds /dev/null)."""
        return self.failure is None and super().isatty()


class ClosedInput(io.RawIOBase):
    """Standard input when the process was started without one: reading it is an error, not an empty file."""

    def readable(self) -> bool:
        """Yes: reading is allowed, and fails."""
        return True

    def readinto(self, buffer: object, /) -> int:
        """Fail as a read from a closed descriptor does, with a message a user can act on."""
        raise OSError(errno.EBADF, "standard input is closed")


def _hold_open(descriptor: int) -> bool:
    """Point `descriptor` at /dev/null if the process started without it; whether it was missing."""
    try:
        os.fstat(descriptor)
        return False
    except OSError:
        pass
    null = os.open(os.devnull, os.O_RDWR)
    if null != descriptor:
        os.dup2(null, descriptor)
        os.close(null)
    return True


def prepare_standard_streams() -> None:
    """Install the checked stdout, the placeholder streams for closed descriptors, and the escaping error handler."""
    codecs.register_error(ESCAPE_ERRORS, escape_unencodable)
    stdin_closed, stdout_closed, stderr_closed = (_hold_open(descriptor) for descriptor in (0, 1, 2))
    if stdin_closed or sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(ClosedInput()), encoding="utf-8")
    if stderr_closed or sys.stderr is None:
        # Nothing can be reported without a stderr; the exit code still says what happened.
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
    original = sys.stdout
    encoding = getattr(original, "encoding", None) or "utf-8"
    errors = getattr(original, "errors", None) or "strict"
    # A user's explicit choice (PYTHONIOENCODING=ascii:replace) stands; only the default "strict" would raise.
    if errors == "strict":
        errors = ESCAPE_ERRORS
    raw = CheckedOutput(1, closed_at_start=stdout_closed or original is None)
    line_buffering = bool(getattr(original, "line_buffering", False)) and raw.isatty()
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=encoding, errors=errors, line_buffering=line_buffering
    )


def output_is_unicode() -> bool:
    """Whether standard output's encoding is a UTF (so box-drawing characters and symbols can be written)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return codecs.lookup(encoding).name.startswith("utf")
