"""Key encoding: bytewise order must be logical order."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streamflow.state.keys import decode_i64, encode_i64, prefix_end

i64 = st.integers(-(2**63), 2**63 - 1)


@given(i64, i64)
def test_encoded_ints_sort_like_ints(a: int, b: int) -> None:
    assert (encode_i64(a) < encode_i64(b)) == (a < b)


@given(i64)
def test_encoded_ints_round_trip(n: int) -> None:
    assert len(encode_i64(n)) == 8
    assert decode_i64(encode_i64(n)) == n


@given(st.binary(max_size=4), st.binary(max_size=4))
def test_prefix_end_bounds_exactly_the_keys_with_the_prefix(prefix: bytes, key: bytes) -> None:
    end = prefix_end(prefix)
    in_range = key >= prefix and (end is None or key < end)
    assert in_range == key.startswith(prefix)


def test_prefix_end_examples() -> None:
    assert prefix_end(b"ab") == b"ac"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff\xff") is None
    assert prefix_end(b"") is None
