"""Tumbling windows in update mode take their own path (``WindowedAggregation.update_tumbling``),
and time windows skip store reads with what they learnt about the partition (``txn.derived``).
Neither may change anything: the direct path must give what the general path for time windows
gives, and a processor that learns must give what one that forgets everything before each
record gives: the same results, late records and grace included, and the same state, i.e. the
same changelog, across commits, aborts (which drop what was learnt) and recovery from the
changelog into a fresh store.
"""
from __future__ import annotations

from typing import Any

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st

from streamflow.operators import HoppingWindows, TumblingWindows, WindowedAggregation
from streamflow.operators.windowed.updates import count_adder, count_initializer
from streamflow.state import MemoryStore, PartitionTransaction, restore

PROFILE = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def adder(agg: list[Any], value: Any) -> list[Any]:
    return agg + [value]


# streamflow.agg.count(), which time windows count inline, and the same count as user
# functions, which they call
COUNT = (count_initializer, count_adder)
COUNT_CALLED = (lambda: 0, lambda agg, _value: agg + 1)


def processor(windows: HoppingWindows, retention: int | None, fast: bool,
              emit: str = "update", functions: tuple = (list, adder)) -> WindowedAggregation:
    initializer, add = functions
    agg = WindowedAggregation(windows, initializer=initializer, adder=add, emit=emit,  # type: ignore[arg-type]
                              retention=retention)
    assert agg.kind.counts == (functions is COUNT)  # type: ignore[union-attr]
    assert agg.tumbling_update == (emit == "update" and windows.advance == windows.size)
    if not fast:
        agg.update_tumbling = None  # the general path: TimeWindowsProcessor.process
    return agg


class Partition:
    """One processor on one table partition, driven through commits, aborts and recoveries.
    ``forgetful``: the transaction forgets what the processor learnt before every record."""

    def __init__(self, agg: WindowedAggregation, forgetful: bool = False) -> None:
        self.agg = agg
        self.forgetful = forgetful
        self.store = MemoryStore()
        self.txn = self._txn()
        self.changelog: list[tuple[bytes, bytes | None]] = []

    def _txn(self) -> PartitionTransaction:
        return PartitionTransaction(self.store, orjson.dumps, orjson.loads)

    def step(self, op: tuple) -> Any:
        kind = op[0]
        if kind == "event":
            _, key, ts, value = op
            if self.forgetful:
                self.txn.derived.clear()
            result = self.agg.process(self.txn, key, value, ts)
            return [tuple(r) for r in result.results], result.late, result.late_windows
        if kind == "commit":
            changes = sorted(self.txn.changes())
            self.changelog += changes
            self.txn.commit(len(self.changelog))
            return changes
        if kind == "abort":
            self.txn.abort()
            return None
        # recover: a fresh store from the changelog, and a new transaction on it
        self.txn.abort()
        self.store = MemoryStore()
        restore(self.store, [(k, v, n) for n, (k, v) in enumerate(self.changelog)])
        self.txn = self._txn()
        return None

    def contents(self) -> list[tuple[bytes, Any]]:
        return list(self.txn.iter_range(None, None))


@st.composite
def operations(draw: Any) -> list[tuple]:
    """Mostly advancing time with jumps (so windows expire), records behind stream time
    (late or within grace), keys that prefix each other, and commits, aborts, recoveries."""
    ops: list[tuple] = []
    now = draw(st.integers(0, 5))
    for i in range(draw(st.integers(1, 60))):
        action = draw(st.sampled_from(["event"] * 6 + ["commit", "commit", "abort", "recover"]))
        if action != "event":
            ops.append((action,))
            continue
        now += draw(st.sampled_from([0, 0, 1, 2, 3, 7, 25]))
        behind = draw(st.sampled_from([0, 0, 0, 1, 4, 9, 30]))
        key = draw(st.sampled_from([b"a", b"a", b"b", b"ab", b"c"]))
        ops.append(("event", key, max(0, now - behind), i))
    return ops


# A key's first record after a recovery goes to an older window than the key's newest one
# (within grace): the newest window must still be found.
_OLDER_FIRST = [("event", b"a", 5, 0), ("event", b"a", 15, 1), ("commit",), ("recover",),
                ("event", b"a", 6, 2), ("event", b"a", 16, 3)]


@PROFILE
@given(st.sampled_from([1, 3, 5, 10]), st.sampled_from([0, 0, 2, 7]),
       st.sampled_from([None, None, 4, 40]), operations(), st.booleans())
@example(10, 7, None, _OLDER_FIRST, False)
@example(10, 7, None, [op if op != ("recover",) else ("abort",) for op in _OLDER_FIRST], False)
@example(10, 7, None, [op if op != ("recover",) else ("abort",) for op in _OLDER_FIRST], True)
def test_update_tumbling_is_the_general_path(size: int, grace: int, extra: int | None,
                                             ops: list[tuple], counting: bool) -> None:
    """``counting``: the direct path counts inline (``agg.count()``) and the general path
    calls a user's count functions."""
    windows = TumblingWindows(size, grace=grace)
    retention = None if extra is None else size + grace + extra
    fast = Partition(processor(windows, retention, fast=True,
                               functions=COUNT if counting else (list, adder)))
    general = Partition(processor(windows, retention, fast=False,
                                  functions=COUNT_CALLED if counting else (list, adder)),
                        forgetful=True)
    for i, op in enumerate(ops):
        assert fast.step(op) == general.step(op), f"operation {i}: {op}"
        assert fast.contents() == general.contents(), f"state after operation {i}: {op}"
    fast.step(("commit",))
    general.step(("commit",))
    assert fast.changelog == general.changelog


@settings(PROFILE, max_examples=100)
@given(st.sampled_from([(3, 1), (5, 2), (10, 10), (10, 3)]), st.sampled_from([0, 2, 7]),
       st.sampled_from([None, 4, 40]), st.sampled_from(["update", "final"]), operations())
@example((10, 10), 7, None, "final", _OLDER_FIRST)
@example((10, 5), 7, None, "update", _OLDER_FIRST)
def test_time_windows_that_skip_reads_give_what_reading_gives(
        size_advance: tuple[int, int], grace: int, extra: int | None, emit: str,
        ops: list[tuple]) -> None:
    """Hopping windows and final mode skip reads too: against a processor that forgets what it
    learnt before every record (so reads every window it touches)."""
    size, advance = size_advance
    windows = HoppingWindows(size, advance, grace=grace)
    retention = None if extra is None else size + grace + extra
    learning = Partition(processor(windows, retention, fast=False, emit=emit))
    forgetting = Partition(processor(windows, retention, fast=False, emit=emit), forgetful=True)
    for i, op in enumerate(ops):
        assert learning.step(op) == forgetting.step(op), f"operation {i}: {op}"
        assert learning.contents() == forgetting.contents(), f"state after operation {i}: {op}"
    learning.step(("commit",))
    forgetting.step(("commit",))
    assert learning.changelog == forgetting.changelog


def test_a_key_seen_again_in_a_later_window_skips_the_store_reads() -> None:
    """The point of the bounds: the window a key opens after its last one cannot exist, so
    neither it nor its expiry marker is looked up in the store."""
    reads: list[bytes] = []

    class CountingStore(MemoryStore):
        def get(self, key: bytes) -> bytes | None:
            reads.append(key)
            return super().get(key)

    agg = processor(TumblingWindows(10), None, fast=True)
    txn = PartitionTransaction(CountingStore(), orjson.dumps, orjson.loads)
    agg.process(txn, b"k", 1, 5)
    txn.commit(0)
    reads.clear()
    agg.process(txn, b"k", 2, 15)  # a new window of a key this transaction has seen
    assert [k for k in reads if b"k" in k] == [], reads
    txn.abort()  # forgets what it learnt: the next new window is looked up again
    agg.process(txn, b"k", 3, 25)
    assert any(k.startswith(b"\x01") and b"k" in k for k in reads)


def test_expired_windows_and_their_markers_are_deleted_by_key_with_tombstones() -> None:
    """Tumbling windows whose expiry buckets are no longer than a window are swept by key:
    every window of a wholly expired bucket and its marker go, and the changelog says so."""
    agg = processor(TumblingWindows(10), None, fast=True)  # retention 10, buckets of 5 ms
    part = Partition(agg)
    for ts in (1, 11, 21, 31):
        for key in (b"a", b"b"):
            part.step(("event", key, ts, ts))
    part.step(("commit",))
    # Stream time 31: store time 30, limit 20, buckets below 4 (starts < 20) wholly expired.
    starts = sorted(int.from_bytes(k[-8:], "big") for k, _ in part.contents() if k[:1] == b"\x01")
    assert starts == [20, 20, 30, 30]
    assert sorted(k for k, _ in part.contents() if k[:1] == b"\x03") == [
        b"\x03" + (b).to_bytes(8, "big") + key for b in (4, 6) for key in (b"a", b"b")]
    tombstones = {k for k, v in part.changelog if v is None}
    for key in (b"a", b"b"):
        for start in (0, 10):
            assert b"\x01" + len(key).to_bytes(4, "big") + key + start.to_bytes(8, "big") in tombstones
    part.step(("recover",))
    assert sorted(int.from_bytes(k[-8:], "big") for k, _ in part.contents() if k[:1] == b"\x01") == starts


@PROFILE
@given(st.sampled_from([3, 5, 10]), st.sampled_from([0, 0, 2]), operations())
# The range sweep deletes window 6 (start < limit 7) in the commit; the key sweep keeps it.
@example(3, 2, [("event", b"a", 0, 0), ("event", b"a", 3, 1), ("event", b"a", 6, 2),
                ("event", b"a", 13, 3), ("commit",)])
def test_sweeping_by_key_keeps_the_results_and_only_the_last_buckets_rest(
        size: int, grace: int, ops: list[tuple]) -> None:
    """Against the range sweep: the same results, and the only windows it keeps in addition
    lie in the last, partly expired bucket (they go with the next sweep), so the changelogs
    differ by the deletion of those windows only."""
    windows = TumblingWindows(size, grace=grace)
    by_key = Partition(processor(windows, None, fast=True))
    by_range = Partition(processor(windows, None, fast=True))
    assert by_key.agg.expiry.one_window_per_marker == size
    by_range.agg.expiry.one_window_per_marker = None
    bucket = by_key.agg.expiry.bucket
    for i, op in enumerate(ops):
        result, other = by_key.step(op), by_range.step(op)
        if op[0] == "commit":
            # The changelogs differ by the deletion of windows in that last bucket only: one
            # side deletes a window (or never had it) that the other still writes or keeps.
            mine, theirs = dict(result), dict(other)
            for k in mine.keys() | theirs.keys():
                if mine.get(k, "absent") != theirs.get(k, "absent"):
                    assert k[:1] == b"\x01", (i, op, k)
                    assert mine.get(k) is None or theirs.get(k) is None, (i, op, k)
        else:
            assert result == other, f"operation {i}: {op}"
        store_time = by_key.txn.get(b"\x00store_time", -1)
        limit = store_time - by_key.agg.retention
        extra = dict(by_key.contents()).keys() - dict(by_range.contents()).keys()
        for k in extra:
            assert k[:1] == b"\x01", (op, k)
            start = int.from_bytes(k[-8:], "big")
            assert limit // bucket * bucket <= start < limit, (op, k, limit)
