"""PartitionTransaction + store against a plain dict model, over random operation sequences.

The model holds two dicts: what is committed and what the transaction should show, and a
third while a layer is frozen (committing): what the store will hold once it is written. Every
read the transaction offers is compared with the model after every step, frozen layer or not;
commit, freeze, commit_frozen, abort and (for RocksDB) reopening move the model the way they
should move the store.
"""
from __future__ import annotations

import shutil
import tempfile
from typing import Any

import orjson
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from streamflow.state import MemoryStore, PartitionTransaction, RocksDBStore, StoreResources

# Few, short keys with edge bytes, so operations collide and ranges cover several keys.
keys = st.lists(st.sampled_from([0x00, 0x61, 0x62, 0xff]), max_size=3).map(bytes)
bounds = st.none() | keys
values = st.none() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=3) | st.lists(
    st.integers(0, 9), max_size=2)

_RESOURCES = StoreResources(cache_mb=16, write_buffer_mb=4)


class TransactionModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = self.open_store()
        self.txn = PartitionTransaction(self.store, orjson.dumps, orjson.loads)
        self.committed: dict[bytes, Any] = {}
        self.pending: dict[bytes, Any] = {}
        self.frozen: dict[bytes, Any] | None = None  # committed + the committing layer
        self.offset: int | None = None
        self.next_offset = 0

    def open_store(self) -> Any:
        return MemoryStore()

    # -- writes --

    @rule(key=keys, value=values)
    def set(self, key: bytes, value: Any) -> None:
        self.txn.set(key, value)
        self.pending[key] = value

    @rule(key=keys, value=st.integers(-5, 5))
    def raise_to(self, key: bytes, value: int) -> None:
        """A stream time's move: the larger of what the key shows (when an int) and value."""
        held = self.pending.get(key)
        assume(held is None or type(held) is int)
        want = value if held is None or value > held else held
        assert self.txn.raise_to(key, value) == want
        self.pending[key] = want

    @rule(offset=st.integers(0, 999), value=st.integers(0, 9))
    def set_many(self, offset: int, value: int) -> None:
        """More new keys at once, out of order and between the few short ones, than the sorted
        index of pending keys inserts one by one (the next scan sorts them in instead)."""
        for i in range(200):
            key = b"a" + ((offset + i * 37) % 1000).to_bytes(2, "big")
            self.txn.set(key, value)
            self.pending[key] = value

    @rule(key=keys)
    def delete(self, key: bytes) -> None:
        self.txn.delete(key)
        self.pending.pop(key, None)

    @rule(begin=keys, end=keys)
    def delete_range(self, begin: bytes, end: bytes) -> None:
        self.txn.delete_range(begin, end)
        for key in [k for k in self.pending if begin <= k < end]:
            del self.pending[key]

    # -- commit / abort --

    @precondition(lambda self: self.frozen is None)
    @rule(with_offset=st.booleans())
    def commit(self, with_offset: bool) -> None:
        expected_changes = self.expected_changes()
        assert dict(self.txn.changes()).keys() >= expected_changes.keys()
        offset = self.next_offset if with_offset else None
        self.next_offset += 1
        self.txn.commit(offset)
        self.committed = dict(self.pending)
        if offset is not None:
            self.offset = offset
        assert not self.txn.dirty
        assert self.store.changelog_offset() == self.offset

    @precondition(lambda self: self.frozen is None)
    @rule()
    def freeze(self) -> None:
        self.txn.freeze()
        self.frozen = dict(self.pending)
        assert not self.txn.dirty and self.txn.frozen

    @precondition(lambda self: self.frozen is not None)
    @rule(with_offset=st.booleans())
    def commit_frozen(self, with_offset: bool) -> None:
        assert self.frozen is not None
        offset = self.next_offset if with_offset else None
        self.next_offset += 1
        dirty = self.txn.dirty
        self.txn.commit_frozen(offset)
        self.committed, self.frozen = self.frozen, None
        if offset is not None:
            self.offset = offset
        assert not self.txn.frozen and self.txn.dirty == dirty  # later writes stay pending
        assert self.store.changelog_offset() == self.offset
        stored = {k: orjson.loads(v) for k, v in self.store.iter_range()}
        assert stored == self.committed

    @rule()
    def abort(self) -> None:
        self.txn.abort()
        self.pending = dict(self.committed)
        self.frozen = None
        assert not self.txn.dirty and not self.txn.frozen

    # -- reads --

    @rule(key=keys)
    def get(self, key: bytes) -> None:
        missing = object()
        assert self.txn.get(key, missing) == self.pending.get(key, missing)
        assert self.txn.contains(key) == (key in self.pending)

    @rule(begin=bounds, end=bounds, reverse=st.booleans())
    def scan(self, begin: bytes | None, end: bytes | None, reverse: bool) -> None:
        want = sorted((k, v) for k, v in self.pending.items()
                      if (begin is None or k >= begin) and (end is None or k < end))
        if reverse:
            want.reverse()
        assert list(self.txn.iter_range(begin, end, reverse)) == want

    @invariant()
    def every_key_the_model_knows_reads_right(self) -> None:
        """``get``/``contains`` of every key written or committed so far (a key hidden by a
        later layer's range delete is the interesting case, which random reads rarely hit)."""
        missing = object()
        for key in self.committed.keys() | self.pending.keys() | (self.frozen or {}).keys():
            assert self.txn.get(key, missing) == self.pending.get(key, missing)
            assert self.txn.contains(key) == (key in self.pending)

    @invariant()
    def changes_replay_onto_the_committed_state(self) -> None:
        """Applying changes() to what is committed yields what the transaction shows (while a
        layer is frozen: what that layer shows)."""
        replayed = dict(self.committed)
        for key, raw in self.txn.changes():
            if raw is None:
                replayed.pop(key, None)
            else:
                replayed[key] = orjson.loads(raw)
        assert replayed == (self.pending if self.frozen is None else self.frozen)
        # Every key whose visible value changed appears in changes().
        assert dict(self.txn.changes()).keys() >= self.expected_changes().keys()

    def expected_changes(self) -> dict[bytes, Any]:
        missing = object()
        shown = self.pending if self.frozen is None else self.frozen
        return {k: shown.get(k, missing)
                for k in self.committed.keys() | shown.keys()
                if self.committed.get(k, missing) != shown.get(k, missing)
                or type(self.committed.get(k, missing)) is not type(shown.get(k, missing))}

    def teardown(self) -> None:
        self.store.close()


class RocksDBTransactionModel(TransactionModel):
    def open_store(self) -> Any:
        if not hasattr(self, "dir"):
            self.dir = tempfile.mkdtemp(prefix="sf-state-model-")
        return RocksDBStore(self.dir, _RESOURCES)

    @precondition(lambda self: not self.txn.dirty and self.frozen is None)
    @rule()
    def reopen(self) -> None:
        """Closing and reopening keeps exactly what was committed, offset included."""
        self.store.close()
        self.store = self.open_store()
        self.txn = PartitionTransaction(self.store, orjson.dumps, orjson.loads)
        assert self.store.changelog_offset() == self.offset
        stored = {k: orjson.loads(v) for k, v in self.store.iter_range()}
        assert stored == self.committed

    def teardown(self) -> None:
        super().teardown()
        shutil.rmtree(self.dir, ignore_errors=True)


_FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
TestTransactionOnMemory = TransactionModel.TestCase
TestTransactionOnMemory.settings = settings(max_examples=150, stateful_step_count=40, **_FAST)
TestTransactionOnRocksDB = RocksDBTransactionModel.TestCase
TestTransactionOnRocksDB.settings = settings(max_examples=60, stateful_step_count=40, **_FAST)
