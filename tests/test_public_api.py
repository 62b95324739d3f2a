"""exprgrad uses only the public API of its dependencies: no private module of Typer (its copy of Click) is imported."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_private_typer_imports() -> None:
    """No source file imports `typer._click` or another private Typer module (they change without notice)."""
    private = re.compile(r"^\s*(from|import)\s+typer\._", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("exprgrad", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if private.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
