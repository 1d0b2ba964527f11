"""``app.stop()``: a program stops its own worker without reaching into the runtime.

Each way of calling it must end ``app.run()`` normally, with what was processed committed
(a worker started afterwards does not see those records again).
"""
from __future__ import annotations

import asyncio
import threading

import streamflow
from streamflow.runtime.transport.memory import broker_for
from streamflow.runtime_api import workers_of
from streamflow.types import TP

from ..conftest import wait_until


def make_app() -> tuple[streamflow.App, streamflow.Topic]:
    app = streamflow.App("stopper", commit_interval=30)  # only the final commit commits
    return app, app.topic("numbers", partitions=1)


def committed(app: streamflow.App) -> int | None:
    return broker_for(app.settings.broker).groups[app.id].committed.get(TP("numbers", 0))


def produce(app: streamflow.App, values: list[int]) -> None:
    broker = broker_for(app.settings.broker)
    broker.create_topic("numbers", 1)
    broker.append("numbers", 0, [(None, str(v).encode(), 0, None) for v in values], 0)


async def test_an_agent_stops_the_worker_after_the_record_it_was_waiting_for() -> None:
    app, numbers = make_app()
    seen: list[int] = []

    @app.agent(numbers)
    async def until_five(stream):
        async for n in stream:
            seen.append(n)
            if n == 5:
                app.stop()

    produce(app, list(range(10)))
    await asyncio.wait_for(app.run(), 30)
    assert 5 in seen
    # The batch holding 5 was processed whole and committed on the way out.
    assert committed(app) == len(seen)
    assert workers_of(app) == []


async def test_a_timer_stops_the_worker() -> None:
    app, numbers = make_app()
    ticks: list[int] = []

    @app.timer(0.01)
    async def tick():
        ticks.append(1)
        if len(ticks) == 3:
            app.stop()

    await asyncio.wait_for(app.run(), 30)
    assert len(ticks) >= 3


async def test_a_task_stops_the_worker_once_its_input_is_processed() -> None:
    app, numbers = make_app()
    total: list[int] = []

    @app.agent(numbers)
    async def add(stream):
        async for n in stream:
            total.append(n)

    @app.task
    async def bounded_job():
        await wait_until(lambda: len(total) == 10, what="10 numbers")
        app.stop()

    produce(app, list(range(10)))
    await asyncio.wait_for(app.run(), 30)
    assert sum(total) == 45
    assert committed(app) == 10


async def test_another_task_stops_the_worker_and_a_restart_resumes_after_the_commit() -> None:
    app, numbers = make_app()
    seen: list[int] = []

    @app.agent(numbers)
    async def collect(stream):
        async for n in stream:
            seen.append(n)

    produce(app, list(range(5)))
    run = asyncio.create_task(app.run())
    await wait_until(lambda: len(seen) == 5, what="5 numbers")
    app.stop()
    await asyncio.wait_for(run, 30)
    assert committed(app) == 5
    produce(app, [5, 6])
    run = asyncio.create_task(app.run())
    await wait_until(lambda: len(seen) == 7, what="2 more numbers")
    app.stop()
    await asyncio.wait_for(run, 30)
    assert seen == list(range(7))  # nothing processed twice


async def test_another_thread_stops_the_worker() -> None:
    app, numbers = make_app()
    seen: list[int] = []

    @app.agent(numbers)
    async def collect(stream):
        async for n in stream:
            seen.append(n)

    produce(app, [1, 2])
    run = asyncio.create_task(app.run())
    await wait_until(lambda: len(seen) == 2, what="2 numbers")
    thread = threading.Thread(target=app.stop)
    thread.start()
    await asyncio.wait_for(run, 30)
    thread.join()
    assert committed(app) == 2


def test_stop_without_a_running_worker_does_nothing() -> None:
    app, _ = make_app()
    app.stop()
    assert workers_of(app) == []
