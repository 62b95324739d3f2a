"""The explorer: one self-contained HTML page that shows a program's graph, node table and chain-rule steps, linked,
lets you step through the forward and backward passes and change the inputs live (`eval --html`, `explain --html`,
`Program._repr_html_`, `show`).
"""

from __future__ import annotations

from .notebook import notebook_html, show
from .page import explorer_html

__all__ = ["explorer_html", "notebook_html", "show"]
