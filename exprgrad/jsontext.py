"""JSON text without the `json` module, whose import costs about 2 ms at every start of `eval --format json`.

`dumps(value)` writes exactly what ``json.dumps(value, ensure_ascii=False, allow_nan=False)`` writes for the
values exprgrad's documents hold: dicts with string keys, lists and tuples, strings, ints, floats, bools and None.
A test compares the two on generated values. The recursion follows the document's nesting (a few levels), never
the size of a graph.
"""

from __future__ import annotations

import math
from typing import Any

# What json.dumps escapes when ensure_ascii is off: the quote, the backslash, and control characters below U+0020.
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_ESCAPES = {chr(code): _SHORT_ESCAPES.get(chr(code), f"\\u{code:04x}") for code in range(0x20)}
_ESCAPES.update(_SHORT_ESCAPES)
_TRANSLATION = str.maketrans(_ESCAPES)


def _string(text: str) -> str:
    return f'"{text.translate(_TRANSLATION)}"'


def dumps(value: Any) -> str:
    """`value` as JSON text; a float that is not finite raises ValueError, as json.dumps(allow_nan=False) does."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not allowed in JSON")
        return float.__repr__(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(dumps, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(key)}: {dumps(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"{type(value).__name__} cannot be written as JSON here")
