"""PartitionTransaction's committing layer: what a commit in flight freezes while processing
goes on (see docs/exactly-once.md, "A commit does not stop processing")."""
from __future__ import annotations

from typing import Any

import orjson
import pytest

from streamflow.state import MemoryStore, PartitionTransaction, Store, StoreBatch


def txn_for(store: Store) -> PartitionTransaction:
    return PartitionTransaction(store, orjson.dumps, orjson.loads)


@pytest.fixture
def txn(store: Store) -> PartitionTransaction:
    t = txn_for(store)
    t.set(b"a", 1)
    t.set(b"b", 2)
    t.set(b"c", 3)
    t.commit(0)
    return t


def test_reads_see_pending_then_committing_then_store(store: Store, txn) -> None:
    txn.set(b"b", 20)
    txn.delete(b"c")
    txn.freeze()
    assert not txn.dirty and txn.frozen
    txn.set(b"a", 100)
    assert [txn.get(k) for k in (b"a", b"b", b"c")] == [100, 20, None]
    assert not txn.contains(b"c") and txn.contains(b"b")
    assert list(txn.iter_range(None, None)) == [(b"a", 100), (b"b", 20)]
    assert list(txn.iter_range(None, None, reverse=True)) == [(b"b", 20), (b"a", 100)]
    assert store.get(b"b") == b"2"  # nothing reached the store


def test_a_pending_range_delete_hides_committing_and_stored_keys(store: Store, txn) -> None:
    txn.set(b"bb", 22)
    txn.freeze()
    txn.delete_range(b"b", b"c")
    assert txn.get(b"b") is None and txn.get(b"bb") is None and txn.get(b"a") == 1
    assert not txn.contains(b"bb")
    assert list(txn.iter_range(None, None)) == [(b"a", 1), (b"c", 3)]
    txn.set(b"bz", 9)  # written after the range: visible
    assert list(txn.iter_range(b"b", None)) == [(b"bz", 9), (b"c", 3)]


def test_a_committing_range_delete_hides_stored_keys_under_later_writes(store: Store, txn) -> None:
    txn.delete_range(b"a", b"c")
    txn.freeze()
    txn.set(b"a", 5)
    assert txn.get(b"a") == 5 and txn.get(b"b") is None
    assert list(txn.iter_range(None, None)) == [(b"a", 5), (b"c", 3)]
    assert dict(txn.changes()) == {b"a": None, b"b": None}  # the committing layer's only


def test_commit_frozen_writes_only_the_committing_layer(store: Store, txn) -> None:
    txn.set(b"a", 10)
    txn.delete_range(b"b", b"c")
    txn.freeze()
    txn.set(b"z", 26)
    txn.delete(b"c")
    txn.commit_frozen(7)
    assert store.changelog_offset() == 7
    assert dict(store.iter_range()) == {b"a": b"10", b"c": b"3"}
    assert not txn.frozen and txn.dirty  # the later writes are still pending
    assert txn.get(b"z") == 26 and txn.get(b"c") is None and txn.get(b"b") is None
    assert dict(txn.changes()) == {b"z": b"26", b"c": None}
    txn.commit(8)
    assert dict(store.iter_range()) == {b"a": b"10", b"z": b"26"}


def test_the_next_layers_range_delete_covers_what_the_committing_layer_wrote(store: Store,
                                                                            txn) -> None:
    txn.set(b"bb", 22)
    txn.freeze()
    txn.delete_range(b"b", b"c")
    txn.commit_frozen(1)
    txn.freeze()
    assert dict(txn.changes()) == {b"b": None, b"bb": None}  # a tombstone for each
    txn.commit_frozen(2)
    assert dict(store.iter_range()) == {b"a": b"1", b"c": b"3"}


def test_a_scan_taken_before_commit_frozen_is_not_changed_by_it(store: Store, txn) -> None:
    txn.set(b"b", 20)
    txn.freeze()
    scan = txn.iter_range(None, None)
    txn.commit_frozen(1)
    assert list(scan) == [(b"a", 1), (b"b", 20), (b"c", 3)]


def test_abort_while_frozen_drops_both_layers_and_what_was_derived(store: Store, txn) -> None:
    txn.set(b"a", 10)
    txn.derived["seen"] = {b"a"}
    txn.freeze()
    assert txn.derived == {"seen": {b"a"}}  # freezing keeps it: the writes are still seen
    txn.set(b"b", 20)
    txn.abort()
    assert not txn.dirty and not txn.frozen and txn.derived == {}
    assert [txn.get(k) for k in (b"a", b"b")] == [1, 2]
    txn.freeze()  # a new commit can start
    txn.commit_frozen(None)
    assert store.changelog_offset() == 0


def test_derived_survives_commit_frozen(store: Store, txn) -> None:
    txn.set(b"a", 10)
    txn.derived["seen"] = {b"a"}
    txn.freeze()
    txn.commit_frozen(1)
    assert txn.derived == {"seen": {b"a"}}


def test_one_layer_commits_at_a_time(store: Store, txn) -> None:
    txn.set(b"a", 10)
    txn.freeze()
    with pytest.raises(RuntimeError, match="commit_frozen"):
        txn.freeze()
    with pytest.raises(RuntimeError, match="commit_frozen"):
        txn.commit(1)


def test_commit_frozen_without_a_layer_records_the_offset(store: Store, txn) -> None:
    txn.commit_frozen(9)
    assert store.changelog_offset() == 9


def test_a_failed_commit_frozen_keeps_the_layer() -> None:
    class Failing(MemoryStore):
        fail = True

        def write(self, batch: StoreBatch, changelog_offset: int | None) -> None:
            if self.fail:
                raise OSError("disk full")
            super().write(batch, changelog_offset)

    store = Failing()
    txn = txn_for(store)
    txn.set(b"k", 1)
    txn.freeze()
    with pytest.raises(OSError):
        txn.commit_frozen(1)
    assert txn.frozen and txn.get(b"k") == 1
    store.fail = False
    txn.commit_frozen(1)
    assert store.get(b"k") == b"1" and not txn.frozen


def test_each_key_of_the_layer_is_encoded_once(store: Store) -> None:
    calls: list[Any] = []

    def dumps(value: Any) -> bytes:
        calls.append(value)
        return orjson.dumps(value)

    txn = PartitionTransaction(store, dumps, orjson.loads)
    txn.set(b"k", 1)
    txn.changes()  # encoded before the freeze: reused
    txn.freeze()
    txn.changes()
    txn.commit_frozen(0)
    assert calls == [1]
