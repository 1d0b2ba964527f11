"""Values decoded when the agent reads them (``streamflow.lazy_events``).

An agent that iterates ``events()`` gets its values decoded on first read of ``event.value``.
A record whose value never gets read is processed as its key and timestamp say, whatever its
value bytes are (docs/decisions.md); one whose value is read and does not decode follows
``on_decode_error`` with one readable error naming topic, partition and offset, however the
records are batched and across a crash and restart.
"""
from __future__ import annotations

import contextlib
import copy
import logging
import pickle

import pytest

import streamflow
from streamflow.lazy_events import LazyEvent, lazy_event_type
from streamflow.testing import TestDriver
from streamflow.types import TP, Event

POLICIES = ["stop", "skip", "dead_letter"]
BATCH_SIZES = [1, 3, 1000]
BAD = b'{"n": 3'  # cut short: not JSON
RECORDS = [(b"a", b'{"n": 1}', 1_000), (b"a", b'{"n": 2}', 2_000), (b"a", BAD, 3_000),
           (b"a", b'{"n": 4}', 4_000)]


def append(driver: TestDriver, records=RECORDS) -> None:
    for key, value, ts in records:
        driver.append_raw("src", 0, key, value, ts)


def committed(driver: TestDriver) -> int | None:
    group = driver.broker.groups.get(driver.app.id)
    return None if group is None else group.committed.get(TP("src", 0))


def dead_letters(driver: TestDriver) -> list:
    return [r for part in driver.broker.topics.get(f"{driver.app.id}-dead-letters", []) for r in part]


def error_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def key_counting_app(policy: str, batch_size: int) -> streamflow.App:
    """Workload 2's shape: count records per key in windows; the value is never read."""
    app = streamflow.App("keys", on_decode_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=1)
    out = app.topic("per-minute", partitions=1)
    counts = app.table("counts", partitions=1).tumbling(60, agg=streamflow.agg.count())
    counts.emit_to(out, mode="update")

    @app.agent(src)
    async def count(stream):
        async for event in stream.events():
            counts.add(event.key)
    return app


def summing_app(policy: str, batch_size: int, **settings) -> streamflow.App:
    """Reads each value after a side effect of its own (the key's count)."""
    app = streamflow.App("sums", on_decode_error=policy, batch_size=batch_size, **settings)
    src = app.topic("src", partitions=1)
    seen = app.table("seen", default=int, partitions=1)
    sums = app.table("sums", default=int, partitions=1)

    @app.agent(src)
    async def add(stream):
        async for event in stream.events():
            seen[event.key] += 1
            sums[event.key] += event.value["n"]
    return app


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
async def test_a_value_that_is_never_read_is_never_decoded_and_its_record_is_processed(
        policy, batch_size, caplog) -> None:
    app = key_counting_app(policy, batch_size)
    with caplog.at_level(logging.ERROR):
        async with TestDriver(app) as driver:
            append(driver)
            await driver.run()
            counts = {(o.key["key"], o.key["start"]): o.value["value"]
                      for o in driver.outputs("per-minute")}
            dead = dead_letters(driver)
            at = committed(driver)
            assert driver.worker.decode_errors_skipped == 0
    assert counts == {("a", 0): 4}  # the record with the malformed value counted, nothing lost
    assert at == 4
    assert dead == []
    assert error_lines(caplog) == []


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
async def test_an_agent_that_reads_some_values_is_not_failed_by_one_it_does_not_read(
        policy, batch_size, caplog) -> None:
    # Once the agent read values of the topic, the worker decodes them at fetch: a bad one
    # it never reads must still be no error, however the records are batched.
    app = streamflow.App("some", on_decode_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=1)
    got: list = []

    @app.agent(src)
    async def pick(stream):
        async for event in stream.events():
            got.append((event.key, event.value["n"] if event.key == "b" else None))

    records = [(b"b", b'{"n": 1}', 1), (b"a", b'{"n": 2}', 2), (b"b", b'{"n": 3}', 3),
               (b"a", BAD, 4), (b"b", b'{"n": 5}', 5)]
    with caplog.at_level(logging.ERROR):
        async with TestDriver(app) as driver:
            append(driver, records)
            await driver.run()
            at = committed(driver)
    assert got == [("b", 1), ("a", None), ("b", 3), ("a", None), ("b", 5)]
    assert at == 5
    assert error_lines(caplog) == []


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
async def test_a_value_that_does_not_decode_where_the_agent_reads_it_follows_on_decode_error(
        policy, batch_size, caplog) -> None:
    app = summing_app(policy, batch_size)
    error = None
    with caplog.at_level(logging.ERROR):
        driver = TestDriver(app)
        await driver.start()
        append(driver)
        try:
            await driver.run()
        except streamflow.DecodeError as exc:
            error = exc
        sums, dead = driver.table("sums"), dead_letters(driver)
        skipped, lettered = driver.worker.decode_errors_skipped, driver.worker.dead_lettered
        try:
            await driver.stop()
        except streamflow.DecodeError:
            pass
        at = committed(driver)
    lines = error_lines(caplog)
    assert any(line.startswith("cannot decode value of src[0]@2: ") for line in lines), lines
    assert len(lines) == 1, lines  # one line, no traceback wall
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
    if policy == "stop":
        assert error is not None and (error.topic, error.partition, error.offset, error.what) == (
            "src", 0, 2, "value")
        assert at is None or at <= 2  # never past the bad record: it comes again
        return
    assert error is None
    assert sums == {"a": 7}
    assert at == 4
    if policy == "skip":
        assert "skipped (on_decode_error=skip)" in lines[0]
        assert (skipped, lettered, dead) == (1, 0, [])
    else:
        assert "(on_decode_error=dead_letter)" in lines[0]
        [record] = dead
        assert (record.key, record.value, record.timestamp) == (b"a", BAD, 3_000)
        headers = dict(record.headers)
        assert (headers["streamflow.topic"], headers["streamflow.partition"],
                headers["streamflow.offset"]) == (b"src", b"0", b"2")
        assert headers["streamflow.error"].startswith(b"cannot decode value of src[0]@2")
        assert (skipped, lettered) == (0, 1)


@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_on_decode_error_stop_stops_again_after_a_restart_and_never_commits_past_the_record(
        batch_size, tmp_path) -> None:
    app = summing_app("stop", batch_size)
    driver = TestDriver(app, store="rocksdb", data_dir=tmp_path)
    await driver.start()
    try:
        append(driver)
        with pytest.raises(streamflow.DecodeError, match=r"cannot decode value of src\[0\]@2"):
            await driver.run()
        first = committed(driver)
        # killed and started again (a supervisor restarting it): it stops at the same record
        with pytest.raises(streamflow.DecodeError, match=r"cannot decode value of src\[0\]@2"):
            await driver.crash()
        again = committed(driver)
    finally:
        with contextlib.suppress(streamflow.DecodeError):
            await driver.stop()
    assert first is None or first <= 2
    assert again is None or again <= 2
    assert committed(driver) is None or committed(driver) <= 2


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
@pytest.mark.parametrize("after_records", [1, 2, 3])
async def test_a_crash_loses_no_record_around_a_value_that_does_not_decode(policy, after_records,
                                                                           tmp_path) -> None:
    app = summing_app(policy, 1)
    driver = TestDriver(app, store="rocksdb", data_dir=tmp_path, commit_every_step=False)
    await driver.start()
    try:
        driver.crash_at(after_records=after_records)
        append(driver)
        await driver.run()
        assert driver.crashes == 1
        await driver.commit()
        assert driver.table("sums") == {"a": 7}  # every good value once, nothing lost
        assert committed(driver) == 4
        if policy == "dead_letter":
            dead = dead_letters(driver)
            assert dead and {dict(r.headers)["streamflow.offset"] for r in dead} == {b"2"}
    finally:
        await driver.stop()


async def test_an_operator_after_events_that_reads_a_bad_value_fails_that_event_only(caplog) -> None:
    app = streamflow.App("ops", on_decode_error="skip", batch_size=1000)
    src = app.topic("src", partitions=1)
    got: list[int] = []

    @app.agent(src)
    async def big(stream):
        async for event in stream.events().filter(lambda e: e.value["n"] > 1):
            got.append(event.value["n"])

    with caplog.at_level(logging.ERROR):
        async with TestDriver(app) as driver:
            append(driver)
            await driver.run()
            at = committed(driver)
    assert got == [2, 4]
    assert at == 4
    assert [line for line in error_lines(caplog)
            if line.startswith("cannot decode value of src[0]@2")], error_lines(caplog)


async def test_a_values_agent_on_the_same_topic_gets_decoded_values() -> None:
    app = streamflow.App("both", on_decode_error="skip")
    src = app.topic("src", partitions=1)
    values: list = []
    keys: list = []

    @app.agent(src)
    async def by_value(stream):
        async for value in stream:
            values.append(value)

    @app.agent(src)
    async def by_key(stream):
        async for event in stream.events():
            keys.append(event.key)

    async with TestDriver(app) as driver:
        await driver.send_many([("src", "a", {"n": 1}, 1), ("src", "b", {"n": 2}, 2)])
    assert values == [{"n": 1}, {"n": 2}]
    assert keys == ["a", "b"]


async def test_an_event_read_later_is_the_event_with_its_value() -> None:
    app = streamflow.App("api")
    src = app.topic("src", partitions=1)
    got: list = []

    @app.agent(src)
    async def keep(stream):
        async for event in stream.events():
            got.append(event)

    async with TestDriver(app) as driver:
        await driver.send("src", "a", {"n": [1]}, timestamp=5)
    [event] = got
    assert event.value is event.value  # decoded once: a change to it is kept
    event.value["n"].append(2)
    assert event.value == {"n": [1, 2]}
    topic, partition, offset, ts, key, value, headers, raw_key = event
    assert (topic, partition, offset, ts, key, value, raw_key) == ("src", 0, 0, 5, "a", {"n": [1, 2]}, b"a")
    assert event == Event("src", 0, 0, 5, "a", {"n": [1, 2]}, headers, b"a")
    assert event._replace(key="b").key == "b" and event._replace(key="b").value == {"n": [1, 2]}
    assert event._asdict()["value"] == {"n": [1, 2]}
    assert copy.copy(event) == event and pickle.loads(pickle.dumps(event)) == event


def test_a_lazy_event_says_what_it_holds_without_decoding() -> None:
    kind = lazy_event_type("src", lambda raw: int(raw), lambda raw: int(raw))
    event = tuple.__new__(kind, ("src", 1, 7, 5, "k", b"x", (), b"k"))
    assert isinstance(event, LazyEvent) and isinstance(event, Event)
    assert repr(event) == "Event(src[1]@7, ts=5, key='k', value=<1 bytes, not decoded>)"
    with pytest.raises(streamflow.DecodeError, match=r"cannot decode value of src\[1\]@7: invalid literal"):
        event.value
    good = tuple.__new__(kind, ("src", 1, 8, 5, "k", b"42", (), b"k"))
    assert good.value == 42 and repr(good).endswith("value=42)")
    tombstone = tuple.__new__(kind, ("src", 1, 9, 5, "k", None, (), b"k"))
    assert tombstone.value is None
