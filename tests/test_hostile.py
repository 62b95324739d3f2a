"""Hostile input: a table of bad inputs with their exit codes and messages, and fuzzing for tracebacks and hangs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .cli_helpers import run

# (command-line words after `exprgrad`, stdin or None, exit code, a fragment of stderr)
CORPUS: list[tuple[list[str], str | None, int, str]] = [
    # syntax: every operator in a wrong place, unbalanced parentheses, empty input
    (["eval", "a*"], None, 2, "1:3: the program ends too early"),
    (["eval", "*a"], None, 2, "1:1: unexpected '*'"),
    (["eval", "a**"], None, 2, "ends too early"),
    (["eval", "**a"], None, 2, "unexpected '**'"),
    (["eval", "a/"], None, 2, "ends too early"),
    (["eval", "/a"], None, 2, "unexpected '/'"),
    (["eval", "a^^b"], None, 2, "1:3: unexpected '^'"),
    (["eval", "a+"], None, 2, "ends too early"),
    (["eval", "a-"], None, 2, "ends too early"),
    (["eval", "a*/b"], None, 2, "unexpected '/'"),
    (["eval", "a = "], None, 2, "ends too early"),
    (["eval", "= a"], None, 2, "unexpected '='"),
    (["eval", "a = b = c"], None, 2, "unexpected '='"),
    (["eval", "(a"], None, 2, "expected ')'"),
    (["eval", "a)"], None, 2, "unexpected ')'"),
    (["eval", "((a)"], None, 2, "expected ')'"),
    (["eval", "()"], None, 2, "unexpected ')'"),
    (["eval", "tanh(a"], None, 2, "ends too early"),
    (["eval", "tanh a"], None, 2, "unexpected 'a'"),
    (["eval", "a,b"], None, 2, "unexpected ','"),
    (["eval", "f(,)"], None, 2, "unexpected ','"),
    (["eval", "1 2"], None, 2, "unexpected '2'"),
    (["eval", "2a"], None, 2, "unexpected 'a'"),
    (["eval", "1.2.3"], None, 2, "unexpected '.3'"),
    (["eval", "a $ b"], None, 2, "unexpected character '$'"),
    (["eval", "a ! b"], None, 2, "unexpected character '!'"),
    (["eval", "a \x00 b"], None, 2, "unexpected control character '\\x00'"),
    (["eval", "a\x1b[31m"], None, 2, "\\x1b[31m"),
    (["eval", "a;\n;", "--a", "1"], None, 0, ""),
    (["eval", ""], None, 2, "the program is empty"),
    (["eval", "   "], None, 2, "the program is empty"),
    (["eval", ";;;"], None, 2, "the program is empty"),
    (["eval", "# nothing"], None, 2, "the program is empty"),
    # names and functions
    (["eval", "tanhh(a)", "--a", "1"], None, 2, "did you mean tanh, atanh or tan?"),
    (["eval", "sigmoyd(a)", "--a", "1"], None, 2, "did you mean sigmoid or log_sigmoid?"),
    (["eval", "foo(a)", "--a", "1"], None, 2, "unknown function 'foo'"),
    (["eval", "tanh()"], None, 2, "tanh takes 1 argument, got 0"),
    (["eval", "exp(a, a)", "--a", "1"], None, 2, "exp takes 1 argument, got 2"),
    (["eval", "exp + 1"], None, 2, "exp is a function: call it as exp(...)"),
    (["eval", "pi = 3; pi"], None, 2, "pi is a built-in constant"),
    (["eval", "sqrt = 3; 1"], None, 2, "sqrt is a built-in function"),
    (["eval", "a = 1; a = 2; a"], None, 2, "a is assigned twice"),
    (["eval", "b = a + 1; a = 2; b"], None, 2, "a is used (line 1, column 5) before it is assigned"),
    (["eval", "x = x + 1"], None, 2, "x is used (line 1, column 5) before it is assigned"),
    # numbers
    (["eval", "1e999"], None, 2, "too large for a float"),
    (["eval", "a", "--a", "1e999"], None, 2, "too large"),
    (["eval", "a", "--a", "nan"], None, 2, "must be a number"),
    (["eval", "a", "--a", "inf"], None, 2, "must be a number"),
    (["eval", "a", "--a", "-inf"], None, 2, "got '-inf'"),
    (["eval", "a", "--a", "-f"], None, 2, "got '-f'"),
    (["eval", "-tanh(a)", "--a", "-h"], None, 2, "got '-h'"),
    (["eval", "a", "--a", "0x10"], None, 2, "must be a number"),
    (["eval", "a", "--a", "1_000"], None, 2, "must be a number"),
    (["eval", "a", "--a", " 2"], None, 2, "must be a number"),
    (["eval", "a", "--a", ""], None, 2, "must be a number"),
    (["eval", "a", "--a", "--b"], None, 2, "--a needs a value: --a VALUE"),
    # bindings
    (["eval", "a*b", "--a", "1"], None, 2, "no value for b: pass --b VALUE"),
    (["eval", "a*b+c"], None, 2, "no value for a, b, c: pass --a VALUE --b VALUE --c VALUE"),
    (["eval", "a", "--a", "1", "--a", "1"], None, 2, "a is given more than once"),
    (["eval", "a", "--a=1", "--var", "a=1"], None, 2, "a is given more than once"),
    (["eval", "a", "--a"], None, 2, "--a needs a value"),
    (["eval", "a", "--a", "1", "--b", "2"], None, 2, "no variable named b"),
    (["eval", "abc", "--abd", "1"], None, 2, "did you mean --abc?"),
    (["eval", "a", "-a", "1"], None, 2, "unknown option -a"),
    (["eval", "a", "--1x", "1"], None, 2, "'1x' is not a variable name"),
    (["eval", "a = 2; b = a*2", "--b", "3"], None, 2, "b is computed by the program"),
    (["eval", "a", "--var", "=1"], None, 2, "is not a variable name"),
    (["eval", "a", "--var", "a"], None, 2, "--var takes NAME=VALUE"),
    (["eval", "a", "b"], None, 2, "unexpected argument 'b'"),
    (["eval"], None, 2, "no program given"),
    (["eval", "a", "-f", "-"], "a", 2, "either as an argument or with -f"),
    (["eval", "-f", "/nonexistent/prog"], None, 2, "cannot read /nonexistent/prog"),
    (["eval", "-f", "/"], None, 2, "cannot read /"),
    (["eval", "a", "--format", "xml", "--a", "1"], None, 2, "xml"),
    (["eval", "a", "--precision", "99", "--a", "1"], None, 2, "99"),
    (["grad", "a", "--a", "1", "--wrt", "b"], None, 2, "--wrt b: not a variable"),
    (["check", "a", "--a", "1", "--expect", "a=x"], None, 2, "must be a number"),
    (["check", "a", "--a", "1", "--rtol", "-1"], None, 2, "-1"),
    (["nope"], None, 2, "exprgrad: error: no such command 'nope'; to evaluate it as a program: exprgrad eval nope"),
    (
        ["eval", "a", "--a", "1", "--prec", "3"],
        None,
        2,
        "--prec is not a variable of the program; did you mean the option --precision?",
    ),
    (["eval", "a", "--a", "1", "--form", "json"], None, 2, "did you mean the option --format?"),
    (["eval", "a*", "--a", "x"], None, 2, "1:3: the program ends too early"),  # syntax before values
    (
        ["eval", "--", "-h", "--h", "1", "--format", "json"],
        None,
        2,
        "--format comes after --, where exprgrad reads no options",
    ),
    (["--bogus"], None, 2, "exprgrad: error: No such option: --bogus (see exprgrad --help)"),
    (["eval", "a", "-f"], None, 2, "exprgrad: error: Option '-f' requires an argument (see exprgrad eval --help)"),
    # points rows that are short, long, or not numbers
    (["eval", "a*b", "--a", "1", "--b", "2", "--fast-math"], "", 2, "--fast-math applies to --points only"),
    (["eval", "a*b", "--points", "-"], "a,b\n1\n", 2, "line 2: expected 2 fields (a, b), got 1"),
    (["eval", "a*b", "--points", "-"], "a,b\n1,2,3\n", 2, "line 2: expected 2 fields (a, b), got 3"),
    (["eval", "a*b", "--points", "-"], "a,b\n1,two\n", 2, "line 2: b must be a number"),
    (["eval", "a*b", "--points", "-"], "a,b\n1,nan\n", 2, "line 2: b must be a number"),
    (["eval", "a*b", "--points", "-"], "a,b\n1,1e999\n", 2, "line 2: b is too large"),
    (["eval", "a*b", "--points", "-"], "a,c\n1,2\n", 2, "line 1: the input has a column 'c'"),
    (["eval", "a*b", "--points", "-"], '{"a": 1, "b": true}\n', 2, "line 1: b must be a number"),
    (["eval", "a*b", "--points", "-"], '{"a": 1, "b": NaN}\n', 2, "line 1: b must be a finite number"),
    (["eval", "a*b", "--points", "-"], "[1, 2]\n", 2, "line 1: the input has a column"),
    (["eval", "a*b", "--points", "/nonexistent.csv"], None, 2, "cannot read /nonexistent.csv"),
    # math errors name the node
    (["eval", "log(a)", "--a", "0"], None, 1, "math error at node 'log(a)'"),
    (["eval", "y = sqrt(a - 2)", "--a", "1"], None, 1, "node 'y' (sqrt of a - 2 = -1.0)"),
    (["eval", "a/(b - b)", "--a", "1", "--b", "3"], None, 1, "division by zero"),
    (["eval", "a**0.5", "--a", "-4"], None, 1, "fractional power"),
    (["eval", "0**a", "--a", "-1"], None, 1, "negative power"),
    (["eval", "exp(exp(a))", "--a", "10"], None, 1, "exp(22026.465794806718) overflows"),
    (["eval", "a*a*a", "--a", "1e120"], None, 1, "multiplication overflows"),
    (["eval", "abs(a)**0.5", "--a", "0"], None, 1, "cannot differentiate"),
    (["eval", "a**b", "--a", "-1", "--b", "2"], None, 1, "no derivative in y for a negative base"),
    # output paths
    (["eval", "a", "--a", "1", "--dot", "/nonexistent/g.dot"], None, 3, "the folder /nonexistent does not exist"),
    (["eval", "a", "--a", "1", "--dot", "/proc/g.dot"], None, 3, "cannot write /proc/g.dot"),
    (["eval", "a", "--a", "1", "--dot", "/tmp"], None, 3, "it is a folder"),
]


@pytest.mark.parametrize(("words", "stdin", "code", "fragment"), CORPUS, ids=[" ".join(c[0])[:60] for c in CORPUS])
def test_bad_input_corpus(words: list[str], stdin: str | None, code: int, fragment: str) -> None:
    """Each bad input gets its documented exit code and a message naming the problem, never a traceback."""
    result = run(*words, input=stdin)
    assert result.exit_code == code, result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_corpus_is_large_enough() -> None:
    """The issue asks for at least 60 bad inputs."""
    assert sum(1 for case in CORPUS if case[2] != 0) >= 60


TOKENS = ["a", "b", "x1", "2", ".5", "1e3", "+", "-", "*", "/", "**", "^", "(", ")", "=", ";", "\n", ",", "tanh",
          "exp", "log", "pi", "#", " ", "relu(", "sqrt(", "--", "\t", "é", "字", "\x00", "$"]  # fmt: skip
VALUES = ["--a", "0.5", "--b", "-2", "--x1", "3"]


def _assert_clean(result_code: int, stderr: str, stdout: str) -> None:
    assert result_code in (0, 1, 2), stderr
    assert "Traceback" not in stderr + stdout
    if result_code:
        assert stderr.startswith("exprgrad: error: ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_token_soup_never_crashes(tokens: list[str]) -> None:
    """Random sequences of the language's own tokens: a result or a clean error, nothing else."""
    result = run("eval", "".join(tokens), *VALUES, "--format", "json")
    _assert_clean(result.exit_code, result.stderr, result.stdout)
    if result.exit_code == 0:
        json.loads(result.stdout)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_never_crashes(text: str) -> None:
    """Arbitrary Unicode text (control characters, surrogates included): a result or a clean error."""
    result = run("eval", text, *VALUES)
    _assert_clean(result.exit_code, result.stderr, result.stdout)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_random_bytes_from_a_file_never_crash(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    """Arbitrary bytes as a program file (not UTF-8, NUL, anything): a result or a clean error."""
    path = tmp_path_factory.mktemp("fuzz") / "program"
    path.write_bytes(data)
    result = run("eval", "-f", str(path), *VALUES)
    _assert_clean(result.exit_code, result.stderr, result.stdout)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["a,b", "1,2", "1", "x", ",", "", "1,2,3", '{"a":1}', "nan", "1e999", "\t"]), max_size=8)
)
def test_random_points_rows_never_crash(rows: list[str]) -> None:
    """Malformed --points input: a result or a clean error naming a line."""
    result = run("eval", "a*b", "--points", "-", input="\n".join(rows) + "\n")
    _assert_clean(result.exit_code, result.stderr, result.stdout)


def _run_process(argv: list[bytes]) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable.encode(), b"-m", b"exprgrad", *argv]
    return subprocess.run(command, capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize("program", [b"a\xff*b", b"\xc3\x28", b"\xed\xa0\x80", b"a*\x80", b"\xfe\xff", b"a\x1b[2J"])
def test_argv_bytes_that_are_not_utf8(program: bytes) -> None:
    """Bytes in argv that are not valid UTF-8 (or are control characters): exit 2 with a visible-escaped echo."""
    result = _run_process([b"eval", program, b"--a", b"1", b"--b", b"2"])
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert b"\x1b" not in result.stderr and b"\x00" not in result.stderr


def test_non_ascii_identifiers_work() -> None:
    """Unicode letters are identifiers, as in Python, and bind with --NAME."""
    result = run("eval", "é*字 + α", "--é", "2", "--字", "3", "--α", "1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["gradients"] == {"é": 3.0, "字": 2.0, "α": 1.0}


def test_caret_accounts_for_wide_characters() -> None:
    """The caret sits under the column even after double-width characters."""
    result = run("eval", "字字 = 2; 字字 $")
    # 11 characters before the `$`, four of them two columns wide.
    assert result.stderr.splitlines()[-1] == "  " + " " * 15 + "^"


def test_negative_zero_is_kept() -> None:
    """-0 is a number like any other; its sign survives into the output."""
    result = run("eval", "a*2", "--a", "-0", "--format", "json")
    assert json.loads(result.stdout)["value"] == 0.0
    assert result.stdout.count("-0.0") >= 2


def test_a_large_program_file_is_refused_with_a_message(tmp_path: Path) -> None:
    """Past the documented size limit, a program file is refused before parsing: exit 2, no memory blow-up."""
    from exprgrad.cli import MAX_PROGRAM_BYTES

    path = tmp_path / "huge.txt"
    with path.open("wb") as stream:
        stream.truncate(MAX_PROGRAM_BYTES + 10)
    result = run("eval", "-f", str(path))
    assert result.exit_code == 2
    assert "larger than the 1 MiB" in result.stderr


def test_a_million_node_program_works() -> None:
    """A program of a million nodes parses, evaluates and differentiates."""
    terms = 500_000
    result = run("grad", "+".join(["x"] * terms), "--x", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"x\t{terms}\n"


def test_sigint_ends_quietly_with_130_and_keeps_files(tmp_path: Path) -> None:
    """Ctrl-C while exprgrad waits for input: exit 130, one line on stderr, no temporary files left."""
    process = subprocess.Popen(
        [sys.executable, "-m", "exprgrad", "eval", "a*2", "--points", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"a\n1\n")
    process.stdin.flush()
    process.stdout.readline()
    process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stderr == b"exprgrad: interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`exprgrad ... | head -1`: the writer dies of SIGPIPE quietly, with no traceback."""
    rows = "a\n" + "1\n" * 200_000
    (tmp_path / "rows.csv").write_text(rows)
    command = f"{sys.executable} -m exprgrad eval 'a*2' --points rows.csv | head -1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False
    )
    assert result.stdout == "a,value,grad_a\n"
    assert result.stderr == ""
    assert result.returncode == 128 + signal.SIGPIPE


def test_interrupted_write_leaves_the_old_file(tmp_path: Path) -> None:
    """If writing is interrupted midway, the old file stays and the temporary file is removed."""
    from exprgrad.files import write_atomically

    target = tmp_path / "graph.svg"
    target.write_bytes(b"old")

    original_fdopen = os.fdopen

    def failing_fdopen(*args: object, **kwargs: object) -> object:
        stream = original_fdopen(*args, **kwargs)  # type: ignore[call-overload]

        class Stream:
            def __enter__(self) -> Stream:
                return self

            def __exit__(self, *exc: object) -> None:
                stream.close()

            def write(self, data: bytes) -> None:
                stream.write(data[:2])
                raise KeyboardInterrupt

        return Stream()

    os.fdopen = failing_fdopen  # type: ignore[assignment]
    try:
        with pytest.raises(KeyboardInterrupt):
            write_atomically(target, b"new picture")
    finally:
        os.fdopen = original_fdopen
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


@pytest.mark.parametrize("depth", [100_000])
def test_deep_nesting_is_fast_enough(depth: int) -> None:
    """100,000 levels of nesting finish (bounded time, no recursion)."""
    started = time.monotonic()
    result = run("grad", "(" * depth + "x" + ")" * depth, "--x", "2", "--wrt", "x")
    assert result.stdout == "1\n"
    assert time.monotonic() - started < 120
