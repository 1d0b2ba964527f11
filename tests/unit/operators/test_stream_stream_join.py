"""Stream-stream windowed join: the processor against the brute-force model, and edge cases.

Order: every comparison with the model is exact and in order (the order of results within
one input is defined: expired unmatched records first, then matches in the other side's
timestamp order, then the input itself if it is already late). The in-order property test
compares multisets, because it checks docs/semantics.md's statements, which say what is emitted
and when, without the model.
"""
from __future__ import annotations

from collections import Counter

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamflow.operators.joins import JoinResult, StreamStreamJoin
from streamflow.state import MemoryStore, PartitionTransaction, RocksDBStore, StoreResources

try:
    from .join_model import In, stream_stream_model
except ImportError:  # tests/unit/operators is not a package
    from join_model import In, stream_stream_model

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
KINDS = ["inner", "left", "outer"]


def new_txn(store=None) -> PartitionTransaction:
    return PartitionTransaction(store or MemoryStore(), orjson.dumps, orjson.loads)


def run(join: StreamStreamJoin, inputs: list[In], commit_after: frozenset[int] = frozenset(),
        txn: PartitionTransaction | None = None) -> list[list[JoinResult]]:
    """Feed ``inputs`` one by one; commit the transaction after the listed positions."""
    txn = txn or new_txn()
    out = []
    for i, record in enumerate(inputs):
        process = join.process_left if record.side == "left" else join.process_right
        out.append(process(txn, record.key, record.value, record.ts))
        if i in commit_after:
            txn.commit(None)
    return out


def L(key: bytes | None, value, ts: int) -> In:  # noqa: N802 - reads like a record
    return In("left", key, value, ts)


def R(key: bytes | None, value, ts: int) -> In:  # noqa: N802
    return In("right", key, value, ts)


# -- strategies ------------------------------------------------------------------------------

@st.composite
def histories(draw, max_size: int = 30, nulls: bool = True, in_order: bool = False
              ) -> list[In]:
    """Inputs whose time mostly moves forward, with late, duplicate and null records."""
    n = draw(st.integers(0, max_size))
    clock, out = 0, []
    key_choices = [b"a", b"a", b"b", b"ab"] + ([None] if nulls else [])
    for i in range(n):
        clock += draw(st.integers(0, 4))
        lateness = 0 if in_order else draw(st.sampled_from([0, 0, 0, 1, 2, 5, 9, 20]))
        side = draw(st.sampled_from(["left", "right"]))
        key = draw(st.sampled_from(key_choices))
        null_value = nulls and draw(st.integers(0, 9)) == 0
        out.append(In(side, key, None if null_value else f"{side[0]}{i}",
                      max(0, clock - lateness)))
    return out


@st.composite
def windows(draw, negative: bool = True) -> tuple[int, int, int]:
    after = draw(st.integers(0, 6))
    before = draw(st.integers(-after if negative else 0, 6))
    return before, after, draw(st.integers(0, 6))


# -- against the model -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(inputs=histories(), window=windows(), commits=st.frozensets(st.integers(0, 30)))
def test_every_input_gives_exactly_the_models_results_in_order(kind, inputs, window, commits):
    before, after, grace = window
    join = StreamStreamJoin(before, after, grace, kind)
    assert run(join, inputs, commits) == stream_stream_model(inputs, before, after, grace, kind)


@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(inputs=histories(max_size=40, nulls=False, in_order=True),
       window=windows(negative=False))
def test_in_order_input_follows_the_semantics_text(kind, inputs, window):
    """Without late records, docs/semantics.md alone fixes the output (compared as multisets):
    every pair in the window joins once at the later one's ts; a record with no partner is
    emitted unmatched once, at the first input that takes stream time past its deadline."""
    before, after, grace = window
    per_input = run(StreamStreamJoin(before, after, grace, kind), inputs)
    lefts = [r for r in inputs if r.side == "left"]
    rights = [r for r in inputs if r.side == "right"]

    def joins(left: In, right: In) -> bool:
        return left.key == right.key and left.ts - before <= right.ts <= left.ts + after

    expected_matches = Counter(
        JoinResult(left.key, (left.value, right.value), max(left.ts, right.ts))
        for left in lefts for right in rights if joins(left, right))
    emitted = [result for results in per_input for result in results]
    matches = Counter(r for r in emitted if None not in r.value)
    assert matches == expected_matches

    unmatched_sides = {"inner": (), "left": ("left",), "outer": ("left", "right")}[kind]
    deadline = {"left": after + grace, "right": before + grace}
    for position, record in enumerate(inputs):
        others = rights if record.side == "left" else lefts
        has_partner = any(joins(record, o) if record.side == "left" else joins(o, record)
                          for o in others)
        value = (record.value, None) if record.side == "left" else (None, record.value)
        where = [i for i, results in enumerate(per_input)
                 if JoinResult(record.key, value, record.ts) in results]
        if record.side not in unmatched_sides or has_partner:
            assert where == []
            continue
        due = [i for i, r in enumerate(inputs) if r.ts > record.ts + deadline[record.side]]
        assert where == due[:1], (record, where, due)


# -- the window's edges ----------------------------------------------------------------------

@pytest.mark.parametrize("right_ts, joined", [(7, False), (8, True), (10, True), (13, True),
                                               (14, False)])
def test_window_bounds_are_inclusive_on_both_sides(right_ts, joined):
    join = StreamStreamJoin(before=2, after=3, grace=100)
    for inputs in ([L(b"k", "l", 10), R(b"k", "r", right_ts)],
                   [R(b"k", "r", right_ts), L(b"k", "l", 10)]):
        results = [r for results in run(join, inputs) for r in results]
        expected = [JoinResult(b"k", ("l", "r"), max(10, right_ts))] if joined else []
        assert results == expected


def test_matches_come_in_the_other_sides_timestamp_order_with_duplicates_kept():
    join = StreamStreamJoin(before=5, after=5)
    out = run(join, [R(b"k", "r3", 3), R(b"k", "r1", 1), R(b"k", "r3b", 3), L(b"k", "l", 2)])
    assert out[-1] == [JoinResult(b"k", ("l", "r1"), 2), JoinResult(b"k", ("l", "r3"), 3),
                       JoinResult(b"k", ("l", "r3b"), 3)]


def test_keys_that_are_prefixes_of_each_other_do_not_join():
    out = run(StreamStreamJoin(5, 5), [L(b"a", "l", 1), R(b"ab", "r", 1), R(b"a\x00", "r", 1)])
    assert out == [[], [], []]


# -- unmatched records and the grace period --------------------------------------------------

def test_unmatched_left_waits_until_stream_time_passes_after_plus_grace():
    join = StreamStreamJoin(before=1, after=3, grace=2, kind="left")
    out = run(join, [L(b"k", "l", 10), R(b"x", "r", 15), R(b"x", "r", 16)])
    assert out == [[], [], [JoinResult(b"k", ("l", None), 10)]]  # 15 == 10+3+2: not yet


def test_unmatched_right_of_outer_uses_before_plus_grace():
    join = StreamStreamJoin(before=1, after=3, grace=2, kind="outer")
    out = run(join, [R(b"k", "r", 10), L(b"x", "l", 13), L(b"x", "l", 14)])
    assert out[1] == [] and out[2][0] == JoinResult(b"k", (None, "r"), 10)


def test_left_join_never_emits_unmatched_right_records():
    out = run(StreamStreamJoin(1, 1, 0, "left"), [R(b"k", "r", 1), L(b"x", "l", 50)])
    assert out == [[], []]


def test_a_record_matched_later_is_never_emitted_unmatched():
    join = StreamStreamJoin(before=0, after=5, grace=0, kind="left")
    out = run(join, [L(b"k", "l", 10), R(b"k", "r", 15), L(b"x", "x", 100)])
    assert out[1] == [JoinResult(b"k", ("l", "r"), 15)]
    assert JoinResult(b"k", ("l", None), 10) not in out[2]


def test_late_record_within_grace_waits_and_can_still_be_matched():
    # Kafka 4.1 would emit ("l", None) at once here (its on-arrival test ignores grace).
    join = StreamStreamJoin(before=0, after=5, grace=10, kind="left")
    out = run(join, [R(b"x", "r", 20), L(b"k", "l", 10), R(b"k", "r", 12), R(b"x", "r", 26)])
    assert out == [[], [], [JoinResult(b"k", ("l", "r"), 12)], []]


def test_record_already_past_its_grace_is_emitted_unmatched_at_once():
    join = StreamStreamJoin(before=0, after=5, grace=2, kind="outer")
    out = run(join, [R(b"x", "r", 20), L(b"k", "late", 12), R(b"k", "late-r", 14)])
    assert out[1] == [JoinResult(b"k", ("late", None), 12)]  # 12+5+2 < 20
    # It stays buffered (the left side's own time is only 12, as in Kafka's window store), so
    # an even later partner still joins it; that partner, late too but matched, is not
    # emitted unmatched.
    assert out[2] == [JoinResult(b"k", ("late", "late-r"), 14)]


def test_late_record_joins_what_the_other_side_still_retains():
    # The right side's own time is 10, so its record at 10 is kept for the late left one.
    join = StreamStreamJoin(before=0, after=0, grace=0, kind="inner")
    out = run(join, [R(b"k", "r", 10), L(b"x", "l", 100), L(b"k", "late", 10)])
    assert out[2] == [JoinResult(b"k", ("late", "r"), 10)]


def test_unmatched_records_come_out_by_time_then_right_before_left_then_key():
    join = StreamStreamJoin(before=0, after=0, grace=5, kind="outer")
    out = run(join, [R(b"a", "r0", 0), L(b"b", "l1", 1), L(b"a", "l2", 1), R(b"c", "r1", 1),
                     L(b"z", "now", 10)])
    assert out[-1] == [JoinResult(b"a", (None, "r0"), 0), JoinResult(b"c", (None, "r1"), 1),
                       JoinResult(b"a", ("l2", None), 1), JoinResult(b"b", ("l1", None), 1)]


def test_expired_records_are_emitted_before_the_arriving_records_own_results():
    join = StreamStreamJoin(before=1, after=1, grace=0, kind="left")
    out = run(join, [L(b"a", "old", 1), R(b"b", "r", 2), L(b"b", "new", 3)])
    assert out[2] == [JoinResult(b"a", ("old", None), 1), JoinResult(b"b", ("new", "r"), 3)]


# -- nulls -----------------------------------------------------------------------------------

def test_null_values_are_ignored_but_move_stream_time():
    join = StreamStreamJoin(before=0, after=0, grace=0, kind="left")
    out = run(join, [L(b"k", "l", 1), R(b"k", None, 1), L(b"x", None, 9), L(b"k", "late", 5),
                     L(b"y", "now", 9)])
    # The null at 9 passes l's deadline, but only a joinable record at or after stream time
    # runs the check (as in Kafka); meanwhile the late record is judged against time 9.
    assert out == [[], [], [], [JoinResult(b"k", ("late", None), 5)],
                   [JoinResult(b"k", ("l", None), 1)]]


@pytest.mark.parametrize("kind, left_out, right_out", [
    ("inner", [], []),
    ("left", [JoinResult(None, ("l", None), 3)], []),
    ("outer", [JoinResult(None, ("l", None), 3)], [JoinResult(None, (None, "r"), 4)]),
])
def test_null_keys_are_emitted_at_once_by_outer_sides_and_dropped_by_others(kind, left_out,
                                                                              right_out):
    out = run(StreamStreamJoin(1, 1, 0, kind), [L(None, "l", 3), R(None, "r", 4)])
    assert out == [left_out, right_out]


# -- state -----------------------------------------------------------------------------------

def test_buffers_forget_records_after_window_plus_grace():
    store = MemoryStore()
    txn = new_txn(store)
    join = StreamStreamJoin(before=2, after=2, grace=1, kind="outer")
    for ts in range(0, 1000, 3):
        join.process_left(txn, b"k", "l", ts)
        join.process_right(txn, b"k%d" % ts, "r", ts)
        txn.commit(None)
    assert store.count_estimate() < 40  # 333 inputs per side went through


def test_state_survives_commits_and_a_new_transaction():
    store = MemoryStore()
    join = StreamStreamJoin(before=5, after=5, grace=0, kind="outer")
    txn = new_txn(store)
    join.process_left(txn, b"k", ["l", 1], 10)
    txn.commit(None)
    again = new_txn(store)
    assert join.process_right(again, b"k", {"r": 2}, 12) == [
        JoinResult(b"k", (["l", 1], {"r": 2}), 12)]


def test_state_in_rocksdb_survives_reopening_between_commits(tmp_path):
    """The layout holds on the real store: bytes order, JSON values, a restart every 7 inputs."""
    inputs = [In("left" if i % 3 else "right", b"k%d" % (i % 4), f"v{i}", (i * 7) % 23 + i)
              for i in range(60)]
    join = StreamStreamJoin(before=4, after=9, grace=3, kind="outer")
    resources = StoreResources(cache_mb=8, write_buffer_mb=2)
    out = []
    for start in range(0, len(inputs), 7):
        store = RocksDBStore(tmp_path / "join-0", resources)
        try:
            txn = new_txn(store)
            out += run(join, inputs[start:start + 7], txn=txn)
            txn.commit(None)
        finally:
            store.close()
    assert out == stream_stream_model(inputs, 4, 9, 3, "outer")


def test_a_custom_joiner_is_used_for_matches_and_unmatched_records():
    join = StreamStreamJoin(0, 0, 0, "outer", joiner=lambda left, right: f"{left}+{right}")
    out = run(join, [L(b"k", "l", 1), R(b"k", "r", 1), R(b"q", "q", 1), L(b"z", "z", 9)])
    assert out[1] == [JoinResult(b"k", "l+r", 1)]
    assert out[3] == [JoinResult(b"q", "None+q", 1)]


@pytest.mark.parametrize("args", [(-3, 2, 0), (1, 1, -1), (1.5, 1, 0)])
def test_invalid_windows_are_refused(args):
    with pytest.raises((ValueError, TypeError)):
        StreamStreamJoin(*args)


# -- the end of a bounded input --------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None, derandomize=True)
@given(inputs=histories(), window=windows(), commits=st.frozensets(st.integers(0, 30)))
def test_flush_emits_what_a_record_past_every_deadline_would_release(kind, inputs, window,
                                                                      commits):
    """``flush`` is the end of the input: it releases exactly the unmatched records that one
    more record, later than every deadline, would (in the same order), and nothing twice."""
    before, after, grace = window
    join = StreamStreamJoin(before, after, grace, kind)
    last = max((r.ts for r in inputs), default=0) + abs(before) + after + grace + 1
    flushed_txn, probed_txn = new_txn(), new_txn()
    run(join, inputs, commits, txn=flushed_txn)
    run(join, inputs, commits, txn=probed_txn)
    flushed = join.flush(flushed_txn)
    probe = join.process_left(probed_txn, b"\xffend", "probe", last)
    assert flushed == [r for r in probe if r.key != b"\xffend"]
    assert join.flush(flushed_txn) == []
    if kind == "inner":
        assert flushed == []


def test_a_record_after_flush_still_matches_what_is_buffered():
    join = StreamStreamJoin(5, 5, 0, "left")
    txn = new_txn()
    join.process_left(txn, b"k", "l", 10)
    assert join.flush(txn) == [JoinResult(b"k", ("l", None), 10)]
    assert join.process_right(txn, b"k", "r", 12) == [JoinResult(b"k", ("l", "r"), 12)]
