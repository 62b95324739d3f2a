"""The explorer (`eval --html`) in a real headless Chromium: its numbers, its walk, its sliders, its links."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from exprgrad import parse
from exprgrad.dot import MAX_DRAWN_NODES
from exprgrad.explorer.opsjs import ops_script
from exprgrad.mathspace import FLOAT_MATH
from exprgrad.ops import NODE_OPS, DomainError
from exprgrad.sweep import reverse_sweep
from exprgrad.textform import format_number

from .browser import OUTPUT, Watched, launched
from .cli_helpers import WALKTHROUGH, run

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WALKTHROUGH_VALUES = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as running:
        yield running


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = Watched(context.new_page())
    yield page
    context.close()


def eval_json(program: str, values: dict[str, float]) -> dict[str, Any]:
    """`exprgrad eval --format json` at `values`."""
    options = [word for name, value in values.items() for word in (f"--{name}", repr(value))]
    result = run("eval", program, *options, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def write_page(folder: Path, *args: str) -> Path:
    """`exprgrad eval ARGS --html` into `folder`, checked to succeed."""
    target = folder / "explorer.html"
    result = run("eval", *args, "--html", str(target))
    assert result.exit_code == 0, result.stderr
    return target


def shown_numbers(page: Page) -> tuple[list[str], list[str]]:
    """The data and grad columns of the node table, as shown."""
    data = page.locator("#nodes tbody tr td:nth-child(5)").all_inner_texts()
    grads = page.locator("#nodes tbody tr td:nth-child(6)").all_inner_texts()
    return data, grads


def expected_numbers(document: dict[str, Any]) -> tuple[list[str], list[str]]:
    """eval's JSON numbers written as the page writes them (exprgrad's one number format)."""
    data = ["not evaluated" if node["data"] is None else format_number(node["data"]) for node in document["nodes"]]
    grads = ["none" if node["grad"] is None else format_number(node["grad"]) for node in document["nodes"]]
    return data, grads


def test_numbers_equal_eval_json(tmp_path: Path, watched: Watched) -> None:
    """Every value and gradient the page shows is eval's JSON number, digit for digit."""
    page = watched.open(write_page(tmp_path, *WALKTHROUGH))
    assert shown_numbers(page) == expected_numbers(eval_json(WALKTHROUGH[0], WALKTHROUGH_VALUES))
    assert page.inner_text("#result") == "L = -8"
    watched.assert_quiet()


def test_neuron_numbers_equal_eval_json(tmp_path: Path, watched: Watched) -> None:
    """A tanh neuron (a program with a transcendental op) shows eval's numbers too."""
    program = "n = x1*w1 + x2*w2 + b; o = tanh(n)"
    values = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    options = [word for name, value in values.items() for word in (f"--{name}", repr(value))]
    page = watched.open(write_page(tmp_path, program, *options, "--color-by-grad", "--edge-derivatives"))
    shown_data, shown_grads = shown_numbers(page)
    expected_data, expected_grads = expected_numbers(eval_json(program, values))
    # Math.tanh and the C library's tanh may differ in the last bit: compare as numbers, closely.
    for shown, expected in zip(shown_data + shown_grads, expected_data + expected_grads, strict=True):
        if expected == "none":
            assert shown == "none"
        else:
            assert math.isclose(float(shown), float(expected), rel_tol=1e-15, abs_tol=1e-15), (shown, expected)
    watched.assert_quiet()


def test_page_works_with_the_webassembly_graphviz(tmp_path: Path, watched: Watched) -> None:
    """Drawn by the WebAssembly Graphviz (no system dot), the page links and updates its drawing the same way."""
    target = tmp_path / "wasm.html"
    result = run("eval", *WALKTHROUGH, "--color-by-grad", "--html", str(target), env={"EXPRGRAD_RENDERER": "wasm"})
    assert result.exit_code == 0, result.stderr
    page = watched.open(target)
    assert page.locator("#graph g.node[role=button]").count() == 7
    page.get_by_label("a value").fill("5")
    assert "data 5" in page.locator("#graph g.node[aria-label='node a'] text").all_text_contents()
    # dL/db = a*f: -10 now; the drawing was made with -4.
    assert "grad -10" in page.locator("#graph g.node[aria-label='node b'] text").all_text_contents()
    watched.assert_quiet()


def test_walk_follows_the_engine(tmp_path: Path, watched: Watched) -> None:
    """Stepping shows values in topological order, then the chain-rule terms in the order the engine adds them."""
    page = watched.open(write_page(tmp_path, *WALKTHROUGH))
    program = parse(WALKTHROUGH[0])
    evaluation = program.evaluate(WALKTHROUGH_VALUES)
    engine_terms: list[str] = []
    reverse_sweep(
        program.nodes,
        program.input_ids(),
        program.output_index(),
        evaluation.data,
        FLOAT_MATH,
        1.0,
        observe=lambda user, slot, child, *_: engine_terms.append(f"{user},{slot},{child}"),
    )
    count = len(program.nodes)
    page.keyboard.press("Home")
    walked_nodes, walked_terms = [], []
    for step in range(count + 1 + len(engine_terms)):
        assert page.get_attribute("body", "data-cursor") == str(step)
        if step < count:
            walked_nodes.append(int(page.get_attribute("body", "data-walk-node") or "-1"))
            data, grads = shown_numbers(page)
            # Values appear one node at a time; no gradient is shown during the forward pass.
            assert [text != "—" for text in data] == [index <= step for index in range(count)]
            assert all(text in ("—", "none") for text in grads)
        elif step > count:
            walked_terms.append(page.get_attribute("body", "data-walk-term"))
            assert page.locator("#equation").inner_text().startswith("d")
        page.get_by_role("button", name="Next step").click()
    assert walked_nodes == list(range(count))
    assert walked_terms == engine_terms
    assert page.get_attribute("body", "data-cursor") == "end"
    assert shown_numbers(page) == expected_numbers(eval_json(WALKTHROUGH[0], WALKTHROUGH_VALUES))
    watched.assert_quiet()


def test_sum_over_paths_accumulates_term_by_term(tmp_path: Path, watched: Watched) -> None:
    """A node used twice shows its gradient after the first term, then the sum after the second."""
    page = watched.open(write_page(tmp_path, "y = a*a + a", "--a", "3"))
    page.keyboard.press("Home")
    grads_of_a = []
    while page.get_attribute("body", "data-cursor") != "end":
        grads_of_a.append(shown_numbers(page)[1][0])
        page.keyboard.press("ArrowRight")
    arrivals = [grad for index, grad in enumerate(grads_of_a) if index and grad != grads_of_a[index - 1]]
    # a + a*a: d/da of the sum's right input first (1), then a*a's two slots (3 each): 1, 4, 7.
    assert arrivals == ["1", "4", "7"]
    watched.assert_quiet()


def test_slider_gives_eval_gradients_at_the_new_value(tmp_path: Path, watched: Watched) -> None:
    """Moving a slider recomputes every value and gradient: they equal eval's at the slider's new value."""
    page = watched.open(write_page(tmp_path, *WALKTHROUGH))
    slider = page.get_by_role("slider", name="a")
    slider.focus()
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    new_value = float(slider.input_value())
    assert new_value != 2.0
    assert float(page.get_by_label("a value").input_value()) == new_value
    values = {**WALKTHROUGH_VALUES, "a": new_value}
    assert shown_numbers(page) == expected_numbers(eval_json(WALKTHROUGH[0], values))
    # Typing a value works the same way.
    page.get_by_label("f value").fill("0.25")
    values["f"] = 0.25
    assert shown_numbers(page) == expected_numbers(eval_json(WALKTHROUGH[0], values))
    watched.assert_quiet()


def test_domain_error_names_the_node_and_never_shows_nan(tmp_path: Path, watched: Watched) -> None:
    """An input outside an op's domain stops the numbers at that node, names it, and shows no NaN."""
    page = watched.open(write_page(tmp_path, "s = x + 1; y = log(s) * x", "--x", "2"))
    page.get_by_label("x value").fill("-3")
    problem = page.locator("#problem").inner_text()
    assert problem.startswith("log(s) is not defined at s = -2 (log's domain: x > 0)")
    body = page.locator("body").inner_text()
    assert "NaN" not in body and "Infinity" not in body
    page.get_by_label("x value").fill("2")
    assert page.locator("#problem").inner_text() == ""
    watched.assert_quiet()


def test_a_where_branch_not_chosen_is_not_evaluated(tmp_path: Path, watched: Watched) -> None:
    """Behind a `where` branch not chosen, a value that is not defined is shown as not evaluated, as eval does;
    a chosen one that is not defined stops the numbers, as without `where`."""
    program = "L = y*where(step(x), sqrt(x) + log(x), x*x)"
    page = watched.open(write_page(tmp_path, program, "--x", "-2", "--y", "3"))
    assert shown_numbers(page) == expected_numbers(eval_json(program, {"x": -2.0, "y": 3.0}))
    assert "not evaluated" in shown_numbers(page)[0]
    assert page.locator("#problem").inner_text() == ""
    assert page.inner_text("#result") == "L = 12"
    page.get_by_label("x value").fill("4")
    assert shown_numbers(page) == expected_numbers(eval_json(program, {"x": 4.0, "y": 3.0}))
    body = page.locator("body").inner_text()
    assert "NaN" not in body and "Infinity" not in body
    failing = watched.open(write_page(tmp_path, "L = where(step(-x), log(x), 1)", "--x", "1"))
    failing.get_by_label("x value").fill("-1")
    assert failing.locator("#problem").inner_text().startswith("log(x) is not defined at x = -1")
    # A condition that fails opens neither branch, as in the engine: its failure is named, not the earlier branch's.
    program = "a = sqrt(x); L = where(log(x), a, 1)"
    assert "math error at node 'log(x)'" in run("eval", program, "--x", "-1").stderr
    both = watched.open(write_page(tmp_path, program, "--x", "1"))
    both.get_by_label("x value").fill("-1")
    assert both.locator("#problem").inner_text().startswith("log(x) is not defined at x = -1")
    watched.assert_quiet()


def test_an_infinite_local_derivative_keeps_the_value_shown(tmp_path: Path, watched: Watched) -> None:
    """Where only a gradient is undefined (sqrt'(0) is infinite), the page still shows the output's value."""
    page = watched.open(write_page(tmp_path, "L = y*sqrt(x)", "--x", "4", "--y", "1"))
    page.get_by_label("x value").fill("0")
    problem = page.locator("#problem").inner_text()
    assert "is not finite at x = 0 (node sqrt(x))" in problem
    assert page.locator("#result").inner_text() == "L = 0; its gradients are not defined here"
    page.get_by_label("x value").fill("-1")
    assert page.locator("#result").inner_text() == "L: not defined here"
    watched.assert_quiet()


def test_a_dashed_copy_follows_its_node(tmp_path: Path, watched: Watched) -> None:
    """A value drawn again beside a far user (a dashed copy) shows the new numbers, and its edge the new local
    derivative, after an input changes, as its node does."""
    program = "y = tanh(tanh(tanh(tanh(a)))) * a"
    page = watched.open(write_page(tmp_path, program, "--a", "0.5", "--edge-derivatives"))
    texts = page.locator("#graph g.node text")
    assert texts.all_text_contents().count("data 0.5") == 2  # the leaf a, and its copy beside the product
    edge_labels = page.locator("#graph g.edge text")
    before = edge_labels.all_text_contents()
    page.get_by_label("a value").fill("2")
    shown = texts.all_text_contents()
    grads_shown = [shown[index + 1] for index, text in enumerate(shown) if text == "data 2"]
    gradient = eval_json(program, {"a": 2.0})["gradients"]["a"]
    assert grads_shown == [f"grad {gradient:.6g}"] * 2 and "data 0.5" not in shown
    after = edge_labels.all_text_contents()
    # Every edge label with a number moved, the copy's edge into the product included.
    assert all(old != new for old, new in zip(before, after, strict=True) if "=" in old)
    watched.assert_quiet()


def test_selecting_a_node_highlights_row_step_and_paths(tmp_path: Path, watched: Watched) -> None:
    """Selecting `b` highlights its row and step, and the nodes and edges on its path to the output only."""
    page = watched.open(write_page(tmp_path, *WALKTHROUGH))
    page.locator("#graph g.node[aria-label='node b']").click()
    selected_rows = page.locator("#nodes tbody tr.selected").all_inner_texts()
    assert len(selected_rows) == 1 and selected_rows[0].split("\t")[1].startswith("b")
    assert page.locator("#steps li.selected .symbol").inner_text() == "dL/db"
    rows = page.locator("#nodes tbody tr.on-path")
    on_path = sorted(int(rows.nth(i).get_attribute("data-node") or "-1") for i in range(rows.count()))
    # b (1) -> a*b (2) -> a*b + c (4) -> L (6); not a, c or f.
    assert on_path == [1, 2, 4, 6]
    # Edges on the path: b->op, op->a*b, a*b->op, op->sum, sum->op, op->L.
    assert page.locator("#graph g.edge.on-path").count() == 6
    # A step highlights the edges of its terms: a*b + c's gradient comes from one edge (into L's op).
    page.locator("#steps li[data-node='4']").click()
    assert page.locator("#graph g.edge.on-path").count() == 1
    assert page.locator("#nodes tbody tr.selected").get_attribute("data-node") == "4"
    page.keyboard.press("Escape")
    assert page.locator(".selected").count() == 0
    watched.assert_quiet()


def test_controls_have_accessible_names(tmp_path: Path, watched: Watched) -> None:
    """Every button, slider and field is named; the graph has a text alternative."""
    page = watched.open(write_page(tmp_path, *WALKTHROUGH))
    for name in ("Previous step", "Next step", "Back to the start of the forward pass", "Reset inputs"):
        assert page.get_by_role("button", name=name).count() == 1
    assert page.get_by_role("button", name="Jump to the end: show every value and gradient").count() == 1
    for variable in WALKTHROUGH_VALUES:
        assert page.get_by_role("slider", name=variable, exact=True).count() == 1
        assert page.get_by_role("spinbutton", name=f"{variable} value").count() == 1
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input')].filter((element) =>
            !(element.getAttribute('aria-label') || element.labels?.length || element.textContent.trim())).length"""
    )
    assert unnamed == 0
    assert page.get_by_role("img", name="Graph").count() == 1
    watched.assert_quiet()


@pytest.mark.parametrize("options", [(), ("--color-by-grad", "--edge-derivatives")], ids=["plain", "coloured"])
def test_screenshots_light_and_dark(tmp_path: Path, browser: Browser, options: tuple[str, ...]) -> None:
    """The reference page, light and dark, midway through the backward pass with `b` selected: saved for a reviewer."""
    path = write_page(tmp_path, *WALKTHROUGH, *options)
    name = "explorer-walkthrough" + ("-coloured" if options else "")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / f"{name}.html").write_bytes(path.read_bytes())
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
        watched = Watched(context.new_page())
        page = watched.open(path)
        page.keyboard.press("Home")
        for _ in range(11):
            page.keyboard.press("ArrowRight")
        assert page.get_attribute("body", "data-cursor") == "11"
        page.locator("#nodes tbody tr[data-node='1']").click()
        target = OUTPUT / f"{name}-{scheme}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
        watched.assert_quiet()
        context.close()


def test_thirty_nodes_fit_a_laptop_screen(tmp_path: Path, watched: Watched) -> None:
    """On a 1366x768 screen, a 30-node program's graph, inputs and step controls are all in view, unscrolled."""
    program = "h1 = tanh(x1*w1 + x2*w2 + b1); h2 = tanh(x1*w3 + x2*w4 + b2); o = sigmoid(h1*v1 + h2*v2 + c)\n"
    program += "L = (o - t)**2"
    names = ["x1", "w1", "x2", "w2", "b1", "w3", "w4", "b2", "v1", "v2", "c", "t"]
    options = [word for position, name in enumerate(names) for word in (f"--{name}", repr(position / 10 - 0.5))]
    page = watched.open(write_page(tmp_path, program, *options))
    assert page.locator("#nodes tbody tr").count() == 30
    for selector in ("#graph", "#stepper", "#inputs"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, selector
    # The graph is drawn at half its size or more: its text stays readable.
    assert int(page.inner_text("#zoom-level").rstrip("%")) >= 50
    watched.assert_quiet()


def test_large_program_is_usable(tmp_path: Path, watched: Watched) -> None:
    """A 500-node program loads, draws and computes; its output gradient equals eval's."""
    program = " + ".join(f"x{i}*x{i + 1}" for i in range(166))
    values = {f"x{i}": (i % 7) / 3 - 1 for i in range(167)}
    path = tmp_path / "large.txt"
    path.write_text(program)
    target = tmp_path / "large.html"
    options = [word for name, value in values.items() for word in (f"--{name}", repr(value))]
    result = run("eval", "--file", str(path), *options, "--html", str(target))
    assert result.exit_code == 0, result.stderr
    page = watched.open(target)
    assert page.locator("#nodes tbody tr").count() == len(parse(program).nodes)
    assert page.locator("#graph svg").count() == 1
    document = eval_json(program, values)
    assert shown_numbers(page) == expected_numbers(document)
    watched.assert_quiet()


def test_over_the_drawing_limit_says_what_it_leaves_out(tmp_path: Path, watched: Watched) -> None:
    """Past the drawing limit the page leaves the graph out, says so, and still shows every node."""
    assert MAX_DRAWN_NODES < 2001  # the program below has 2,001 nodes
    program = " + ".join(f"x{i}" for i in range(1001))
    path = tmp_path / "huge.txt"
    path.write_text(program)
    target = tmp_path / "huge.html"
    options = [word for i in range(1001) for word in (f"--x{i}", "1")]
    result = run("eval", "--file", str(path), *options, "--html", str(target))
    assert result.exit_code == 0, result.stderr
    page = watched.open(target)
    assert page.locator("#graph svg").count() == 0
    assert f"drawings are limited to {MAX_DRAWN_NODES}" in page.locator("#graph-caption").inner_text()
    assert page.locator("#nodes tbody tr").count() == 2001
    watched.assert_quiet()


# -- the ops' JavaScript against the registry --------------------------------------------------------------------


def _sample_points(arity: int) -> list[tuple[float, ...]]:
    """Hand-picked points (both signs, small and large, whole and fractional) and seeded random ones."""
    picked = [-3.5, -2.0, -1.0, -0.75, -0.3, 0.0, 0.2, 0.5, 0.9, 1.0, 1.5, 2.0, 3.0, 7.25]
    generator = random.Random(14)
    randoms = [generator.uniform(-6.0, 6.0) for _ in range(12)]
    singles = picked + randoms
    if arity == 1:
        return [(x,) for x in singles]
    return [(x, y) for x in singles[::2] for y in singles[1::2]]


def _python_results(op: Any, point: tuple[float, ...]) -> list[float] | None:
    """The op's value and local partials at `point` in Python, or None where the op or a partial is undefined."""
    try:
        out = op.forward(*point)
        partials = [float(partial(FLOAT_MATH, *point, out)) for partial in op.partials]
    except (DomainError, ArithmeticError, ValueError):
        return None
    if any(convention.holds(*point) for convention in op.conventions):
        # A documented convention (a kink, a tie, pow at base 0) is a choice the formula alone does not carry.
        return None
    results = [out, *partials]
    return results if all(math.isfinite(value) for value in results) else None


def _close(got: float | None, expected: float) -> bool:
    # Math's functions and the C library's may differ in the last bits; the erf helpers agree to about 1e-13.
    return got is not None and math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-14)


def test_every_op_in_javascript_matches_the_registry(browser: Browser) -> None:
    """The page's JavaScript of every op (forward and each partial) equals exprgrad's floats at sample points."""
    cases = []
    for op in NODE_OPS:
        for point in _sample_points(op.arity):
            expected = _python_results(op, point)
            if expected is not None:
                cases.append((op.name, list(point), expected))
    assert {name for name, _, _ in cases} == {op.name for op in NODE_OPS}
    context = browser.new_context()
    watched = Watched(context.new_page())
    page = watched.page
    page.set_content("<!DOCTYPE html><title>ops</title>")
    page.add_script_tag(content=ops_script(list(NODE_OPS)))
    computed = page.evaluate(
        """(cases) => cases.map(([name, point]) => {
            const op = window.exprgradOps[name];
            const out = op.forward(...point);
            return [out, ...op.partials.map((partial) => partial(...point, out))];
        })""",
        [[name, point] for name, point, _ in cases],
    )
    mismatches = [
        (name, point, expected, got)
        for (name, point, expected), got in zip(cases, computed, strict=True)
        if not all(_close(g, e) for g, e in zip(got, expected, strict=True))
    ]
    assert mismatches == []
    watched.assert_quiet()
    context.close()
