"""Usage errors say what is wrong with the command line as typed, and everything a user typed is shown escaped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_helpers import run


def _error(*args: str) -> tuple[int, str]:
    result = run(*args)
    assert result.stdout == ""
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["grad", "a*b", "--a", "1", "--b", "2", "--format", "json"],
            "grad has no --format option (eval, explain, check, diff and functions have it)",
        ),
        (["explain", "a*b", "--a", "1", "--b", "2", "--svg", "t.svg"], "explain has no --svg option (eval has it)"),
        (
            ["grad", "a*b", "--a", "1", "--b", "2", "--precision", "3"],
            "grad has no --precision option (eval and explain have it)",
        ),
        (["check", "a", "--a", "1", "--order", "2"], "check has no --order option (eval, grad and diff have it)"),
        # A flag of another command, last (no value) or in the middle (followed by an option).
        (["grad", "a", "--a", "1", "--svg"], "grad has no --svg option (eval has it)"),
        (["grad", "a", "--skip-bad", "--a", "1"], "grad has no --skip-bad option (eval has it)"),
        (["check", "a", "--a", "1", "--no-color-by-grad"], "check has no --no-color-by-grad option (eval has it)"),
    ],
)
def test_an_option_of_another_command_is_named_as_such(args: list[str], message: str) -> None:
    """An option another command has is not read as a variable: the message says this command lacks it."""
    assert _error(*args) == (2, f"exprgrad: error: {message}\n")


def test_a_variable_named_like_another_commands_option_is_still_bound() -> None:
    """`grad` has no --format, so `--format 3` binds a variable of that name when the program has one."""
    result = run("grad", "format*2", "--format", "3")
    assert (result.exit_code, result.stdout) == (0, "format\t2\n")


def test_a_variable_named_like_the_commands_own_option_is_pointed_at_var() -> None:
    """`eval "svg*2" --svg 3` takes --svg as the drawing option: the missing value's message offers --var."""
    assert _error("eval", "svg*2", "--svg", "3") == (
        2,
        "exprgrad: error: no value for svg: --svg is an option of eval; give the variable with --var svg=VALUE\n",
    )
    assert run("grad", "svg*2", "--var", "svg=3").stdout == "svg\t2\n"


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "a*b", "--a", "--b", "2"],
        ["eval", "a*b", "--b", "2", "--a"],
        ["eval", "a*b", "--a", "--format", "json", "--b", "1"],
        ["grad", "a*b", "--a", "--b=2"],
    ],
)
def test_a_variable_option_without_its_value_says_so(args: list[str]) -> None:
    """`--a --b 2`: --a needs a value; the next option is not taken as a's value, nor 2 as a stray argument."""
    assert _error(*args) == (2, "exprgrad: error: --a needs a value: --a VALUE\n")


def test_a_negative_value_is_still_a_value() -> None:
    """A value with one dash (`--a -3`) is still read as the value of --a."""
    assert run("grad", "a*b", "--a", "-3", "--b", "2", "--wrt", "b").stdout == "-3\n"


def test_a_program_without_a_command_is_pointed_at_eval() -> None:
    """`exprgrad "a*b" --a 1` suggests the eval command line, quoted for the shell."""
    assert _error("a*b", "--a", "1", "--b", "2") == (
        2,
        "exprgrad: error: no such command 'a*b'; to evaluate it as a program: exprgrad eval 'a*b' --a 1 --b 2 "
        "(see exprgrad --help)\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--a", "1", "a*b"], "No such option: --a; to evaluate a program: exprgrad eval --a 1 'a*b'"),
        (["-a*b", "--a", "1"], "No such option: -a; to evaluate a program: exprgrad eval '-a*b' --a 1"),
        (["--bogus"], "No such option: --bogus"),
        (["--verison"], "No such option: --verison (Possible options: --version)"),
    ],
)
def test_an_option_before_any_command(args: list[str], message: str) -> None:
    """An unknown option before the command, with a word that could be a program, suggests the eval line."""
    assert _error(*args) == (2, f"exprgrad: error: {message} (see exprgrad --help)\n")


def test_a_mistyped_command_keeps_its_suggestion() -> None:
    """A word close to a command name is taken for a typo of it, not for a program."""
    assert _error("evl", "a") == (
        2,
        "exprgrad: error: No such command 'evl'. Did you mean 'eval'? (see exprgrad --help)\n",
    )


def test_short_help_at_the_top() -> None:
    """`exprgrad -h` prints the same help as `exprgrad --help`, exit 0 (the installed command, in a real process)."""
    script = shutil.which("exprgrad", path=str(Path(sys.executable).parent))
    assert script is not None
    short = subprocess.run([script, "-h"], capture_output=True, text=True, timeout=60, check=False)
    long = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert (short.returncode, short.stderr) == (0, "")
    assert short.stdout == long.stdout
    assert "Usage: exprgrad [OPTIONS] COMMAND" in short.stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--rankdir", "TB"], "--rankdir applies to drawings only: add --svg, --png, --dot or --html"),
        (["--color-by-grad"], "--color-by-grad applies to drawings only: add --svg, --png, --dot or --html"),
        (
            ["--color-by-grad", "--edge-derivatives"],
            "--color-by-grad and --edge-derivatives apply to drawings only: add --svg, --png, --dot or --html",
        ),
    ],
)
def test_picture_options_without_a_picture_are_usage_errors(options: list[str], message: str) -> None:
    """A picture option with nothing drawn would change nothing: a usage error says what it needs."""
    assert _error("eval", "a", "--a", "1", *options) == (2, f"exprgrad: error: {message}\n")


def test_picture_options_with_a_picture_are_used(tmp_path: Path) -> None:
    """With --dot, --rankdir reaches the drawing (and --no-color-by-grad, the default, is no error anywhere)."""
    dot = tmp_path / "g.dot"
    result = run("eval", "a", "--a", "1", "--rankdir", "tb", "--no-color-by-grad", "--dot", str(dot))
    assert result.exit_code == 0, result.stderr
    assert "rankdir=TB" in dot.read_text()
    assert run("eval", "a", "--a", "1", "--no-color-by-grad").exit_code == 0


def test_precision_help_gives_both_defaults() -> None:
    """The help of --precision says what a table and a drawing show without it."""
    help_text = " ".join(run("eval", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "Significant digits in the table (default: exact) and in drawings (default: 6)." in help_text


# Escape sequences typed by a user (or in a file name) never reach the terminal raw.
ESC = "\x1b[31m"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["grad", "a", "--a", "1", "--wrt", f"x{ESC}"],
            "--wrt x\\x1b[31m: not a variable of the program (its variables: a)",
        ),
        (
            ["check", "a", "--a", "1", "--expect", f"x{ESC}=1"],
            "--expect names x\\x1b[31m, which is not a variable of the program",
        ),
        (["eval", "-f", f"/no/such{ESC}\nfile"], "cannot read /no/such\\x1b[31m\\nfile: No such file or directory"),
        (
            ["eval", "a", "--a", "1", "--svg", f"/no/such{ESC}/g.svg"],
            "cannot write /no/such\\x1b[31m/g.svg: the folder /no/such\\x1b[31m does not exist",
        ),
        (["eval", "a", "--var", f"b{ESC}=1"], "--var b\\x1b[31m=1: 'b\\x1b[31m' is not a variable name"),
    ],
)
def test_user_text_in_messages_is_escaped(args: list[str], message: str) -> None:
    """Paths, --wrt, --expect and names are shown with unprintable characters as escapes, on one line."""
    code, stderr = _error(*args)
    assert (code, stderr) == (2 if "write" not in message else 3, f"exprgrad: error: {message}\n")


def test_a_program_files_name_is_escaped_in_a_syntax_error(tmp_path: Path) -> None:
    """A syntax error in a file whose name holds an escape sequence names the file escaped."""
    path = tmp_path / f"p{ESC}.txt"
    path.write_text("a +\n")
    code, stderr = _error("eval", "-f", str(path))
    assert code == 2
    assert stderr.startswith(f"exprgrad: error: {tmp_path}/p\\x1b[31m.txt:1:4: ")
    assert "\x1b" not in stderr


def test_a_usage_error_from_the_option_parser_is_escaped() -> None:
    """Click's own messages (an unknown command) show typed escape sequences escaped too."""
    code, stderr = _error(f"x{ESC}")
    assert code == 2
    assert "\x1b" not in stderr and "x\\x1b[31m" in stderr


def test_skipped_rows_are_escaped() -> None:
    """A --skip-bad report repeats the bad field escaped."""
    result = run("eval", "a", "--points", "-", "--skip-bad", input=f"a\n1{ESC}\n2\n")
    assert result.stdout == "a,value,grad_a\n2.0,2.0,1.0\n"
    assert result.stderr == (
        "exprgrad: skipped line 2: a must be a number (like 2, -3.5 or 1e-3), got '1\\x1b[31m'\n"
        "exprgrad: skipped 1 bad row\n"
    )


def test_no_escape_sequence_reaches_the_real_stderr(tmp_path: Path) -> None:
    """Run as a process, a bad --wrt and a missing program file with escape sequences write no ESC byte at all."""
    script = shutil.which("exprgrad", path=str(Path(sys.executable).parent))
    assert script is not None
    for args in (["grad", "a", "--a", "1", "--wrt", f"x{ESC}"], ["eval", "-f", str(tmp_path / f"p{ESC}\x07.txt")]):
        finished = subprocess.run([script, *args], capture_output=True, timeout=60, check=False)
        assert (finished.returncode, finished.stdout) == (2, b"")
        assert finished.stderr.startswith(b"exprgrad: error: ") and finished.stderr.count(b"\n") == 1
        assert b"\x1b" not in finished.stderr and b"\x07" not in finished.stderr
        assert b"\\x1b[31m" in finished.stderr
