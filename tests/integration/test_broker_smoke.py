"""Smoke tests of the throwaway Kafka broker, with aiokafka only (no streamflow code).

They prove that the broker from streamflow.testing.kafka_broker does what the framework's Kafka
transport relies on: partitioned topics and consumer groups, transactions with
``send_offsets_to_transaction`` and read_committed isolation, and log compaction within a test's
time. Every wait is a poll with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from typing import Awaitable, Callable, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

T = TypeVar("T")

WAIT = 30.0  # seconds: generous upper bound for any single condition on a loaded CI machine


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def wait_for(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    timeout: float = WAIT,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Call ``probe`` until ``done(result)``; return the result, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {value!r}")
        await asyncio.sleep(interval)


async def create_topic(bootstrap: str, name: str, partitions: int = 1, **configs: str) -> None:
    """Create a topic, checking the per-topic error (aiokafka does not raise it), and wait until
    every partition has a leader."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        resp = await admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=configs)]
        )
        for entry in resp.topic_errors:
            topic, code = entry[0], entry[1]
            assert code == 0, f"create_topics({topic}) failed: {entry}"

        async def describe() -> list[dict]:
            return await admin.describe_topics([name])

        def ready(topics: list[dict]) -> bool:
            return (
                len(topics) == 1
                and topics[0]["error_code"] == 0
                and len(topics[0]["partitions"]) == partitions
                and all(p["leader"] >= 0 for p in topics[0]["partitions"])
            )

        await wait_for(describe, ready, what=f"leaders of {name}")
    finally:
        await admin.close()


async def read_all(consumer: AIOKafkaConsumer, tps: list[TopicPartition], timeout: float = WAIT):
    """Read ``tps`` of an assigned (group-less) consumer from the beginning up to the end offsets
    as of now (the last stable offset under read_committed)."""
    await consumer.seek_to_beginning(*tps)
    end = await consumer.end_offsets(tps)
    records = []
    deadline = time.monotonic() + timeout
    while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
        assert time.monotonic() < deadline, f"timed out reading {tps} up to {end}"
        batch = await consumer.getmany(*tps, timeout_ms=200)
        for recs in batch.values():
            records.extend(recs)
    return records


# --------------------------------------------------------------------------- 1: groups
async def test_partitioned_topic_and_consumer_group(kafka_broker) -> None:
    bootstrap = kafka_broker.bootstrap
    topic, group = _name("smoke-groups"), _name("g")
    await create_topic(bootstrap, topic, partitions=3)

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, key=f"key-{i % 37}".encode(), value=str(i).encode())
            for i in range(1000)
        ]
        metas = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    per_partition = defaultdict(int)
    for meta in metas:
        per_partition[meta.partition] += 1
    assert sorted(per_partition) == [0, 1, 2], per_partition  # keys spread over all partitions

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    received = []
    try:
        deadline = time.monotonic() + WAIT
        while len(received) < 1000:
            assert time.monotonic() < deadline, f"only {len(received)} of 1000 records consumed"
            batch = await consumer.getmany(timeout_ms=500)
            for recs in batch.values():
                received.extend(recs)
        await consumer.commit()
        tps = sorted(consumer.assignment())
        assert [tp.partition for tp in tps] == [0, 1, 2]
        end = await consumer.end_offsets(tps)
        committed = {tp: await consumer.committed(tp) for tp in tps}
        assert committed == end
    finally:
        await consumer.stop()

    assert len(received) == 1000
    assert sorted(int(r.value) for r in received) == list(range(1000))
    by_key = defaultdict(list)
    for r in received:
        by_key[r.key].append(int(r.value))
    assert all(vals == sorted(vals) for vals in by_key.values()), "per-key order broken"

    # A second member of the same group starts from the committed offsets: nothing new.
    second = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    await second.start()
    try:
        leftovers = []
        deadline = time.monotonic() + WAIT
        while True:
            batch = await second.getmany(timeout_ms=200)
            for recs in batch.values():
                leftovers.extend(recs)
            tps = sorted(second.assignment())
            if len(tps) == 3:
                positions = {tp: await second.position(tp) for tp in tps}
                if positions == end:
                    break
            assert time.monotonic() < deadline, "second consumer never got its assignment"
        batch = await second.getmany(timeout_ms=500)
        leftovers.extend(r for recs in batch.values() for r in recs)
        assert leftovers == []
    finally:
        await second.stop()


# ----------------------------------------------------------------------- 2: transactions
async def test_transactions_with_offsets_and_read_committed(kafka_broker) -> None:
    bootstrap = kafka_broker.bootstrap
    src, dst, group = _name("smoke-txn-in"), _name("smoke-txn-out"), _name("g-txn")
    await create_topic(bootstrap, src)
    await create_topic(bootstrap, dst)
    src_tp, dst_tp = TopicPartition(src, 0), TopicPartition(dst, 0)

    plain = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await plain.start()
    try:
        for i in range(20):
            await plain.send_and_wait(src, key=b"k", value=f"in-{i}".encode())
    finally:
        await plain.stop()

    # The consume-transform-produce shape: a group member reads, a transactional producer writes
    # the results and commits the member's offsets inside the same transaction.
    consumer = AIOKafkaConsumer(
        src,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, transactional_id=_name("txn"), acks="all"
    )
    await consumer.start()
    await producer.start()
    try:
        inputs = []
        deadline = time.monotonic() + WAIT
        while len(inputs) < 20:
            assert time.monotonic() < deadline, f"only {len(inputs)} inputs consumed"
            batch = await consumer.getmany(timeout_ms=500)
            inputs.extend(r for recs in batch.values() for r in recs)

        # Committed transaction: first 10 inputs.
        async with producer.transaction():
            for r in inputs[:10]:
                await producer.send(dst, key=r.key, value=b"ok-" + r.value)
            await producer.send_offsets_to_transaction({src_tp: inputs[9].offset + 1}, group)

        # Aborted transaction: the other 10; neither its records nor its offsets may count.
        await producer.begin_transaction()
        for r in inputs[10:]:
            await producer.send(dst, key=r.key, value=b"aborted-" + r.value)
        await producer.send_offsets_to_transaction({src_tp: inputs[19].offset + 1}, group)
        await producer.abort_transaction()

        # One more committed transaction after the abort.
        async with producer.transaction():
            await producer.send(dst, key=b"k", value=b"ok-last")

        committed = await consumer.committed(src_tp)
        assert committed == inputs[9].offset + 1, committed
    finally:
        await producer.stop()
        await consumer.stop()

    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    await reader.start()
    try:
        reader.assign([dst_tp])
        seen = [r.value.decode() for r in await read_all(reader, [dst_tp])]
    finally:
        await reader.stop()
    assert seen == [f"ok-in-{i}" for i in range(10)] + ["ok-last"]

    # read_uncommitted does see the aborted records: the abort really wrote data to the log.
    dirty = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_uncommitted")
    await dirty.start()
    try:
        dirty.assign([dst_tp])
        seen_dirty = [r.value.decode() for r in await read_all(dirty, [dst_tp])]
    finally:
        await dirty.stop()
    assert [v for v in seen_dirty if v.startswith("aborted-")] == [
        f"aborted-in-{i}" for i in range(10, 20)
    ]


# -------------------------------------------------------------------------- 3: compaction
async def test_compacted_topic_gets_compacted(kafka_broker) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = _name("smoke-compact")
    # segment.ms=100 lets the next append roll the segment; only closed segments are compacted.
    await create_topic(
        bootstrap,
        topic,
        **{
            "cleanup.policy": "compact",
            "segment.ms": "100",
            "min.cleanable.dirty.ratio": "0.01",
            "delete.retention.ms": "100",
        },
    )
    tp = TopicPartition(topic, 0)
    keys = [f"key-{k}".encode() for k in range(5)]
    updates = 200
    latest: dict[bytes, bytes] = {}

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await producer.start()
    await reader.start()
    try:
        futures = []
        for u in range(updates):
            for key in keys:
                value = f"v{u}".encode()
                latest[key] = value
                futures.append(await producer.send(topic, key=key, value=value))
        await asyncio.gather(*futures)
        written = updates * len(keys)
        reader.assign([tp])

        rolls = 0

        async def poke_and_read() -> list:
            # Append one record to a separate key so the segment (older than segment.ms) rolls
            # and the cleaner gets a closed segment to compact; then read everything back.
            nonlocal rolls
            rolls += 1
            await producer.send_and_wait(topic, key=b"roll", value=str(rolls).encode())
            return await read_all(reader, [tp])

        def compacted(records: list) -> bool:
            data = [r for r in records if r.key != b"roll"]
            return len(data) == len(keys) and {r.key: r.value for r in data} == latest

        records = await wait_for(
            poke_and_read, compacted, timeout=60, interval=0.5, what="compaction"
        )
    finally:
        await reader.stop()
        await producer.stop()
    assert len(records) < written
    # Offsets survive compaction: gaps, not renumbering.
    assert max(r.offset for r in records) >= written - 1
