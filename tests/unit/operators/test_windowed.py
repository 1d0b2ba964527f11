"""WindowedAggregation, one behaviour per test: boundaries, grace, merges, deletes, expiry.

Expected outputs of the sliding and session scenarios were checked against Kafka Streams 4.1.1.
The aggregate is string concatenation so that the order of folding shows.
"""
from __future__ import annotations

from typing import Any

import orjson
import pytest

from streamflow.operators import (
    HoppingWindows,
    SessionWindows,
    SlidingWindows,
    TumblingWindows,
    Window,
    WindowedAggregation,
    WindowResult,
)
from streamflow.state import MemoryStore, PartitionTransaction


def concat(acc: str, value: Any) -> str:
    return acc + "," + ("N" if value is None else str(value))


def make(windows: Any, emit: str = "update", **kwargs: Any) -> WindowedAggregation:
    merger = (lambda a, b: a + "|" + b) if isinstance(windows, SessionWindows) else None
    return WindowedAggregation(windows, initializer=lambda: "", adder=concat, merger=merger,
                               emit=emit, **kwargs)  # type: ignore[arg-type]


def new_txn() -> PartitionTransaction:
    return PartitionTransaction(MemoryStore(), orjson.dumps, orjson.loads)


def feed(agg: WindowedAggregation, txn: PartitionTransaction,
         events: list[tuple[str, int, Any]]) -> list[list[tuple[str, int, int, Any, int]]]:
    """Outputs per event as (key, start, end, value, timestamp)."""
    return [[(r.key.decode(), r.window.start, r.window.end, r.value, r.timestamp)
             for r in agg.process(txn, key.encode(), value, ts).results]
            for key, ts, value in events]


# -- tumbling and hopping ------------------------------------------------------------------

def test_tumbling_update_emits_every_change_with_the_max_record_timestamp() -> None:
    out = feed(make(TumblingWindows(10)), new_txn(), [("a", 7, "x"), ("a", 3, "y")])
    assert out == [[("a", 0, 10, ",x", 7)], [("a", 0, 10, ",x,y", 7)]]


def test_tumbling_record_on_end_plus_grace_is_late() -> None:
    agg, txn = make(TumblingWindows(10, grace=5)), new_txn()
    feed(agg, txn, [("a", 0, "x"), ("b", 15, "y")])  # stream time 15 = end 10 + grace 5
    result = agg.process(txn, b"a", "z", 9)
    assert result.results == [] and result.late and result.late_windows == [Window(0, 10)]


def test_tumbling_record_just_before_end_plus_grace_is_accepted() -> None:
    agg, txn = make(TumblingWindows(10, grace=5)), new_txn()
    out = feed(agg, txn, [("a", 0, "x"), ("b", 14, "y"), ("a", 9, "z")])
    assert out[2] == [("a", 0, 10, ",x,z", 9)]


def test_hopping_window_partially_late() -> None:
    agg, txn = make(HoppingWindows(10, 5, grace=2)), new_txn()
    feed(agg, txn, [("a", 12, "x")])
    result = agg.process(txn, b"a", "y", 9)  # [0,10) ends at 12 - 2: late; [5,15) is not
    assert [(r.window, r.value) for r in result.results] == [(Window(5, 15), ",x,y")]
    assert not result.late and result.late_windows == [Window(0, 10)]


def test_hopping_early_record_has_no_window_below_zero() -> None:
    out = feed(make(HoppingWindows(10, 5)), new_txn(), [("a", 3, "x")])
    assert out == [[("a", 0, 10, ",x", 3)]]


def test_none_value_is_counted_by_time_windows() -> None:
    out = feed(make(TumblingWindows(10)), new_txn(), [("a", 1, None)])
    assert out == [[("a", 0, 10, ",N", 1)]]


def test_none_key_is_dropped_without_moving_stream_time() -> None:
    agg, txn = make(TumblingWindows(10)), new_txn()
    assert agg.process(txn, None, "x", 50).results == []  # type: ignore[arg-type]
    assert agg.stream_time(txn) is None


def test_stream_time_never_moves_back() -> None:
    agg, txn = make(TumblingWindows(10, grace=100)), new_txn()
    feed(agg, txn, [("a", 30, "x"), ("a", 5, "y")])
    assert agg.stream_time(txn) == 30


# -- sliding -------------------------------------------------------------------------------

def test_sliding_records_create_left_and_right_windows() -> None:
    out = feed(make(SlidingWindows(10)), new_txn(), [("a", 15, 1), ("a", 20, 2)])
    assert out[1] == [("a", 16, 26, ",2", 20),  # the first record's right window
                      ("a", 10, 20, ",1,2", 20)]  # the second record's left window


def test_sliding_early_records_share_the_window_from_zero() -> None:
    out = feed(make(SlidingWindows(10)),
               new_txn(), [("a", 3, 0), ("a", 7, 1), ("a", 12, 2), ("a", 5, 3)])
    assert out == [
        [("a", 0, 10, ",0", 3)],
        [("a", 4, 14, ",1", 7), ("a", 0, 10, ",0,1", 7)],
        [("a", 4, 14, ",1,2", 12), ("a", 8, 18, ",2", 12), ("a", 2, 12, ",0,1,2", 12)],
        [("a", 2, 12, ",0,1,2,3", 12), ("a", 4, 14, ",1,2,3", 12), ("a", 6, 16, ",1,2", 12)],
    ]


def test_sliding_window_open_until_stream_time_passes_end_plus_grace() -> None:
    agg, txn = make(SlidingWindows(10, grace=2)), new_txn()
    out = feed(agg, txn, [("a", 10, 0), ("b", 12, 1), ("a", 4, 2), ("b", 13, 3), ("a", 5, 4)])
    assert out[2] == [("a", 5, 15, ",0", 10), ("a", 0, 10, ",0,2", 10)]  # st 12 = 10 + 2
    assert out[4] == [("a", 5, 15, ",0,4", 10), ("a", 6, 16, ",0", 10)]  # [0,10] closed


def test_sliding_record_entirely_late() -> None:
    agg, txn = make(SlidingWindows(10)), new_txn()
    feed(agg, txn, [("a", 30, 0)])
    result = agg.process(txn, b"a", 1, 19)  # 19 + 10 < 30
    assert result.late and result.results == [] and result.late_windows == [Window(9, 19)]


def test_sliding_none_value_is_dropped_before_stream_time_moves() -> None:
    agg, txn = make(SlidingWindows(10)), new_txn()
    assert agg.process(txn, b"a", None, 40).results == []
    assert agg.stream_time(txn) is None


def test_sliding_emits_twice_where_kafka_does() -> None:
    # The previous record (20) is D + 1 before 31: its right window is 31's left window, and
    # Kafka Streams 4.1.1 writes and forwards it twice.
    out = feed(make(SlidingWindows(10, grace=100)), new_txn(),
               [("a", 15, 1), ("a", 20, 2), ("a", 31, 3)])
    assert out[2] == [("a", 21, 31, ",3", 31), ("a", 21, 31, ",3", 31)]


# -- sessions ------------------------------------------------------------------------------

def test_session_single_record_has_start_equal_end() -> None:
    out = feed(make(SessionWindows(5)), new_txn(), [("a", 4, "x")])
    assert out == [[("a", 4, 4, ",x", 4)]]


def test_session_gap_is_inclusive() -> None:
    out = feed(make(SessionWindows(5, grace=50)), new_txn(), [("a", 0, "x"), ("a", 5, "y")])
    assert out[1] == [("a", 0, 0, None, 0), ("a", 0, 5, "|,x,y", 5)]


def test_session_bridging_record_merges_two_sessions_tombstones_first() -> None:
    out = feed(make(SessionWindows(5, grace=50)), new_txn(),
               [("a", 0, "x"), ("a", 10, "y"), ("a", 5, "z")])
    assert out[2] == [("a", 0, 0, None, 0), ("a", 10, 10, None, 10),
                      ("a", 0, 10, "|,x|,y,z", 10)]


def test_session_merging_three_sessions_takes_two_bridges() -> None:
    # Sessions of one key are more than a gap apart, so one record (reaching a gap either
    # side) can touch at most two of them; the third joins with the next bridge.
    agg, txn = make(SessionWindows(5, grace=50)), new_txn()
    out = feed(agg, txn, [("a", 0, "x"), ("a", 10, "y"), ("a", 20, "z"),
                          ("a", 5, "b1"), ("a", 15, "b2")])
    assert out[4] == [("a", 0, 10, None, 10), ("a", 20, 20, None, 20),
                      ("a", 0, 20, "||,x|,y,b1|,z,b2", 20)]
    assert agg.windows_of(txn, b"a", 0, 100) == [(Window(0, 20), "||,x|,y,b1|,z,b2")]


def test_session_record_inside_a_session_gives_tombstone_then_new_value() -> None:
    out = feed(make(SessionWindows(10)), new_txn(),
               [("a", 0, "x"), ("a", 10, "y"), ("a", 5, "z")])
    assert out[2] == [("a", 0, 10, None, 10), ("a", 0, 10, "||,x,y,z", 10)]


def test_session_record_on_a_one_record_session_gives_no_tombstone() -> None:
    out = feed(make(SessionWindows(10)), new_txn(), [("a", 3, "x"), ("a", 3, "y")])
    assert out[1] == [("a", 3, 3, "|,x,y", 3)]


def test_session_closed_at_end_plus_gap_plus_grace() -> None:
    agg, txn = make(SessionWindows(5, grace=2)), new_txn()
    out = feed(agg, txn, [("a", 0, "x"), ("b", 6, "y"), ("a", 5, "z")])
    assert out[2] == [("a", 0, 0, None, 0), ("a", 0, 5, "|,x,z", 5)]  # st 6 < 0 + 5 + 2
    agg, txn = make(SessionWindows(5, grace=2)), new_txn()
    out = feed(agg, txn, [("a", 0, "x"), ("b", 7, "y"), ("a", 5, "z")])
    assert out[2] == [("a", 5, 5, ",z", 5)]  # st 7: [0,0] is closed and merges no more


def test_session_late_record_is_dropped() -> None:
    agg, txn = make(SessionWindows(5)), new_txn()
    feed(agg, txn, [("a", 20, "x")])
    result = agg.process(txn, b"b", "y", 9)  # 9 < 20 - 5 - 0
    assert result.late and result.results == [] and result.late_windows == [Window(9, 9)]


def test_session_none_value_is_counted() -> None:
    out = feed(make(SessionWindows(5)), new_txn(), [("a", 1, None)])
    assert out == [[("a", 1, 1, ",N", 1)]]


# -- final mode ----------------------------------------------------------------------------

def test_final_emits_closed_windows_by_end_then_key_with_last_update_timestamp() -> None:
    agg, txn = make(HoppingWindows(10, 5, grace=2), emit="final"), new_txn()
    out = feed(agg, txn, [("b", 12, 0), ("a", 11, 1), ("b", 9, 2), ("a", 22, 3)])
    assert out[:3] == [[], [], []]
    assert out[3] == [("a", 5, 15, ",1", 11), ("b", 5, 15, ",0,2", 12),
                      ("a", 10, 20, ",1", 11), ("b", 10, 20, ",0", 12)]


def test_final_emits_a_window_exactly_once_on_its_close_boundary() -> None:
    # Kafka Streams 4.1.1 emits [0,10] three times here (once per record); "final" is once.
    agg, txn = make(SlidingWindows(10), emit="final"), new_txn()
    out = feed(agg, txn, [("a", 10, 0), ("a", 10, 1), ("a", 7, 2), ("b", 11, 3)])
    assert out == [[("a", 0, 10, ",0", 10)], [], [], [("b", 1, 11, ",3", 11)]]


def test_final_session_exactly_once_and_no_tombstones() -> None:
    agg, txn = make(SessionWindows(5), emit="final"), new_txn()
    out = feed(agg, txn, [("a", 10, "x"), ("b", 15, "y"), ("a", 10, "z"), ("b", 30, "w")])
    assert out == [[], [("a", 10, 10, ",x", 10)], [], [("b", 15, 15, ",y", 15)]]
    agg, txn = make(SessionWindows(5, grace=10), emit="final"), new_txn()
    out = feed(agg, txn, [("a", 0, "x"), ("a", 4, "y"), ("a", 30, "z")])
    assert out[2] == [("a", 0, 4, "|,x,y", 4)]  # merged-away [0,0] never shows


def test_final_nothing_until_stream_time_moves_then_advance_and_flush() -> None:
    agg, txn = make(TumblingWindows(10), emit="final"), new_txn()
    feed(agg, txn, [("a", 1, "x"), ("a", 12, "y"), ("a", 25, "z")])
    assert agg.emit_closed(txn) == []
    assert agg.advance(txn, 29) == []
    assert agg.advance(txn, 30) == [WindowResult(b"a", Window(20, 30), ",z", 25)]
    assert agg.advance(txn, 10) == [] and agg.stream_time(txn) == 30
    feed(agg, txn, [("a", 31, "w")])
    assert agg.flush(txn) == [WindowResult(b"a", Window(30, 40), ",w", 31)]
    assert agg.flush(txn) == []


def test_update_mode_has_nothing_to_flush() -> None:
    agg, txn = make(TumblingWindows(10)), new_txn()
    feed(agg, txn, [("a", 1, "x")])
    assert agg.flush(txn) == [] and agg.emit_closed(txn) == [] and agg.advance(txn, 99) == []


# -- queries, retention, expiry ------------------------------------------------------------

def test_get_and_windows_of() -> None:
    agg, txn = make(HoppingWindows(10, 5, grace=100)), new_txn()
    feed(agg, txn, [("a", 7, "x"), ("ab", 7, "y"), ("a", 12, "z")])
    assert agg.get(txn, b"a", 5) == ",x,z"
    assert agg.get(txn, b"a", 15) is None
    assert agg.windows_of(txn, b"a", 0, 10) == [
        (Window(0, 10), ",x"), (Window(5, 15), ",x,z"), (Window(10, 20), ",z")]
    assert agg.windows_of(txn, b"a", 6, 9) == []
    assert agg.windows_of(txn, b"ab", 0, 100) == [(Window(0, 10), ",y"), (Window(5, 15), ",y")]


def test_session_get_by_start() -> None:
    agg, txn = make(SessionWindows(5)), new_txn()
    feed(agg, txn, [("a", 3, "x"), ("a", 6, "y")])
    assert agg.get(txn, b"a", 3) == "|,x,y" and agg.get(txn, b"a", 6) is None


def _window_keys(store: MemoryStore) -> list[bytes]:
    return [key for key, _ in store.iter_range(b"\x01", b"\x02")]


@pytest.mark.parametrize("windows, events, gone, kept", [
    (TumblingWindows(10), [("a", 0), ("b", 3), ("a", 25)], [("a", 0), ("b", 0)], ("a", 20)),
    (SlidingWindows(5), [("a", 10), ("b", 10), ("a", 40)], [("a", 5), ("b", 5)], ("a", 35)),
    (SessionWindows(5), [("a", 0), ("b", 2), ("a", 40)], [("a", 0), ("b", 2)], ("a", 40)),
])
def test_retention_expiry_hides_then_deletes_windows(windows: Any, events: list[Any],
                                                     gone: list[Any], kept: Any) -> None:
    store = MemoryStore()
    txn = PartitionTransaction(store, orjson.dumps, orjson.loads)
    agg = make(windows)
    feed(agg, txn, [(key, ts, "v") for key, ts in events])
    for key, start in gone:
        assert agg.get(txn, key.encode(), start) is None
        assert agg.windows_of(txn, key.encode(), 0, 1000) == [] or key == kept[0]
    assert [w.start for w, _ in agg.windows_of(txn, kept[0].encode(), 0, 1000)] == [kept[1]]
    txn.commit(None)
    remaining = _window_keys(store)
    assert len(remaining) == 1 and kept[0].encode() in remaining[0]


def test_retention_longer_than_the_minimum_keeps_windows_queryable() -> None:
    agg, txn = make(TumblingWindows(10), retention=100), new_txn()
    feed(agg, txn, [("a", 0, "x"), ("a", 95, "y")])
    assert agg.get(txn, b"a", 0) == ",x"


# -- contract ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    (dict(windows=TumblingWindows(10), retention=9), ValueError, "at least the window size"),
    (dict(windows=SlidingWindows(10, grace=1), retention=20), ValueError, "twice the time"),
    (dict(windows=SessionWindows(10, grace=1), retention=10, merger=max), ValueError,
     "gap plus grace"),
    (dict(windows=TumblingWindows(10), emit="eventually"), ValueError, "emit must be"),
    (dict(windows=TumblingWindows(10), merger=lambda a, b: a), ValueError, "only used by"),
    (dict(windows=SessionWindows(10)), ValueError, "need a merger"),
    (dict(windows="10s"), TypeError, "unknown window definition"),
])
def test_invalid_configuration_is_refused(kwargs: dict[str, Any], error: type,
                                          message: str) -> None:
    kwargs.setdefault("merger", None)
    with pytest.raises(error, match=message):
        WindowedAggregation(initializer=str, adder=concat, **kwargs)


def test_adder_returning_none_is_an_error_naming_key_and_window() -> None:
    agg = WindowedAggregation(TumblingWindows(10), initializer=str, adder=lambda a, v: None)
    with pytest.raises(ValueError, match=r"adder returned None for key b'k', window \(0, 10\)"):
        agg.process(new_txn(), b"k", 1, 5)


def test_negative_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        make(TumblingWindows(10)).process(new_txn(), b"k", 1, -1)
