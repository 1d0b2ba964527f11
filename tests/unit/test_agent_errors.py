"""``on_agent_error``: an agent that raises stops the worker (default), or its event is skipped
or dead-lettered and the agent goes on with the next one. Whatever the batching, every other
event is processed exactly once, the failed one never again, and nothing is lost."""
from __future__ import annotations

import logging

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import streamflow
from streamflow.testing import TestDriver
from streamflow.types import TP


class Bad(Exception):
    pass


def dead_letters(driver: TestDriver) -> list:
    return [r for part in driver.broker.topics.get(f"{driver.app.id}-dead-letters", []) for r in part]


def dead_values(driver: TestDriver) -> list[int]:
    return sorted(int(r.value) for r in dead_letters(driver))


def committed(driver: TestDriver, topic: str = "src") -> int | None:
    group = driver.broker.groups.get(driver.app.id)
    return None if group is None else group.committed.get(TP(topic, 0))


def error_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def plain_app(policy: str, batch_size: int, bad: set[int], **settings):
    """Counts every value in a table and sends it on; raises on the values in ``bad`` after
    sending a first record for them (so a failed event's partial output can be seen)."""
    app = streamflow.App("a", on_agent_error=policy, batch_size=batch_size, **settings)
    src = app.topic("src", partitions=1)
    out = app.topic("out", partitions=1)
    seen = app.table("seen", default=int, partitions=1)

    @app.agent(src)
    async def work(stream):
        async for v in stream:
            await out.send(key="k", value=f"{v}-a")
            if v in bad:
                raise Bad(f"bad value {v}")
            seen["total"] += 1
            await out.send(key="k", value=f"{v}-b")
    return app


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
@pytest.mark.parametrize("batch_size", [1, 2, 1000])
async def test_an_agent_goes_on_after_the_event_it_failed_on(policy, batch_size, caplog) -> None:
    app = plain_app(policy, batch_size, bad={2, 3, 7})
    with caplog.at_level(logging.ERROR):
        async with TestDriver(app) as driver:
            await driver.send_many([("src", "k", v, 1_000 + v) for v in range(10)])
            outputs = [o.value for o in driver.outputs("out")]
            table = driver.table("seen")
            dead = dead_letters(driver)
            at = committed(driver)
    good = [v for v in range(10) if v not in {2, 3, 7}]
    # What the agent sent for a failed event before it raised is kept, once; nothing twice.
    assert outputs == [f"{v}-{s}" for v in range(10) for s in ("ab" if v in good else "a")]
    assert table == {"total": len(good)}
    assert at == 10
    lines = error_lines(caplog)
    for v in (2, 3, 7):
        assert any(line.startswith(f"agent work raised Bad: bad value {v} while processing "
                                   f"src[0]@{v}; ") for line in lines), lines
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
    if policy == "skip":
        assert dead == []
        return
    assert [(r.key, r.value, r.timestamp) for r in dead] == [
        (b"k", b"%d" % v, 1_000 + v) for v in (2, 3, 7)]
    headers = dict(dead[0].headers)
    assert (headers["streamflow.topic"], headers["streamflow.partition"],
            headers["streamflow.offset"], headers["streamflow.agent"]) == (b"src", b"0", b"2", b"work")
    assert headers["streamflow.error"].startswith(b"agent work raised Bad: bad value 2")


async def test_by_default_an_agent_exception_stops_the_worker_before_its_batch_commits() -> None:
    app = plain_app("stop", 1000, bad={3})
    with pytest.raises(streamflow.AgentError, match=r"agent work failed while processing "
                                                    r"src\[0\]@3: Bad: bad value 3"):
        async with TestDriver(app) as driver:
            try:
                await driver.send_many([("src", "k", v, 0) for v in range(5)])
            finally:
                assert committed(driver) is None  # the failed batch was not committed


def generator_app(policy: str, batch_size: int, bad: set[int]):
    app = streamflow.App("g", on_agent_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=1)
    out = app.topic("out", partitions=1)

    @app.agent(src, sink=[out])
    async def double(stream):
        async for v in stream:
            yield f"{v}-a"
            if v in bad:
                raise Bad(f"bad value {v}")
            yield f"{v}-b"
    return app


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
@pytest.mark.parametrize("batch_size", [1, 3, 1000])
async def test_an_async_generator_agent_restarts_with_its_sink_consistent(policy, batch_size) -> None:
    bad = {0, 4, 5, 9}
    async with TestDriver(generator_app(policy, batch_size, bad)) as driver:
        await driver.send_many([("src", "k", v, 0) for v in range(10)])
        outputs = [o.value for o in driver.outputs("out")]
        dead = dead_values(driver)
        at = committed(driver)
    assert outputs == [f"{v}-{s}" for v in range(10) for s in ("a" if v in bad else "ab")]
    assert dead == (sorted(bad) if policy == "dead_letter" else [])
    assert at == 10


def operator_app(policy: str, batch_size: int, bad: set[int]):
    app = streamflow.App("o", on_agent_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=1)
    out = app.topic("out", partitions=1)

    def check(v):
        if v in bad:
            raise Bad(f"bad value {v}")
        return v * 10

    @app.agent(src, sink=[out])
    async def tens(stream):
        async for v in stream.filter(lambda v: v != 1).map(check):
            yield v
    return app


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
@pytest.mark.parametrize("batch_size", [1, 4, 1000])
async def test_an_operator_that_raises_skips_only_its_own_event(policy, batch_size, caplog) -> None:
    bad = {3, 6, 7}
    with caplog.at_level(logging.ERROR):
        async with TestDriver(operator_app(policy, batch_size, bad)) as driver:
            await driver.send_many([("src", "k", v, 0) for v in range(10)])
            outputs = [o.value for o in driver.outputs("out")]
            dead = dead_values(driver)
    assert outputs == [v * 10 for v in range(10) if v != 1 and v not in bad]
    assert dead == (sorted(bad) if policy == "dead_letter" else [])
    lines = error_lines(caplog)
    for v in bad:
        assert any(f"while processing src[0]@{v}" in line for line in lines), lines


@pytest.mark.parametrize("batch_size", [1, 4, 1000])
async def test_an_operator_that_raises_stops_the_worker_with_one_readable_error(batch_size) -> None:
    """By default an operator's failure stops the worker with an AgentError saying where: the
    event, or the batch's span of events when the operator ran over several at once."""
    with pytest.raises(streamflow.AgentError) as failed:
        async with TestDriver(operator_app("stop", batch_size, {3})) as driver:
            await driver.send_many([("src", "k", v, 0) for v in range(6)])
    message = str(failed.value)
    assert message.startswith("agent tens failed while processing ")
    assert message.endswith(": Bad: bad value 3")
    assert "src[0]@" in message


def chunk_app(policy: str, batch_size: int, n: int, bad: set[int]):
    app = streamflow.App("c", on_agent_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=1)
    out = app.topic("out", partitions=1)
    sums = app.table("sums", default=int, partitions=1)

    @app.agent(src)
    async def chunks(stream):
        async for chunk in stream.take(n):
            for v in chunk:
                await out.send(key="k", value=v)
                sums["n"] += 1
            if bad & set(chunk):
                raise Bad(f"a bad value in {chunk}")
    return app


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
@pytest.mark.parametrize("batch_size", [1, 5, 1000])
async def test_a_take_chunk_that_raises_fails_as_a_whole_and_the_rest_goes_on(policy, batch_size,
                                                                              caplog) -> None:
    bad = {4, 13}
    with caplog.at_level(logging.ERROR):
        async with TestDriver(chunk_app(policy, batch_size, 3, bad)) as driver:
            await driver.send_many([("src", "k", v, 0) for v in range(20)])
            outputs = [o.value for o in driver.outputs("out")]
            table = driver.table("sums")
            dead = dead_values(driver)
            at = committed(driver)
    # Every value went through the agent once (the failed chunks too: their records were
    # sent before the raise and are kept); nothing was handed to it twice.
    assert sorted(outputs) == list(range(20))
    assert table == {"n": 20}
    assert at == 20
    skipped = sorted(int(line.split("src[0]@")[1].split(" ")[0]) for line in error_lines(caplog)
                     if "in a take() chunk of" in line)
    assert bad <= set(skipped) and len(skipped) <= 3 * len(bad)
    assert dead == (skipped if policy == "dead_letter" else [])


async def test_a_group_by_agent_restarts_on_its_rekeyed_stream() -> None:
    app = streamflow.App("r", on_agent_error="skip")
    src = app.topic("src", partitions=2)
    out = app.topic("out", partitions=2)

    @app.agent(src, sink=[out])
    async def by_user(stream):
        async for click in stream.group_by(lambda c: c["user"], name="by-user", partitions=2):
            if click["i"] == 2:
                raise Bad("click 2")
            yield click["i"]

    async with TestDriver(app) as driver:
        await driver.send_many([("src", f"c{i}", {"user": "u", "i": i}, 0) for i in range(5)])
        await driver.send("src", "c9", {"user": "u", "i": 9})
        assert sorted(o.value for o in driver.outputs("out")) == [0, 1, 3, 4, 9]


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
async def test_exactly_once_commits_a_skipped_events_partial_output_once(policy) -> None:
    app = plain_app(policy, 1000, bad={1}, processing_guarantee="exactly_once")
    async with TestDriver(app) as driver:
        await driver.send_many([("src", "k", v, 0) for v in range(3)])
        await driver.send("src", "k", 3)
        outputs = [o.value for o in driver.outputs("out")]
        dead = dead_values(driver)
        table = driver.table("seen")
    assert outputs == ["0-a", "0-b", "1-a", "2-a", "2-b", "3-a", "3-b"]
    assert dead == ([1] if policy == "dead_letter" else [])
    assert table == {"total": 3}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.integers(1, 30), bad=st.sets(st.integers(0, 29), max_size=6),
       batch_size=st.integers(1, 12), take=st.sampled_from([None, 1, 2, 5]),
       policy=st.sampled_from(["skip", "dead_letter"]), where=st.sampled_from(["body", "map"]))
async def test_every_event_is_processed_once_or_dead_lettered_however_batched(
        values, bad, batch_size, take, policy, where) -> None:
    app = streamflow.App("h", on_agent_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=1)
    processed: list[int] = []

    def check(v):
        if v in bad:
            raise Bad(f"bad {v}")
        return v

    @app.agent(src)
    async def agent(stream):
        source = stream.map(check) if where == "map" else stream
        if take is None:
            async for v in source:
                processed.append(check(v))
        else:
            async for chunk in source.take(take):
                processed.extend([check(v) for v in chunk])  # all or nothing

    async with TestDriver(app) as driver:
        await driver.send_many([("src", "k", v, 0) for v in range(values)])
        dead = dead_values(driver)
        at = committed(driver)
    assert at == values
    failed = {v for v in range(values) if v in bad}
    assert len(processed) == len(set(processed))  # no event twice
    if take is None or take == 1:
        assert processed == [v for v in range(values) if v not in failed]
    else:
        # A failed chunk fails as a whole: its good values are skipped along with the bad one.
        assert set(processed).isdisjoint(failed) and failed <= set(range(values)) - set(processed)
    if policy == "dead_letter":
        assert set(dead) == set(range(values)) - set(processed) and len(dead) == len(set(dead))


def regrouping_app(policy: str, batch_size: int):
    app = streamflow.App("k", on_agent_error=policy, batch_size=batch_size)
    src = app.topic("src", partitions=2)
    out = app.topic("out", partitions=2)

    @app.agent(src, sink=[out])
    async def by_user(stream):
        async for click in stream.group_by(lambda c: c["user"], name="by-user", partitions=2):
            yield click["i"]
    return app


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_a_group_by_key_function_that_raises_fails_only_its_event(policy, batch_size,
                                                                        caplog) -> None:
    clicks = [("src", f"c{i}", {"user": f"u{i % 3}", "i": i} if i % 4 else {"i": i}, 0)
              for i in range(12)]
    with caplog.at_level(logging.ERROR):
        async with TestDriver(regrouping_app(policy, batch_size)) as driver:
            await driver.send_many(clicks)
            outputs = sorted(o.value for o in driver.outputs("out"))
            dead = dead_letters(driver)
    assert outputs == [i for i in range(12) if i % 4]
    lines = error_lines(caplog)
    assert sum("group_by('by-user') of agent by_user raised KeyError: 'user' while processing "
               "src[" in line for line in lines) == 3, lines
    if policy == "dead_letter":
        assert sorted(orjson.loads(r.value)["i"] for r in dead) == [0, 4, 8]
        assert {dict(r.headers)["streamflow.agent"] for r in dead} == {b"by_user"}
    else:
        assert dead == []


async def test_a_group_by_key_function_that_raises_stops_the_worker_naming_the_event() -> None:
    with pytest.raises(streamflow.AgentError, match=r"group_by\('by-user'\) of agent by_user "
                                                    r"failed while processing src\[\d\]@\d+: "
                                                    r"KeyError: 'user'"):
        async with TestDriver(regrouping_app("stop", 1000)) as driver:
            await driver.send_many([("src", "c1", {"user": "u", "i": 1}, 0),
                                    ("src", "c2", {"i": 2}, 0)])
