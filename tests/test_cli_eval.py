"""`exprgrad eval`: the table, the JSON contract, bindings, and every error's exit code and message."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from .cli_helpers import NEURON, WALKTHROUGH, run

GOLDEN = Path(__file__).parent / "golden"


def test_table_matches_golden_output() -> None:
    """The default table for the walk-through example, byte for byte."""
    result = run("eval", *WALKTHROUGH)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "walkthrough_table.txt").read_text(encoding="utf-8")
    assert result.stderr == ""


def test_table_with_precision() -> None:
    """--precision rounds the table's numbers to that many significant digits."""
    result = run("eval", *NEURON, "--precision", "3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "neuron_table_precision3.txt").read_text(encoding="utf-8")


def test_json_contract() -> None:
    """One JSON object: output, value, gradients of every variable, nodes in topological order with ids."""
    result = run(
        "eval", "e = a*b; d = e + c; L = d*f", "--a", "2", "--b", "-3", "--c", "10", "--f", "-2", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["output", "value", "gradients", "nodes"]
    assert document["output"] == "L"
    assert document["value"] == -8.0
    assert document["gradients"] == {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0}
    nodes = document["nodes"]
    assert [n["id"] for n in nodes] == list(range(len(nodes)))
    assert nodes[0] == {"id": 0, "label": "a", "op": "", "data": 2.0, "grad": 6.0, "inputs": []}
    by_label = {n["label"]: n for n in nodes}
    assert by_label["e"]["grad"] == by_label["d"]["grad"] == -2.0
    assert by_label["e"]["op"] == "mul" and by_label["d"]["op"] == "add"
    for node in nodes:
        assert set(node) == {"id", "label", "op", "data", "grad", "inputs"}
        assert all(i < node["id"] for i in node["inputs"])


def test_json_floats_round_trip_exactly() -> None:
    """Floats are written at full precision: reading them back gives the same doubles."""
    result = run("eval", *NEURON, "--format", "json")
    document = json.loads(result.stdout)
    assert document["value"] == math.tanh(2 * -3 + 0 * 1 + 6.8813735870195432)
    assert document["gradients"]["w2"] == 0.0
    assert math.isclose(document["gradients"]["x1"], -1.5, rel_tol=1e-12)


def test_json_constants_have_null_grad() -> None:
    """A constant takes no gradient: its grad is null, and it is not among the gradients."""
    document = json.loads(run("eval", "2*a", "--a", "3", "--format", "json").stdout)
    assert document["gradients"] == {"a": 2.0}
    assert document["nodes"][0] == {"id": 0, "label": "2", "op": "", "data": 2.0, "grad": None, "inputs": []}


def test_a_times_a_accumulates() -> None:
    """a*a at a=3 has gradient 6 and two edges to a."""
    document = json.loads(run("eval", "a*a", "--a", "3", "--format", "json").stdout)
    assert document["gradients"] == {"a": 6.0}
    assert document["nodes"][1]["inputs"] == [0, 0]


@pytest.mark.parametrize(
    "words",
    [
        ["--a", "2", "--b", "-3"],
        ["--a=2", "--b=-3"],
        ["--var", "a=2", "--var", "b=-3"],
        ["--b", "-3", "--", "--a", "2"],
        ["--a", "2e0", "--b", "-.3e1"],
    ],
)
def test_binding_forms(words: list[str]) -> None:
    """--a 2, --a=2, --var a=2, values after --, and every number form give the same result."""
    result = run("eval", "a*b", "--format", "json", *words)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["value"] == -6.0


def test_bindings_may_come_before_the_program() -> None:
    """Values and the program can be given in any order."""
    result = run("eval", "--a", "2", "a*b", "--b", "-3", "--format", "json")
    assert json.loads(result.stdout)["value"] == -6.0


@pytest.mark.parametrize("name", ["svg", "format", "help", "dot", "var"])
def test_variables_named_like_options(name: str) -> None:
    """A variable called svg, format or help is bound with --var NAME=VALUE, or after --."""
    first = run("eval", f"{name}*2", "--var", f"{name}=3", "--format", "json")
    second = run("eval", f"{name}*2", "--format", "json", "--", f"--{name}", "3")
    assert first.exit_code == second.exit_code == 0, first.stderr + second.stderr
    assert json.loads(first.stdout)["value"] == json.loads(second.stdout)["value"] == 6.0


def test_program_can_be_self_contained() -> None:
    """A program that gives its own values needs no options."""
    result = run("eval", "a = 2; b = -3; L = a*b", "--format", "json")
    assert json.loads(result.stdout)["gradients"] == {"a": -3.0, "b": 2.0}


# (arguments, exit code, a fragment of the message on stderr)
ERRORS = [
    (["a*"], 2, "1:3: the program ends too early"),
    (["a*", "--b", "2"], 2, "ends too early"),
    (["a*b+c", "--a", "2"], 2, "no value for b, c: pass --b VALUE --c VALUE"),
    (["a+b", "--a", "1", "--b", "x"], 2, "the value of b must be a number"),
    (["a+b", "--a", "1", "--b", "nan"], 2, "must be a number"),
    (["a+b", "--a", "1", "--b", "1e999"], 2, "too large"),
    (["a+b", "--a", "1", "--a", "2", "--b", "0"], 2, "a is given more than once"),
    (["a+b", "--a", "1", "--var", "a=2", "--b", "0"], 2, "a is given more than once"),
    (["a+b", "--a", "1", "--b"], 2, "--b needs a value"),
    (["a+b", "--a", "1", "--b", "2", "--c", "3"], 2, "no variable named c"),
    (["a+b", "--a", "1", "--bb", "2"], 2, "did you mean --b?"),
    (["a+b", "-a", "1"], 2, "unknown option -a"),
    (["b = -3; a*b", "--a", "1", "--b", "2"], 2, "b already given a value in the program"),
    (["tanhh(a)", "--a", "1"], 2, "unknown function 'tanhh' (did you mean tanh?)"),
    (["tanh(a, a)", "--a", "1"], 2, "tanh takes 1 argument, got 2"),
    (["a", "b"], 2, "unexpected argument 'b'"),
    ([], 2, "no program given"),
    (["a", "--var", "a"], 2, "--var takes NAME=VALUE"),
    (["log(a)", "--a", "-1"], 1, "math error at node 'log(a)' (log of a = -1.0): log needs a positive argument"),
    (["y = sqrt(a)", "--a", "0"], 1, "node 'y' (sqrt of a = 0.0): cannot differentiate"),
    (["a/b", "--a", "1", "--b", "0"], 1, "division by zero"),
    (["a**b", "--a", "-8", "--b", "0.5"], 1, "fractional power"),
    (["exp(a)", "--a", "1000"], 1, "overflows"),
    (["a*b", "--a", "1e200", "--b", "1e200"], 1, "multiplication overflows"),
]


@pytest.mark.parametrize(("args", "code", "fragment"), ERRORS)
def test_errors_have_a_message_and_an_exit_code(args: list[str], code: int, fragment: str) -> None:
    """Each bad input gives one line (or a caret block) on stderr, nothing on stdout, and its exit code."""
    result = run("eval", *args)
    assert result.exit_code == code
    assert fragment in result.stderr
    assert result.stderr.startswith("exprgrad: error: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_parse_error_shows_the_line_and_a_caret() -> None:
    """A syntax error prints line:column, the source line, and a caret under the column."""
    result = run("eval", "x = a +* b")
    assert result.stderr == (
        "exprgrad: error: 1:8: unexpected '*'; expected '(', '+', '-', a name or a number\n  x = a +* b\n         ^\n"
    )


def test_unknown_option_of_its_own_is_a_usage_error() -> None:
    """--precision with a bad value is rejected by the option parser with exit 2."""
    result = run("eval", "a", "--a", "1", "--precision", "0")
    assert result.exit_code == 2


def test_program_from_a_file(tmp_path: Path) -> None:
    """-f FILE reads the program; errors then name the file."""
    source = tmp_path / "prog.eg"
    source.write_text("e = a*b\nL = e +* c\n", encoding="utf-8")
    result = run("eval", "-f", str(source))
    assert result.exit_code == 2
    assert f"{source}:2:8: unexpected '*'" in result.stderr


def test_program_from_stdin() -> None:
    """-f - reads the program from standard input."""
    result = run("eval", "-f", "-", "--a", "2", "--format", "json", input="L = a*a\n")
    assert json.loads(result.stdout)["gradients"] == {"a": 4.0}


def test_version() -> None:
    """--version prints the version."""
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("exprgrad ")


def test_every_command_has_help() -> None:
    """exprgrad --help and exprgrad eval --help describe the commands."""
    assert "eval" in run("--help").stdout
    help_text = run("eval", "--help").stdout
    for option in ("--format", "--svg", "--dot", "--var", "--precision", "--file"):
        assert option in help_text


ALL_COMMANDS = ["eval", "explain", "grad", "check", "diff"]


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["grad", "a*b", "--a", "2", "--b", "3", "--wrt", "a"], ["grad"]),
        (["eval", "--help"], ["eval"]),
        (["eval", "a*b", "--a", "2"], ["eval"]),
        (["check", "--bogus"], ["check"]),
        (["--help"], ALL_COMMANDS),
        (["--version"], ALL_COMMANDS),
        (["gard", "x"], ALL_COMMANDS),
        ([], ALL_COMMANDS),
    ],
)
def test_console_script_builds_only_the_command_it_runs(args: list[str], built: list[str]) -> None:
    """`app_for` (what `main` runs) keeps only the named command, and every output and exit code stays the same."""
    from typer.testing import CliRunner

    from exprgrad.cli import app
    from exprgrad.cli.app import app_for

    reduced = app_for(args)
    assert [command.name for command in reduced.registered_commands] == built
    assert [command.name for command in app.registered_commands] == ALL_COMMANDS
    expected = CliRunner().invoke(app, args)
    result = CliRunner().invoke(reduced, args)
    assert (result.exit_code, result.stdout, result.stderr) == (expected.exit_code, expected.stdout, expected.stderr)
