"""Shared test helpers: run a worker in the background and wait on conditions."""
from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, AsyncIterator, Callable

import pytest

from streamflow.runtime.worker import Worker


async def wait_until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(app: Any, **overrides: Any) -> AsyncIterator[Worker]:
    """Run a worker for ``app`` in a task; stop it cleanly on exit and re-raise its failure."""
    if overrides:
        app.configure(**overrides)
    worker = Worker(app)
    task = asyncio.create_task(worker.run())
    await wait_until(lambda: worker.started or task.done(), what="worker start")
    if task.done():
        task.result()
    try:
        yield worker
    finally:
        worker.request_stop()
        await asyncio.wait_for(asyncio.shield(task), 30)


async def ready(worker: Worker) -> None:
    """Wait until the worker restored its state and processes every assigned partition."""
    await wait_until(lambda: worker.consumer is not None and worker.consumer.assignment()
                     and worker.consumer.assignment() <= worker.ready_partitions, what="partitions ready")


async def drain(*workers: Worker) -> None:
    """Poll and commit ``workers`` (on memory://, not running their loops) until three rounds
    in a row fetch nothing: a first poll may only join the group and restore state."""
    idle = 0
    for _ in range(100):
        fetched = 0
        for w in workers:
            fetched += await w.poll_once(0)
            await w.commit()
        idle = 0 if fetched else idle + 1
        if idle == 3:
            return
    raise AssertionError("the workers did not become idle")


@pytest.fixture
def wait() -> Callable[..., Any]:
    return wait_until


def memory_log(app: Any, topic: str) -> list[Any]:
    """Every record of ``topic`` on the app's memory broker, all partitions, decoded."""
    from streamflow.runtime.transport.memory import broker_for
    t = app.topics[topic]
    out = []
    for partition in broker_for(app.settings.broker).topics.get(topic, []):
        for r in partition:
            out.append((r.partition, r.offset,
                        None if r.key is None else t.key_codec.loads(r.key),
                        None if r.value is None else t.value_codec.loads(r.value)))
    return out
