"""Windowed tables through the DSL, on the test driver (the arithmetic itself is proven against
a reference model in tests/unit/operators)."""
from __future__ import annotations

import pytest

import streamflow
from streamflow import agg
from streamflow.partitioner import partition_for
from streamflow.testing import TestDriver


def views_app(mode="update", grace=10, kind="tumbling"):
    app = streamflow.App("win")
    views = app.topic("views", partitions=2)
    out = app.topic("views-per-minute", partitions=2)
    late = app.topic("late-views", partitions=2)
    table = app.table("per-page", default=int, partitions=2)
    if kind == "tumbling":
        table = table.tumbling(60, grace=grace)
    elif kind == "hopping":
        table = table.hopping(60, 30, grace=grace)
    table.emit_to(out, mode=mode).late_to(late)
    reads: list = []

    @app.agent(views)
    async def count(stream):
        async for view in stream:
            table[view["page"]] += 1
            reads.append(table[view["page"]].current())

    return app, table, reads


async def test_update_mode_emits_every_change_keyed_by_key_and_window() -> None:
    app, table, reads = views_app()
    async with TestDriver(app) as d:
        await d.send("views", key="home", value={"page": "home"}, timestamp=1_000)
        await d.send("views", key="home", value={"page": "home"}, timestamp=59_999)
        await d.send("views", key="home", value={"page": "home"}, timestamp=60_000)
        out = d.outputs("views-per-minute")
    assert [(o.key, o.value, o.timestamp) for o in out] == [
        ({"key": "home", "start": 0, "end": 60_000}, {"key": "home", "start": 0, "end": 60_000, "value": 1}, 1_000),
        ({"key": "home", "start": 0, "end": 60_000}, {"key": "home", "start": 0, "end": 60_000, "value": 2}, 59_999),
        ({"key": "home", "start": 60_000, "end": 120_000}, {"key": "home", "start": 60_000, "end": 120_000, "value": 1}, 60_000),
    ]
    assert reads == [1, 2, 1]


async def test_final_mode_emits_once_when_stream_time_passes_end_plus_grace() -> None:
    app, table, _ = views_app(mode="final", grace=10)
    async with TestDriver(app) as d:
        for ts in (1_000, 2_000, 30_000):
            await d.send("views", key="a", value={"page": "a"}, timestamp=ts)
        await d.send("views", key="a", value={"page": "a"}, timestamp=69_999)   # end+grace not passed
        assert d.outputs("views-per-minute") == []
        await d.send("views", key="a", value={"page": "a"}, timestamp=70_000)   # 60s + 10s grace
        [closed] = d.outputs("views-per-minute")
        assert closed.value == {"key": "a", "start": 0, "end": 60_000, "value": 3}
        assert closed.timestamp == 30_000   # the window's last update
        await d.send("views", key="a", value={"page": "a"}, timestamp=70_001)
        assert len(d.outputs("views-per-minute")) == 1


async def test_late_events_are_counted_and_sent_with_their_coordinates() -> None:
    app, table, _ = views_app(grace=10)
    async with TestDriver(app) as d:
        await d.send("views", key="a", value={"page": "a"}, timestamp=100_000)
        await d.send("views", key="a", value={"page": "a"}, timestamp=49_999)   # window [0,60s) closed at 70s
        late = d.outputs("late-views")
    assert table.late_events == 1
    [record] = late
    assert record.value == {"page": "a"} and record.timestamp == 49_999
    headers = dict(record.headers)
    assert headers["streamflow.topic"] == b"views" and headers["streamflow.offset"] == b"1"


async def test_a_none_key_is_counted_not_aggregated_and_does_not_move_stream_time() -> None:
    """As in Kafka Streams (found by tests/ks_oracle): a null-key record is dropped from a
    windowed aggregation; it used to be aggregated under the key ``null``."""
    app = streamflow.App("win-null")
    views = app.topic("views", partitions=1)
    out = app.topic("out", partitions=1)
    table = app.table("per-page", default=int, partitions=1).tumbling(60, grace=0)
    table.emit_to(out, mode="final")

    @app.agent(views)
    async def count(stream):
        async for event in stream.events():
            table.add(event.key, 1)

    async with TestDriver(app) as d:
        await d.send("views", key="a", value=1, timestamp=1_000)
        await d.send("views", key=None, value=1, timestamp=200_000)   # would close [0, 60s)
        assert d.outputs("out") == []
        await d.send("views", key="a", value=1, timestamp=60_000)
        assert [o.value for o in d.outputs("out")] == [
            {"key": "a", "start": 0, "end": 60_000, "value": 1}]
    assert table.null_key_events == 1 and table.late_events == 0


async def test_advance_closes_windows_in_the_driver_and_flush_emits_the_rest() -> None:
    app, table, _ = views_app(mode="final", grace=0)
    async with TestDriver(app, start_time=0) as d:
        await d.send("views", key="a", value={"page": "a"}, timestamp=5_000)
        await d.send("views", key="d", value={"page": "d"}, timestamp=65_000)
        # stream time is per partition; "a" and "d" live in different ones, so nothing closed
        assert partition_for(b"a", 2) != partition_for(b"d", 2)
        assert table.partitions == 2 and d.outputs("views-per-minute") == []
        await d.advance(100)          # virtual now = 100 s: [0, 60 s) closes, [60 s, 120 s) does not
        assert [(o.value["key"], o.value["start"]) for o in d.outputs("views-per-minute")] == [("a", 0)]
        await d.flush_windows()       # end of a bounded input
        emitted = [(o.value["key"], o.value["start"]) for o in d.outputs("views-per-minute")]
        assert emitted == [("a", 0), ("d", 60_000)]


async def test_reading_windows_at_times_ranges_and_deltas() -> None:
    app = streamflow.App("reads")
    src = app.topic("src", partitions=1)
    # reads reach back 10 s, so keep windows longer than the default (size + grace)
    spend = app.table("spend", partitions=1).tumbling(10, retention=3600, agg=agg.sum(lambda v: v["amount"]))
    seen: list = []

    @app.agent(src)
    async def add(stream):
        async for v in stream:
            spend.add(v["user"], v)
            seen.append((spend["u"].current(), spend["u"].delta(10)))

    async with TestDriver(app) as d:
        for ts, amount in [(1_000, 5), (2_000, 7), (11_000, 1), (25_000, 4)]:
            await d.send("src", key="u", value={"user": "u", "amount": amount}, timestamp=ts)
        assert seen == [(5, 5), (12, 12), (1, 1 - 12), (4, 4 - 1)]
        assert spend.value_at("u", 9_999) == 12 and spend.value_at("u", 15_000) == 1
        assert [(w.start, v) for w, v in spend.windows_of("u", 0, 30_000)] == [(0, 12), (10_000, 1), (20_000, 4)]


@pytest.mark.parametrize("aggregation,expected", [
    (agg.count(), 3), (agg.sum(), 9), (agg.min(), 1), (agg.max(), 5), (agg.mean(), 3.0),
    (agg.reduce(lambda a, b: a * b), 15), (agg.aggregate(list, lambda acc, v: acc + [v]), [3, 5, 1]),
])
async def test_aggregations(aggregation, expected) -> None:
    app = streamflow.App("aggs")
    src = app.topic("src", partitions=1)
    t = app.table("t", partitions=1).tumbling(60, agg=aggregation)

    @app.agent(src)
    async def run(stream):
        async for v in stream:
            t.add("k", v)

    async with TestDriver(app) as d:
        for i, v in enumerate([3, 5, 1]):
            await d.send("src", key="k", value=v, timestamp=i)
        assert t.value_at("k", 0) == expected


async def test_session_windows_merge_and_emit_tombstones_in_update_mode() -> None:
    app = streamflow.App("sess")
    clicks = app.topic("clicks", partitions=1)
    out = app.topic("sessions", partitions=1)
    # retention longer than the default (gap + grace), so the first session is still there
    sessions = app.table("sessions", partitions=1).session(10, retention=3600, agg=agg.count())
    sessions.emit_to(out)

    @app.agent(clicks)
    async def track(stream):
        async for c in stream:
            sessions.add(c["user"], c)

    async with TestDriver(app) as d:
        for ts in (0, 20_000, 10_000):   # the third bridges the first two
            await d.send("clicks", key="u", value={"user": "u"}, timestamp=ts)
        out = [(o.key["start"], o.key["end"], None if o.value is None else o.value["value"])
               for o in d.outputs("sessions")]
    assert out == [(0, 0, 1), (20_000, 20_000, 1), (0, 0, None), (20_000, 20_000, None), (0, 20_000, 3)]


def test_session_windows_need_a_merger() -> None:
    app = streamflow.App("bad")
    with pytest.raises(streamflow.ConfigError, match="need an aggregation with a merger"):
        app.table("t").session(10, agg=agg.aggregate(list, lambda a, v: a + [v]))


async def test_windowed_state_survives_a_restart_through_the_changelog(tmp_path) -> None:
    from ..conftest import ready, running, wait_until
    app, table, reads = views_app()
    app.configure(commit_interval=0.05, data_dir=str(tmp_path / "a"))
    async with running(app):
        await app.topics["views"].send(key="p", value={"page": "p"}, timestamp=1_000)
        await wait_until(lambda: reads == [1], what="first view")
    app.configure(commit_interval=0.05, data_dir=str(tmp_path / "b"))   # empty disk
    async with running(app) as worker:
        await ready(worker)
        assert worker.restorer.restored_records > 0
        await app.topics["views"].send(key="p", value={"page": "p"}, timestamp=2_000)
        await wait_until(lambda: len(reads) == 2, what="second view")
    assert reads == [1, 2]


class TaggedJson:
    """A value codec that is not JSON's: window results are encoded as objects, not spliced."""

    name = "tagged"

    def dumps(self, value):
        import orjson
        return b"tagged:" + orjson.dumps(value, option=orjson.OPT_SORT_KEYS)

    def loads(self, raw):
        import orjson
        assert raw.startswith(b"tagged:"), raw
        return orjson.loads(raw[7:])


@pytest.mark.parametrize("store, results_codec", [("memory", None), ("rocksdb", None),
                                                  ("memory", TaggedJson())])
async def test_the_direct_tumbling_update_path_gives_the_general_paths_outputs(
        store, results_codec, tmp_path) -> None:
    """``add`` takes a direct path for tumbling windows in update mode
    (``WindowedAggregation.update_tumbling``): the same records, partitions, late records and
    table state as the general path, over several partitions and commits, whether results are
    spliced as JSON or encoded by another codec."""

    def run_app(direct: bool):
        app = streamflow.App("direct")
        clicks = app.topic("clicks", partitions=3)
        # not the input's count: results are re-partitioned
        out = app.topic("counts", partitions=2, value_type=results_codec)
        late = app.topic("late", partitions=3)
        table = app.table("c", partitions=3).tumbling(10, grace=5, agg=agg.count())
        table.emit_to(out, mode="update").late_to(late)
        if not direct:
            table._fast = False

        @app.agent(clicks)
        async def count(stream):
            async for event in stream.events():
                table.add(event.key)            # the event's own key: its bytes are reused
                table.add(f"{event.key}-x", 2)  # another key of the same partition's table

        return app, table

    events = [(f"k{i % 7}", ts) for i, ts in enumerate(
        [1_000, 4_000, 9_999, 10_000, 2_000, 25_000, 14_999, 15_000, 9_000, 40_000, 31_000,
         26_000, 60_000, 60_001, 44_000, 59_000, 75_000, 120_000, 1_000, 119_000])]
    results = []
    for direct in (True, False):
        app, table = run_app(direct)
        async with TestDriver(app, store=store, data_dir=str(tmp_path / f"{store}-{direct}")) as d:
            for n, (key, ts) in enumerate(events):
                await d.send("clicks", key=key, value={"n": n}, timestamp=ts)
            produced = [(o.topic, o.partition, o.key, o.value, o.timestamp, o.headers)
                        for o in d.produced()]
            state = [(p, sorted(txn.iter_range(None, None)))
                     for p, txn in d.worker.tables.held(table)]
        assert table._fast is direct
        results.append((produced, state, table.late_events))
    assert results[0] == results[1]
    produced, _, late_events = results[0]
    assert late_events > 0 and any(topic == "late" for topic, *_ in produced)
    counts = [value for topic, _, _, value, *_ in produced if topic == "counts"]
    assert len(counts) > 20 and all(set(value) == {"key", "start", "end", "value"} for value in counts)
