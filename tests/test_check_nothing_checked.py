"""`exprgrad check` that verified nothing exits 4 and says so; a run that verified something keeps its exit code."""

from __future__ import annotations

import json

import pytest

from exprgrad.cli import EXIT_NOTHING_CHECKED

from .cli_helpers import run


@pytest.mark.parametrize(
    ("program", "point", "verdict"),
    [
        ("x**x", ["--x", "0"], "unchecked"),
        ("relu(x)", ["--x", "0"], "not differentiable"),
        ("abs(x) + relu(y)", ["--x", "0", "--y", "0"], "not differentiable"),
    ],
)
def test_nothing_checked_exits_4_with_a_summary_that_says_so(program: str, point: list[str], verdict: str) -> None:
    """No gradient agreed and none failed: exit 4, and the summary starts with `nothing checked:`."""
    result = run("check", program, *point)
    assert result.exit_code == EXIT_NOTHING_CHECKED == 4
    assert result.stdout.splitlines()[-1].startswith("nothing checked: 0 of ")
    assert verdict in result.stdout


def test_nothing_checked_in_json() -> None:
    """The JSON document carries nothing_checked, and ok stays true (nothing disagreed)."""
    result = run("check", "x**x", "--x", "0", "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 4
    assert document["nothing_checked"] is True and document["ok"] is True


def test_a_program_without_variables_checks_nothing() -> None:
    """`check "2*3"` has no gradient to check: exit 4, not a pass."""
    result = run("check", "2*3")
    assert result.exit_code == 4
    assert result.stdout.splitlines()[-1] == "nothing checked: 0 of 0 gradients agree"


def test_one_verified_gradient_is_enough_for_exit_0() -> None:
    """A kink beside a verified gradient: the run checked something, exit 0, the summary as before."""
    result = run("check", "relu(x)*y", "--x", "0", "--y", "2", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["nothing_checked"] is False


def test_a_failure_still_exits_1() -> None:
    """A wrong --expect on an otherwise unchecked variable is a failure (1), not "nothing checked" (4)."""
    result = run("check", "x**x", "--x", "0", "--expect", "x=5")
    assert result.exit_code == 1
    assert "FAIL" in result.stdout


def test_an_expectation_alone_verifies() -> None:
    """With no finite difference possible, a matching --expect is still a verified gradient: exit 0."""
    result = run("check", "x**x", "--x", "0", "--expect", "x=0")
    assert result.exit_code == 0
