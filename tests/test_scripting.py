"""Commands for scripts: `grad`, `check`, `eval --points`, and the csv/tsv formats, with exact stdout."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_helpers import NEURON, WALKTHROUGH, run


def test_grad_with_one_wrt_prints_a_bare_number() -> None:
    """`da=$(exprgrad grad ... --wrt a)` gets exactly the number and a newline."""
    result = run("grad", "a*b+c", "--a", "2", "--b", "-3", "--c", "10", "--wrt", "a")
    assert result.exit_code == 0
    assert result.stdout == "-3\n"


def test_grad_lists_every_variable_in_order_of_first_appearance() -> None:
    """Without --wrt: NAME<TAB>VALUE per variable, floats in repr (round-trip exact)."""
    result = run("grad", *NEURON)
    assert result.stdout == (
        "x1\t-1.4999999999999993\nw1\t0.9999999999999996\nx2\t0.4999999999999998\nw2\t0\nb\t0.4999999999999998\n"
    )


def test_grad_with_several_wrt() -> None:
    """Several --wrt: only those variables, still in order of first appearance."""
    result = run("grad", *WALKTHROUGH, "--wrt", "f", "--wrt", "a")
    assert result.stdout == "a\t6\nf\t4\n"


def test_grad_of_a_name_that_is_not_a_variable() -> None:
    """--wrt of an unknown name is a usage error that lists the variables."""
    result = run("grad", "a*b", "--a", "1", "--b", "2", "--wrt", "e")
    assert result.exit_code == 2
    assert result.stderr == "exprgrad: error: --wrt e: not a variable of the program (its variables: a, b)\n"
    assert result.stdout == ""


def test_grad_math_error_exits_1() -> None:
    """A math error in grad: exit 1, nothing on stdout."""
    result = run("grad", "log(a)", "--a", "0")
    assert result.exit_code == 1 and result.stdout == ""


def test_check_passes_for_the_walkthrough() -> None:
    """Every gradient of the reference example agrees with its finite difference and with --expect."""
    result = run("check", *WALKTHROUGH, "--expect", "a=6", "--expect", "f=4")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["variable", "┃", "autodiff", "┃", "numeric", "┃", "expected", "┃", "verdict"]
    assert [line.split()[0] for line in lines[2:6]] == ["a", "b", "c", "f"]
    assert all(line.split()[-1] == "ok" for line in lines[2:6])
    assert lines[-1] == "4 of 4 gradients agree"


def test_check_fails_on_a_wrong_expectation() -> None:
    """A wrong --expect value: the row says FAIL (no colour needed), the summary names it, exit 1."""
    result = run("check", *WALKTHROUGH, "--expect", "b=-4.1")
    assert result.exit_code == 1
    row = next(line for line in result.stdout.splitlines() if line.startswith("b "))
    assert row.split()[-1] == "FAIL"
    assert "b: autodiff differs from the expected -4.1" in result.stdout
    assert result.stdout.splitlines()[-1] == "3 of 4 gradients agree; FAIL: b"


def test_check_json() -> None:
    """--format json: one object with ok, tolerances, and one entry per variable."""
    result = run("check", *WALKTHROUGH, "--expect", "b=-4.1", "--format", "json")
    document = json.loads(result.stdout)
    assert document["ok"] is False and result.exit_code == 1
    by_name = {entry["name"]: entry for entry in document["variables"]}
    assert by_name["b"]["verdict"] == "FAIL" and by_name["b"]["expected"] == -4.1
    assert by_name["a"]["verdict"] == "ok"
    assert abs(by_name["a"]["numeric"] - 6.0) <= by_name["a"]["numeric_error"] + 1e-9


@pytest.mark.parametrize(
    ("program", "point"), [("relu(x)*y", ["--x", "0", "--y", "2"]), ("abs(x) + y", ["--x", "0", "--y", "1"])]
)
def test_check_reports_kinks_as_not_differentiable(program: str, point: list[str]) -> None:
    """relu or abs exactly at 0: reported as not differentiable, neither a silent pass nor a failure."""
    result = run("check", program, *point, "--format", "json")
    document = json.loads(result.stdout)
    x = next(entry for entry in document["variables"] if entry["name"] == "x")
    assert x["verdict"] == "not differentiable"
    assert "kink" in x["reason"]
    assert result.exit_code == 0


def test_check_near_a_kink_shrinks_the_step() -> None:
    """A kink just beside the point does not spoil the estimate: the step shrinks until it stays on one side."""
    result = run("check", "relu(x - 1e-7) * y + x", "--x", "0", "--y", "2", "--format", "json")
    x = json.loads(result.stdout)["variables"][0]
    assert x["verdict"] == "ok" and x["numeric"] == pytest.approx(1.0)


def test_check_detects_a_wrong_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a deliberately wrong local derivative in the registry, check fails: it tests autodiff for real."""
    import copy

    from exprgrad import ops

    broken = copy.copy(ops.TANH)
    broken.partials = (lambda m, x, o: 1.0 - o,)
    monkeypatch.setitem(ops.FUNCTIONS, "tanh", broken)
    result = run("check", "tanh(x)", "--x", "0.5")
    assert result.exit_code == 1


def test_check_usage_errors() -> None:
    """--expect for a name that is not a variable, or without '=', is a usage error."""
    assert run("check", "a*b", "--a", "1", "--b", "1", "--expect", "c=1").exit_code == 2
    assert run("check", "a*b", "--a", "1", "--b", "1", "--expect", "a").exit_code == 2


def test_single_evaluation_as_csv_and_tsv() -> None:
    """--format csv/tsv: one row per node with stable columns id,label,op,data,grad,inputs,key."""
    csv_text = run("eval", "L = tanh(a)*2", "--a", "1", "--format", "csv").stdout
    assert csv_text == (
        "id,label,op,data,grad,inputs,key\n"
        "0,a,,1,0.8399486832280523,,a\n"
        "1,tanh(a),tanh,0.7615941559557649,2,0,tanh(a)\n"
        "2,2,,2,,,2\n"
        "3,L,mul,1.5231883119115297,1,1 2,L\n"
    )
    tsv_text = run("eval", "L = tanh(a)*2", "--a", "1", "--format", "tsv").stdout
    assert tsv_text == csv_text.replace(",", "\t")


POINTS_CSV = "a,b\n2,-3\n1,1\n\n0.5,4\n"
POINTS_EXPECTED = (
    "a,b,value,grad_a,grad_b,grad_c\n2.0,-3.0,4.0,-3.0,2.0,1.0\n1.0,1.0,11.0,1.0,1.0,1.0\n0.5,4.0,12.0,4.0,0.5,1.0\n"
)


def test_points_from_a_csv_file(tmp_path: Path) -> None:
    """One output row per input row; options hold for every row; blank lines are skipped."""
    source = tmp_path / "points.csv"
    source.write_text(POINTS_CSV)
    result = run("eval", "a*b+c", "--c", "10", "--points", str(source))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == POINTS_EXPECTED


def test_points_from_stdin_as_json_lines() -> None:
    """JSON lines in, JSON lines out (--format json)."""
    lines = '{"a": 2, "b": -3}\n{"a": 1, "b": 1}\n'
    result = run("eval", "a*b+c", "--c", "10", "--points", "-", "--format", "json", input=lines)
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"a": 2.0, "b": -3.0, "value": 4.0, "grad_a": -3.0, "grad_b": 2.0, "grad_c": 1.0},
        {"a": 1.0, "b": 1.0, "value": 11.0, "grad_a": 1.0, "grad_b": 1.0, "grad_c": 1.0},
    ]


def test_points_tsv_in_and_out(tmp_path: Path) -> None:
    """A .tsv file is read tab-separated; --format tsv writes tabs."""
    source = tmp_path / "points.tsv"
    source.write_text("a\tb\n1\t2\n")
    assert (
        run("eval", "a*b", "--points", str(source), "--format", "tsv").stdout
        == "a\tb\tvalue\tgrad_a\tgrad_b\n1.0\t2.0\t2.0\t2.0\t1.0\n"
    )


BAD_ROWS = "a,b\n2,-3\n1,x\n3\n0,1\n4,4\n"


def test_bad_row_stops_with_its_line_number() -> None:
    """A bad row: its line number on stderr and exit 2; rows before it were already written."""
    result = run("eval", "log(a)*b", "--points", "-", input=BAD_ROWS)
    assert result.exit_code == 2
    assert result.stderr == "exprgrad: error: line 3: b must be a number (like 2, -3.5 or 1e-3), got 'x'\n"
    assert result.stdout.splitlines() == [
        "a,b,value,grad_a,grad_b",
        "2.0,-3.0,-2.0794415416798357,-1.5,0.6931471805599453",
    ]


def test_math_error_in_a_row_exits_1() -> None:
    """A row outside the program's domain is a math error naming the line and the node."""
    result = run("eval", "log(a)", "--points", "-", input="a\n1\n0\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("exprgrad: error: line 3: math error at node 'log(a)'")


def test_skip_bad_reports_and_goes_on() -> None:
    """--skip-bad: every bad row is described on stderr, the rest are evaluated, exit 0."""
    result = run("eval", "log(a)*b", "--points", "-", "--skip-bad", input=BAD_ROWS)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "2.0,-3.0,-2.0794415416798357,-1.5,0.6931471805599453",
        "4.0,4.0,5.545177444479562,1.0,1.3862943611198906",
    ]
    assert result.stderr.splitlines() == [
        "exprgrad: skipped line 3: b must be a number (like 2, -3.5 or 1e-3), got 'x'",
        "exprgrad: skipped line 4: expected 2 fields (a, b), got 1",
        "exprgrad: skipped line 5: math error at node 'log(a)' (log of a = 0.0):"
        " log needs a positive argument, got 0.0",
        "exprgrad: skipped 3 bad rows",
    ]


@pytest.mark.parametrize(
    ("program", "options", "text", "fragment"),
    [
        ("a*b", [], "a,q\n1,2\n", "line 1: the input has a column 'q'"),
        ("a*b", [], "a\n2\n", "line 1: no value for b: add a column for it or pass --b VALUE"),
        ("a*b", ["--b", "1"], "a,b\n1,2\n", "b is given both as a column and as an option"),
        ("a*b", [], "", "the points input is empty"),
        ("a*b", [], "a,a\n1,2\n", "the column 'a' appears twice"),
        ("a*b", [], '{"a": 1, "b": 2}\n{"a": 1}\n', "line 2: the keys differ from the first line's (missing b)"),
        ("a*b", [], '{"a": 1, "b": "x"}\n', "line 1: b must be a number"),
        ("a*b", [], "{not json\n", "line 1: not valid JSON"),
    ],
)
def test_points_usage_errors(program: str, options: list[str], text: str, fragment: str) -> None:
    """Header and row problems name the line; they are usage errors (exit 2)."""
    result = run("eval", program, *options, "--points", "-", input=text)
    assert result.exit_code == 2
    assert fragment in result.stderr


def test_points_does_not_take_a_table() -> None:
    """--points with --format table or with --svg is refused."""
    assert run("eval", "a", "--points", "-", "--format", "table", input="a\n1\n").exit_code == 2
    assert run("eval", "a", "--points", "-", "--svg", "x.svg", input="a\n1\n").exit_code == 2


def test_100000_rows_through_a_pipe() -> None:
    """A 100,000-row CSV piped through the installed command comes out whole (not timed: it must simply work)."""
    rows = 100_000
    source = "x,y\n" + "".join(f"{i % 97},{i % 13}\n" for i in range(rows))
    result = subprocess.run(
        [sys.executable, "-m", "exprgrad", "eval", "x*y + tanh(x)", "--points", "-"],
        input=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-500:]
    lines = result.stdout.splitlines()
    assert len(lines) == rows + 1
    assert lines[0] == "x,y,value,grad_x,grad_y"
    x, y, value, grad_x, grad_y = map(float, lines[-1].split(","))
    assert (x, y) == (99_999 % 97, 99_999 % 13)
    assert (value, grad_x, grad_y) == pytest.approx((x * y + math.tanh(x), y + 1 - math.tanh(x) ** 2, x), rel=1e-12)


def test_output_starts_before_input_ends() -> None:
    """Streaming: the first result row arrives while the input pipe is still open."""
    process = subprocess.Popen(
        [sys.executable, "-m", "exprgrad", "eval", "a*2", "--points", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write("a\n1\n")
        process.stdin.flush()
        assert process.stdout.readline() == "a,value,grad_a\n"
        assert process.stdout.readline() == "1.0,2.0,2.0\n"
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_grad_order_2_with_two_wrt_prints_the_mixed_derivative() -> None:
    """`grad --order 2 --wrt a --wrt b` prints d2L/da db alone: for a*b + sin(a) that is 1."""
    result = run("grad", "a*b + sin(a)", "--a", "1", "--b", "2", "--order", "2", "--wrt", "a", "--wrt", "b")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "1\n"


def test_grad_order_2_with_one_wrt_prints_the_pure_second_derivative() -> None:
    """One --wrt with --order 2: d2L/da2, here -sin(1)."""
    result = run("grad", "a*b + sin(a)", "--a", "1", "--b", "2", "--order", "2", "--wrt", "a")
    assert result.stdout == f"{-math.sin(1.0)!r}\n"


def test_grad_order_2_lists_every_pair() -> None:
    """Without --wrt, --order 2 prints ROW<TAB>COLUMN<TAB>VALUE for every pair of variables."""
    result = run("grad", "a*b + sin(a)", "--a", "1", "--b", "2", "--order", "2")
    assert result.stdout == f"a\ta\t{-math.sin(1)!r}\na\tb\t1\nb\ta\t1\nb\tb\t0\n"


@pytest.mark.parametrize("x", ["1e10", "1e15", "1e17"])
def test_check_does_not_fail_where_no_step_can_resolve_the_function(x: str) -> None:
    """sin(x) at huge x: wide steps average sin away; the verdict is unchecked (or ok), never a false FAIL."""
    result = run("check", "sin(x)", "--x", x, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["variables"][0]["verdict"] in ("ok", "unchecked")


def test_unknown_option_variable_with_points_names_no_line() -> None:
    """An option that names no variable is a command-line error, not an error on line 1 of the data."""
    result = run("eval", "a*2", "--y", "3", "--points", "-", input="a\n1\n")
    assert result.exit_code == 2
    assert result.stderr == "exprgrad: error: no variable named y in the program (its variables: a)\n"
