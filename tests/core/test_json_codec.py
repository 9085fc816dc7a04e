"""Variables cross the wire as JSON objects; anything else is refused with its path."""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeebe_router import _json
from zeebe_router.errors import InvalidVariablesError, VariablesNotSerializableError

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_round_trip(variables: dict[str, Any]) -> None:
    assert _json.loads(_json.dumps(variables)) == variables


def test_empty_and_none_send_nothing() -> None:
    assert _json.dumps(None) == ""
    assert _json.dumps({}) == ""
    assert _json.loads("") == {}


@pytest.mark.parametrize(
    ("variables", "path"),
    [
        ({"when": datetime.date(2024, 1, 2)}, "when"),
        ({"order": {"items": [1, {"price": math.nan}]}}, "order.items[1].price"),
        ({"x": math.inf}, "x"),
        ({"obj": object()}, "obj"),
        ({"s": {1, 2}}, "s"),
    ],
)
def test_unserializable_value_is_named(variables: dict[str, Any], path: str) -> None:
    with pytest.raises(VariablesNotSerializableError, match="not JSON-serialisable") as info:
        _json.dumps(variables)
    assert info.value.key == path
    assert repr(path) in str(info.value)


def test_a_non_mapping_is_refused() -> None:
    with pytest.raises(VariablesNotSerializableError, match="mapping"):
        _json.dumps([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize("document", ["[1, 2]", '"text"', "3", "{not json"])
def test_documents_that_are_not_objects_are_refused(document: str) -> None:
    with pytest.raises(InvalidVariablesError):
        _json.loads(document)
