"""PartitionTransaction: the per-commit batch, over every store kind."""
from __future__ import annotations

from typing import Any

import orjson
import pytest

from streamflow.state import (
    MemoryStore,
    PartitionTransaction,
    RocksDBStore,
    Store,
    StoreBatch,
    StoreResources,
    restore,
)


def txn_for(store: Store) -> PartitionTransaction:
    return PartitionTransaction(store, orjson.dumps, orjson.loads)


def committed(store: Store, items: dict[bytes, Any], offset: int | None = None) -> None:
    txn = txn_for(store)
    for key, value in items.items():
        txn.set(key, value)
    txn.commit(offset)


@pytest.fixture
def txn(store: Store) -> PartitionTransaction:
    return txn_for(store)


# -- reads --------------------------------------------------------------------------------

def test_pending_write_is_read_back_before_commit(store: Store, txn) -> None:
    txn.set(b"k", {"n": 1})
    assert txn.get(b"k") == {"n": 1}
    assert txn.contains(b"k")
    assert store.get(b"k") is None  # nothing reaches the store before commit


def test_reads_fall_through_to_the_store_decoded(store: Store, txn) -> None:
    committed(store, {b"k": [1, 2]})
    assert txn.get(b"k") == [1, 2]
    assert txn.contains(b"k")


def test_missing_key_returns_default(txn) -> None:
    assert txn.get(b"nope") is None
    assert txn.get(b"nope", 0) == 0
    assert not txn.contains(b"nope")


def test_none_is_a_value_not_a_delete(store: Store, txn) -> None:
    txn.set(b"k", None)
    assert txn.contains(b"k")
    assert txn.get(b"k", "default") is None
    txn.commit(None)
    assert txn.contains(b"k")
    assert store.get(b"k") == b"null"


def test_pending_delete_hides_the_stored_value(store: Store, txn) -> None:
    committed(store, {b"k": 1})
    txn.delete(b"k")
    assert txn.get(b"k", "gone") == "gone"
    assert not txn.contains(b"k")
    assert store.get(b"k") == b"1"


def test_delete_range_hides_store_and_pending_keys(store: Store, txn) -> None:
    committed(store, {b"a": 1, b"b": 2, b"c": 3})
    txn.set(b"bb", 22)
    txn.delete_range(b"b", b"c")
    assert txn.get(b"b") is None and txn.get(b"bb") is None
    assert not txn.contains(b"b")
    assert txn.get(b"a") == 1 and txn.get(b"c") == 3


def test_set_after_delete_range_survives(store: Store, txn) -> None:
    committed(store, {b"a": 1, b"b": 2, b"c": 3})
    txn.delete_range(b"a", b"z")
    txn.set(b"b", 20)
    assert txn.get(b"b") == 20
    assert list(txn.iter_range(None, None)) == [(b"b", 20)]
    txn.commit(None)
    assert list(store.iter_range()) == [(b"b", b"20")]


# -- scans --------------------------------------------------------------------------------

def test_scan_merges_pending_writes_over_the_store(store: Store, txn) -> None:
    committed(store, {b"a": 1, b"c": 3, b"e": 5, b"g": 7})
    txn.set(b"b", 2)       # new key between stored ones
    txn.set(b"c", 30)      # overrides the store
    txn.delete(b"e")       # hides the store
    txn.delete(b"f")       # deleting a key that never existed
    expected = [(b"a", 1), (b"b", 2), (b"c", 30), (b"g", 7)]
    assert list(txn.iter_range(None, None)) == expected
    assert list(txn.iter_range(None, None, reverse=True)) == expected[::-1]


@pytest.mark.parametrize(("begin", "end", "expected"), [
    (b"b", b"e", [b"b", b"c", b"d"]),
    (b"bb", None, [b"c", b"d", b"e"]),
    (None, b"b", [b"a"]),
    (b"e", b"b", []),
])
def test_scan_bounds(store: Store, txn, begin, end, expected) -> None:
    committed(store, {b"a": 0, b"c": 0, b"e": 0})
    txn.set(b"b", 0)
    txn.set(b"d", 0)
    assert [k for k, _ in txn.iter_range(begin, end)] == expected
    assert [k for k, _ in txn.iter_range(begin, end, reverse=True)] == expected[::-1]


def test_scan_sees_keys_added_after_a_previous_scan(txn) -> None:
    txn.set(b"m", 1)
    assert list(txn.iter_range(None, None)) == [(b"m", 1)]
    txn.set(b"a", 0)
    txn.set(b"z", 2)
    assert [k for k, _ in txn.iter_range(None, None)] == [b"a", b"m", b"z"]


def test_scan_view_is_fixed_when_called(store: Store, txn) -> None:
    committed(store, {b"a": 1, b"c": 3})
    txn.set(b"b", 2)
    scan = txn.iter_range(None, None)
    txn.set(b"bb", 99)
    txn.delete(b"c")
    assert list(scan) == [(b"a", 1), (b"b", 2), (b"c", 3)]


# -- changes ------------------------------------------------------------------------------

def test_changes_hold_the_latest_value_per_key(txn) -> None:
    txn.set(b"k", 1)
    txn.set(b"k", 2)
    txn.set(b"j", "x")
    txn.delete(b"j")
    assert dict(txn.changes()) == {b"k": b"2", b"j": None}


def test_delete_range_becomes_one_tombstone_per_removed_key(store: Store, txn) -> None:
    committed(store, {b"a": 1, b"b": 2, b"c": 3, b"d": 4})
    txn.set(b"bb", 5)           # pending, then removed by the range
    txn.delete_range(b"b", b"d")
    txn.set(b"c", 33)           # written after the range: its value wins
    assert dict(txn.changes()) == {b"b": None, b"bb": None, b"c": b"33"}


def test_each_key_is_encoded_once_per_commit(store: Store) -> None:
    calls: list[Any] = []

    def dumps(value: Any) -> bytes:
        calls.append(value)
        return orjson.dumps(value)

    txn = PartitionTransaction(store, dumps, orjson.loads)
    for n in range(5):
        txn.set(b"k", n)
    txn.set(b"j", "j")
    txn.changes()
    txn.changes()
    txn.commit(0)
    assert sorted(map(str, calls)) == ["4", "j"]
    assert store.get(b"k") == b"4"


def test_a_write_after_changes_is_committed(store: Store, txn) -> None:
    txn.set(b"k", 1)
    txn.changes()
    txn.set(b"k", 2)
    assert dict(txn.changes()) == {b"k": b"2"}
    txn.commit(None)
    assert store.get(b"k") == b"2"


# -- commit and abort ---------------------------------------------------------------------

def test_commit_writes_data_and_offset_then_clears(store: Store, txn) -> None:
    txn.set(b"k", 1)
    assert txn.dirty
    txn.commit(17)
    assert not txn.dirty
    assert store.get(b"k") == b"1"
    assert store.changelog_offset() == 17
    assert txn.changes() == []


def test_commit_with_nothing_pending_still_records_the_offset(store: Store, txn) -> None:
    txn.commit(5)
    assert store.changelog_offset() == 5


def test_commit_with_nothing_to_do_does_not_write() -> None:
    class NoWrites(MemoryStore):
        def write(self, batch: StoreBatch, changelog_offset: int | None) -> None:
            raise AssertionError("unexpected write")

    PartitionTransaction(NoWrites(), orjson.dumps, orjson.loads).commit(None)


def test_abort_discards_pending_writes(store: Store, txn) -> None:
    committed(store, {b"a": 1, b"b": 2}, offset=3)
    txn.set(b"a", 10)
    txn.delete(b"b")
    txn.delete_range(b"", b"z")
    txn.abort()
    assert not txn.dirty
    assert txn.get(b"a") == 1 and txn.get(b"b") == 2
    txn.commit(None)
    assert store.get(b"a") == b"1" and store.get(b"b") == b"2"
    assert store.changelog_offset() == 3


def test_a_failed_store_write_keeps_pending_writes() -> None:
    class Failing(MemoryStore):
        fail = True

        def write(self, batch: StoreBatch, changelog_offset: int | None) -> None:
            if self.fail:
                raise OSError("disk full")
            super().write(batch, changelog_offset)

    store = Failing()
    txn = PartitionTransaction(store, orjson.dumps, orjson.loads)
    txn.set(b"k", 1)
    with pytest.raises(OSError):
        txn.commit(1)
    assert txn.dirty and txn.get(b"k") == 1
    store.fail = False
    txn.commit(1)
    assert store.get(b"k") == b"1"


def test_an_unencodable_value_names_its_key(store: Store, txn) -> None:
    txn.set(b"good", 1)
    txn.set(b"bad", object())
    with pytest.raises(ValueError, match="b'bad'"):
        txn.commit(1)
    assert store.changelog_offset() is None and store.get(b"good") is None


def test_commit_survives_a_reopen(tmp_path, resources: StoreResources) -> None:
    path = str(tmp_path / "t")
    store = RocksDBStore(path, resources)
    txn = txn_for(store)
    txn.set(b"a", {"count": 3})
    txn.set(b"b", "x")
    txn.commit(8)
    txn.delete_range(b"b", b"c")
    txn.commit(9)
    store.close()

    store = RocksDBStore(path, resources)
    txn = txn_for(store)
    assert list(txn.iter_range(None, None)) == [(b"a", {"count": 3})]
    assert store.changelog_offset() == 9
    store.close()


# -- restore ------------------------------------------------------------------------------

def test_restore_applies_records_and_the_last_offset(store: Store) -> None:
    committed(store, {b"old": 1})
    records = [(b"a", b"1", 10), (b"b", b"2", 11), (b"a", None, 12), (b"old", None, 13),
               (b"c", b"3", 14)]
    assert restore(store, records) == 14
    assert list(store.iter_range()) == [(b"b", b"2"), (b"c", b"3")]
    assert store.changelog_offset() == 14


def test_restore_of_nothing_writes_nothing(store: Store) -> None:
    assert restore(store, iter(())) is None
    assert store.changelog_offset() is None


def test_restore_takes_large_batches(store: Store) -> None:
    records = ((b"k%06d" % i, b"v", i) for i in range(20_000))
    assert restore(store, records) == 19_999
    assert store.get(b"k019999") == b"v"
