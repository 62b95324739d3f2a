"""The examples in docs/errors.md are real: each `$ exprgrad ...` line is run and must print what the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .cli_helpers import needs_shell, run, run_in_shell, split_example

PAGE = Path(__file__).parent.parent / "docs" / "errors.md"
_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str, int]]:
    """(command line, expected output, expected exit code) for every example on the page."""
    examples = []
    for block in _BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, rest = chunk.partition("\n")
            body, code = re.fullmatch(r"(.*?)\[exit (\d+)\]\n", rest, re.DOTALL).groups()  # type: ignore[union-attr]
            examples.append((command, body, int(code)))
    return examples


EXAMPLES = _examples()


def test_the_page_has_examples_for_every_exit_code() -> None:
    """docs/errors.md shows at least one example of each error exit code."""
    assert {code for _, _, code in EXAMPLES} >= {1, 2, 3}
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize(("command", "expected", "code"), EXAMPLES, ids=[e[0][:50] for e in EXAMPLES])
def test_documented_example(
    command: str, expected: str, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running the documented command gives the documented output and exit code."""
    monkeypatch.chdir(tmp_path)
    if needs_shell(command):
        assert run_in_shell(command, tmp_path) == (expected, code)
        return
    words, stdin = split_example(command)
    result = run(*words[1:], input=stdin)
    assert result.exit_code == code
    assert result.stdout + result.stderr == expected


README = Path(__file__).parent.parent / "README.md"
_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _readme_examples() -> list[tuple[str, str]]:
    """(command, shown output) for every `$ exprgrad ...` line in README.md that runs without a shell."""
    examples = []
    for block in _FENCE.findall(README.read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, shown = chunk.partition("\n")
            # Shell syntax outside quotes needs a shell; inside a quoted program it is the program's own text.
            unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", command)
            if command.startswith("exprgrad ") and not any(mark in unquoted for mark in ("$(", "|", ";", ">")):
                examples.append((command, shown))
    return examples


README_EXAMPLES = _readme_examples()


def test_readme_has_examples() -> None:
    """The README shows real commands with their output."""
    assert len(README_EXAMPLES) >= 10


@pytest.mark.parametrize(("command", "shown"), README_EXAMPLES, ids=[e[0][:50] for e in README_EXAMPLES])
def test_readme_example(command: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each README example prints exactly what the README shows (files it names are written to a scratch folder)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sweep.csv").write_text("x,w\n1,0.5\n2,0.5\n3,-1\n")
    words, stdin = split_example(command)
    result = run(*words[1:], input=stdin)
    assert result.stdout + result.stderr == shown


@pytest.mark.parametrize(
    ("command", "expected", "code"), [e for e in EXAMPLES if " <<< " in e[0]], ids=lambda value: str(value)[:40]
)
def test_here_string_examples_run_the_same_in_bash(command: str, expected: str, code: int) -> None:
    """Examples that feed stdin run literally in bash, with the installed command, and print what the page shows."""
    import os
    import subprocess
    import sys

    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        timeout=60,
        check=False,
    )
    assert result.returncode == code
    assert result.stdout + result.stderr == expected


def test_readme_function_and_convention_tables_are_generated_from_the_registry() -> None:
    """README.md's function and convention tables are exactly what the registry gives (tests/update_function_docs)."""
    from .update_function_docs import current, tables

    found = current(README.read_text(encoding="utf-8"))
    for name, table in tables().items():
        assert table.count("\n") > 5, name
        assert found[name] == table, f"README's {name} is stale: run python -m tests.update_function_docs"
