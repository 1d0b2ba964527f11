"""Exactly-once against a real Apache Kafka broker: a worker killed mid-transaction, and a
paused worker the group replaced (a zombie), leave every click counted and emitted once, as a
``read_committed`` reader sees the output and the changelog."""
from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import time

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from .kafka_helpers import (committed, create_topic, end_offsets, key_bytes, produce, unique, wait_until,
                            worker_processes)

PARTITIONS = 4
SPEC = "tests.integration.apps.eos_counter:app"
USERS = 50


@pytest.fixture
def env(kafka_broker):
    return {"IT_APP": unique("it-eos"), "IT_IN": unique("it-eos-in"), "IT_OUT": unique("it-eos-out"),
            "IT_PARTITIONS": str(PARTITIONS), "STREAMFLOW_BROKER": kafka_broker.url,
            "STREAMFLOW_COMMIT_INTERVAL": "0.2", "STREAMFLOW_TRANSACTION_TIMEOUT_MS": "20000"}


@pytest.fixture
def workers(tmp_path):
    with worker_processes(SPEC, tmp_path) as start:
        yield start


def clicks(first: int, n: int, seed: int = 7) -> list[tuple[str, dict]]:
    rng = random.Random(seed + first)
    out = []
    for i in range(first, first + n):
        user = f"user-{rng.randrange(USERS)}"
        out.append((user, {"user": user, "id": i}))
    return out


async def read_committed(bootstrap: str, topic: str) -> list:
    """Everything a read_committed consumer reads from ``topic`` (to its last stable offset)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                isolation_level="read_committed")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        for tp in tps:
            consumer.seek(tp, starts[tp])
        out: list = []
        deadline = time.monotonic() + 60
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            assert time.monotonic() < deadline, "timed out reading the output"
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                out.extend(records)
        return out
    finally:
        await consumer.stop()


async def all_committed(bootstrap: str, env: dict) -> bool:
    return (await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
            == await end_offsets(bootstrap, env["IT_IN"], PARTITIONS))


async def assert_exactly_once(bootstrap: str, env: dict, data: list[tuple[str, dict]]) -> None:
    outputs = [orjson.loads(r.value) for r in await read_committed(bootstrap, env["IT_OUT"])]
    ids = collections.Counter(o["id"] for o in outputs)
    missing = sorted({v["id"] for _, v in data} - set(ids))
    duplicated = sorted(i for i, c in ids.items() if c > 1)
    assert not missing and not duplicated, (f"{len(missing)} clicks without output (e.g. "
                                            f"{missing[:5]}), {len(duplicated)} with several "
                                            f"(e.g. {duplicated[:5]})")
    truth = collections.Counter(v["user"] for _, v in data)
    for user, n in truth.items():
        assert sorted(o["n"] for o in outputs if o["user"] == user) == list(range(1, n + 1)), user
    table: dict[str, int] = {}
    for r in sorted(await read_committed(bootstrap, f"{env['IT_APP']}-counts-changelog"),
                    key=lambda r: (r.partition, r.offset)):
        table[r.key.decode()] = orjson.loads(r.value)
    assert table == dict(truth)


async def test_a_worker_killed_mid_transaction_leaves_every_click_counted_and_emitted_once(
        kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    first, second = clicks(0, 10_000), clicks(10_000, 10_000)
    data = first + second
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await produce(bootstrap, env["IT_IN"], first)
    a = workers(env, "disk-a")
    b = workers(env, "disk-b")

    async def some_progress() -> bool:
        done = await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
        return sum(v or 0 for v in done.values()) >= 4_000
    await wait_until(some_progress, 120, "4,000 clicks committed")
    a.kill()  # mid-stream: its open transaction holds output and changelog records
    # The second half arrives only after the kill, so the kill cannot land after the input
    # ended (however fast the machine) and the restart has work of a's partitions to do.
    await produce(bootstrap, env["IT_IN"], second)
    restarted = workers(env, "disk-a")  # same data dir: same transactional id, fences a
    await wait_until(lambda: all_committed(bootstrap, env), 180, "all clicks committed")
    await assert_exactly_once(bootstrap, env, data)
    # On a fast machine the survivors may finish before the restarted worker is up: stop it
    # only once it runs (a SIGTERM while Python still imports is the default action, -15).
    await restarted.wait_for_log("started on Kafka")
    assert await restarted.terminate() == 0 and await b.terminate() == 0


async def test_a_paused_worker_replaced_by_the_group_cannot_commit(kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    zombie = workers(env, "disk-z")
    await zombie.wait_assigned()
    survivor = workers(env, "disk-s")
    await survivor.wait_assigned()
    data: list[tuple[str, dict]] = []
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()

    async def feed(n: int) -> None:
        """Clicks at ~2,000/s, so that both workers always have a transaction open."""
        for _ in range(n // 100):
            batch = clicks(len(data), 100)
            data.extend(batch)
            await asyncio.gather(*[await producer.send(env["IT_IN"], key=key_bytes(k),
                                                       value=orjson.dumps(v)) for k, v in batch])
            await asyncio.sleep(0.05)
    try:
        await feed(2_000)
        os.kill(zombie.proc.pid, signal.SIGSTOP)  # longer than the session timeout (3 s)
        await feed(2_000)
        await survivor.wait_for_log("partitions ready:", count=2, timeout=60)  # took all
        await feed(2_000)
        os.kill(zombie.proc.pid, signal.SIGCONT)
        await zombie.wait_for_log("transaction aborted", timeout=60)
        await feed(2_000)
    finally:
        await producer.stop()
    await wait_until(lambda: all_committed(bootstrap, env), 120, "all clicks committed")
    await assert_exactly_once(bootstrap, env, data)
    assert await zombie.terminate() == 0 and await survivor.terminate() == 0


async def test_the_group_coordinator_refuses_offsets_from_a_stale_generation(kafka_broker) -> None:
    """The offsets go with the consumer's generation (TxnOffsetCommit v3, which aiokafka does
    not send itself): a stale one is refused and the transaction aborts; the current one
    commits output and offsets together."""
    import streamflow
    from streamflow.runtime.transport.base import TransactionAborted
    from streamflow.runtime.transport.kafka import KafkaConsumer, KafkaProducer
    from streamflow.types import TP

    bootstrap = kafka_broker.bootstrap
    topic, out, group = unique("it-gen-in"), unique("it-gen-out"), unique("it-gen")
    await create_topic(bootstrap, topic, 1)
    await create_topic(bootstrap, out, 1)
    await produce(bootstrap, topic, [("k", {"i": i}) for i in range(3)])
    settings = streamflow.App(group, broker=kafka_broker.url, processing_guarantee="exactly_once").settings
    assigned = asyncio.Event()

    async def on_assigned(tps):
        assigned.set()

    async def on_revoked(tps):
        pass
    consumer = KafkaConsumer(settings, group, [topic], on_revoked, on_assigned)
    producer = KafkaProducer(settings, transactional_id=unique("it-gen-tx"))
    await consumer.start()
    await producer.start()
    try:
        while not assigned.is_set():
            await consumer.getmany(0.2, 10)
        current = consumer.group_metadata()
        assert current.generation_id >= 1 and current.member_id
        stale = type(current)(current.group_id, current.generation_id + 7, current.member_id)
        for ack in await producer.send_batch(out, 0, [(b"k", b"aborted", None, None)]):
            await ack  # the worker waits for the acknowledgements before committing
        with pytest.raises(TransactionAborted, match="ILLEGAL_GENERATION"):
            await producer.commit_transaction({TP(topic, 0): 2}, stale)
        assert await committed(bootstrap, group, topic, 1) == {0: None}
        for ack in await producer.send_batch(out, 0, [(b"k", b"committed", None, None)]):
            await ack
        await producer.commit_transaction({TP(topic, 0): 3}, consumer.group_metadata())
        assert await committed(bootstrap, group, topic, 1) == {0: 3}
        assert [r.value for r in await read_committed_one(bootstrap, out)] == [b"committed"]
    finally:
        await producer.stop()
        await consumer.stop()


async def read_committed_one(bootstrap: str, topic: str) -> list:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                isolation_level="read_committed", auto_offset_reset="earliest")
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        out: list = []
        while await consumer.position(tp) < end:
            out.extend((await consumer.getmany(tp, timeout_ms=500)).get(tp, []))
        return out
    finally:
        await consumer.stop()
