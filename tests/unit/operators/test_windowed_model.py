"""WindowedAggregation against the brute-force model, on random out-of-order event streams.

Events come with several keys (one a prefix of another), None keys and values, duplicate
timestamps, records far behind stream time, and every window kind in both emit modes. The
implementation must produce exactly the model's output sequence, event by event. Midway, the
state is committed, its changelog replayed into a fresh store, and processing goes on there.
"""
from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamflow.operators import (
    HoppingWindows,
    SessionWindows,
    SlidingWindows,
    TumblingWindows,
    WindowedAggregation,
)
from streamflow.state import MemoryStore, PartitionTransaction, restore

try:
    from .window_model import Event, default_retention, run_model
except ImportError:  # collected without a package
    from window_model import Event, default_retention, run_model

PROFILE = settings(max_examples=150, deadline=None, derandomize=True, database=None)


# The aggregate is order-insensitive on purpose (see window_model): ids of the values seen,
# sorted, and how many values were None. Order of folding is covered by the Kafka traces.
def aggregate(values: list[Any]) -> list[Any]:
    return [sorted(v for v in values if v is not None), sum(v is None for v in values)]


def adder(agg: list[Any], value: Any) -> list[Any]:
    return [agg[0], agg[1] + 1] if value is None else [sorted(agg[0] + [value]), agg[1]]


def merger(a: list[Any], b: list[Any]) -> list[Any]:
    return [sorted(a[0] + b[0]), a[1] + b[1]]


graces = st.sampled_from([0, 0, 1, 3, 10])
definitions = {
    "tumbling": st.builds(TumblingWindows, st.sampled_from([1, 3, 10]), grace=graces),
    "hopping": st.integers(2, 10).flatmap(lambda size: st.builds(
        HoppingWindows, st.just(size), st.integers(1, size), grace=graces)),
    "sliding": st.builds(SlidingWindows, st.sampled_from([1, 2, 5, 10]), grace=graces),
    "session": st.builds(SessionWindows, st.sampled_from([1, 2, 5, 10]), grace=graces),
}


@st.composite
def event_streams(draw: Any) -> list[Event]:
    """Mostly advancing time with repeats, some records far behind (late), None keys/values."""
    raw = draw(st.lists(st.tuples(
        st.sampled_from([b"a", b"a", b"b", b"ab", None]),
        st.sampled_from([0, 0, 1, 2, 5]),  # how far time moves
        st.sampled_from([0, 0, 0, 1, 4, 9, 15]),  # how far behind this record is
        st.booleans()), min_size=1, max_size=30))
    events, now = [], 0
    for i, (key, step, behind, none_value) in enumerate(raw):
        now += step
        value = None if none_value and i % 3 == 0 else i
        events.append(Event(key, value, max(0, now - behind)))
    return events


def run_implementation(agg: WindowedAggregation, events: list[Event],
                       split: int) -> list[tuple[list[Any], bool]]:
    store = MemoryStore()
    txn = PartitionTransaction(store, orjson.dumps, orjson.loads)
    out = []
    for i, event in enumerate(events):
        if i == split:  # recover from the changelog into a fresh store, then go on there
            changelog = [(key, value, n) for n, (key, value) in enumerate(txn.changes())]
            txn.commit(None)
            store = MemoryStore()
            restore(store, changelog)
            txn = PartitionTransaction(store, orjson.dumps, orjson.loads)
        result = agg.process(txn, event.key, event.value, event.ts)
        out.append(([tuple(r) for r in result.results], result.late))
    return out


def check_against_model(windows: Any, emit: str, extra_retention: int | None,
                        events: list[Event], split: int) -> None:
    retention = None if extra_retention is None else default_retention(windows) + extra_retention
    agg = WindowedAggregation(windows, initializer=lambda: [[], 0], adder=adder,
                              merger=merger if isinstance(windows, SessionWindows) else None,
                              emit=emit, retention=retention)  # type: ignore[arg-type]
    expected = [(step.outputs, step.late)
                for step in run_model(windows, events, aggregate, emit, retention)]
    got = run_implementation(agg, events, split)
    for i, (want, have) in enumerate(zip(expected, got)):
        assert have == want, f"event {i} {events[i]}: model {want}, implementation {have}"
    if emit == "final":
        emitted = [(key, window) for outputs, _ in got for key, window, _, _ in outputs]
        assert len(emitted) == len(set(emitted)), "final mode emitted a window twice"


@pytest.mark.parametrize("emit", ["update", "final"])
@pytest.mark.parametrize("kind", list(definitions))
def test_matches_the_model(kind: str, emit: str) -> None:
    @PROFILE
    @given(definitions[kind], st.sampled_from([None, None, 0, 3, 20]), event_streams(),
           st.integers(0, 30))
    def check(windows: Any, extra_retention: int | None, events: list[Event], split: int) -> None:
        check_against_model(windows, emit, extra_retention, events, split)

    check()
