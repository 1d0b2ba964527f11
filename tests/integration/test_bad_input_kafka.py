"""Bad input on a real Apache Kafka broker: a record with timestamp -1 in a windowed table and
an agent that raises on some events never crash-loop a worker unless told to stop, and lose
nothing either way (read back with read_committed for exactly-once)."""
from __future__ import annotations

import collections
import random
import time
from typing import Any, Callable

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from .kafka_helpers import (committed, create_topic, end_offsets, read_all, read_committed,
                            unique, wait_until, worker_processes)

PARTITIONS = 2
SPEC = "tests.integration.apps.fragile:app"


@pytest.fixture
def env(kafka_broker):
    return {"IT_APP": unique("it-frag"), "IT_IN": unique("it-frag-in"),
            "IT_OUT": unique("it-frag-out"), "IT_COUNTS": unique("it-frag-counts"),
            "IT_PARTITIONS": str(PARTITIONS), "STREAMFLOW_BROKER": kafka_broker.url,
            "STREAMFLOW_COMMIT_INTERVAL": "0.2", "STREAMFLOW_TRANSACTION_TIMEOUT_MS": "20000"}


@pytest.fixture
def workers(tmp_path):
    with worker_processes(SPEC, tmp_path) as start:
        yield start


async def produce_at(bootstrap: str, topic: str, records: list[tuple[int, str, dict, int]]) -> None:
    """``(partition, key, value, timestamp_ms)`` records, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for partition, key, value, ts in records:
            await producer.send_and_wait(topic, key=key.encode(), value=orjson.dumps(value),
                                         partition=partition, timestamp_ms=ts)
    finally:
        await producer.stop()


async def all_committed(bootstrap: str, env: dict) -> bool:
    return (await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
            == await end_offsets(bootstrap, env["IT_IN"], PARTITIONS))


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if " ERROR " in line]


@pytest.mark.parametrize("policy", ["stop", "skip", "dead_letter"])
async def test_a_record_with_timestamp_minus_one_in_a_windowed_table(kafka_broker, env, workers,
                                                                     policy) -> None:
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    # Recent times: the broker deletes records older than retention.ms (7 days) by timestamp.
    base = int(time.time() * 1000) // 60_000 * 60_000 - 60 * 60_000
    # Each user on one partition (a table partition follows its event's partition).
    data = [(p, f"p{p}u{i % 3}", {"user": f"p{p}u{i % 3}", "i": 100 * p + i}, base + 2_000 * i)
            for p in range(PARTITIONS) for i in range(40)]
    bad = (0, "p0u0", {"user": "p0u0", "i": 999}, -1)
    data.insert(20, bad)  # partition 0, offset 20
    await produce_at(bootstrap, env["IT_IN"], data)
    run_env = {**env, "STREAMFLOW_ON_DECODE_ERROR": policy}
    line = f"cannot decode timestamp of {env['IT_IN']}[0]@20: record timestamp -1 is not an event time"

    if policy == "stop":
        await _stops_twice_at_the_record(lambda: workers(run_env, "data"), line, bootstrap, env)
        run_env["STREAMFLOW_ON_DECODE_ERROR"] = "skip"  # then the operator chooses to skip it

    worker = workers(run_env, "data")
    await wait_until(lambda: all_committed(bootstrap, env), 60, "every input committed")
    assert await worker.terminate() == 0
    assert any(line in e and f"(on_decode_error={run_env['STREAMFLOW_ON_DECODE_ERROR']})" in e
               for e in error_lines(worker.log()))
    counts: dict = {}
    records = await _read_everything(bootstrap, env["IT_COUNTS"], PARTITIONS)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        value = orjson.loads(r.value)
        counts[(value["key"], value["start"])] = value["value"]
    truth = collections.Counter((v["user"], ts - ts % 60_000) for _, _, v, ts in data if ts >= 0)
    if policy == "stop":  # the batches that stopped were counted, not committed: counted again
        assert all(counts.get(k, 0) >= n for k, n in truth.items()) and len(counts) == len(truth), (counts, truth)
    else:
        assert counts == dict(truth)
    # The echo agent uses no time: it passed the -1 record on like any other.
    echoes = {orjson.loads(r.value) for r in await _read_everything(bootstrap, env["IT_OUT"], PARTITIONS)}
    assert {f"{v['i']}-b" for _, _, v, _ in data} <= echoes
    if policy == "dead_letter":
        [record] = await _read_everything(bootstrap, f"{env['IT_APP']}-dead-letters", PARTITIONS)
        assert (orjson.loads(record.value), record.timestamp) == (bad[2], -1)
        headers = dict(record.headers)
        assert (headers["streamflow.partition"], headers["streamflow.offset"]) == (b"0", b"20")


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_agent_errors_are_dead_lettered_and_the_rest_is_processed_once(
        kafka_broker, env, workers, guarantee) -> None:
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    n = 6_000
    bad = {i for i in range(n) if i % 97 == 5}
    base = int(time.time() * 1000) - 3_600_000
    data = [(i % PARTITIONS, f"u{i % 7}", {"user": f"u{i % 7}", "i": i, "bad": i in bad}, base + i)
            for i in range(n)]
    await produce_at(bootstrap, env["IT_IN"], data)
    run_env = {**env, "STREAMFLOW_ON_AGENT_ERROR": "dead_letter",
               "STREAMFLOW_PROCESSING_GUARANTEE": guarantee,
               "STREAMFLOW_BATCH_SIZE": str(random.choice([7, 50, 500]))}
    # Killed once it has committed something, then restarted: the crash lands mid-stream.
    first = workers(run_env, "data")
    await wait_until(lambda: _some_committed(bootstrap, env), 60, "a first commit")
    first.kill()
    second = workers(run_env, "data")
    # (the first may have committed everything already: a SIGTERM while the second is still
    # starting its interpreter would kill it instead of stopping it)
    await second.wait_assigned()
    await wait_until(lambda: all_committed(bootstrap, env), 120, "every input committed")
    assert await second.terminate() == 0
    assert "Traceback" not in second.log()

    read = (read_committed if guarantee == "exactly_once" else _read_everything)
    echoes = collections.Counter(orjson.loads(r.value) for r in await read(bootstrap, env["IT_OUT"], PARTITIONS))
    dead = await read(bootstrap, f"{env['IT_APP']}-dead-letters", PARTITIONS)
    dead_ids = collections.Counter(orjson.loads(r.value)["i"] for r in dead)
    assert {dict(r.headers)["streamflow.agent"] for r in dead} == {b"echo"}
    good = [i for i in range(n) if i not in bad]
    assert not [i for i in bad if echoes[f"{i}-b"]]  # never past the raise
    if guarantee == "exactly_once":
        assert all(echoes[f"{i}-a"] == 1 and echoes[f"{i}-b"] == 1 for i in good)
        assert all(echoes[f"{i}-a"] == 1 for i in bad)  # the partial output, once
        assert dead_ids == collections.Counter(bad)
    else:
        assert all(echoes[f"{i}-a"] >= 1 and echoes[f"{i}-b"] >= 1 for i in good)
        assert set(dead_ids) == bad


async def _stops_twice_at_the_record(start: Callable[[], Any], line: str, bootstrap: str,
                                     env: dict) -> None:
    """With on_decode_error=stop, a worker started twice stops at partition 0's offset 20 every
    time, with one error line for it and no traceback, and commits nothing past it."""
    for _ in range(2):
        worker = start()
        await wait_until(lambda: worker.proc.poll() is not None, 60, "the worker to stop")
        assert worker.proc.returncode == 1
        errors = error_lines(worker.log())
        assert sum(line in e and "stopping (on_decode_error=stop" in e for e in errors) == 1, errors
        assert "Traceback" not in worker.log()
        offsets = await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
        assert offsets[0] is None or offsets[0] <= 20


async def _some_committed(bootstrap: str, env: dict) -> bool:
    offsets = await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
    return any(offsets.values())


async def _read_everything(bootstrap: str, topic: str, partitions: int) -> list:
    return await read_all(bootstrap, topic, sum((await end_offsets(bootstrap, topic, partitions)).values()))


@pytest.mark.parametrize("policy", ["stop", "skip", "dead_letter"])
async def test_a_value_that_does_not_decode_where_an_agent_reads_it(kafka_broker, env, tmp_path,
                                                                    policy) -> None:
    """Values are decoded where an events() agent reads them (docs/decisions.md): the agent
    that never reads them counts the bad record too; the one that reads them follows
    on_decode_error, across a kill and restart, with one error line naming the record."""
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    base = int(time.time() * 1000) // 60_000 * 60_000 - 60 * 60_000
    data = [(p, f"p{p}u{i % 3}", {"i": 100 * p + i}, base + 2_000 * i)
            for p in range(PARTITIONS) for i in range(200)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for n, (partition, key, value, ts) in enumerate(data):
            raw = b'{"i": ' if n == 20 else orjson.dumps(value)  # partition 0, offset 20
            await producer.send_and_wait(env["IT_IN"], key=key.encode(), value=raw,
                                         partition=partition, timestamp_ms=ts)
    finally:
        await producer.stop()
    line = f"cannot decode value of {env['IT_IN']}[0]@20: "
    run_env = {**env, "STREAMFLOW_ON_DECODE_ERROR": policy,
               "STREAMFLOW_BATCH_SIZE": str(random.choice([1, 7, 500]))}
    with worker_processes("tests.integration.apps.lazy_values:app", tmp_path) as start:
        if policy == "stop":
            await _stops_twice_at_the_record(lambda: start(run_env, "data"), line, bootstrap, env)
            run_env["STREAMFLOW_ON_DECODE_ERROR"] = "skip"  # then the operator chooses to skip it
        else:  # killed once it committed something, then restarted: nothing lost
            first = start(run_env, "data")
            await wait_until(lambda: _some_committed(bootstrap, env), 60, "a first commit")
            first.kill()
        worker = start(run_env, "data")
        await worker.wait_assigned()  # (the first may have committed everything already)
        await wait_until(lambda: all_committed(bootstrap, env), 120, "every input committed")
        assert await worker.terminate() == 0
        assert "Traceback" not in worker.log()
    counts: dict = {}
    for r in sorted(await _read_everything(bootstrap, env["IT_COUNTS"], PARTITIONS),
                    key=lambda r: (r.partition, r.offset)):
        value = orjson.loads(r.value)
        counts[(value["key"], value["start"])] = value["value"]
    truth = collections.Counter((key, ts - ts % 60_000) for _, key, _, ts in data)
    assert all(counts.get(k, 0) >= n for k, n in truth.items()) and len(counts) == len(truth)
    echoed = {orjson.loads(r.value) for r in await _read_everything(bootstrap, env["IT_OUT"], PARTITIONS)}
    assert echoed == {str(v["i"]) for n, (_, _, v, _) in enumerate(data) if n != 20}
    if policy == "dead_letter":
        dead = await _read_everything(bootstrap, f"{env['IT_APP']}-dead-letters", PARTITIONS)
        assert dead and {(r.value, dict(r.headers)["streamflow.offset"]) for r in dead} == {(b'{"i": ', b"20")}
