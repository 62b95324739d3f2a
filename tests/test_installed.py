"""The installed command, run as a separate process: console script, `python -m exprgrad`, pipes, signals."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = shutil.which("exprgrad", path=str(Path(sys.executable).parent))


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]


def test_console_script_is_installed() -> None:
    """`pip install` put an `exprgrad` script next to the interpreter."""
    assert SCRIPT is not None


def test_console_script_evaluates() -> None:
    """The console script prints JSON with the reference numbers."""
    assert SCRIPT is not None
    result = _run(
        [SCRIPT, "eval", "L = (a*b + c) * f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2", "--format", "json"]
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["gradients"] == {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0}


def test_python_dash_m() -> None:
    """`python -m exprgrad` is the same command."""
    result = _run([sys.executable, "-m", "exprgrad", "eval", "a*a", "--a", "3", "--format", "json"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["gradients"] == {"a": 6.0}


def test_errors_are_not_tracebacks() -> None:
    """A math error in a real process: exit 1, one line on stderr, no traceback."""
    result = _run([sys.executable, "-m", "exprgrad", "eval", "log(a)", "--a", "-1"])
    assert result.returncode == 1
    assert result.stderr.startswith("exprgrad: error: math error at node 'log(a)'")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("hash_seed", ["0", "1", "12345"])
def test_output_does_not_depend_on_hash_seed(hash_seed: str, tmp_path: Path) -> None:
    """The same command gives byte-identical stdout and DOT whatever PYTHONHASHSEED is."""
    outputs = []
    for seed in ("random", hash_seed):
        dot = tmp_path / f"{seed}.dot"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = _run(
            [
                sys.executable,
                "-m",
                "exprgrad",
                "eval",
                "e = a*a + b; L = e*e",
                "--a",
                "2",
                "--b",
                "1",
                "--dot",
                str(dot),
            ],
            env=env,
        )
        assert result.returncode == 0, result.stderr
        outputs.append((result.stdout, dot.read_bytes()))
    assert outputs[0] == outputs[1]


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """Run exprgrad with stdout on a pseudo-terminal and return what it printed there."""
    import pty

    leader, follower = pty.openpty()
    try:
        # check=False: a failing `check` exits 1 on purpose.
        subprocess.run(
            [sys.executable, "-m", "exprgrad", *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal reports EIO once the writer is gone and everything is read
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(leader)


_COLOUR = re.compile(rb"\x1b\[[0-9;]*?\b(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    """On a terminal a failing check is red; NO_COLOR=1 keeps bold but drops colour; a pipe gets no escapes at all."""
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "TERM")} | {
        "TERM": "xterm-256color"
    }
    args = ["check", "a*b", "--a", "2", "--b", "3", "--expect", "a=0"]
    assert _COLOUR.search(_run_on_a_terminal(args, env))
    without_colour = _run_on_a_terminal(args, {**env, "NO_COLOR": "1"})
    assert b"FAIL" in without_colour and not _COLOUR.search(without_colour)
    piped = _run([sys.executable, "-m", "exprgrad", *args], env=env)
    assert "FAIL" in piped.stdout and "\x1b[" not in piped.stdout


@pytest.mark.parametrize("output_format", ["json", "csv", "tsv"])
def test_machine_formats_have_no_markup_even_on_a_terminal(output_format: str) -> None:
    """JSON, CSV and TSV are the same bytes on a terminal as in a pipe: no colour, no markup."""
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"} | {"TERM": "xterm-256color"}
    output = _run_on_a_terminal(["eval", "a*b", "--a", "2", "--b", "3", "--format", output_format], env)
    assert b"\x1b[" not in output
