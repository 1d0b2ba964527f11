"""What a fatal error lets the shutdown commit (memory://).

Exactly-once: nothing of the open transaction (agent error, decode error, anything): readers
never see part of it and the restart processes it once. At-least-once: only what was
processed in full; a store never records part of the failed batch, so the restart (which
processes the failed batch again) leaves the tables exact and loses nothing.
"""
from __future__ import annotations

import collections
from pathlib import Path

import orjson
import pytest

import streamflow
from streamflow.partitioner import partition_for
from streamflow.runtime.transport.memory import broker_for
from streamflow.runtime.worker import Worker
from streamflow.types import TP

from .test_exactly_once_memory import PARTITIONS, committed_outputs, committed_table, drain, send_clicks

GUARANTEES = ["at_least_once", "exactly_once"]
USERS_PARTITION = partition_for(b"u0", PARTITIONS)
assert {partition_for(f"u{i}".encode(), PARTITIONS) for i in range(3)} == {USERS_PARTITION}


def failing_counter(data_dir: Path, guarantee: str, fail_on: int | None = None,
                    take: int | None = None) -> streamflow.App:
    """Counts clicks per user and emits each count; raises *after* counting click ``fail_on``
    and sending its output (so the failed batch has left table writes and output behind)."""
    app = streamflow.App("eos", processing_guarantee=guarantee, data_dir=str(data_dir),
                         commit_interval=30)
    clicks = app.topic("clicks", partitions=PARTITIONS)
    out = app.topic("counts", partitions=PARTITIONS)
    counts = app.table("counts", default=int, partitions=PARTITIONS)

    async def count(click: dict) -> None:
        counts[click["user"]] += 1
        await out.send(key=click["user"], value={"n": counts[click["user"]], "id": click["id"]})
        if click["id"] == fail_on:
            raise RuntimeError(f"cannot handle click {fail_on}")

    if take is None:
        @app.agent(clicks)
        async def counter(stream):
            async for click in stream:
                await count(click)
    else:
        @app.agent(clicks)
        async def counter(stream):  # noqa: F811 - one of the two is declared
            async for chunk in stream.take(take):
                for click in chunk:
                    await count(click)
    return app


def every_output() -> list[dict]:
    """``counts`` as a read_uncommitted reader sees it (at-least-once output)."""
    broker = broker_for("memory://")
    return [orjson.loads(r.value) for p in range(PARTITIONS)
            for r in broker.topics["counts"][p] if not r.aborted]


def truth(n: int) -> dict[str, int]:
    return dict(collections.Counter(f"u{i % 3}" for i in range(n)))


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_an_agent_error_commits_nothing_of_the_failed_batch(tmp_path: Path, guarantee: str) -> None:
    a = Worker(failing_counter(tmp_path / "a", guarantee, fail_on=27))
    await a.start()
    try:
        send_clicks(0, 20)
        await drain(a)                  # committed: clicks 0..19
        send_clicks(20, 5)
        await a.poll_once(0)            # processed in full, not committed yet
        send_clicks(25, 5)
        await a.poll_once(0)            # the agent fails on click 27
        assert a.failure is not None
    finally:
        await a.shutdown()
    assert "cannot handle click 27" in str(a.failure)
    if guarantee == "exactly_once":
        assert sorted(o["id"] for o in committed_outputs()) == list(range(20))
        assert committed_table() == truth(20)
    else:
        assert committed_table() == truth(20), "a store recorded part of the failed batch"

    b = Worker(failing_counter(tmp_path / "a", guarantee))  # fixed, restarted on the same disk
    await b.start()
    try:
        await drain(b)
    finally:
        await b.shutdown()
    assert committed_table() == truth(30)
    ids = collections.Counter(o["id"] for o in (committed_outputs() if guarantee == "exactly_once"
                                                 else every_output()))
    assert set(ids) == set(range(30)), "lost output"
    if guarantee == "exactly_once":
        assert max(ids.values()) == 1, "duplicated output"
        for user, n in truth(30).items():
            assert sorted(o["n"] for o in committed_outputs() if o["user"] == user) == list(range(1, n + 1))


async def test_at_least_once_commits_what_stateless_partitions_processed_before_the_failure(
        tmp_path: Path) -> None:
    """Partitions whose tasks have no table writes pending keep their progress: the fully
    processed batches before the failure are committed once their output is acknowledged."""
    app = streamflow.App("eos", data_dir=str(tmp_path), commit_interval=30)
    clicks = app.topic("clicks", partitions=PARTITIONS)
    out = app.topic("counts", partitions=PARTITIONS)

    @app.agent(clicks)
    async def forward(stream):
        async for click in stream:
            await out.send(key=click["user"], value={"n": 0, "id": click["id"]})
            if click["id"] == 27:
                raise RuntimeError("cannot handle click 27")
    a = Worker(app)
    await a.start()
    try:
        send_clicks(0, 25)
        while a.events_processed < 25:  # the first poll joins the group
            await a.poll_once(0)
        send_clicks(25, 5)
        await a.poll_once(0)
    finally:
        await a.shutdown()
    committed = broker_for("memory://").groups["eos"].committed
    assert sum(committed.values()) == 25  # the first batch, in full; nothing of the failed one
    assert {o["id"] for o in every_output()} >= set(range(25))


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_a_decode_error_keeps_nothing_half_done(tmp_path: Path, guarantee: str) -> None:
    """At-least-once commits up to the bad record, once the agents handed back what they
    hold (a ``take`` buffer); exactly-once aborts, as Kafka Streams does on a fatal error."""
    a = Worker(failing_counter(tmp_path / "a", guarantee, take=1000))
    await a.start()
    try:
        send_clicks(0, 10)
        broker_for("memory://").append("clicks", USERS_PARTITION, [(b"u0", b"{not json", 1, ())], 1)
        for _ in range(3):
            await a.poll_once(0)
        assert a.failure is not None
    finally:
        await a.shutdown()
    group = broker_for("memory://").groups["eos"]
    if guarantee == "exactly_once":
        assert committed_outputs() == [] and committed_table() == {} and group.committed == {}
        return
    outputs = {o["id"] for o in every_output()}
    processed_before_bad = {i for i in range(10) if i not in outputs}
    assert not processed_before_bad, f"committed but never processed: {processed_before_bad}"
    assert committed_table() == truth(10)
    assert group.committed.get(TP("clicks", USERS_PARTITION)) == 10  # up to the bad record
