"""Numbers a float cannot hold are refused both ways, and only ASCII digits are read, wherever a number is read."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exprgrad.bindings import parse_number, rounds_to_zero
from exprgrad.errors import BindingError

from .cli_helpers import run


@pytest.mark.parametrize("text", ["1e-400", "-1e-400", "2e-324", "0.0000000001e-320", "1" + "0" * 10 + "e-340"])
def test_a_value_that_would_be_read_as_zero_is_refused(text: str) -> None:
    """A nonzero value that rounds to 0 is a usage error, as one that rounds to infinity is."""
    result = run("eval", "a", "--a", text)
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr == f"exprgrad: error: the value of a is too small for a float (it would be read as 0): {text}\n"
    )


@pytest.mark.parametrize(
    ("text", "value"), [("5e-324", 5e-324), ("3e-324", 5e-324), ("0e-400", 0.0), ("-0.000e9", -0.0)]
)
def test_small_values_a_float_holds_and_zeros_are_read(text: str, value: float) -> None:
    """A subnormal (fewer digits, not zero) and a zero written with any exponent are read."""
    assert parse_number(text, "x") == value
    assert math.copysign(1, parse_number(text, "x")) == math.copysign(1, value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_written_out_reads_back(x: float) -> None:
    """Every finite float's repr (zeros and subnormals included) is read back exactly: the refusal hits no float."""
    assert parse_number(repr(x), "x") == x


@given(st.integers(min_value=1, max_value=9), st.integers(min_value=325, max_value=10_000))
def test_underflow_is_found_for_any_nonzero_mantissa(digit: int, exponent: int) -> None:
    """d e-N with N beyond the smallest subnormal's exponent is an underflow."""
    text = f"{digit}e-{exponent}"
    assert rounds_to_zero(text, float(text))


def test_the_program_refuses_an_underflowing_literal() -> None:
    """A literal in the program text follows the same rule as a value on the command line."""
    result = run("eval", "a*1e-400", "--a", "1")
    assert result.exit_code == 2
    assert result.stderr == (
        "exprgrad: error: 1:3: the number 1e-400 is too small for a float (it would be read as 0)\n  a*1e-400\n    ^\n"
    )


@pytest.mark.parametrize("text", ["١٢", "１２", "1e٣", "٠.5", "१"])
def test_digits_other_than_ascii_are_refused_in_values(text: str) -> None:
    """Arabic-Indic, fullwidth and Devanagari digits are not numbers (float() would read them)."""
    with pytest.raises(BindingError, match="must be a number"):
        parse_number(text, "the value of a")
    result = run("eval", "a", "--a", text)
    assert result.exit_code == 2
    assert result.stderr == f"exprgrad: error: the value of a must be a number (like 2, -3.5 or 1e-3), got {text!r}\n"


@pytest.mark.parametrize("cell", ["١٢", "1e-400"])
@pytest.mark.parametrize("path", ["blocks", "rows"])
def test_points_cells_follow_the_same_rules(cell: str, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CSV cell is refused as a command-line value is, on the block path as on the row path."""
    monkeypatch.setenv("EXPRGRAD_POINTS", path)
    result = run("eval", "a", "--points", "-", "--skip-bad", input=f"a\n1\n0\n{cell}\n2\n")
    assert result.stdout == "a,value,grad_a\n1.0,1.0,1.0\n0.0,0.0,1.0\n2.0,2.0,1.0\n"
    reason = (
        "a is too small for a float (it would be read as 0): 1e-400"
        if cell == "1e-400"
        else f"a must be a number (like 2, -3.5 or 1e-3), got {cell!r}"
    )
    assert result.stderr == f"exprgrad: skipped line 4: {reason}\nexprgrad: skipped 1 bad row\n"


def test_json_lines_cells_refuse_underflow() -> None:
    """A JSON-lines number that would be read as 0 is refused; a written zero is read."""
    result = run("eval", "a", "--points", "-", "--format", "json", input='{"a": 0.0}\n{"a": 1e-400}\n')
    assert result.exit_code == 2
    assert result.stdout == '{"a": 0.0, "value": 0.0, "grad_a": 1.0}\n'
    assert result.stderr == "exprgrad: error: line 2: a is too small for a float (it would be read as 0): 1e-400\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["eval", "a", "--a", "1", "--precision", "٣"],
            "--precision must be a number written with ASCII digits, got '٣' (see exprgrad eval --help)",
        ),
        (
            ["grad", "a", "--a", "1", "--order=２"],
            "--order must be a number written with ASCII digits, got '２' (see exprgrad grad --help)",
        ),
        (
            ["check", "a", "--a", "1", "--rtol", "1e-400"],
            "--rtol is too small for a float (it would be read as 0): 1e-400 (see exprgrad check --help)",
        ),
        (
            ["check", "a", "--a", "1", "--atol=١"],
            "--atol must be a number written with ASCII digits, got '١' (see exprgrad check --help)",
        ),
    ],
)
def test_numbers_of_options_follow_the_same_rules(args: list[str], message: str) -> None:
    """--precision, --order, --rtol and --atol refuse other digits and underflow, as values do (Click would not)."""
    result = run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"exprgrad: error: {message}\n")


def test_ordinary_option_numbers_still_work() -> None:
    """ASCII option numbers, a zero tolerance and a tiny one that a float holds, are accepted."""
    assert run("eval", "a", "--a", "1", "--precision", "3").stdout.endswith("a = 1\n")
    assert run("check", "a", "--a", "1", "--rtol", "0", "--atol=1e-300").exit_code == 0
