"""The Store protocol, checked against every store kind (see conftest ``store``)."""
from __future__ import annotations

import pytest

from streamflow.state import Store, StoreBatch


def put_all(store: Store, items: dict[bytes, bytes], offset: int | None = None) -> None:
    batch = StoreBatch()
    for key, value in items.items():
        batch.put(key, value)
    store.write(batch, offset)


def keys(items) -> list[bytes]:
    return [k for k, _ in items]


ABC = {b"a": b"1", b"b": b"2", b"c": b"3", b"d": b"4", b"e": b"5"}


def test_missing_key_reads_none(store: Store) -> None:
    assert store.get(b"nope") is None


def test_put_then_get(store: Store) -> None:
    put_all(store, {b"k": b"v", b"empty-value": b""})
    assert store.get(b"k") == b"v"
    assert store.get(b"empty-value") == b""


def test_empty_key_is_a_key(store: Store) -> None:
    put_all(store, {b"": b"root"})
    assert store.get(b"") == b"root"
    assert list(store.iter_range()) == [(b"", b"root")]


def test_delete_removes_key(store: Store) -> None:
    put_all(store, {b"k": b"v"})
    batch = StoreBatch()
    batch.delete(b"k")
    batch.delete(b"never-there")
    store.write(batch, None)
    assert store.get(b"k") is None


def test_delete_range_end_is_exclusive(store: Store) -> None:
    put_all(store, ABC)
    batch = StoreBatch()
    batch.delete_range(b"b", b"d")
    store.write(batch, None)
    assert keys(store.iter_range()) == [b"a", b"d", b"e"]


def test_empty_or_reversed_delete_range_is_a_no_op(store: Store) -> None:
    put_all(store, ABC)
    batch = StoreBatch()
    batch.delete_range(b"c", b"c")
    batch.delete_range(b"d", b"b")
    store.write(batch, None)
    assert keys(store.iter_range()) == list(ABC)


def test_batch_ops_apply_in_order(store: Store) -> None:
    put_all(store, ABC)
    batch = StoreBatch()
    batch.delete_range(b"a", b"z")
    batch.put(b"c", b"new")
    batch.put(b"x", b"gone-next")
    batch.delete(b"x")
    store.write(batch, None)
    assert list(store.iter_range()) == [(b"c", b"new")]


@pytest.mark.parametrize(("begin", "end", "expected"), [
    (None, None, b"abcde"),
    (b"b", None, b"bcde"),
    (None, b"d", b"abc"),
    (b"b", b"d", b"bc"),
    (b"bb", b"cc", b"c"),
    (b"d", b"b", b""),
    (b"c", b"c", b""),
    (b"x", None, b""),
])
def test_range_scans_both_directions(store: Store, begin, end, expected: bytes) -> None:
    put_all(store, ABC)
    want = [bytes([c]) for c in expected]
    assert keys(store.iter_range(begin, end)) == want
    assert keys(store.iter_range(begin, end, reverse=True)) == want[::-1]


def test_range_scan_returns_values(store: Store) -> None:
    put_all(store, ABC)
    assert list(store.iter_range(b"d")) == [(b"d", b"4"), (b"e", b"5")]
    assert list(store.iter_range(b"d", reverse=True)) == [(b"e", b"5"), (b"d", b"4")]


def test_keys_sort_bytewise_unsigned(store: Store) -> None:
    ordered = [b"", b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff\x00"]
    put_all(store, {k: b"v" for k in reversed(ordered)})
    assert keys(store.iter_range()) == ordered
    assert keys(store.iter_range(reverse=True)) == ordered[::-1]
    assert keys(store.iter_range(b"\x7f", b"\xff")) == [b"\x7f", b"\x80"]


def test_scan_view_is_fixed_when_called(store: Store) -> None:
    put_all(store, ABC)
    scan = store.iter_range(b"b")
    assert next(scan) == (b"b", b"2")
    batch = StoreBatch()
    batch.put(b"bb", b"new")
    batch.delete(b"d")
    store.write(batch, None)
    assert keys(scan) == [b"c", b"d", b"e"]


def test_offset_starts_unset(store: Store) -> None:
    assert store.changelog_offset() is None


def test_offset_is_recorded_with_the_batch(store: Store) -> None:
    put_all(store, {b"a": b"1"}, offset=41)
    assert store.changelog_offset() == 41
    put_all(store, {b"b": b"2"}, offset=None)
    assert store.changelog_offset() == 41
    store.write(StoreBatch(), 42)
    assert store.changelog_offset() == 42


def test_offset_is_not_data(store: Store) -> None:
    put_all(store, ABC, offset=7)
    assert keys(store.iter_range()) == list(ABC)
    batch = StoreBatch()
    batch.delete_range(b"", b"\xff" * 32)
    store.write(batch, None)
    assert list(store.iter_range()) == []
    assert store.changelog_offset() == 7


def test_a_bad_op_fails_the_whole_batch(store: Store) -> None:
    put_all(store, {b"a": b"1"}, offset=1)
    batch = StoreBatch()
    batch.put(b"b", b"2")
    batch.put(b"c", "not bytes")  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError)):
        store.write(batch, 2)
    assert store.get(b"b") is None
    assert store.changelog_offset() == 1


def test_count_estimate_grows_with_data(store: Store) -> None:
    assert store.count_estimate() == 0
    put_all(store, {b"k%04d" % i: b"v" for i in range(100)})
    assert 50 <= store.count_estimate() <= 200
