"""--svg and --dot: a deterministic drawing, escaped labels, no system Graphviz needed, all-or-nothing files."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from exprgrad import Value
from exprgrad.dot import MAX_DRAWN_NODES, draw, graph_svg

from .cli_helpers import WALKTHROUGH, run

GOLDEN = Path(__file__).parent / "golden"
WASM = {"EXPRGRAD_RENDERER": "wasm"}
SVG_NS = "{http://www.w3.org/2000/svg}"


def _fake_dot(folder: Path, output_command: str) -> dict[str, str]:
    """A stand-in `dot` in `folder` that records its arguments in `called` and prints with `output_command`.

    Returns the environment that puts it first on PATH.
    """
    fake = folder / "dot"
    fake.write_text(f'#!/bin/sh\necho "$@" > "$(dirname "$0")/called"\ncat > /dev/null\n{output_command}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}", "EXPRGRAD_RENDERER": "auto"}


def test_dot_source_matches_golden(tmp_path: Path) -> None:
    """The DOT source of the walk-through: records label|data|grad, an ellipse per op, left to right."""
    target = tmp_path / "graph.dot"
    result = run("eval", *WALKTHROUGH, "--dot", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == (GOLDEN / "walkthrough.dot").read_text(encoding="utf-8")


def test_svg_is_xml_and_byte_identical_across_runs(tmp_path: Path) -> None:
    """Two runs give the same SVG bytes, which parse as XML with one group per node and edge."""
    first, second = tmp_path / "one.svg", tmp_path / "two.svg"
    assert run("eval", *WALKTHROUGH, "--svg", str(first), env=WASM).exit_code == 0
    assert run("eval", *WALKTHROUGH, "--svg", str(second), env=WASM).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    root = ET.fromstring(first.read_bytes())
    assert root.tag == f"{SVG_NS}svg"
    groups = [g.get("class") for g in root.iter(f"{SVG_NS}g")]
    # 7 value records + 3 op ellipses; 3 edges into ops from 6 inputs + 3 from ops to results.
    assert groups.count("node") == 10
    assert groups.count("edge") == 9
    texts = "".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))
    assert "grad 6" in texts and "data -8" in texts


def test_svg_without_a_system_graphviz(tmp_path: Path) -> None:
    """With no `dot` on PATH at all, --svg still draws (Graphviz in WebAssembly, in-process)."""
    target = tmp_path / "graph.svg"
    result = run("eval", *WALKTHROUGH, "--svg", str(target), env={"PATH": str(tmp_path), "EXPRGRAD_RENDERER": "auto"})
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith(b"<?xml")


def test_system_dot_is_used_when_present(tmp_path: Path) -> None:
    """When `dot` is on PATH it renders the drawing (here a stand-in that records how it was called)."""
    env = _fake_dot(tmp_path, 'echo "<svg/>"')
    target = tmp_path / "graph.svg"
    result = run("eval", *WALKTHROUGH, "--svg", str(target), env=env)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "called").read_text().strip() == "-Tsvg"
    assert target.read_bytes() == b"<svg/>\n"


def test_record_special_characters_are_escaped() -> None:
    """Labels with { } | < > and quotes cannot break the record syntax."""
    node = Value(1.0, label='{a|b} <c> "d" \\')
    source = draw(node).source
    assert r"\{a\|b\} \<c\> \"d\" \\" in source


def test_labels_with_special_characters_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """A node whose label holds record syntax renders to valid SVG that shows the label as written."""
    monkeypatch.setenv("EXPRGRAD_RENDERER", "wasm")
    value = Value(2.0, label="{x|<y>}") * 3
    root = ET.fromstring(graph_svg([value.inputs[0], value.inputs[1], value]))
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert "{x|<y>}" in texts


def test_failed_render_keeps_the_existing_file(tmp_path: Path) -> None:
    """If drawing fails, an existing output file is left as it was and no temporary file stays behind."""
    target = tmp_path / "graph.svg"
    target.write_bytes(b"old picture")
    result = run("eval", *WALKTHROUGH, "--svg", str(target), env={"EXPRGRAD_RENDERER": "dot", "PATH": str(tmp_path)})
    assert result.exit_code == 3
    assert "no `dot` on PATH" in result.stderr
    assert target.read_bytes() == b"old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]


def test_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    """An output path in a folder that does not exist: exit 3, a message, nothing on stdout."""
    result = run("eval", *WALKTHROUGH, "--svg", str(tmp_path / "nope" / "g.svg"), env=WASM)
    assert result.exit_code == 3
    assert "does not exist" in result.stderr
    assert result.stdout == ""


def test_unwritable_folder_is_an_output_error() -> None:
    """An output path where no file can be created (here /proc, refused even to root): exit 3 and a message."""
    result = run("eval", *WALKTHROUGH, "--dot", "/proc/exprgrad-test.dot")
    assert result.exit_code == 3
    assert "cannot write /proc/exprgrad-test.dot" in result.stderr


def test_huge_graphs_are_refused_with_a_message(tmp_path: Path) -> None:
    """Layout is superlinear: past the limit --svg explains itself instead of hanging; --dot still works."""
    text = " + ".join(f"x{i % 7}" for i in range(MAX_DRAWN_NODES))
    values = [arg for i in range(7) for arg in (f"--x{i}", "1")]
    svg = tmp_path / "big.svg"
    result = run("eval", text, *values, "--svg", str(svg), env=WASM)
    assert result.exit_code == 3
    assert f"limited to {MAX_DRAWN_NODES}" in result.stderr
    assert not svg.exists()
    dot = tmp_path / "big.dot"
    assert run("eval", text, *values, "--dot", str(dot)).exit_code == 0
    assert dot.read_text(encoding="utf-8").startswith("digraph")


def test_gradient_colours_edge_derivatives_and_rankdir_match_golden(tmp_path: Path) -> None:
    """--color-by-grad fills values by sign and size with a legend; --edge-derivatives labels edges; --rankdir TB."""
    target = tmp_path / "graph.dot"
    options = ["--color-by-grad", "--edge-derivatives", "--rankdir", "tb"]
    result = run("eval", *WALKTHROUGH, *options, "--dot", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == (GOLDEN / "walkthrough_styled.dot").read_text(encoding="utf-8")


def test_styled_svg_is_byte_identical_and_shows_the_legend(tmp_path: Path) -> None:
    """The coloured drawing is deterministic and its legend names the colour ranges."""
    first, second = tmp_path / "one.svg", tmp_path / "two.svg"
    options = ["--color-by-grad", "--edge-derivatives"]
    assert run("eval", *WALKTHROUGH, *options, "--svg", str(first), env=WASM).exit_code == 0
    assert run("eval", *WALKTHROUGH, *options, "--svg", str(second), env=WASM).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    texts = [(t.text or "").strip() for t in ET.fromstring(first.read_bytes()).iter(f"{SVG_NS}text")]
    assert "grad (max |grad| = 6)" in texts
    assert "(4.5, 6]" in texts and "[-6, -4.5)" in texts and "0" in texts and "constant" in texts
    assert "a*b + c = 4" in texts


def test_colour_follows_sign_and_size() -> None:
    """Positive gradients are blue, negative red, darker as |grad| nears the largest; 0 and constants are neutral."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = a * b + a * 0.1
    out.backward()
    source = draw(out, color_by_grad=True).source
    assert '[label="{ a | data 2 | grad -2.9 }" fillcolor="#b2182b"' in source
    assert '[label="{ b | data -3 | grad 2 }" fillcolor="#4393c3"' in source
    assert '[label="{ 0.1 | data 0.1 }" shape=record]' in source


@pytest.mark.parametrize("direction", ["LR", "TB", "RL", "BT", "lr"])
def test_rankdir_accepts_the_four_directions(direction: str) -> None:
    """--rankdir takes LR, TB, RL or BT, in any case."""
    assert f"rankdir={direction.upper()}" in draw(Value(1.0, label="x"), rankdir=direction).source


def test_rankdir_is_validated() -> None:
    """Any other --rankdir is a usage error, even without a drawing."""
    result = run("eval", *WALKTHROUGH, "--rankdir", "up")
    assert result.exit_code == 2
    assert result.stderr == "exprgrad: error: --rankdir must be one of LR, TB, RL, BT, not 'up'\n"


def test_png_without_system_graphviz_is_a_clear_error(tmp_path: Path) -> None:
    """The in-process renderer draws SVG only: --png without `dot` exits 3, says why, and writes nothing."""
    target = tmp_path / "graph.png"
    result = run("eval", *WALKTHROUGH, "--png", str(target), "--svg", str(tmp_path / "g.svg"), env={"PATH": ""})
    assert result.exit_code == 3
    assert "PNG needs the Graphviz `dot` program on PATH" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_png_with_system_dot(tmp_path: Path) -> None:
    """With `dot` on PATH, --png asks it for -Tpng and writes what it returns."""
    env = _fake_dot(tmp_path, 'printf "PNGDATA"')
    target = tmp_path / "graph.png"
    result = run("eval", *WALKTHROUGH, "--png", str(target), env=env)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "called").read_text().strip() == "-Tpng"
    assert target.read_bytes() == b"PNGDATA"
