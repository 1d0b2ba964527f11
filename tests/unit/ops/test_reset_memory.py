"""``streamflow reset`` on the embedded broker: refused while the group has a member,
effective once none has (the next worker reprocesses from there). On the real broker:
tests/integration/test_ops_kafka.py."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.ops.reset import render, reset_offsets
from streamflow.ops.topics import describe_topics, render as render_topics
from streamflow.runtime.transport.memory import broker_for
from streamflow.types import TP

from ...conftest import running, wait_until


def make_app():
    app = streamflow.App("resettable", commit_interval=0.05)
    src = app.topic("src", key_type=int, partitions=2)
    counts = app.table("counts", default=int, key_type=int, partitions=2)
    seen: list[int] = []

    @app.agent(src)
    async def count(stream):
        async for event in stream.events():
            seen.append(event.value)
            counts[event.key] += 1
    return app, src, seen


async def test_reset_is_refused_while_a_worker_runs_and_replays_once_none_does() -> None:
    app, src, seen = make_app()
    async with running(app) as worker:
        for i in range(6):
            await src.send(key=i % 3, value=i)
        await wait_until(lambda: len(seen) == 6, what="6 records")
        with pytest.raises(streamflow.StreamflowError,
                           match="refusing to reset: consumer group resettable has 1 member"):
            await reset_offsets(app, "earliest")
        await wait_until(lambda: sum(broker_for(app.settings.broker).groups["resettable"]
                                     .committed.values()) == 6, what="commit")
    moves = await reset_offsets(app, "earliest")
    assert sum(m.before or 0 for m in moves) == 6 and all(m.after == 0 for m in moves)
    assert set(broker_for(app.settings.broker).groups["resettable"].committed.values()) == {0}
    assert render(moves)[-1] == "moved 2 of 2 partitions"
    async with running(app):
        await wait_until(lambda: len(seen) == 12, what="the 6 records again")
    assert sorted(seen) == sorted(list(range(6)) * 2)


async def test_reset_to_latest_and_to_a_time_and_dry_run() -> None:
    app, src, seen = make_app()
    broker = broker_for(app.settings.broker)
    broker.create_topic("src", 2)
    broker.append("src", 0, [(b"1", b"1", 1000, None), (b"1", b"2", 2000, None),
                             (b"1", b"3", 3000, None)], 0)
    moves = await reset_offsets(app, "datetime", timestamp_ms=2000, dry_run=True)
    assert {m.tp: m.after for m in moves} == {TP("src", 0): 1, TP("src", 1): 0}
    assert broker.groups.get("resettable") is None  # dry run: nothing committed
    await reset_offsets(app, "latest")
    assert broker.groups["resettable"].committed == {TP("src", 0): 3, TP("src", 1): 0}
    with pytest.raises(streamflow.StreamflowError, match="counts: not an input topic of app resettable"):
        await reset_offsets(app, "earliest", topics=["counts"])


async def test_topics_lists_inputs_changelogs_and_lag() -> None:
    app, src, seen = make_app()
    async with running(app):
        for i in range(4):
            await src.send(key=1, value=i)
        await wait_until(lambda: len(seen) == 4, what="4 records")
    report = await describe_topics(app)
    rows = {(r.topic, r.partition): r for r in report.rows}
    (p,) = [tp[1] for tp, r in rows.items() if tp[0] == "src" and r.end == 4]
    assert rows[("src", p)].kind == "input" and rows[("src", p)].lag == 0
    assert rows[("resettable-counts-changelog", p)].kind == "changelog"
    assert rows[("resettable-counts-changelog", p)].committed is None
    lines = render_topics(report)
    assert lines[0] == "consumer group resettable" and lines[-1] == "total lag of resettable: 0"


def test_a_topic_a_table_is_fed_from_is_its_source_not_a_changelog() -> None:
    from streamflow.ops.topics import kinds
    app = streamflow.App("kinds")
    prices = app.topic("prices", partitions=2)
    app.table("price-table", topic=prices)
    counts = app.table("counts", partitions=2)
    assert kinds(app, []) == {"prices": "table source", counts.changelog.name: "changelog"}
