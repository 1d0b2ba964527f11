"""What an async-generator agent yields: order, encoding failures, and the commit order."""
from __future__ import annotations

import asyncio

import streamflow
from streamflow.runtime.transport.memory import broker_for
from streamflow.types import TP

from ..conftest import memory_log, running, wait_until


def make_app(**settings):
    settings.setdefault("commit_interval", 0.05)
    return streamflow.App("t", **settings)


async def test_yielded_records_and_sends_to_the_same_topic_keep_processing_order() -> None:
    app = make_app()
    src, out = app.topic("src", partitions=1), app.topic("out", partitions=1)

    @app.agent(src, sink=[out])
    async def both(stream):
        async for v in stream:
            yield {"yielded": v}
            await out.send(key="k", value={"sent": v})

    async with running(app):
        for i in range(50):
            await src.send(key="k", value=i)
        await wait_until(lambda: len(memory_log(app, "out")) == 100, what="100 outputs")
    values = [v for *_, v in memory_log(app, "out")]
    expected = []
    for i in range(50):
        expected += [{"yielded": i}, {"sent": i}]
    assert values == expected


async def test_a_value_the_sink_cannot_encode_fails_the_agent_naming_its_event() -> None:
    app = make_app()
    src, out = app.topic("src", partitions=1), app.topic("out", partitions=1)

    @app.agent(src, sink=[out])
    async def emit(stream):
        async for v in stream:
            yield {"v": v} if v != 3 else {"v": {1, 2}}  # a set is not JSON

    error = None
    try:
        async with running(app) as worker:
            for i in range(6):
                await src.send(key="k", value=i)
            await wait_until(lambda: worker.failure or not worker.started, what="failure")
    except streamflow.AgentError as exc:
        error = exc
    assert error is not None and "agent emit failed while processing src[0]@3" in str(error)
    assert broker_for("memory://").groups["t"].committed.get(TP("src", 0), 0) <= 3


async def test_offsets_are_committed_only_once_the_yielded_records_are_in_the_log() -> None:
    app = make_app()
    src, out = app.topic("src", partitions=2), app.topic("out", partitions=3)

    @app.agent(src, sink=[out])
    async def double(stream):
        async for v in stream.filter(lambda v: v % 3 != 0):
            yield v * 2

    commits: list[tuple[int, int]] = []  # (input offsets committed, outputs in the log then)
    async with running(app) as worker:
        real_commit = worker.consumer.commit

        async def commit(offsets):
            processed = [v for p in range(2) for r in broker_for("memory://").topics["src"][p]
                         if r.offset < offsets.get(TP("src", p), 0) for v in [r.value]]
            commits.append((len([v for v in processed if int(v) % 3 != 0]),
                            len(memory_log(app, "out"))))
            await real_commit(offsets)
        worker.consumer.commit = commit
        for i in range(600):
            await src.send(key=str(i % 7), value=i)
            if i % 100 == 0:
                await asyncio.sleep(0.01)
        await wait_until(lambda: sum(broker_for("memory://").groups["t"].committed.values()) == 600,
                         what="everything committed")
    assert commits and all(needed <= produced for needed, produced in commits)
    assert sorted(v for *_, v in memory_log(app, "out")) == sorted(2 * i for i in range(600) if i % 3)
