"""Writing output files all or nothing, without harm to the files around them.

What a write does to what is already at the path:

- a regular file is replaced in one rename, so a reader sees the old file or the whole new one. The new file keeps
  the old one's permission bits (and owner and group, where the process may set them). A file that is read-only
  (no write bit, or not writable by this user) is refused unless `force` is given, as `rm` and `mv` ask first;
- a symbolic link is followed: the file it points to is replaced and the link stays a link;
- a file with other hard links gets a new inode: the path names the new content, the other links keep the old;
- a device, FIFO or socket (`/dev/stdout`, `/dev/null`, a named pipe) is written into, never replaced; a FIFO
  that no process is reading is an error rather than a wait without end.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import BindingError, ExprgradError


class OutputError(ExprgradError):
    """An output file could not be written."""


def write_output(path: Path, content: bytes, *, force: bool = False) -> None:
    """Write `content` to `path`: atomically for a regular file, directly for a device or pipe (see the module)."""
    if not str(path):
        raise OutputError("the output path is empty")
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror}") from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise OutputError(f"cannot write {path}: it is a folder")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_into(path, content, is_fifo=stat.S_ISFIFO(existing.st_mode))
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if existing is not None and not force and _is_read_only(target, existing.st_mode):
        raise OutputError(f"cannot write {path}: the file is read-only (--force replaces it)")
    write_atomically(target, content, shown_as=path)


def _is_read_only(path: Path, mode: int) -> bool:
    # The write bits, not only access(): root may write anything, but a file marked read-only should stay so.
    return not stat.S_IMODE(mode) & 0o222 or not os.access(path, os.W_OK)


def _write_into(path: Path, content: bytes, *, is_fifo: bool) -> None:
    """Write into a device or FIFO in place."""
    try:
        # Opening a FIFO for writing waits for a reader; without one, O_NONBLOCK makes it fail at once (ENXIO).
        descriptor = os.open(path, os.O_WRONLY | (os.O_NONBLOCK if is_fifo else 0))
    except OSError as error:
        if error.errno == errno.ENXIO and is_fifo:
            raise OutputError(f"cannot write {path}: it is a FIFO (named pipe) that no process is reading") from None
        raise OutputError(f"cannot write {path}: {error.strerror}") from None
    try:
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
    except OSError as error:
        reason = "the reader closed it early" if error.errno == errno.EPIPE else error.strerror
        raise OutputError(f"cannot write {path}: {reason}") from None


def write_atomically(path: Path, content: bytes, *, shown_as: Path | None = None) -> None:
    """Write `content` to `path` so that a reader sees the old file or the whole new one, never a part.

    The bytes go to a temporary file in the same folder, which then replaces `path` in one rename; on any failure
    (including Ctrl-C, SIGTERM and SIGHUP) the temporary file is removed and an existing `path` is left as it was.
    """
    shown = shown_as or path
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {shown}: the folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {shown}: it is a folder")
    try:
        existing: os.stat_result | None = os.stat(path)
    except OSError:
        existing = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write {shown}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
        if existing is not None:
            # The replacement is the same file to its users: same permissions, and owner and group where allowed.
            os.chmod(temporary, stat.S_IMODE(existing.st_mode))
            if (existing.st_uid, existing.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):
                    os.chown(temporary, existing.st_uid, existing.st_gid)
        else:
            # mkstemp creates the file readable by its owner only; give it the permissions a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"cannot write {shown}: {error.strerror}") from None
        raise


def refuse_inputs_as_outputs(
    outputs: Iterable[tuple[str, Path | None]], inputs: Iterable[tuple[str, str | None]]
) -> None:
    """A BindingError if an output (option, path) is the same file as an input (option, path), through any link.

    Writing the drawing over the program it was drawn from would destroy the program.
    """
    input_files = {}
    for option, name in inputs:
        if name is None or name == "-":
            continue
        with contextlib.suppress(OSError):
            status = os.stat(name)
            if stat.S_ISREG(status.st_mode):
                input_files[(status.st_dev, status.st_ino)] = (option, name)
    for option, path in outputs:
        if path is None:
            continue
        try:
            status = os.stat(path)
        except OSError:
            continue
        clash = input_files.get((status.st_dev, status.st_ino))
        if clash is not None:
            raise BindingError(
                f"{option} {path} is the file the input comes from ({clash[0]} {clash[1]}); exprgrad does not write"
                " over its input: give another path"
            )
