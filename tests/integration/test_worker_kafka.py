"""The core against a real Apache Kafka broker: a worker process transforms a topic.

Every test has its own topics and consumer group. Workers are real ``streamflow worker``
processes, so SIGKILL and SIGTERM are the real thing.
"""
from __future__ import annotations

import collections

import orjson
import pytest

from .kafka_helpers import (WorkerProcess, committed, create_topic, end_offsets, produce,
                            read_all, unique, wait_until)

PARTITIONS = 4
SPEC = "tests.integration.apps.transform:app"


@pytest.fixture
def names():
    return {"IT_APP": unique("it-app"), "IT_IN": unique("it-in"), "IT_OUT": unique("it-out"),
            "IT_PARTITIONS": str(PARTITIONS)}


@pytest.fixture
def workers(tmp_path):
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], *args: str) -> WorkerProcess:
        w = WorkerProcess(SPEC, env, tmp_path / f"worker-{len(started)}.log", *args)
        started.append(w)
        return w

    yield start
    for w in started:
        w.close()


def records(n: int, start: int = 0) -> list[tuple[int, dict]]:
    return [(i, {"id": i, "n": i}) for i in range(start, start + n)]


async def output_count(bootstrap: str, topic: str) -> int:
    return sum((await end_offsets(bootstrap, topic, PARTITIONS)).values())


def decoded(recs) -> list[dict]:
    return [orjson.loads(r.value) for r in recs]


async def test_every_input_appears_exactly_once_in_the_output(kafka_broker, names, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, names["IT_IN"], PARTITIONS)
    await produce(bootstrap, names["IT_IN"], records(10_000))
    worker = workers({**names, "STREAMFLOW_BROKER": kafka_broker.url})
    out = decoded(await read_all(bootstrap, names["IT_OUT"], 10_000, timeout=120))
    assert sorted(v["id"] for v in out) == list(range(10_000))
    assert all(v["doubled"] == 2 * v["id"] for v in out)
    assert await worker.terminate() == 0
    # keys are routed like Kafka's own producer: each output sits on the partition of its key
    from streamflow.partitioner import partition_for
    for r in await read_all(bootstrap, names["IT_OUT"], 10_000):
        assert r.partition == partition_for(r.key, PARTITIONS)


async def test_sigkill_midway_then_restart_loses_nothing(kafka_broker, names, workers) -> None:
    bootstrap = kafka_broker.url[len("kafka://"):]
    n = 10_000
    await create_topic(bootstrap, names["IT_IN"], PARTITIONS)
    await produce(bootstrap, names["IT_IN"], records(n))
    env = {**names, "STREAMFLOW_BROKER": kafka_broker.url, "IT_SLOW_MS": "20",
           "STREAMFLOW_COMMIT_INTERVAL": "0.2"}
    first = workers(env)
    await wait_until(lambda: output_count(bootstrap, names["IT_OUT"]), 120, "some output")
    await wait_until(lambda: _at_least(output_count(bootstrap, names["IT_OUT"]), 2_000), 120,
                     "2,000 outputs before the kill")
    first.kill()
    before_restart = await output_count(bootstrap, names["IT_OUT"])
    assert before_restart < n, "the worker finished before it could be killed midway"
    workers({**env, "IT_SLOW_MS": "0"})
    await wait_until(lambda: _ids_complete(bootstrap, names["IT_OUT"], n), 180, "every input in the output")
    out = decoded(await read_all(bootstrap, names["IT_OUT"], n))
    counts = collections.Counter(v["id"] for v in out)
    assert set(counts) == set(range(n))
    duplicates = sum(c - 1 for c in counts.values())
    print(f"\nat-least-once after SIGKILL: {duplicates} duplicates of {n} inputs")


async def test_two_workers_split_the_partitions_and_produce_everything(kafka_broker, names, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, names["IT_IN"], PARTITIONS)
    env = {**names, "STREAMFLOW_BROKER": kafka_broker.url}
    a, b = workers(env), workers(env)
    await a.wait_assigned()
    await b.wait_assigned()
    # wait until the group settled with both members holding partitions
    await wait_until(lambda: _holds_partitions(a) and _holds_partitions(b), 60, "both workers assigned")
    await produce(bootstrap, names["IT_IN"], records(10_000))
    await wait_until(lambda: _ids_complete(bootstrap, names["IT_OUT"], 10_000), 120, "complete output")
    out = decoded(await read_all(bootstrap, names["IT_OUT"], 10_000))
    by_worker = collections.Counter(v["worker"] for v in out)
    assert set(by_worker) == {a.proc.pid, b.proc.pid}, by_worker
    assert sorted({v["id"] for v in out}) == list(range(10_000))


async def test_sigterm_exits_0_with_offsets_committed(kafka_broker, names, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, names["IT_IN"], PARTITIONS)
    await produce(bootstrap, names["IT_IN"], records(3_000))
    env = {**names, "STREAMFLOW_BROKER": kafka_broker.url, "STREAMFLOW_COMMIT_INTERVAL": "30"}
    first = workers(env)
    await wait_until(lambda: _ids_complete(bootstrap, names["IT_OUT"], 3_000), 120, "3,000 outputs")
    assert await first.terminate() == 0
    assert "SIGTERM received" in first.log()
    # with a 30 s commit interval, only the shutdown commit can have stored these
    assert await committed(bootstrap, names["IT_APP"], names["IT_IN"], PARTITIONS) == \
        await end_offsets(bootstrap, names["IT_IN"], PARTITIONS)
    # a restarted worker reprocesses nothing: after a sentinel goes through, the output holds
    # every input exactly once
    second = workers(env)
    await second.wait_assigned()
    await produce(bootstrap, names["IT_IN"], records(1, start=3_000))
    await wait_until(lambda: _ids_complete(bootstrap, names["IT_OUT"], 3_001), 60, "the sentinel")
    out = decoded(await read_all(bootstrap, names["IT_OUT"], 3_001))
    assert len(out) == 3_001 and len({v["id"] for v in out}) == 3_001
    assert await second.terminate() == 0


async def _at_least(count_coro, n: int) -> bool:
    return (await count_coro) >= n


async def _ids_complete(bootstrap: str, topic: str, n: int) -> bool:
    total = sum((await end_offsets(bootstrap, topic, PARTITIONS)).values())
    if total < n:
        return False
    ids = {v["id"] for v in decoded(await read_all(bootstrap, topic, total, timeout=30))}
    return ids >= set(range(n))


def _holds_partitions(worker: WorkerProcess) -> bool:
    lines = [l for l in worker.log().splitlines() if "partitions ready:" in l]
    return bool(lines) and "none" not in lines[-1] and "[" in lines[-1]
