"""Drawings of deep networks: shared weights drawn beside each use, layout time that grows gently, a time limit."""

from __future__ import annotations

import os
import re
import shutil
import stat
import time
from pathlib import Path

import pytest

from exprgrad import Value
from exprgrad.dot import COPY_NOTE, MAX_EDGE_SPAN, draw, render

from .cli_helpers import run

RENDERERS = ["wasm", "dot"]


def _chain(layers: int) -> tuple[str, list[str]]:
    """A recurrent chain x1 = x0*w + b; x2 = x1*w + b; ... with w and b shared by every layer, and its values."""
    program = "; ".join(f"x{i} = x{i - 1}*w + b" for i in range(1, layers + 1))
    return program, ["--x0", "0.5", "--w", "0.9", "--b", "0.1"]


def _chain_source(layers: int) -> tuple[str, int]:
    w, b = Value(0.9, label="w"), Value(0.1, label="b")
    x = Value(0.5, label="x0")
    for i in range(1, layers + 1):
        x = x * w + b
        x.label = f"x{i}"
    x.backward()
    graph = draw(x)
    return graph.source, 2 * layers + 3


def _needs(renderer: str) -> None:
    if renderer == "dot" and shutil.which("dot") is None:
        pytest.fail("this test needs Graphviz's `dot` on PATH; .ci/run installs it (apt-get install graphviz)")


def test_a_shared_weight_is_drawn_beside_each_distant_use() -> None:
    """w and b used by every layer: drawn in full at their first use, then as dashed copies with the same label."""
    source, _ = _chain_source(6)
    w_label = re.search(r'n1 \[label="(\{ w \| [^"]*)"', source)
    assert w_label is not None
    copies = re.findall(r'(n1c\d+) \[label="([^"]*)" shape=record style=dashed\]', source)
    # Layer 1 uses the drawn w; layers 2 to 6 each get a copy, with one edge from it into their op.
    assert len(copies) == 5
    assert {label for _, label in copies} == {w_label.group(1)}
    for name, _ in copies:
        assert len(re.findall(rf"\b{name} -> n\d+op\b", source)) == 1
    assert COPY_NOTE in source


def test_every_input_keeps_its_edge() -> None:
    """Copies or not, each op has exactly one edge per input (so a*a still shows two)."""
    source, _ = _chain_source(8)
    edges_into_ops = re.findall(r"-> n\d+op\b", source)
    assert len(edges_into_ops) == 2 * 2 * 8
    a = Value(3.0, label="a")
    square = a * a
    square.backward()
    assert draw(square).source.count("n0 -> n1op") == 2


def test_nearby_uses_share_one_box() -> None:
    """A value used again within a few ranks (`a*b + a`) is drawn once, with no copies and no note."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    out = a * b + a
    out.backward()
    source = draw(out).source
    assert "dashed" not in source and COPY_NOTE not in source
    assert MAX_EDGE_SPAN >= 3


def test_copies_of_a_distant_interior_value() -> None:
    """An interior value used by every layer (s = w*2) is drawn once with its inputs, then copied where far."""
    w, x = Value(0.45, label="w"), Value(0.5, label="x0")
    s = w * 2
    s.label = "s"
    for _ in range(5):
        x = x * s
    x.backward()
    source = draw(x).source
    assert source.count("{ s | data 0.9 | grad") == 1 + source.count("style=dashed")
    assert source.count("style=dashed") >= 3


@pytest.mark.parametrize("renderer", RENDERERS)
def test_drawing_a_deeper_chain_grows_less_than_quadratically(renderer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four times the layers costs less than sixteen times the time (it was minutes past a few dozen layers)."""
    _needs(renderer)
    monkeypatch.setenv("EXPRGRAD_RENDERER", renderer)
    warm_source, warm_count = _chain_source(2)
    render(warm_source, "svg", node_count=warm_count)  # the compiled WebAssembly module, the page cache

    def seconds(layers: int) -> float:
        source, count = _chain_source(layers)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            render(source, "svg", node_count=count)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = seconds(40), seconds(160)
    assert large / small < 16, f"40 layers {small:.3f} s, 160 layers {large:.3f} s"


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_chain_drawing_is_byte_identical_across_runs(renderer: str, tmp_path: Path) -> None:
    """The same program gives the same SVG bytes twice, copies and all."""
    _needs(renderer)
    program, values = _chain(30)
    first, second = tmp_path / "one.svg", tmp_path / "two.svg"
    for target in (first, second):
        result = run("eval", program, *values, "--svg", str(target), env={"EXPRGRAD_RENDERER": renderer})
        assert result.exit_code == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    assert b"stroke-dasharray" in first.read_bytes()


def test_wasm_layout_past_the_time_limit_stops_with_a_message(tmp_path: Path) -> None:
    """Past EXPRGRAD_DRAWING_TIME_LIMIT the in-process Graphviz is stopped: exit 3, a pointer to --dot, no file."""
    program, values = _chain(200)
    target = tmp_path / "graph.svg"
    target.write_text("old")
    env = {"EXPRGRAD_RENDERER": "wasm", "EXPRGRAD_DRAWING_TIME_LIMIT": "0.01"}
    started = time.perf_counter()
    result = run("eval", program, *values, "--svg", str(target), env=env)
    assert result.exit_code == 3
    assert "the drawing took longer than 0.01 s and was stopped" in result.stderr
    assert "--dot PATH" in result.stderr
    assert target.read_text() == "old"
    assert time.perf_counter() - started < 30
    dot = tmp_path / "graph.dot"
    assert run("eval", program, *values, "--dot", str(dot), env=env).exit_code == 0
    assert dot.read_text(encoding="utf-8").startswith("digraph")


def test_system_dot_past_the_time_limit_is_stopped(tmp_path: Path) -> None:
    """A `dot` still running at the time limit is killed, and exprgrad says why (exit 3)."""
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "EXPRGRAD_DRAWING_TIME_LIMIT": "0.5"}
    started = time.perf_counter()
    result = run("eval", "a*b", "--a", "1", "--b", "2", "--svg", str(tmp_path / "g.svg"), env=env)
    assert result.exit_code == 3
    assert "the drawing took longer than 0.5 s and was stopped" in result.stderr
    assert time.perf_counter() - started < 20
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_a_bad_time_limit_is_refused(value: str, tmp_path: Path) -> None:
    """EXPRGRAD_DRAWING_TIME_LIMIT must be a positive number of seconds."""
    env = {"EXPRGRAD_RENDERER": "wasm", "EXPRGRAD_DRAWING_TIME_LIMIT": value}
    result = run("eval", "a", "--a", "1", "--svg", str(tmp_path / "g.svg"), env=env)
    assert result.exit_code == 3
    assert "EXPRGRAD_DRAWING_TIME_LIMIT must be a number of seconds above 0" in result.stderr


# Every monospaced font draws a character 0.6 em wide (Courier, Liberation Mono, DejaVu Sans Mono: 0.600-0.602 em).
MONOSPACED_ADVANCE = 0.602


def _fields(svg: bytes) -> list[tuple[str, float, float, float, float]]:
    """(text, its left and right edge at 0.6 em a character, the left and right edge of its box) per node text."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    found = []
    for group in ET.fromstring(svg).iter(f"{ns}g"):
        if group.get("class") != "node" or group.find(f"{ns}polygon") is None:
            continue
        polygon = group.find(f"{ns}polygon")
        assert polygon is not None
        xs = [float(point.split(",")[0]) for point in (polygon.get("points") or "").split()]
        # Record fields are split by vertical lines; a field's box runs between the nearest ones on either side.
        walls = sorted(
            {min(xs), max(xs)}
            | {float((line.get("points") or "").split()[0].split(",")[0]) for line in group.iter(f"{ns}polyline")}
        )
        for text in group.iter(f"{ns}text"):
            assert text.get("font-family") == "Courier,monospace" and text.get("text-anchor") == "middle"
            content, x = text.text or "", float(text.get("x") or 0)
            half = MONOSPACED_ADVANCE * float(text.get("font-size") or 0) * len(content) / 2
            left = max(wall for wall in walls if wall < x)
            right = min(wall for wall in walls if wall > x)
            found.append((content, x - half, x + half, left, right))
    return found


@pytest.mark.parametrize("renderer", RENDERERS)
def test_text_fits_its_box_in_any_monospaced_font(renderer: str, tmp_path: Path) -> None:
    """Every node's text, drawn at 0.6 em a character as any monospaced font draws it, stays inside its box."""
    _needs(renderer)
    program, values = _chain(4)
    target = tmp_path / "graph.svg"
    options = ["--color-by-grad", "--edge-derivatives", "--svg", str(target)]
    result = run("eval", program + "; y = tanh(x4)", *values, *options, env={"EXPRGRAD_RENDERER": renderer})
    assert result.exit_code == 0, result.stderr
    fields = _fields(target.read_bytes())
    assert any(text.startswith("grad 0.") for text, *_ in fields) and any("(" in text for text, *_ in fields)
    for text, start, end, left, right in fields:
        assert left <= start and end <= right, f"{text!r} spans {start:.1f}-{end:.1f}, its box {left:.1f}-{right:.1f}"


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_a_time_limit_of_years_draws(renderer: str, tmp_path: Path) -> None:
    """A limit far longer than any wait can be (1e300 s, 35 days) draws as with no limit, not an OverflowError."""
    if renderer == "dot" and shutil.which("dot") is None:
        pytest.fail("Graphviz's dot is not installed (.ci/run installs it)")
    for value in ("1e300", "3e6"):
        env = {"EXPRGRAD_RENDERER": renderer, "EXPRGRAD_DRAWING_TIME_LIMIT": value}
        result = run("eval", "a*b", "--a", "1", "--b", "2", "--svg", str(tmp_path / "g.svg"), "--force", env=env)
        assert result.exit_code == 0, result.stderr
        assert (tmp_path / "g.svg").read_bytes().startswith(b"<?xml")
