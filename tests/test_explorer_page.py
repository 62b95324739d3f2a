"""`--html`: one self-contained, deterministic page, written all or nothing; the library's entry points to it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from exprgrad import Value, parse
from exprgrad.explorer import explorer_html, show
from exprgrad.explorer.notebook import NotEvaluatedError, notebook_html
from exprgrad.explorer.page import script_json

from .cli_helpers import WALKTHROUGH, run


def _data_of(page: str) -> dict[str, object]:
    text = page.split('<script type="application/json" id="exprgrad-data">', 1)[1].split("</script>", 1)[0]
    document: dict[str, object] = json.loads(text)
    return document


def test_eval_html_is_self_contained_and_deterministic(tmp_path: Path) -> None:
    """Two runs give the same bytes; nothing in the page points outside it; its network policy forbids fetching."""
    first, second = tmp_path / "one.html", tmp_path / "two.html"
    assert run("eval", *WALKTHROUGH, "--html", str(first)).exit_code == 0
    assert run("eval", *WALKTHROUGH, "--html", str(second)).exit_code == 0
    page = first.read_text(encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""\b(src|href|action)\s*=\s*["']?(https?:|//)""", page)
    assert "default-src 'none'" in page
    assert "<svg" in page and "<?xml" not in page


def test_page_carries_the_program_and_its_values(tmp_path: Path) -> None:
    """The page's document: every node with its inputs, each variable at its value, steps in explain's order."""
    target = tmp_path / "page.html"
    assert run("eval", *WALKTHROUGH, "--html", str(target)).exit_code == 0
    document = _data_of(target.read_text(encoding="utf-8"))
    assert document["variables"] == [
        {"name": "a", "node": 0, "value": 2.0},
        {"name": "b", "node": 1, "value": -3.0},
        {"name": "c", "node": 3, "value": 10.0},
        {"name": "f", "node": 5, "value": -2.0},
    ]
    explained = json.loads(run("explain", *WALKTHROUGH, "--format", "json").stdout)
    assert document["stepOrder"] == [step["id"] for step in explained["steps"]]
    assert document["lines"] == ["L = (a*b + c)*f"]


def test_explain_html_writes_the_page_too(tmp_path: Path) -> None:
    """`explain --html` writes the same explorer as eval and still prints its steps."""
    from_explain, from_eval = tmp_path / "explain.html", tmp_path / "eval.html"
    result = run("explain", *WALKTHROUGH, "--html", str(from_explain))
    assert result.exit_code == 0
    assert result.stdout.startswith("dL/dL = 1")
    assert run("eval", *WALKTHROUGH, "--html", str(from_eval)).exit_code == 0
    assert from_explain.read_bytes() == from_eval.read_bytes()


def test_domain_error_writes_no_page(tmp_path: Path) -> None:
    """A program that cannot be evaluated at the given values fails as eval does, and leaves no page behind."""
    target = tmp_path / "page.html"
    result = run("eval", "log(x)", "--x", "-1", "--html", str(target))
    assert result.exit_code == 1
    assert result.stderr.startswith("exprgrad: error:")
    assert not target.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--points", "-"], "--svg, --png, --dot and --html show one evaluation"),
        (["--svg", "SAME"], "give --html its own path"),
    ],
)
def test_html_usage_errors(tmp_path: Path, extra: list[str], message: str) -> None:
    """--html with --points, or at the same path as a drawing, is a usage error that writes nothing."""
    target = tmp_path / "page.html"
    words = [str(target) if word == "SAME" else word for word in extra]
    result = run("eval", *WALKTHROUGH, "--html", str(target), *words, input="a,b,c,f\n1,2,3,4\n")
    assert result.exit_code == 2
    assert message in result.stderr
    assert not target.exists()


def test_script_json_cannot_end_its_script() -> None:
    """Labels with `</script>` or `<!--` stay inside the page's JSON."""
    text = script_json({"label": "</script><!--"})
    assert "<" not in text
    assert json.loads(text) == {"label": "</script><!--"}


def test_repr_html_only_after_evaluation() -> None:
    """A program shows the explorer in Jupyter once it has values; before that Jupyter shows its drawing."""
    program = parse("y = x*x")
    assert program._repr_html_() is None
    with pytest.raises(NotEvaluatedError):
        notebook_html(program)
    program(x=3)
    frame = program._repr_html_()
    assert frame is not None and frame.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in frame


def test_show_builds_the_explorer_of_a_value() -> None:
    """`show(value)` outside a notebook returns the explorer; its page has the value's leaves as variables."""
    a = Value(2.0, label="a")
    b = Value(-0.5, label="b")
    out = (a * b).tanh()
    out.backward()
    explorer = show(out)
    assert explorer is not None
    document = _data_of(explorer.html())
    assert [variable["name"] for variable in document["variables"]] == ["a", "b"]  # type: ignore[attr-defined]
    assert explorer.html() == explorer_html(explorer.program)


def test_show_refuses_two_leaves_with_one_label() -> None:
    """Two different leaves labelled alike would share a slider: show says so."""
    from exprgrad import ExprgradError

    out = Value(1.0, label="a") * Value(2.0, label="a")
    with pytest.raises(ExprgradError, match="labelled 'a'"):
        show(out)


def test_show_refuses_what_is_not_a_program_or_a_value() -> None:
    """`show(42)` is a TypeError that says what show takes, not an AttributeError from deep inside."""
    with pytest.raises(TypeError, match="show\\(\\) takes a Program or a Value, not int"):
        show(42)  # type: ignore[arg-type]
