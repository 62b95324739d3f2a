"""The installed command, run as a separate process: console script, `python -m exprgrad`, pipes, signals."""

from __future__ import annotations

import json
import os
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
