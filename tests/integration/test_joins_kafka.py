"""Joins on a real broker, through the joins example: orders enriched with customers, and
payments matched to orders within 5 minutes, across a worker restart on an empty disk."""
from __future__ import annotations

import random
import time

import orjson

from streamflow.partitioner import partition_for

from .kafka_helpers import WorkerProcess, committed, end_offsets, read_all, unique, wait_until

MIN = 60_000
BASE = (int(time.time() * 1000) // MIN) * MIN - 2 * 60 * MIN   # within Kafka's timestamp limits


async def produce_timed(bootstrap: str, records: list[tuple[str, str, dict | None, int]]) -> None:
    from aiokafka import AIOKafkaProducer
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        futures = [await producer.send(t, key=k.encode(), value=None if v is None else orjson.dumps(v),
                                       timestamp_ms=ts) for t, k, v, ts in records]
        for f in futures:
            await f
    finally:
        await producer.stop()


async def feed_in_step(bootstrap: str, prefix: str, events: list, orders_before: int) -> None:
    """Produce ``events`` (event-time order) in 50 s slices, waiting for each slice's orders to
    come through ``orders-by-id`` (the join's left side, re-keyed by an agent) before the next.
    Live traffic does this by itself; a bulk load would run the right side ahead of the
    re-keyed left side by more than the 60 s grace, and those orders would count as late."""
    done = orders_before
    start = 0
    while start < len(events):
        end = start
        while end < len(events) and events[end][3] < events[start][3] + 50_000:
            end += 1
        chunk = events[start:end]
        await produce_timed(bootstrap, chunk)
        done += sum(1 for r in chunk if r[0].endswith("orders"))
        await wait_until(lambda: _at_least(total(bootstrap, prefix + "orders-by-id"), done), 60,
                         f"{done} orders re-keyed")
        start = end


async def total(bootstrap: str, topic: str) -> int:
    try:
        return sum((await end_offsets(bootstrap, topic, 4)).values())
    except Exception:  # noqa: BLE001 - not created yet
        return 0


async def _all_committed(bootstrap: str, group: str, topic: str, n: int) -> bool:
    ends = await end_offsets(bootstrap, topic, 4)
    done = await committed(bootstrap, group, topic, 4)
    return sum(ends.values()) == n and all((done[p] or 0) == ends[p] for p in ends)


async def test_enrichment_and_payment_matching_survive_a_restart(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    prefix = unique("j") + "-"
    env = {"JOINS_PREFIX": prefix, "JOINS_EXAMPLE_FEED": "0", "STREAMFLOW_BROKER": kafka_broker.url,
           "STREAMFLOW_COMMIT_INTERVAL": "0.2"}
    rng = random.Random(3)
    names = {f"c{i}": f"Customer {i}" for i in range(100)}
    orders, payments, expected_paid = [], [], {}
    for i in range(2_000):
        ts = BASE + i * 1_000
        customer = f"c{rng.randrange(120)}"          # c100..c119 are unknown
        order = {"id": f"o{i}", "customer": customer, "amount": i}
        orders.append((prefix + "orders", customer, order, ts))
        delay = rng.choice([None, 10_000, 4 * MIN, 5 * MIN, 5 * MIN + 1_000])
        if delay is not None:
            payments.append((prefix + "payments", f"o{i}", {"order": f"o{i}", "amount": i}, ts + delay))
        expected_paid[f"o{i}"] = i if delay is not None and delay <= 5 * MIN else None
    # Everything in event-time order, split in two halves around the restart (a payment that
    # arrives after its order was already reported unpaid would be a second, different result).
    events = sorted(orders + payments, key=lambda r: r[3])
    half = len(events) // 2
    first_half_orders = sum(1 for r in events[:half] if r[0].endswith("orders"))
    customers = [(prefix + "customers", c, {"name": n}, BASE - 1) for c, n in names.items()]

    first = WorkerProcess("examples.joins:app", {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "a")},
                          tmp_path / "a.log")
    try:
        await first.wait_assigned()
        await produce_timed(bootstrap, customers)
        # the customers table is the customers topic (no changelog): applied once committed
        await wait_until(lambda: _all_committed(bootstrap, f"{prefix}joins-example", prefix + "customers",
                                                len(customers)), 60, "customers")
        await feed_in_step(bootstrap, prefix, events[:half], 0)
        await wait_until(lambda: _at_least(total(bootstrap, prefix + "orders-enriched"), first_half_orders), 120,
                         "first half enriched")
        assert await first.terminate() == 0
    finally:
        first.close()

    # a new worker on an empty disk: the customer table comes from its topic (up to the
    # committed offsets), the join buffers from their changelogs
    second = WorkerProcess("examples.joins:app", {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "b")},
                           tmp_path / "b.log")
    try:
        await second.wait_assigned()
        await feed_in_step(bootstrap, prefix, events[half:], first_half_orders)
        # one order per partition an hour later moves stream time past every window + grace
        closers, seen = [], set()
        for n in range(100):
            p = partition_for(f"close-{n}".encode(), 4)
            if p not in seen:
                seen.add(p)
                closers.append((prefix + "orders", "c0", {"id": f"close-{n}", "customer": "c0", "amount": -1},
                                BASE + 60 * MIN))
        await produce_timed(bootstrap, closers)
        await wait_until(lambda: _at_least(total(bootstrap, prefix + "orders-paid"), len(orders)), 120,
                         "every order matched or reported unpaid")
        assert "restored table customers" in second.log()
        assert await second.terminate() == 0
    finally:
        second.close()

    enriched = [orjson.loads(r.value) for r in await read_all(bootstrap, prefix + "orders-enriched", len(orders))]
    by_id = {e["id"]: e for e in enriched}
    for _, customer, order, _ in orders:
        assert by_id[order["id"]]["customer_name"] == names.get(customer)
    paid = [orjson.loads(r.value) for r in await read_all(bootstrap, prefix + "orders-paid", len(orders))]
    paid = [p for p in paid if not p["order"].startswith("close-")]
    assert sorted(p["order"] for p in paid) == sorted(expected_paid)      # each order exactly once
    assert {p["order"]: p["paid"] for p in paid} == expected_paid


async def _at_least(count_coro, n: int) -> bool:
    return (await count_coro) >= n
