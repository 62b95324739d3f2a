"""exprgrad as a library and in notebooks: draw, parse, the inline SVG of a Value or a Program, micrograd's idioms."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import graphviz
import pytest

import exprgrad
from exprgrad import Value, draw, parse


def test_public_names() -> None:
    """`from exprgrad import Value, parse, draw` gives the three entry points; draw returns a graphviz.Digraph."""
    a = Value(2.0, label="a")
    graph = draw(a * 3)
    assert isinstance(graph, graphviz.Digraph)
    assert exprgrad.draw is draw
    assert {"Value", "parse", "draw"} <= set(exprgrad.__all__)


def test_value_shows_inline_svg_without_system_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    """In Jupyter a Value displays as SVG even with no `dot` on PATH (WebAssembly Graphviz, in-process)."""
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("EXPRGRAD_RENDERER", raising=False)
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b).tanh()
    out.backward()
    svg = out._repr_svg_()
    assert isinstance(svg, str)
    assert svg.startswith("<?xml") and "<svg" in svg and "grad" in svg


def test_program_shows_inline_svg_before_and_after_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Program displays its structure before evaluation and its latest numbers after."""
    monkeypatch.setenv("EXPRGRAD_RENDERER", "wasm")
    program = parse("e = a*b; L = e + c")
    assert "data" not in program._repr_svg_()
    program(a=2, b=-3, c=10)
    assert "data 4" in program._repr_svg_()


def test_program_evaluates_many_times() -> None:
    """parse once, then call the program with new values as often as needed; it exposes nodes and output."""
    program = parse("L = (a*b + c) * f")
    first = program(a=2, b=-3, c=10, f=-2)
    second = program(a=1, b=1, c=0, f=1)
    assert (first.value, first.gradients) == (-8.0, {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0})
    assert (second.value, second.gradients) == (1.0, {"a": 1.0, "b": 1.0, "c": 1.0, "f": 1.0})
    assert program.output is program.nodes[-1] and program.output_name == "L"
    assert [node.label for node in program.nodes] == ["a", "b", "a*b", "c", "a*b + c", "f", "L"]


def test_micrograd_walkthrough_script_runs_unchanged() -> None:
    """The classic walk-through (a neuron by hand, then a tiny MLP trained for 20 steps) runs on exprgrad's Value."""
    script = Path(__file__).parent / "scripts" / "micrograd_walkthrough.py"
    finished = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("ok: loss ")


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("a*b + c", {"a": 1.0}, "no value for b, c: pass --b VALUE --c VALUE"),
        ("a*b + c", {"a": 1.0, "zz": 2.0}, "no variable named zz in the program (its variables: a, b, c)"),
        (
            "b = 2; c = a*b; c",
            {"a": 1.0, "c": 3.0},
            "c is computed by the program, so it takes no value; give values to its variables (b, a)",
        ),
        ("b = 2; a*b + c", {"b": 3.0, "zz": 1.0}, "no variable named zz in the program (its variables: b, a, c)"),
        ("a*b", {"a": float("inf"), "b": float("nan")}, "the value of a must be a finite number, got inf"),
    ],
)
def test_binding_reports_the_first_problem(text: str, values: dict[str, float], message: str) -> None:
    """A name the program computes or does not have comes first, then missing values, then the first
    value that is not finite, whatever else is wrong too."""
    with pytest.raises(exprgrad.BindingError) as caught:
        parse(text).bind(values)
    assert str(caught.value) == message


def test_binding_uses_the_programs_own_values_for_the_rest() -> None:
    """Variables given a value in the program take it; the others take the bindings, each as a float."""
    program = parse("b = 2; a*b + c")
    program.bind({"a": 5, "c": -1})
    assert {name: node.data for name, node in program.variables.items()} == {"b": 2.0, "a": 5.0, "c": -1.0}
    assert all(type(node.data) is float for node in program.variables.values())
