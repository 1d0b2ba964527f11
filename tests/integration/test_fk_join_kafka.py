"""Foreign-key join on a real broker: the right side read in full by every worker, state
rebuilt on an empty disk without applying a right update twice."""
from __future__ import annotations

import time

import orjson

from .kafka_helpers import WorkerProcess, create_topic, end_offsets, read_all, unique, wait_until

BASE = int(time.time() * 1000) - 3_600_000


async def produce(bootstrap: str, records: list[tuple[str, str, dict | None]]) -> None:
    from aiokafka import AIOKafkaProducer
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for i, (topic, key, value) in enumerate(records):
            await producer.send_and_wait(topic, None if value is None else orjson.dumps(value),
                                         key=key.encode(), timestamp_ms=BASE + i)
    finally:
        await producer.stop()


async def results(bootstrap: str, topic: str) -> list[tuple[str, dict | None]]:
    n = sum((await end_offsets(bootstrap, topic, 4)).values())
    recs = sorted(await read_all(bootstrap, topic, n, timeout=30), key=lambda r: (r.partition, r.offset))
    return [(r.key.decode(), None if r.value is None else orjson.loads(r.value)) for r in recs]


async def _count(bootstrap: str, topic: str, n: int) -> bool:
    try:
        return sum((await end_offsets(bootstrap, topic, 4)).values()) >= n
    except Exception:  # noqa: BLE001 - created by the worker
        return False


async def test_foreign_key_join_across_a_restart_on_an_empty_disk(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    prefix = unique("fk") + "-"
    env = {"IT_PREFIX": prefix, "STREAMFLOW_BROKER": kafka_broker.url, "STREAMFLOW_COMMIT_INTERVAL": "0.2"}
    await create_topic(bootstrap, prefix + "products", 2)
    await create_topic(bootstrap, prefix + "orders", 4)
    out = prefix + "order-products"
    products = [(prefix + "products", f"p{i}", {"name": f"product {i}"}) for i in range(20)]
    orders = [(prefix + "orders", f"o{i}", {"id": f"o{i}", "product": f"p{i % 25}"}) for i in range(200)]
    first = WorkerProcess("tests.integration.apps.fk:app", {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "a")},
                          tmp_path / "a.log")
    try:
        await first.wait_assigned()
        await produce(bootstrap, products)
        await produce(bootstrap, orders)
        await wait_until(lambda: _count(bootstrap, out, 200), 60, "a result per order")
        latest = dict(await results(bootstrap, out))
        assert all(latest[f"o{i}"]["product"] == (f"product {i % 25}" if i % 25 < 20 else None)
                   for i in range(200))
        assert await first.terminate() == 0
    finally:
        first.close()
    earlier = await results(bootstrap, out)
    before = len(earlier)

    second = WorkerProcess("tests.integration.apps.fk:app", {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "b")},
                           tmp_path / "b.log")
    try:
        await second.wait_assigned()
        await produce(bootstrap, [(prefix + "products", "p3", {"name": "renamed"})])
        # 8 orders point at p3 (o3, o28, ..., o178): one new result each, and nothing else
        await wait_until(lambda: _count(bootstrap, out, before + 8), 60, "the rename reaching every order")
        assert await second.terminate() == 0
    finally:
        second.close()
    after = await results(bootstrap, out)
    assert len(after) == before + 8
    import collections
    new = collections.Counter(k for k, _ in after) - collections.Counter(k for k, _ in earlier)
    assert new == collections.Counter(f"o{i}" for i in range(200) if i % 25 == 3)
    assert all(v == {"order": k, "product": "renamed"} for k, v in after if k in new and v["product"] == "renamed")
