"""The worker on the embedded broker: routing, ordering, operators, sinks, failures, commits."""
from __future__ import annotations

import asyncio
import logging

import pytest

import streamflow
from streamflow.context import current_event
from streamflow.partitioner import partition_for
from streamflow.runtime.transport.memory import broker_for
from streamflow.types import TP

from ..conftest import memory_log, running, wait_until


def make_app(**settings):
    settings.setdefault("commit_interval", 0.05)
    return streamflow.App("t", **settings)


async def test_keys_land_on_the_kafka_partition_and_order_is_kept_per_partition() -> None:
    app = make_app()
    src = app.topic("src", partitions=4)
    seen: list[tuple[int, int, str]] = []

    @app.agent(src)
    async def collect(stream):
        async for e in stream.events():
            seen.append((e.partition, e.value["i"], e.key))

    async with running(app):
        for i in range(200):
            await src.send(key=f"k{i % 13}", value={"i": i})
        await wait_until(lambda: len(seen) == 200, what="200 events")
    for partition, i, key in seen:
        assert partition == partition_for(key.encode(), 4)
    for p in range(4):
        in_p = [i for part, i, _ in seen if part == p]
        assert in_p == sorted(in_p)


async def test_map_filter_flat_map_chain_and_sink() -> None:
    app = make_app()
    lines = app.topic("lines", value_type=str)
    words = app.topic("words", value_type=str)

    @app.agent(lines, sink=[words])
    async def split(stream):
        async for word in (stream.map(str.lower)
                                 .flat_map(str.split)
                                 .filter(lambda w: len(w) > 2)):
            yield word

    async with running(app):
        await lines.send(key="a", value="The quick brown FOX")
        await lines.send(key="b", value="is an ox")
        await wait_until(lambda: len(memory_log(app, "words")) == 4, what="4 words")
    out = memory_log(app, "words")
    assert sorted(v for *_, v in out) == ["brown", "fox", "quick", "the"]
    # sink records keep the key of the input event they came from
    assert {k for _, _, k, _ in out} == {"a"}


async def test_yielding_a_message_sets_key_and_timestamp() -> None:
    app = make_app()
    src = app.topic("src")
    out = app.topic("out")

    @app.agent(src, sink=[out])
    async def rekey(stream):
        async for v in stream:
            yield streamflow.Message(value=v, key=v["user"], timestamp=1234)

    async with running(app):
        await src.send(key="x", value={"user": "u1"})
        await wait_until(lambda: memory_log(app, "out"), what="output")
    [(_, _, key, value)] = memory_log(app, "out")
    assert key == "u1" and value == {"user": "u1"}
    rec = [r for p in broker_for("memory://").topics["out"] for r in p][0]
    assert rec.timestamp == 1234


async def test_output_timestamp_defaults_to_the_input_event_timestamp() -> None:
    app = make_app()
    src, out = app.topic("src", partitions=1), app.topic("out", partitions=1)

    @app.agent(src)
    async def forward(stream):
        async for v in stream:
            await out.send(key="k", value=v)

    async with running(app):
        await src.send(key="k", value=1, timestamp=42_000)
        await wait_until(lambda: memory_log(app, "out"), what="output")
    assert broker_for("memory://").topics["out"][0][0].timestamp == 42_000


async def test_take_gives_batches_and_a_partial_batch_after_within() -> None:
    app = make_app(commit_interval=30)
    src = app.topic("src", partitions=1)
    chunks: list[list[int]] = []

    @app.agent(src)
    async def batched(stream):
        async for chunk in stream.take(3, within=0.2):
            chunks.append(chunk)

    async with running(app):
        for i in range(7):
            await src.send(key="k", value=i)
        await wait_until(lambda: sum(map(len, chunks)) == 7, what="all 7 values in chunks")
    assert chunks[0] == [0, 1, 2] and chunks[1] == [3, 4, 5] and chunks[2] == [6]


async def test_several_agents_and_several_topics_per_agent() -> None:
    app = make_app()
    a, b = app.topic("a"), app.topic("b")
    both: list[str] = []
    only_a: list[str] = []

    @app.agent(a, b)
    async def merge(stream):
        async for e in stream.events():
            both.append(e.topic)

    @app.agent(a)
    async def count_a(stream):
        async for _ in stream:
            only_a.append("a")

    async with running(app):
        await a.send(key="1", value=1)
        await b.send(key="1", value=2)
        await wait_until(lambda: len(both) == 2 and len(only_a) == 1, what="events")
    assert sorted(both) == ["a", "b"]


async def test_timer_and_task_run(wait) -> None:
    app = make_app()
    ticks: list[int] = []
    started: list[bool] = []

    @app.timer(0.01)
    async def tick():
        ticks.append(1)

    @app.task
    async def once():
        started.append(True)

    async with running(app):
        await wait(lambda: len(ticks) >= 3 and started, what="timer ticks and task")
    assert started == [True]


async def test_offsets_are_committed_after_processing() -> None:
    app = make_app()
    src = app.topic("src", partitions=2)
    got: list[int] = []

    @app.agent(src)
    async def consume(stream):
        async for v in stream:
            got.append(v)

    async with running(app):
        for i in range(10):
            await src.send(key=str(i), value=i)
        await wait_until(lambda: len(got) == 10, what="10 events")
    committed = broker_for("memory://").groups["t"].committed
    ends = {TP("src", p): len(broker_for("memory://").topics["src"][p]) for p in range(2)}
    assert committed == ends


async def test_a_restarted_worker_resumes_after_committed_offsets() -> None:
    app = make_app()
    src = app.topic("src", partitions=1)
    got: list[int] = []

    @app.agent(src)
    async def consume(stream):
        async for v in stream:
            got.append(v)

    async with running(app):
        for i in range(5):
            await src.send(key="k", value=i)
        await wait_until(lambda: len(got) == 5, what="first 5")
    async with running(app):
        for i in range(5, 8):
            await src.send(key="k", value=i)
        await wait_until(lambda: len(got) == 8, what="next 3")
    assert got == list(range(8))


async def test_agent_exception_stops_the_worker_naming_the_event(caplog) -> None:
    app = make_app()
    src = app.topic("src", partitions=1)

    @app.agent(src)
    async def fragile(stream):
        async for v in stream:
            if v == 3:
                raise ValueError("three is bad")

    worker_error = None
    with caplog.at_level(logging.ERROR):
        try:
            async with running(app) as worker:
                for i in range(5):
                    await src.send(key="k", value=i)
                await asyncio.sleep(0)
                await wait_until(lambda: worker.failure or not worker.started, what="failure")
        except streamflow.AgentError as exc:
            worker_error = exc
    assert worker_error is not None
    assert "agent fragile failed while processing src[0]@3" in str(worker_error)
    assert "three is bad" in str(worker_error)
    # the failing batch was not committed: a restart sees the event again
    assert broker_for("memory://").groups["t"].committed.get(TP("src", 0), 0) <= 3


@pytest.mark.parametrize("policy", ["stop", "skip", "dead_letter"])
async def test_malformed_event_is_reported_with_coordinates(policy, caplog) -> None:
    class Reading(streamflow.Record):
        sensor: str
        value: float

    app = make_app(on_decode_error=policy)
    src = app.topic("readings", value_type=Reading, partitions=1)
    got: list[Reading] = []

    @app.agent(src)
    async def consume(stream):
        async for r in stream:
            got.append(r)

    broker = broker_for("memory://")
    broker.create_topic("readings", 1)
    broker.append("readings", 0, [
        (b'"s"', b'{"sensor": "a", "value": 1}', 1, None),
        (b'"s"', b'{"sensor": "b", "value": "high"}', 2, None),
        (b'"s"', b'not json', 3, None),
        (b'"s"', b'{"sensor": "d", "value": 4}', 4, None),
    ], now_ms=0)
    error = None
    with caplog.at_level(logging.ERROR):
        try:
            async with running(app) as worker:
                await wait_until(lambda: worker.failure or not worker.started or len(got) == 2,
                                 what="processing")
        except streamflow.DecodeError as exc:
            error = exc
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "cannot decode value of readings[0]@1: Reading.value: expected a number, got str 'high'" in messages
    committed = broker.groups["t"].committed[TP("readings", 0)]
    if policy == "stop":
        assert error is not None and error.offset == 1
        assert [r.sensor for r in got] == ["a"]
        assert committed == 1  # the bad record is not committed: nothing is lost
    else:
        assert error is None
        assert "readings[0]@2" in messages
        assert [r.sensor for r in got] == ["a", "d"]
        assert committed == 4
    dead = [r for part in broker.topics.get("t-dead-letters", []) for r in part]
    if policy == "dead_letter":
        # As they came (bytes, key, timestamp), with where they came from and why.
        assert [(r.key, r.value, r.timestamp) for r in dead] == [
            (b'"s"', b'{"sensor": "b", "value": "high"}', 2), (b'"s"', b'not json', 3)]
        headers = dict(dead[0].headers)
        assert (headers["streamflow.topic"], headers["streamflow.partition"],
                headers["streamflow.offset"]) == (b"readings", b"0", b"1")
        assert b"expected a number" in headers["streamflow.error"]
        assert "sent to t-dead-letters[0]" in messages
    else:
        assert dead == []


async def test_send_outside_a_running_app_is_a_clear_error() -> None:
    app = make_app()
    t = app.topic("x")
    with pytest.raises(streamflow.StreamflowError, match="needs a running worker"):
        await t.send(value=1)


async def test_current_event_and_events_are_whole_events_in_a_value_stream() -> None:
    app = make_app()
    src = app.topic("src", partitions=1)
    seen: list = []

    @app.agent(src)
    async def values(stream):
        async for v in stream.filter(lambda v: v["i"] % 2):
            seen.append((v, current_event()))

    @app.agent(src)
    async def events(stream):
        async for e in stream.events():
            seen.append(("event", e))

    async with running(app):
        for i in range(4):
            await src.send(key=f"k{i}", value={"i": i}, timestamp=1000 + i,
                           headers=[("h", b"%d" % i)])
        await wait_until(lambda: len(seen) == 6, what="6 items")
    from_values = [(v, e) for v, e in seen if v != "event"]
    assert [v["i"] for v, _ in from_values] == [1, 3]
    for v, e in from_values + [(e.value, e) for tag, e in seen if tag == "event"]:
        assert isinstance(e, streamflow.Event)
        i = v["i"]
        assert (e.topic, e.partition, e.offset, e.timestamp) == ("src", 0, i, 1000 + i)
        assert (e.key, e.value, e.raw_key) == (f"k{i}", {"i": i}, f"k{i}".encode())
        assert list(e.headers) == [("h", b"%d" % i)]
        assert e.coordinates == f"src[0]@{i}"
