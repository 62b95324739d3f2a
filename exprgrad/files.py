"""Writing output files all or nothing."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import ExprgradError


class OutputError(ExprgradError):
    """An output file could not be written."""


def write_output(path: Path, content: bytes) -> None:
    """Write `content` to `path`: atomically for a regular file, directly for a device or pipe.

    `--dot /dev/stdout` and `--svg /dev/null` must write into the device, not replace it with a file; a symbolic
    link is followed, so the file it points to is replaced and the link stays.
    """
    if not str(path):
        raise OutputError("the output path is empty")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {path}: it is a folder")
    if mode is not None and not stat.S_ISREG(mode):
        try:
            with open(path, "wb") as stream:
                stream.write(content)
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror}") from None
        return
    write_atomically(Path(os.path.realpath(path)) if path.is_symlink() else path, content, shown_as=path)


def write_atomically(path: Path, content: bytes, *, shown_as: Path | None = None) -> None:
    """Write `content` to `path` so that a reader sees the old file or the whole new one, never a part.

    The bytes go to a temporary file in the same folder, which then replaces `path` in one rename; on any failure
    (including Ctrl-C) the temporary file is removed and an existing `path` is left as it was.
    """
    shown = shown_as or path
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {shown}: the folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {shown}: it is a folder")
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write {shown}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
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
