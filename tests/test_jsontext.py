"""exprgrad's JSON writer writes exactly what the json module writes, for every kind of value it is given."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exprgrad.jsontext import dumps

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(), children, max_size=4)),
    max_leaves=20,
)


@given(_DOCUMENTS)
def test_same_text_as_the_json_module(document: object) -> None:
    """Any document of dicts, lists, strings (control characters included), numbers, bools and None."""
    assert dumps(document) == json.dumps(document, ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_refused(number: float) -> None:
    """NaN and Infinity are not JSON: a ValueError, as with allow_nan=False."""
    with pytest.raises(ValueError, match="not allowed"):
        dumps({"value": number})
