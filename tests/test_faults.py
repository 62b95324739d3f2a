"""Faults of the machine, injected for real: full disks, closed and non-UTF-8 streams, memory and file-size limits,
signals in the middle of a write, a broken `dot`, FIFOs, and inputs wide enough to show growth.

Every case runs the installed entry point (`python -m exprgrad`) in a subprocess, because these faults live in
file descriptors, signals and resource limits that an in-process runner does not have.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXPRGRAD = f"{shlex.quote(sys.executable)} -m exprgrad"
FULL_DISK_MESSAGE = "exprgrad: error: cannot write to standard output: No space left on device\n"


def shell(command: str, *, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
    """Run `command` in bash with `exprgrad` standing for this checkout's entry point; bytes out, never raising."""
    return subprocess.run(
        ["bash", "-c", command.replace("exprgrad ", EXPRGRAD + " ")],
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(stderr: bytes, fragment: str) -> None:
    """stderr is exactly one `exprgrad: error:` line that contains `fragment`, and no traceback."""
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text
    assert text.startswith("exprgrad: error: "), text
    assert text.count("\n") == 1, text
    assert fragment in text, text


# Every command, the top-level help and the version: each writes to stdout and must report a full disk.
EVERY_COMMAND = [
    'eval "a*b" --a 1 --b 2',
    'eval "a*b" --a 1 --b 2 --format json',
    'eval "a*b" --a 1 --b 2 --format csv',
    'eval "a*b" --a 1 --b 2 --order 2',
    'grad "a*b" --a 1 --b 2',
    'explain "a*b" --a 1 --b 2',
    'check "a*b" --a 1 --b 2',
    'eval "x = a*b; y = a+b" --output x --output y --a 1 --b 2',
    "functions",
    "eval 'a*b' --points - <<< $'a,b\\n1,2'",
    "--help",
    "--version",
    "eval --help",
]


@pytest.mark.parametrize("arguments", EVERY_COMMAND)
def test_a_full_stdout_is_one_message_and_exit_3(arguments: str) -> None:
    """Output to /dev/full: one line on stderr, exit 3 (output not written), never a traceback or exit 1."""
    result = shell(f"exprgrad {arguments} > /dev/full")
    assert result.stderr.decode() == FULL_DISK_MESSAGE
    assert result.returncode == 3


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs when the tests run as root and may mount; otherwise the test is about /dev/full only."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = False
    if os.geteuid() == 0:
        mounted = shell(f"mount -t tmpfs -o size=64k tmpfs {shlex.quote(str(mount_point))}").returncode == 0
    if not mounted:
        mount_point.rmdir()
        yield Path("/dev/full")
        return
    try:
        yield mount_point
    finally:
        shell(f"umount {shlex.quote(str(mount_point))}")


def test_points_onto_a_full_disk_leave_only_whole_lines(small_disk: Path, tmp_path: Path) -> None:
    """--points output that fills the disk: exit 3, one message, and the file ends with a complete row."""
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n" + "".join(f"{i}.25,{i}.5\n" for i in range(20_000)))
    target = small_disk / "out.csv" if small_disk.is_dir() else small_disk
    result = shell(f"exprgrad eval 'a*b' --points {rows} > {target}")
    assert result.stderr.decode() == FULL_DISK_MESSAGE
    assert result.returncode == 3
    if small_disk.is_dir():
        written = target.read_bytes()
        assert len(written) > 10_000  # the disk did fill up: this is not an empty file passing by accident
        assert written.endswith(b"\n")
        assert all(line.count(b",") == 4 for line in written.splitlines())  # a,b,value,grad_a,grad_b


@pytest.mark.parametrize("arguments", ['eval "a*b" --a 1 --b 2', "--help", 'grad "a" --a 1'])
def test_a_closed_stdout_is_an_output_error(arguments: str) -> None:
    """Started with stdout closed (`>&-`): exit 3 and a message, not an AttributeError."""
    result = shell(f"exprgrad {arguments} >&-")
    assert_one_line_error(result.stderr, "cannot write to standard output: it is closed")
    assert result.returncode == 3


@pytest.mark.parametrize("arguments", ["eval -f -", "eval a --points -", "batch"])
def test_a_closed_stdin_is_a_read_error(arguments: str) -> None:
    """`-f -`, `--points -` or `batch` with stdin closed (`<&-`): exit 2 and a message, not a traceback."""
    result = shell(f"exprgrad {arguments} <&-")
    assert_one_line_error(result.stderr, "standard input is closed")
    assert result.returncode == 2


def test_a_closed_stderr_keeps_the_exit_code() -> None:
    """With stderr closed, an error still exits with its own code (2), and stdout is unharmed."""
    result = shell('exprgrad eval "a*" 2>&-')
    assert result.returncode == 2
    assert result.stdout == b""


def test_a_closed_stdout_does_not_take_descriptor_1_for_a_file(tmp_path: Path) -> None:
    """A drawing written while stdout is closed goes to its file; the file is not mistaken for stdout."""
    result = shell('exprgrad eval "a*b" --a 1 --b 2 --dot g.dot >&-', cwd=tmp_path)
    assert result.returncode == 3
    assert (tmp_path / "g.dot").read_text().startswith("digraph exprgrad {")


def test_a_broken_pipe_still_ends_as_sigpipe() -> None:
    """`exprgrad ... | head -1` on a large output: the SIGPIPE exit (141) with nothing on stderr."""
    program = "+".join(f"x{i}" for i in range(3000))
    values = " ".join(f"--x{i} 1" for i in range(3000))
    result = shell(f"set -o pipefail; exprgrad eval '{program}' {values} | head -1")
    assert result.stderr == b""
    assert result.returncode == 128 + signal.SIGPIPE
    assert result.stdout.startswith(b"node")


def test_ascii_output_gets_ascii_borders() -> None:
    """PYTHONIOENCODING=ascii: the table is drawn with - + | and every byte is ASCII."""
    result = shell('exprgrad eval "a*b" --a 1 --b 2', env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii()
    assert result.stdout.splitlines()[:2] == [b"node | op       | data | grad", b"-----+----------+------+-----"]


def test_ascii_output_of_check_writes_plus_minus() -> None:
    """check's ± becomes +/- on an ASCII stdout, instead of a UnicodeEncodeError."""
    result = shell('exprgrad check "a*b" --a 1 --b 2', env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert b"+/-" in result.stdout
    assert result.stdout.isascii()


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_json_on_a_narrow_encoding_escapes_and_loses_nothing(encoding: str) -> None:
    """A Greek variable with --format json on ascii or latin-1: valid JSON that reads back as the same label."""
    result = shell('exprgrad eval "α*b" --α 3 --b 2 --format json', env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout.decode(encoding))
    assert document["gradients"] == {"α": 2.0, "b": 3.0}
    assert b"\\u03b1" in result.stdout


def test_a_table_on_a_narrow_encoding_escapes_what_it_cannot_encode() -> None:
    """A latin-1 table with a Greek label shows \\u03b1: visible and exact, never dropped or replaced by '?'."""
    result = shell('exprgrad eval "α*b" --α 3 --b 2', env={"PYTHONIOENCODING": "latin-1"})
    assert result.returncode == 0, result.stderr
    assert re.search(rb"\\u03b1\*b = 6(\.0)?\n", result.stdout), result.stdout
    assert b"?" not in result.stdout


def test_out_of_memory_has_its_own_exit_code(tmp_path: Path) -> None:
    """A million-node program under `ulimit -v 300000`: exit 5 and one line, not a MemoryError traceback."""
    from exprgrad.cli import EXIT_OUT_OF_MEMORY

    program = tmp_path / "big.txt"
    program.write_text("-" * 1_000_000 + "a")
    result = shell(f"ulimit -v 300000; exprgrad eval -f {program} --a 1 > /dev/null")
    assert_one_line_error(result.stderr, "out of memory")
    assert result.returncode == EXIT_OUT_OF_MEMORY == 5


def test_webassembly_renderer_under_an_address_space_limit(tmp_path: Path) -> None:
    """The in-process Graphviz under `ulimit -v 4000000` cannot reserve its memory: exit 3, one line."""
    result = shell(
        "ulimit -v 4000000; exprgrad eval 'a*b' --a 1 --b 2 --svg g.svg",
        cwd=tmp_path,
        env={"EXPRGRAD_RENDERER": "wasm"},
    )
    assert_one_line_error(result.stderr, "the in-process Graphviz could not")
    assert result.returncode == 3
    assert not (tmp_path / "g.svg").exists()


def test_webassembly_renderer_under_a_file_size_limit(tmp_path: Path) -> None:
    """Under `ulimit -f 100` the in-process Graphviz either draws (its cache already written) or fails cleanly."""
    result = shell(
        "ulimit -f 100; exprgrad eval 'a*b' --a 1 --b 2 --svg g.svg", cwd=tmp_path, env={"EXPRGRAD_RENDERER": "wasm"}
    )
    assert b"Traceback" not in result.stderr
    if result.returncode == 0:
        assert (tmp_path / "g.svg").read_bytes().rstrip().endswith(b"</svg>")
    else:
        assert_one_line_error(result.stderr, "Graphviz")
        assert result.returncode == 3


SLOW_WRITER = """
import os, sys, time
real_fdopen = os.fdopen
class Slow:
    def __init__(self, stream): self.stream = stream
    def __enter__(self): return self
    def __exit__(self, *exc): self.stream.close()
    def write(self, data):
        self.stream.write(data[: len(data) // 2]); self.stream.flush()
        time.sleep(60)
os.fdopen = lambda *args, **kwargs: Slow(real_fdopen(*args, **kwargs))
sys.argv[0] = "exprgrad"
from exprgrad.cli import main
main()
"""


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_mid_write_removes_the_temporary_file(signal_name: str, tmp_path: Path) -> None:
    """A signal while a drawing is half-written: exit 128+signal, the old file intact, no .tmp file left."""
    number = getattr(signal, signal_name)
    target = tmp_path / "g.dot"
    target.write_text("old")
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, "eval", "a*b", "--a", "1", "--b", "2", "--dot", "g.dot"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(path.name.endswith(".tmp") for path in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "the write never started"
        time.sleep(0.05)
    process.send_signal(number)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + number
    assert b"Traceback" not in stderr
    assert stderr.startswith(b"exprgrad: ")
    assert target.read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["g.dot"]


@pytest.fixture
def fake_dot(tmp_path: Path) -> Iterator[Path]:
    """A folder for a fake `dot` on PATH (the test writes its script)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    yield folder


def _install(folder: Path, script: str) -> dict[str, str]:
    dot = folder / "dot"
    dot.write_text("#!/bin/sh\n" + script)
    dot.chmod(dot.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{folder}:{os.environ['PATH']}", "EXPRGRAD_RENDERER": "dot"}


def test_a_dot_that_exits_early_is_an_error_not_sigpipe(fake_dot: Path, tmp_path: Path) -> None:
    """A `dot` that exits without reading a large input: exit 3 with a message, not a silent death by SIGPIPE."""
    env = _install(fake_dot, "exec 0<&-\nsleep 0.2\necho 'dot: broken' >&2\nexit 1\n")
    name = "x" * 100_000  # DOT source far larger than a pipe's buffer, so writing it meets the closed pipe
    result = subprocess.run(
        [sys.executable, "-m", "exprgrad", "eval", name, f"--{name}", "1", "--svg", "g.svg"],
        capture_output=True, cwd=tmp_path, env={**os.environ, **env}, timeout=120, check=False,
    )  # fmt: skip
    assert_one_line_error(result.stderr, "dot could not render svg: dot: broken")
    assert result.returncode == 3


def test_a_dot_that_prints_nothing_leaves_the_old_picture(fake_dot: Path, tmp_path: Path) -> None:
    """A `dot` that exits 0 with empty output: exit 3, and an existing SVG is not replaced with an empty file."""
    env = _install(fake_dot, "cat > /dev/null\nexit 0\n")
    (tmp_path / "g.svg").write_text("<svg>old</svg>")
    result = shell("exprgrad eval 'a*b' --a 1 --b 2 --svg g.svg", cwd=tmp_path, env=env)
    assert_one_line_error(result.stderr, "wrote no SVG")
    assert result.returncode == 3
    assert (tmp_path / "g.svg").read_text() == "<svg>old</svg>"


def test_a_fifo_without_a_reader_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """--dot onto a FIFO nobody reads: exit 3 at once, instead of waiting forever."""
    os.mkfifo(tmp_path / "pipe.dot")
    result = shell("exprgrad eval 'a*b' --a 1 --b 2 --dot pipe.dot", cwd=tmp_path, timeout=60)
    assert_one_line_error(result.stderr, "no process is reading")
    assert result.returncode == 3


def test_a_fifo_with_a_reader_gets_the_drawing(tmp_path: Path) -> None:
    """--dot onto a FIFO that a process reads: the reader gets the DOT source."""
    os.mkfifo(tmp_path / "pipe.dot")
    reader = subprocess.Popen(["cat", "pipe.dot"], cwd=tmp_path, stdout=subprocess.PIPE)
    time.sleep(0.5)  # the reader must be waiting on the FIFO before exprgrad opens it
    result = shell("exprgrad eval 'a*b' --a 1 --b 2 --dot pipe.dot > /dev/null", cwd=tmp_path, timeout=60)
    drawn, _ = reader.communicate(timeout=60)
    assert result.returncode == 0, result.stderr
    assert drawn.startswith(b"digraph exprgrad {")


@pytest.mark.parametrize("link", ["same", "symbolic", "hard"])
def test_an_output_that_is_the_program_file_is_refused(link: str, tmp_path: Path) -> None:
    """`-f prog.txt --dot prog.txt` (or a link to it): exit 2, and the program is left as it was."""
    (tmp_path / "prog.txt").write_text("a*b\n")
    output = "prog.txt"
    if link == "symbolic":
        (tmp_path / "link.txt").symlink_to("prog.txt")
        output = "link.txt"
    elif link == "hard":
        os.link(tmp_path / "prog.txt", tmp_path / "link.txt")
        output = "link.txt"
    result = shell(f"exprgrad eval -f prog.txt --a 1 --b 2 --dot {output}", cwd=tmp_path)
    assert_one_line_error(result.stderr, "is the file the input comes from (-f prog.txt)")
    assert result.returncode == 2
    assert (tmp_path / "prog.txt").read_text() == "a*b\n"


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    """A 0600 drawing stays 0600 when it is drawn again (the atomic replace used to make it 0644)."""
    target = tmp_path / "g.dot"
    target.write_text("old")
    target.chmod(0o600)
    result = shell("exprgrad eval 'a*b' --a 1 --b 2 --dot g.dot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("digraph")


def test_a_read_only_file_is_refused_unless_forced(tmp_path: Path) -> None:
    """A 0444 target: exit 3 and untouched; with --force it is replaced and stays 0444."""
    target = tmp_path / "g.dot"
    target.write_text("old")
    target.chmod(0o444)
    refused = shell("exprgrad eval 'a*b' --a 1 --b 2 --dot g.dot", cwd=tmp_path)
    assert_one_line_error(refused.stderr, "the file is read-only (--force replaces it)")
    assert refused.returncode == 3
    assert target.read_text() == "old"
    forced = shell("exprgrad eval 'a*b' --a 1 --b 2 --dot g.dot --force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert target.read_text().startswith("digraph")
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_writing_through_a_symbolic_link_replaces_its_target(tmp_path: Path) -> None:
    """--dot link.dot, a link to g.dot: g.dot gets the drawing and link.dot stays a link to it."""
    (tmp_path / "g.dot").write_text("old")
    (tmp_path / "link.dot").symlink_to("g.dot")
    result = shell("exprgrad eval 'a*b' --a 1 --b 2 --dot link.dot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link.dot").is_symlink()
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_a_hard_linked_target_is_replaced_by_a_new_file(tmp_path: Path) -> None:
    """As the README says: the written path gets the drawing; another hard link keeps the old content."""
    (tmp_path / "g.dot").write_text("old")
    os.link(tmp_path / "g.dot", tmp_path / "other.dot")
    result = shell("exprgrad eval 'a*b' --a 1 --b 2 --dot g.dot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert (tmp_path / "other.dot").read_text() == "old"


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_a_syntax_error_on_a_huge_line_prints_a_window(size: int, tmp_path: Path) -> None:
    """A one-line program of megabytes with a bad last character: a message of a few hundred bytes, any size."""
    program = tmp_path / "bad.txt"
    program.write_text("a+" * (size // 2) + "a$")
    result = shell(f"exprgrad eval -f {program} --a 1")
    assert result.returncode == 2
    assert len(result.stderr) < 400
    lines = result.stderr.decode().splitlines()
    assert lines[1].endswith("+a$") and lines[1].startswith("  ...")
    assert lines[2].index("^") == lines[1].index("$")


def test_a_huge_unknown_name_is_cut_in_the_message(tmp_path: Path) -> None:
    """An unknown function whose name is megabytes long: the message shows its ends, not all of it."""
    program = tmp_path / "bad.txt"
    program.write_text("f" * 1_000_000 + "(x)")
    result = shell(f"exprgrad eval -f {program} --x 1")
    assert result.returncode == 2
    assert len(result.stderr) < 400
    assert b"unknown function 'ffff" in result.stderr and b"...ffff" in result.stderr


PEAK_MEMORY = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_memory_mib(*arguments: str) -> float:
    """Peak resident memory of `exprgrad ARGUMENTS...` in a process of its own, in MiB."""
    command = [sys.executable, "-c", PEAK_MEMORY, sys.executable, "-m", "exprgrad", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    return int(result.stdout) / 1024


def test_memory_grows_linearly_with_the_program(tmp_path: Path) -> None:
    """Peak memory of eval --format json grows in proportion to the nodes: 4x the nodes, under 5x the memory."""
    growth = []
    start_up = _peak_memory_mib("eval", "a", "--a", "1", "--format", "json")
    for size in (25_000, 100_000):
        program = tmp_path / f"p{size}.txt"
        program.write_text("-" * size + "a")
        growth.append(_peak_memory_mib("eval", "-f", str(program), "--a", "1", "--format", "json") - start_up)
    assert growth[0] > 0
    assert growth[1] / growth[0] < 5, (growth, start_up)


def test_json_time_grows_linearly_with_the_nodes() -> None:
    """Building the JSON document of 4x the nodes takes under 6x the CPU time (the collector once made it worse)."""
    from exprgrad.formats import evaluation_json
    from exprgrad.parser import parse

    seconds = []
    for size in (10_000, 40_000):
        program = parse("-" * size + "a")
        evaluation = program.evaluate({"a": 1.0})
        started = time.process_time()
        text = evaluation_json(program, evaluation)
        seconds.append(time.process_time() - started)
        assert text.count('"id"') == size + 1
    assert seconds[1] / seconds[0] < 6, seconds
