"""Nodes that share a label are told apart by their id in the table, explain, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from exprgrad import parse
from exprgrad.node_keys import node_keys
from exprgrad.render import print_table

from .cli_helpers import run

SIGMOID = ["y = exp(a)/(1+exp(a))", "--a", "1"]


@given(st.lists(st.sampled_from(["a", "b", "exp(a)", "1", "a #1", ""]), max_size=12))
def test_keys_are_unique_and_keep_unique_labels(labels: list[str]) -> None:
    """Every key differs from the others; a label no other node has is its own key; a shared one gets ` #id`."""
    keys = node_keys(labels)
    assert len(keys) == len(labels)
    for index, (label, key) in enumerate(zip(labels, keys, strict=True)):
        assert key == (label if labels.count(label) == 1 else f"{label} #{index}")
    if "a #1" not in labels:  # a label that imitates a mark could collide with one; the language cannot write it
        assert len(set(keys)) == len(keys)


def test_the_table_marks_the_two_exp_nodes() -> None:
    """The two exp(a) rows carry their ids; the other rows are unchanged."""
    result = run("eval", *SIGMOID)
    assert result.exit_code == 0
    assert result.stdout == (
        "node      ┃ op       ┃               data ┃                 grad\n"
        "━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━\n"
        "a         │ variable │                  1 │  0.19661193324148174\n"
        "exp(a) #1 │ exp      │  2.718281828459045 │   0.2689414213699951\n"
        "1         │ constant │                  1 │                    -\n"
        "exp(a) #3 │ exp      │  2.718281828459045 │ -0.19661193324148185\n"
        "1+exp(a)  │ add      │  3.718281828459045 │ -0.19661193324148185\n"
        "y         │ div      │ 0.7310585786300049 │                    1\n"
        "y = 0.7310585786300049\n"
    )


def test_the_rich_table_marks_them_too() -> None:
    """The table drawn by Rich (on a terminal) shows the same marked labels as the plain one."""
    program = parse(SIGMOID[0])
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_table(console, program, program(a=1))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "exp(a) #1 " in text and "exp(a) #3 " in text


def _json(*args: str) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_keys_index_every_node() -> None:
    """`key` is unique, equals the table's first column, and leaves `label` as the source text."""
    nodes = _json("eval", *SIGMOID, "--format", "json")["nodes"]
    assert [node["label"] for node in nodes] == ["a", "exp(a)", "1", "exp(a)", "1+exp(a)", "y"]
    assert [node["key"] for node in nodes] == ["a", "exp(a) #1", "1", "exp(a) #3", "1+exp(a)", "y"]
    by_key = {node["key"]: node for node in nodes}
    assert by_key["exp(a) #1"]["grad"] == 0.2689414213699951
    assert by_key["exp(a) #3"]["grad"] == -0.19661193324148185
    table_labels = [line.split(" │ ")[0].strip() for line in run("eval", *SIGMOID).stdout.splitlines()[2:-1]]
    assert table_labels == list(by_key)


def test_csv_has_the_key_column() -> None:
    """CSV and TSV end each row with the same key."""
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.DictReader(io.StringIO(run("eval", *SIGMOID, "--format", fmt).stdout), delimiter=delimiter))
        assert [row["key"] for row in rows] == ["a", "exp(a) #1", "1", "exp(a) #3", "1+exp(a)", "y"]
        assert [row["id"] for row in rows] == ["0", "1", "2", "3", "4", "5"]


def test_explain_names_each_exp_node_by_its_id() -> None:
    """explain's symbols say which exp(a) each step and each term is about."""
    lines = run("explain", *SIGMOID).stdout.splitlines()
    assert lines[2] == (
        "dy/d(exp(a) #3) = dy/d(1+exp(a)) * d(1+exp(a))/d(exp(a) #3) = -0.19661193324148185 * 1 = -0.19661193324148185"
    )
    assert lines[4] == "dy/d(exp(a) #1) = 1/(1+exp(a)) = 0.2689414213699951"
    assert lines[5].startswith("dy/da = dy/d(exp(a) #3) * d(exp(a) #3)/da + dy/d(exp(a) #1) * d(exp(a) #1)/da = ")
    steps = _json("explain", *SIGMOID, "--format", "json")["steps"]
    assert [(step["id"], step["label"], step["key"]) for step in steps] == [
        (5, "y", "y"),
        (4, "1+exp(a)", "1+exp(a)"),
        (3, "exp(a)", "exp(a) #3"),
        (2, "1", "1"),
        (1, "exp(a)", "exp(a) #1"),
        (0, "a", "a"),
    ]


def test_repeated_constants_are_marked_in_explain() -> None:
    """Two constants written `2` are two rows with ids, and explain names each in its constant step."""
    lines = run("explain", "2*a + 2", "--a", "1").stdout.splitlines()
    assert "d(2*a + 2)/d(2 #3) = none (2 #3 is a constant)" in lines
    assert "d(2*a + 2)/d(2 #0) = none (2 #0 is a constant)" in lines
