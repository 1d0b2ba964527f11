"""Durations: every length of time the DSL takes may be seconds or a ``datetime.timedelta``,
and both spell the same thing; timestamps stay milliseconds."""
from __future__ import annotations

from datetime import timedelta

import pytest

import streamflow
from streamflow import agg
from streamflow.durations import seconds, to_ms
from streamflow.testing import TestDriver


def test_seconds_and_timedeltas_convert_to_the_same_milliseconds() -> None:
    assert to_ms(timedelta(minutes=1), "size") == to_ms(60, "size") == 60_000
    assert to_ms(timedelta(milliseconds=1500), "grace") == to_ms(1.5, "grace") == 1_500
    assert seconds(timedelta(milliseconds=250), "within") == 0.25


@pytest.mark.parametrize("bad, message", [
    ("60", "size must be a number of seconds or a datetime.timedelta, got str '60'"),
    (timedelta(seconds=-1), "size must be >= 0 seconds"),
    (-5, "size must be >= 0 seconds"),
    (True, "size must be a number of seconds"),
])
def test_a_bad_duration_names_the_argument(bad, message) -> None:
    with pytest.raises(streamflow.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        to_ms(bad, "size")


def counting_app(table_of):
    app = streamflow.App("durations")
    views = app.topic("views", partitions=1)
    out = app.topic("per-minute", partitions=1)
    table = table_of(app.table("views", partitions=1))
    table.emit_to(out, mode="final")

    @app.agent(views)
    async def count(stream):
        async for view in stream:
            table[view["page"]] += 1

    return app


async def final_counts(app) -> list:
    async with TestDriver(app) as d:
        for ts in (1_000, 59_999, 60_000, 69_999, 70_000, 200_000):
            await d.send("views", key="home", value={"page": "home"}, timestamp=ts)
        return [(o.value, o.timestamp) for o in d.outputs("per-minute")]


@pytest.mark.parametrize("declare", [
    lambda t: t.tumbling(timedelta(minutes=1), grace=timedelta(seconds=10),
                         retention=timedelta(hours=1), agg=agg.count()),
    lambda t: t.hopping(timedelta(minutes=1), timedelta(minutes=1), grace=timedelta(seconds=10),
                        agg=agg.count()),
])
async def test_windows_declared_with_timedeltas_equal_windows_declared_in_seconds(declare) -> None:
    in_seconds = await final_counts(counting_app(lambda t: t.tumbling(60, grace=10, agg=agg.count())))
    assert in_seconds[0] == ({"key": "home", "start": 0, "end": 60_000, "value": 2}, 59_999)
    assert await final_counts(counting_app(declare)) == in_seconds


async def test_session_and_sliding_windows_take_timedeltas() -> None:
    app = streamflow.App("durations-kinds")
    session = app.table("s", partitions=1).session(timedelta(seconds=30), grace=timedelta(0),
                                                    agg=agg.count())
    sliding = app.table("w", partitions=1).sliding(timedelta(seconds=30), agg=agg.count())
    assert session.windows.gap == 30_000 and sliding.windows.time_difference == 30_000


async def test_stream_stream_join_within_a_timedelta() -> None:
    app = streamflow.App("durations-join")
    orders = app.topic("orders", partitions=1)
    payments = app.topic("payments", partitions=1)
    matched = app.topic("matched", partitions=1)
    app.join_streams("paid", left=orders, right=payments, within=timedelta(minutes=5),
                     grace=timedelta(minutes=1), into=matched)
    async with TestDriver(app) as d:
        await d.send("orders", key="o1", value={"id": "o1"}, timestamp=0)
        await d.send("payments", key="o1", value={"amount": 10}, timestamp=300_000)   # on the edge
        await d.send("payments", key="o1", value={"amount": 11}, timestamp=300_001)   # outside
        assert [o.value for o in d.outputs("matched")] == [[{"id": "o1"}, {"amount": 10}]]


async def test_timers_and_the_drivers_clock_take_timedeltas() -> None:
    app = streamflow.App("durations-timer")
    fired: list[float] = []

    @app.timer(timedelta(seconds=30))
    async def tick() -> None:
        fired.append(1)

    async with TestDriver(app) as d:
        await d.advance(timedelta(minutes=1, seconds=15))
    assert len(fired) == 2


async def test_take_within_a_timedelta_and_delta_over_a_timedelta() -> None:
    app = streamflow.App("durations-take")
    views = app.topic("views", partitions=1)
    per_minute = app.table("per-minute", partitions=1).tumbling(
        timedelta(minutes=1), retention=timedelta(hours=1), agg=agg.count())
    chunks: list[list] = []
    deltas: list[int] = []

    @app.agent(views)
    async def count(stream):
        async for view in stream:
            per_minute[view] += 1
            deltas.append(per_minute[view].delta(timedelta(minutes=1)))

    @app.agent(views, name="chunks")
    async def chunk(stream):
        async for items in stream.take(10, within=timedelta(milliseconds=200)):
            chunks.append(items)

    async with TestDriver(app) as d:
        await d.send("views", key="a", value="a", timestamp=1_000)
        await d.send("views", key="a", value="a", timestamp=61_000)
        await d.send("views", key="a", value="a", timestamp=62_000)
    assert deltas == [1, 0, 1]
    assert chunks == [["a"], ["a"], ["a"]]   # the driver cuts a chunk whenever it is idle


def test_commit_interval_may_be_a_timedelta() -> None:
    app = streamflow.App("durations-settings", commit_interval=timedelta(milliseconds=250))
    assert app.settings.commit_interval == 0.25


def test_a_timer_of_no_time_is_refused() -> None:
    app = streamflow.App("durations-zero")
    with pytest.raises(streamflow.ConfigError, match="timer interval must be > 0 seconds"):
        app.timer(timedelta(0))
