"""The ops of a program as JavaScript, printed from the registry by `exprgrad diff --to js`'s writer: each op's
forward function and one function per local partial (the registry's formula over x, y and out).

This is the only JavaScript of the ops the explorer has: nothing here spells an op, the writer does.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ops import Op


def ops_script(used: Sequence[Op]) -> str:
    """`window.exprgradOps = {name: {forward, partials}}` for the ops in `used`, with the helpers they need."""
    raise NotImplementedError("waiting for the JavaScript writer of `exprgrad diff --to js`")
