"""How DSL objects reach the worker running them (``streamflow.runtime_api``): the worker of
the calling task, else the app's only running worker, else one clear error; and what the
runtime offers them is the narrow protocol, nothing of the Worker itself."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.runtime.worker_context import WorkerServices
from streamflow.runtime_api import WorkerContext, current_worker, workers_of
from streamflow.testing import TestDriver


def counting_app(app_id: str = "ctx") -> tuple[streamflow.App, streamflow.Table]:
    app = streamflow.App(app_id, topic_partitions=4)
    clicks = app.topic("clicks")
    counts = app.table("counts", default=int)

    @app.agent(clicks)
    async def count(stream):
        async for user in stream:
            counts[user] += 1
    return app, counts


async def test_outside_a_running_worker_each_dsl_call_is_one_clear_error() -> None:
    app, counts = counting_app()
    per_minute = app.table("per-minute", default=int).tumbling(60)
    topic = app.topics["clicks"]
    calls = [lambda: counts.get("u"), lambda: counts.as_dict(), lambda: per_minute["u"].now()]
    for call in calls:
        with pytest.raises(streamflow.StreamflowError, match="needs a running worker: call it "
                                                            "from an agent, a timer or a task"):
            call()
    with pytest.raises(streamflow.StreamflowError, match=r"clicks.send\(\) needs a running worker"):
        await topic.send(key="u", value="u")


async def test_each_of_several_workers_of_one_app_answers_for_its_own_partitions() -> None:
    app, counts = counting_app()
    async with TestDriver(app) as driver:
        await driver.rebalance(workers=2)
        for i in range(40):
            await driver.send("clicks", key=f"u{i}", value=f"u{i}")
        first, second = driver.workers
        # From outside their tasks there is no telling which worker is meant: one clear error.
        with pytest.raises(streamflow.StreamflowError,
                           match="2 workers run app ctx in this process and this call comes from "
                                 "none of their tasks: set streamflow.runtime_api.current_worker"):
            counts.as_dict()
        seen = {}
        for worker in (first, second):
            token = current_worker.set(worker.context)
            try:
                seen[worker] = counts.as_dict()
            finally:
                current_worker.reset(token)
        # Each sees exactly the partitions the group gave it, and together they hold every row.
        assert seen[first] and seen[second] and not seen[first].keys() & seen[second].keys()
        assert {**seen[first], **seen[second]} == {f"u{i}": 1 for i in range(40)}
        assert sorted(workers_of(app), key=id) == sorted([first.context, second.context], key=id)
    assert workers_of(app) == []


async def test_a_topic_of_another_running_app_reaches_that_apps_worker() -> None:
    """The worker of the calling task runs app A; a topic of app B is sent through B's worker
    (its own broker), not A's."""
    app_b = streamflow.App("other")
    inbox = app_b.topic("inbox", partitions=1)
    received: list[str] = []

    @app_b.agent(inbox)
    async def read(stream):
        async for value in stream:
            received.append(value)

    app_a = streamflow.App("sender")
    orders = app_a.topic("orders", partitions=1)

    @app_a.agent(orders)
    async def forward(stream):
        async for value in stream:
            await inbox.send(value=f"from a: {value}")

    async with TestDriver(app_b) as driver_b, TestDriver(app_a) as driver_a:
        await driver_a.send("orders", value="o1")
        await driver_b.run()
        assert received == ["from a: o1"]
        assert driver_a.outputs("orders")[0].value == "o1"
        with pytest.raises(streamflow.StreamflowError):
            driver_a.outputs("inbox")  # app A declares no such topic: nothing went to its broker


def test_the_runtime_offers_the_protocol_and_nothing_of_the_worker() -> None:
    members = {name for name in dir(WorkerContext) if not name.startswith("_")}
    members |= set(WorkerContext.__annotations__)
    offered = set(WorkerServices.__slots__)
    assert members <= offered, members - offered
    # beyond the protocol: only whether several workers share the app (its registry's)
    assert offered - members == {"shared"}
