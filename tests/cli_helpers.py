"""Running the CLI in-process for tests."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from exprgrad.cli import app

WALKTHROUGH = ["L = (a*b + c) * f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2"]
NEURON = [
    "n = x1*w1 + x2*w2 + b; o = tanh(n)",
    "--x1",
    "2",
    "--x2",
    "0",
    "--w1",
    "-3",
    "--w2",
    "1",
    "--b",
    "6.8813735870195432",
]


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Invoke `exprgrad ARGS...` and return the result, stdout and stderr captured apart."""
    return CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)


def split_example(command: str) -> tuple[list[str], str | None]:
    """A documented shell line as argv words and stdin, as bash would run it.

    `exprgrad ... <<< $'a,b\\n1,2'` feeds the here-string (with its escapes decoded, and the newline bash adds).
    """
    stdin = None
    if " <<< " in command:
        command, here = command.split(" <<< ")
        if not (here.startswith("$'") and here.endswith("'")):
            raise ValueError(f"write here-strings as $'...' so that bash reads the escapes too: {here}")
        stdin = here[2:-1].encode("latin-1", "backslashreplace").decode("unicode_escape") + "\n"
    words = shlex.split(command)
    if words[0] != "exprgrad":
        raise ValueError(f"not an exprgrad command: {command}")
    return words, stdin


def needs_shell(command: str) -> bool:
    """Whether a documented line needs a real shell and process: a redirection, `;`, a pipe, or a first command
    that is not exprgrad (faults of file descriptors, limits and files set up by the line itself)."""
    tokens = list(shlex.shlex(command.split(" <<< ", maxsplit=1)[0], posix=True, punctuation_chars=True))
    return tokens[0] != "exprgrad" or any(set(token) <= set("();<>|&") for token in tokens)


def run_in_shell(command: str, cwd: Path) -> tuple[str, int]:
    """Run a documented line in bash, `exprgrad` being this checkout's entry point: stdout + stderr, exit code."""
    define = f'exprgrad() {{ {shlex.quote(sys.executable)} -m exprgrad "$@"; }}; '
    result = subprocess.run(
        ["bash", "-c", define + command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "80"},
        timeout=300,
        check=False,
    )
    return result.stdout + result.stderr, result.returncode
