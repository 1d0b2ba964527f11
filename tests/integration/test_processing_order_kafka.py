"""Processing order on a real broker (issue 11): every input is in Kafka before the worker
starts (a catch-up after downtime, a new deployment), and the results are those of the same
records trickling in live, in timestamp order.

- a stream-stream left join of orders and payments reports no paid order unpaid and misses
  no match (the first version reported ~half of them wrong in this situation);
- orders enriched from a global table see each customer as of their own timestamp.

With exactly-once the inputs are written by a transactional producer, so their partitions
hold transaction markers: the worker must still see them as caught up (no lag left) once it
has read every record, or it would wait forever.
"""
from __future__ import annotations

import random
import time

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from .kafka_helpers import create_topic, unique, worker_processes

MIN = 60_000
BASE = (int(time.time() * 1000) // MIN) * MIN - 3 * 60 * MIN
PARTITIONS = 4


def workload(prefix: str) -> tuple[list[tuple], dict[str, bool], dict[str, int | None]]:
    """Records (topic, key, value, ts); whether each order is paid within 5 min; the tier each
    order must see (the customer's latest version at or before the order's timestamp)."""
    rng = random.Random(11)
    records, paid, tier = [], {}, {}
    versions: dict[str, list[tuple[int, int]]] = {}
    for v in range(12):   # each customer changes tier every 60 s (the 1st version at -30 s)
        for c in range(5):
            ts = BASE - 30_000 + v * MIN + c
            versions.setdefault(f"c{c}", []).append((ts, v))
            records.append(("customers", f"c{c}", {"tier": v}, ts))
    for i in range(1_500):
        ts = BASE + i * 400
        customer = f"c{rng.randrange(6)}"    # c5 is unknown
        records.append(("orders", f"o{i}", {"id": f"o{i}", "customer": customer}, ts))
        delay = rng.choice([None, 10_000, 4 * MIN, 5 * MIN, 5 * MIN + 1_000])
        if delay is not None:
            records.append(("payments", f"o{i}", {"order": f"o{i}"}, ts + delay))
        paid[f"o{i}"] = delay is not None and delay <= 5 * MIN
        seen = [v for vts, v in versions.get(customer, []) if vts <= ts]
        tier[f"o{i}"] = seen[-1] if seen else None
    # Stream time must pass every order's window on every partition: one late order per key
    # space would not reach all partitions, so end with orders far ahead on every partition.
    for j in range(40):
        records.append(("orders", f"end{j}", {"id": f"end{j}", "customer": "c5"}, BASE + 60 * MIN))
    rng.shuffle(records)   # the topics' interleaving is arbitrary; each partition stays in order below
    records.sort(key=lambda r: (r[0], r[3]))
    return [(prefix + t, k, v, ts) for t, k, v, ts in records], paid, tier


async def produce(bootstrap: str, records: list[tuple], transactional: bool) -> None:
    extra = {"transactional_id": unique("it-order-producer")} if transactional else {}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all",
                                enable_idempotence=True, **extra)
    await producer.start()
    try:
        for start in range(0, len(records), 500):   # several transactions: several markers
            if transactional:
                await producer.begin_transaction()
            futures = [await producer.send(t, key=k.encode(), value=orjson.dumps(v), timestamp_ms=ts)
                       for t, k, v, ts in records[start:start + 500]]
            if transactional:
                await producer.commit_transaction()
            for f in futures:
                await f
    finally:
        await producer.stop()


async def read_values(bootstrap: str, topic: str, expected: int, timeout: float = 90.0) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                isolation_level="read_committed")
    await consumer.start()
    out: list = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            out += [orjson.loads(r.value) for records in batch.values() for r in records]
    finally:
        await consumer.stop()
    return out


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_a_backlog_in_kafka_is_processed_in_timestamp_order(kafka_broker, tmp_path, guarantee) -> None:
    bootstrap = kafka_broker.bootstrap
    prefix = unique("ord") + "-"
    for name, n in [("orders", PARTITIONS), ("payments", PARTITIONS), ("customers", 2)]:
        await create_topic(bootstrap, prefix + name, n)
    records, paid, tier = workload(prefix)
    await produce(bootstrap, records, transactional=guarantee == "exactly_once")

    env = {"IT_PREFIX": prefix, "IT_PARTITIONS": str(PARTITIONS), "STREAMFLOW_BROKER": kafka_broker.url,
           "STREAMFLOW_COMMIT_INTERVAL": "0.2", "STREAMFLOW_BATCH_SIZE": "300",
           "STREAMFLOW_PROCESSING_GUARANTEE": guarantee}
    orders = list(paid)
    with worker_processes("tests.integration.apps.ordering:app", tmp_path) as start:
        worker = start(env, "w1")
        # every order enriched (the 40 last ones too) and every order's window closed
        await read_values(bootstrap, prefix + "enriched", len(orders) + 40)
        await read_values(bootstrap, prefix + "paid", len(orders))
        assert await worker.terminate() == 0
    results = await read_values(bootstrap, prefix + "paid", 1 << 30, timeout=5)   # all of it
    enriched = await read_values(bootstrap, prefix + "enriched", 1 << 30, timeout=5)

    by_order: dict[str, list[bool]] = {}
    for r in results:
        by_order.setdefault(r["order"], []).append(r["paid"])
    wrong = {o: by_order.get(o) for o in orders if by_order.get(o) != [paid[o]]}
    assert not wrong, f"{len(wrong)} of {len(orders)} orders with a wrong result, e.g. {list(wrong.items())[:5]}"
    seen = {r["order"]: r["tier"] for r in enriched}
    stale = {o: (seen.get(o), tier[o]) for o in orders if seen.get(o) != tier[o]}
    assert not stale, f"{len(stale)} orders saw another version of their customer, e.g. {list(stale.items())[:5]}"
