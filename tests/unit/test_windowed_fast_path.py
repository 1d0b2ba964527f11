"""The direct path of ``WindowedTable.add`` (tumbling windows in update mode: the processor's
``update_tumbling``, the emitter's per-key cache of the last window's result bytes, the
inline ``timestamp=`` extraction) must give exactly what the general path gives (the
processor's ``process`` and ``WindowResult`` objects), the way workload 2b is written: event
time from the value, grace, text keys, ``add(key, value)``, every update to a topic and late
records to another. Random inputs, late and within-grace records included, each path fed in
its own random batches and commit points: the same results for every key in the same order,
the same late records, the same table contents.
"""
from __future__ import annotations

import asyncio
import collections
import itertools
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

import streamflow
from streamflow import agg
from streamflow.partitioner import partition_for
from streamflow.testing import TestDriver

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)
KEYS = ["a", "b", "ab", "c", "ü"]  # keys that prefix each other; one that is not ASCII


def windowed_app(direct: bool, batch_size: int, grace: float) -> tuple[streamflow.App, Any]:
    app = streamflow.App("fast-path", key_type=str, batch_size=batch_size)
    clicks = app.topic("clicks", partitions=3)
    out = app.topic("counts", partitions=2)  # not the input's count: results move
    late = app.topic("late", partitions=3)
    table = app.table("c", partitions=3).tumbling(10, grace=grace, agg=agg.count(),
                                                  timestamp=lambda v: v["ts"])
    table.emit_to(out, mode="update").late_to(late)
    if not direct:
        table._fast = False  # the general path: WindowedAggregation.process

    @app.agent(clicks)
    async def count(stream):
        async for event in stream.events():
            table.add(event.key, event.value)
    return app, table


@st.composite
def clicks(draw: Any) -> list[tuple[str, int]]:
    """(key, event time ms): time mostly moving forward, sometimes behind (late, or within
    grace), sometimes jumping windows ahead."""
    now = draw(st.integers(0, 3_000))
    out = []
    for _ in range(draw(st.integers(1, 40))):
        now += draw(st.sampled_from([0, 200, 1_000, 3_000, 9_999, 25_000]))
        behind = draw(st.sampled_from([0, 0, 0, 1_000, 4_000, 12_000, 30_000]))
        out.append((draw(st.sampled_from(KEYS)), max(0, now - behind)))
    return out


def batching() -> Any:
    """How one run is fed: batch size, where the input is cut into sends, commit after each."""
    return st.tuples(st.sampled_from([1, 2, 5, 1000]),
                     st.lists(st.integers(1, 40), max_size=4), st.booleans())


async def run(direct: bool, events: list[tuple[str, int]], grace: float,
              how: tuple[int, list[int], bool]) -> dict[str, Any]:
    batch_size, cuts, commit_every_step = how
    app, table = windowed_app(direct, batch_size, grace)
    records = [("clicks", key, {"ts": ts, "n": n}, 0) for n, (key, ts) in enumerate(events)]
    bounds = [0, *sorted({c for c in cuts if c < len(records)}), len(records)]
    async with TestDriver(app, store="memory", commit_every_step=commit_every_step) as d:
        for a, b in itertools.pairwise(bounds):
            await d.send_many(records[a:b])
        await d.commit()
        assert table._fast is direct
        per_key: dict[Any, list] = collections.defaultdict(list)
        for o in d.outputs("counts"):
            per_key[o.key["key"]].append((o.partition, o.key, o.value, o.timestamp))
        late = sorted((o.partition, o.key, o.value["n"], o.timestamp, tuple(o.headers))
                      for o in d.outputs("late"))
        state = [(p, sorted(txn.iter_range(None, None)))
                 for p, txn in d.worker.tables.held(table)]
    return {"results": dict(per_key), "late": late, "late_events": table.late_events,
            "state": state}


def model(events: list[tuple[str, int]], grace: float) -> dict[str, Any]:
    """Kafka Streams' tumbling count in update mode, by brute force: stream time per input
    partition; a record is late once its window's end is at or before stream time - grace
    (retention is size + grace, so no window that takes records is ever hidden)."""
    size, grace_ms = 10_000, int(grace * 1000)
    stream_time: dict[int, int] = {}
    windows: dict[tuple[str, int], tuple[int, int]] = {}
    results: dict[str, list] = collections.defaultdict(list)
    late = 0
    for key, ts in events:
        p = partition_for(key.encode(), 3)
        now = stream_time[p] = max(stream_time.get(p, ts), ts)
        start = ts - ts % size
        if start + size <= now - grace_ms:
            late += 1
            continue
        count, newest = windows.get((key, start), (0, ts))
        count, newest = count + 1, max(newest, ts)
        windows[(key, start)] = (count, newest)
        wkey = {"key": key, "start": start, "end": start + size}
        results[key].append((partition_for(key.encode(), 2), wkey, {**wkey, "value": count},
                             newest))
    return {"results": dict(results), "late_events": late}


@SETTINGS
@given(events=clicks(), grace=st.sampled_from([0, 2, 5]), fast_batches=batching(),
       general_batches=batching())
@example(events=[("a", 1_000), ("a", 12_000), ("a", 3_000), ("a", 9_000), ("b", 30_000),
                 ("a", 12_500)], grace=2, fast_batches=(1, [2], True),
         general_batches=(1000, [], False))
def test_the_direct_path_gives_the_general_paths_results_and_state(
        events, grace, fast_batches, general_batches) -> None:
    fast = asyncio.run(run(True, events, grace, fast_batches))
    general = asyncio.run(run(False, events, grace, general_batches))
    assert fast == general
    assert {k: fast[k] for k in ("results", "late_events")} == model(events, grace)
    assert len(fast["late"]) == fast["late_events"]


def test_the_emitters_cached_result_bytes_follow_a_session_that_grows() -> None:
    """The emitter keeps a key's last window's result bytes; a session keeps its start while
    its end moves, so the cache must follow the end too (the first version did not)."""
    from streamflow.partitioner import Partitioner
    from streamflow.serialization.codecs import TEXT_KEY
    from streamflow.windowed_emit import Emitter

    class Output:
        partition_of = Partitioner()

        def __init__(self) -> None:
            self.records: list[tuple] = []

        def add_nowait(self, topic, key, value, partition, timestamp, headers) -> int:
            self.records.append((key, value, partition, timestamp))
            return partition

    class Worker:
        output = Output()

        def partition_count(self, topic: str) -> int:
            return 2

    app = streamflow.App("emitter")
    emitter = Emitter(app.topic("sessions", partitions=2), TEXT_KEY, lambda v: v)
    worker = Worker()
    for start, end, value in [(5, 5, 1), (5, 6, 2), (5, 6, 3), (2, 6, 4), (5, 6, None)]:
        emitter.send(worker, b"a", start, end, value, end)
    [partition] = {p for _, _, p, _ in worker.output.records}
    assert partition == partition_for(b"a", 2)
    import orjson
    got = [(orjson.loads(k), None if v is None else orjson.loads(v), ts)
           for k, v, _, ts in worker.output.records]
    expected = []
    for start, end, value in [(5, 5, 1), (5, 6, 2), (5, 6, 3), (2, 6, 4), (5, 6, None)]:
        key = {"key": "a", "start": start, "end": end}
        expected.append((key, None if value is None else {**key, "value": value}, end))
    assert got == expected
