"""Stream-table join: a pure function, checked against the model on every combination."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamflow.operators.joins import JoinResult, stream_table_join_one

try:
    from .join_model import stream_table_model
except ImportError:  # tests/unit/operators is not a package
    from join_model import stream_table_model


@pytest.mark.parametrize("kind", ["inner", "left"])
@settings(max_examples=150, deadline=None, derandomize=True)
@given(key=st.sampled_from([b"k", None]), value=st.sampled_from(["v", None]),
       ts=st.integers(0, 10), table_value=st.sampled_from(["t", None]))
def test_matches_the_model(kind, key, value, ts, table_value):
    assert (stream_table_join_one(kind, key, value, ts, table_value)
            == stream_table_model(kind, key, value, ts, table_value))


def test_output_has_the_stream_records_key_and_timestamp():
    assert stream_table_join_one("inner", b"k", "v", 7, "t") == [JoinResult(b"k", ("v", "t"), 7)]


def test_left_join_with_a_null_key_emits_without_looking_up_the_table():
    assert stream_table_join_one("left", None, "v", 3, "ignored") == [JoinResult(None, ("v", None), 3)]


def test_null_stream_values_are_dropped():
    assert stream_table_join_one("left", b"k", None, 3, "t") == []


def test_a_custom_joiner():
    assert stream_table_join_one("left", b"k", 2, 1, None, lambda s, t: (s, t or 0)) == [
        JoinResult(b"k", (2, 0), 1)]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="outer"):
        stream_table_join_one("outer", b"k", "v", 1, "t")
