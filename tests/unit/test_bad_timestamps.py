"""Records whose event time is no time (Kafka's -1, a ``timestamp=`` extractor that raises or
returns garbage) are bad records: ``on_decode_error`` decides, for windows and stream-stream
joins alike, and the worker never crash-loops on them unless told to stop."""
from __future__ import annotations

import logging

import pytest

import streamflow
from streamflow.testing import TestDriver
from streamflow.types import TP

MIN = 60_000
POLICIES = ["stop", "skip", "dead_letter"]


def counting_app(policy: str, batch_size: int, windows: str = "tumbling", **table_kwargs):
    app = streamflow.App("w", on_decode_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=1)
    out = app.topic("per-minute", partitions=1)
    if "timestamp" in table_kwargs:  # the extractor reads the value added: count events
        table_kwargs["agg"] = streamflow.agg.count()
    table = app.table("counts", default=int, partitions=1)
    counts = (table.tumbling(60, **table_kwargs) if windows == "tumbling"
              else table.hopping(120, 60, **table_kwargs))
    counts.emit_to(out, mode="update")

    @app.agent(src)
    async def count(stream):
        async for event in stream.events():
            counts[event.key] += event.value
    return app


def window_counts(driver: TestDriver) -> dict[tuple[str, int], int]:
    """The latest count per (key, window start) in the emitted updates."""
    out = {}
    for o in driver.outputs("per-minute"):
        out[(o.key["key"], o.key["start"])] = o.value["value"]
    return out


def dead_letters(driver: TestDriver) -> list:
    return [r for part in driver.broker.topics.get("w-dead-letters", []) for r in part]


def committed(driver: TestDriver, topic: str = "src") -> int | None:
    group = driver.broker.groups.get(driver.app.id)
    return None if group is None else group.committed.get(TP(topic, 0))


def bad_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("batch_size", [1, 3, 1000])
@pytest.mark.parametrize("windows", ["tumbling", "hopping"])
async def test_a_record_timestamp_of_minus_one_follows_on_decode_error(policy, batch_size, windows,
                                                                       caplog) -> None:
    app = counting_app(policy, batch_size, windows)
    error = None
    with caplog.at_level(logging.ERROR):
        driver = TestDriver(app)
        await driver.start()
        try:
            await driver.send_many([("src", "a", 1, 1_000), ("src", "a", 1, 2_000),
                                    ("src", "a", 1, -1), ("src", "a", 1, 3_000)])
        except streamflow.DecodeError as exc:
            error = exc
        counts = window_counts(driver)
        dead = dead_letters(driver)
        try:
            await driver.stop()
        except streamflow.DecodeError:
            pass
        at = committed(driver)
    lines = bad_lines(caplog)
    assert any(line.startswith("cannot decode timestamp of src[0]@2: record timestamp -1 is not "
                               "an event time") for line in lines), lines
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
    if policy == "stop":
        assert error is not None and (error.topic, error.partition, error.offset) == ("src", 0, 2)
        assert counts[("a", 0)] == 2
        assert at is None or at <= 2  # the bad record is not committed: it comes again
        return
    assert error is None
    assert counts[("a", 0)] == 3  # every other record counted once
    assert at == 4
    if policy == "skip":
        assert dead == []
        assert any("skipped (on_decode_error=skip)" in line for line in lines)
    else:
        [record] = dead
        assert (record.key, record.value, record.timestamp) == (b"a", b"1", -1)
        headers = dict(record.headers)
        assert (headers["streamflow.topic"], headers["streamflow.partition"],
                headers["streamflow.offset"], headers["streamflow.agent"]) == (
            b"src", b"0", b"2", b"count")
        assert b"record timestamp -1" in headers["streamflow.error"]



@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
@pytest.mark.parametrize("bad", ["raises", "returns None", "returns text", "returns -5"])
async def test_a_timestamp_extractor_that_fails_is_a_bad_record(policy, bad, caplog) -> None:
    def extract(value):
        if value["i"] != 2:
            return value["ts"]
        if bad == "raises":
            return value["missing"]
        return {"returns None": None, "returns text": "soon", "returns -5": -5}[bad]

    app = counting_app(policy, 1000, timestamp=extract)
    with caplog.at_level(logging.ERROR):
        async with TestDriver(app) as driver:
            await driver.send_many([("src", "a", {"i": i, "ts": 1_000 * i}, 0) for i in range(4)])
            counts = window_counts(driver)
            dead = dead_letters(driver)
            at = committed(driver)
    assert counts == {("a", 0): 3}
    assert at == 4
    lines = bad_lines(caplog)
    assert any(line.startswith("cannot decode timestamp of src[0]@2: timestamp= of windowed "
                               "table counts") for line in lines), lines
    assert len(dead) == (1 if policy == "dead_letter" else 0)


async def test_a_timestamp_extractor_failure_stops_the_worker_by_default(caplog) -> None:
    app = counting_app("stop", 1000, timestamp=lambda v: v["ts"])
    with pytest.raises(streamflow.DecodeError, match=r"cannot decode timestamp of src\[0\]@1: "
                       r"timestamp= of windowed table counts raised KeyError"):
        async with TestDriver(app) as driver:
            await driver.send_many([("src", "a", {"ts": 5}, 0), ("src", "a", {}, 0)])


def joined_app(policy: str, batch_size: int):
    app = streamflow.App("j", on_decode_error=policy, batch_size=batch_size)
    orders = app.topic("orders", partitions=1)
    payments = app.topic("payments", partitions=1)
    matched = app.topic("matched", partitions=1)
    app.join_streams("pay", left=orders, right=payments, within=300, grace=0, kind="inner",
                     into=matched)
    return app


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_a_stream_stream_join_never_matches_a_record_without_a_time(policy, batch_size,
                                                                        caplog) -> None:
    app = joined_app(policy, batch_size)
    error = None
    with caplog.at_level(logging.ERROR):
        driver = TestDriver(app)
        await driver.start()
        try:
            await driver.send_many([("orders", "o1", {"id": "o1"}, 0),
                                    ("payments", "o1", {"amount": 10}, -1),
                                    ("payments", "o1", {"amount": 11}, 1_000)])
        except streamflow.DecodeError as exc:
            error = exc
        out = [o.value for o in driver.outputs("matched")]
        try:
            await driver.stop()
        except streamflow.DecodeError:
            pass
    assert [{"amount": 10}] not in [v[1:] for v in out]
    assert any("cannot decode timestamp of payments[0]@0" in line for line in bad_lines(caplog))
    if policy == "stop":
        assert error is not None and error.offset == 0
    else:
        assert error is None
        assert out == [[{"id": "o1"}, {"amount": 11}]]
