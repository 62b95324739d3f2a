"""Parts of the Hessian: rows and columns chosen, each row one reverse pass, equal to the full Hessian's entries."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from exprgrad import EvaluationError, parse
from exprgrad.hessian import hessian

from .cli_helpers import run
from .growth import fastest
from .strategies import Expr, bindings, expressions


@settings(max_examples=80, deadline=None)
@given(expressions(), bindings(), st.data())
def test_selected_entries_equal_the_full_hessian(
    expression: Expr, values: dict[str, float], data: st.DataObject
) -> None:
    """Any choice of rows and columns gives exactly the full Hessian's entries, in the order asked for."""
    program = parse(expression.text)
    point = {name: values[name] for name in program.free_variables}
    try:
        full = hessian(program, point)
    except EvaluationError:
        return
    names = list(program.variables)
    rows = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    columns = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    part = hessian(program, point, rows=rows, columns=columns)
    assert list(part) == rows
    for row in rows:
        assert list(part[row]) == columns
        for column in columns:
            assert part[row][column] == full[row][column] or (
                math.isnan(part[row][column]) and math.isnan(full[row][column])
            )


def _products(n: int) -> tuple[str, dict[str, float]]:
    terms = " + ".join(f"x{i}*x{j}" for i, j in itertools.combinations(range(n), 2))
    return f"tanh(({terms}) / {n * n})", {f"x{i}": 0.1 * (i % 9 + 1) for i in range(n)}


def _one_entry_seconds(n: int) -> float:
    text, point = _products(n)
    program = parse(text)
    return fastest(lambda: hessian(program, point, rows=["x0"], columns=["x1"]), repeat=3)


def test_one_entry_is_linear_in_the_graph() -> None:
    """One entry of tanh(sum of all products of n variables): 4x the variables is 16x the graph, and about 16x the
    time (each row a pass over the gradient graph; all n rows made it 64x)."""
    ratio = _one_entry_seconds(160) / _one_entry_seconds(40)
    assert ratio < 32, f"one entry took {ratio:.1f}x as long for a 16x graph"


def test_grad_order_2_entry_matches_the_full_listing() -> None:
    """`grad --order 2 --wrt a --wrt b` prints the entry the full listing has for a, b (and --wrt a alone a, a)."""
    program = "tanh(a*b + b*c + a*c) * exp(a)"
    point = ["--a", "0.3", "--b", "-0.7", "--c", "1.1"]
    listing = run("grad", program, *point, "--order", "2").stdout.splitlines()
    entries = {(row, column): value for row, column, value in (line.split("\t") for line in listing)}
    assert run("grad", program, *point, "--order", "2", "--wrt", "a", "--wrt", "b").stdout == entries["a", "b"] + "\n"
    assert run("grad", program, *point, "--order", "2", "--wrt", "c", "--wrt", "a").stdout == entries["c", "a"] + "\n"
    assert run("grad", program, *point, "--order", "2", "--wrt", "b").stdout == entries["b", "b"] + "\n"
    chosen = run("grad", program, *point, "--order", "2", "--wrt", "c", "--wrt", "a", "--wrt", "b").stdout
    assert chosen.splitlines() == [line for line in listing if line.split("\t")[0] in "abc"]
