"""The test driver: virtual time, determinism, tables, outputs."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.testing import OutputRecord, TestDriver, assert_outputs


def pipeline(tmp_path=None):
    app = streamflow.App("drv")
    words = app.topic("words", value_type=str, partitions=3)
    counts_out = app.topic("counts", partitions=3)
    ticks = app.topic("ticks", partitions=1)
    counts = app.table("word-counts", default=int, partitions=3)

    @app.agent(words, sink=[counts_out])
    async def count(stream):
        async for word in stream:
            counts[word] += 1
            yield {"word": word, "count": counts[word]}

    @app.timer(10)
    async def tick():
        await ticks.send(key="t", value={"total": sum(counts.values())})

    return app


async def test_send_processes_everything_before_returning() -> None:
    async with TestDriver(pipeline()) as driver:
        for w in ["a", "b", "a"]:
            await driver.send("words", key=w, value=w, timestamp=1_000)
        assert [(o.key, o.value["count"]) for o in driver.outputs("counts")] == [("a", 1), ("b", 1), ("a", 2)]
        assert driver.table("word-counts") == {"a": 2, "b": 1}
        assert all(o.timestamp == 1_000 for o in driver.outputs("counts"))


async def test_timers_fire_on_virtual_time_only() -> None:
    async with TestDriver(pipeline(), start_time=100.0) as driver:
        await driver.send("words", key="x", value="x")
        await driver.advance(9.999)
        assert driver.outputs("ticks") == []
        await driver.advance(0.001)
        await driver.send("words", key="y", value="y")
        await driver.advance(25)
        ticks = driver.outputs("ticks")
        assert [t.value["total"] for t in ticks] == [1, 2, 2]
        assert [t.timestamp for t in ticks] == [110_000, 120_000, 130_000]
        assert driver.clock.now() == 135.0


async def test_default_timestamp_is_the_virtual_clock() -> None:
    async with TestDriver(pipeline(), start_time=50.0) as driver:
        await driver.send("words", key="a", value="a")
        assert driver.outputs("counts")[0].timestamp == 50_000


async def test_two_runs_give_identical_outputs_in_identical_order() -> None:
    async def run() -> list[OutputRecord]:
        async with TestDriver(pipeline()) as driver:
            await driver.send_many([("words", w, w, i) for i, w in enumerate("the cat and the hat and the bat".split())])
            await driver.advance(30)
            return driver.outputs("counts") + driver.outputs("ticks")
    first, second = await run(), await run()
    assert first == second
    assert [o.partition for o in first] == [o.partition for o in second]


async def test_unknown_topic_is_a_clear_error() -> None:
    async with TestDriver(pipeline()) as driver:
        with pytest.raises(streamflow.StreamflowError, match="declares no topic 'nope'"):
            await driver.send("nope", key="a", value=1)


async def test_agent_failure_surfaces_in_the_test() -> None:
    app = streamflow.App("fails")
    src = app.topic("src")

    @app.agent(src)
    async def boom(stream):
        async for v in stream:
            raise RuntimeError(f"bad {v}")

    driver = TestDriver(app)
    await driver.start()
    with pytest.raises(streamflow.AgentError, match=r"agent boom failed while processing src\[\d\]@0: RuntimeError: bad 7"):
        await driver.send("src", key="k", value=7)
    await driver.worker.shutdown()


async def test_fixture_and_readable_diff(streamflow_driver) -> None:
    driver = await streamflow_driver(pipeline())
    await driver.send("words", key="a", value="a", timestamp=5)
    assert_outputs(driver.outputs("counts"), [("a", {"word": "a", "count": 1})])
    with pytest.raises(AssertionError) as info:
        assert_outputs(driver.outputs("counts"), [("a", {"word": "a", "count": 2})])
    assert "-('a', {'word': 'a', 'count': 2})" in str(info.value)
    assert "+('a', {'word': 'a', 'count': 1})" in str(info.value)


async def test_take_chunks_are_cut_at_n_and_when_idle() -> None:
    app = streamflow.App("chunks")
    src = app.topic("src", partitions=1)
    out = app.topic("out", partitions=1)

    @app.agent(src, sink=[out])
    async def sizes(stream):
        async for chunk in stream.take(3, within=60):
            yield len(chunk)

    async with TestDriver(app) as driver:
        await driver.send_many([("src", "k", i, i) for i in range(7)])
        assert [o.value for o in driver.outputs("out")] == [3, 3, 1]
