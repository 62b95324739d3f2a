"""Rewrite README.md's function and convention tables from the registry: ``python -m tests.update_function_docs``.

tests/test_docs.py fails while the README's tables differ from what this writes.
"""

from __future__ import annotations

import re
from pathlib import Path

from exprgrad.catalog import entries, markdown_conventions, markdown_functions

README = Path(__file__).parent.parent / "README.md"


def _marked(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}: generated[^\n]*-->\n)(.*?)(<!-- end of {name} -->)", re.DOTALL)


def tables() -> dict[str, str]:
    """The generated text of each marked README table, by marker name."""
    listing = entries()
    return {"function table": markdown_functions(listing), "convention table": markdown_conventions(listing)}


def current(text: str) -> dict[str, str]:
    """The text of each marked table as the README has it now."""
    found = {}
    for name in tables():
        match = _marked(name).search(text)
        found[name] = match.group(2) if match else ""
    return found


def updated(text: str) -> str:
    """`text` with every marked table replaced by the generated one."""
    for name, table in tables().items():
        match = _marked(name).search(text)
        if match is not None:
            text = text[: match.start(2)] + table + text[match.end(2) :]
    return text


if __name__ == "__main__":
    README.write_text(updated(README.read_text(encoding="utf-8")), encoding="utf-8")
