"""Tables fed straight from a topic (``app.table(name, topic=...)``, Kafka Streams'
``builder.table``): rows follow the topic, tombstones delete, the topic is the changelog."""
from __future__ import annotations

import random

import pytest

import streamflow
from streamflow.runtime.transport.base import CommitFailed
from streamflow.runtime.transport.memory import broker_for
from streamflow.runtime.worker import Worker
from streamflow.testing import TestDriver


def shop(**settings):
    app = streamflow.App("shop", **settings)
    orders = app.topic("orders", partitions=4)
    enriched = app.topic("orders-enriched", partitions=4)
    profiles = app.topic("customer-profiles", partitions=4)
    customers = app.table("customers", topic=profiles)   # Kafka Streams' builder.table

    @app.agent(orders, sink=[enriched])
    async def enrich(stream):
        async for order, customer in stream.join(customers, kind="left"):
            yield {**order, "name": None if customer is None else customer["name"]}

    return app, customers


async def test_rows_follow_the_topic_and_a_tombstone_deletes_one() -> None:
    app, customers = shop()
    async with TestDriver(app) as d:
        await d.send("customer-profiles", key="c1", value={"name": "Ada"})
        await d.send("customer-profiles", key="c2", value={"name": "Bob"})
        await d.send("orders", key="c1", value={"id": 1})
        await d.send("customer-profiles", key="c1", value={"name": "Ada L."})
        await d.send("orders", key="c1", value={"id": 2})
        await d.send("customer-profiles", key="c1", value=None)          # tombstone
        await d.send("orders", key="c1", value={"id": 3})
        assert d.table("customers") == {"c2": {"name": "Bob"}}
        assert [o.value["name"] for o in d.outputs("orders-enriched")] == ["Ada", "Ada L.", None]


async def test_the_topic_is_the_changelog_no_other_topic_is_created() -> None:
    app, _ = shop()
    async with TestDriver(app) as d:
        await d.send("customer-profiles", key="c1", value={"name": "Ada"})
        created = set(d.broker.topics)
    assert not any("changelog" in name for name in created), created
    assert not any("changelog" in name for name in app.topics)


async def test_agents_read_it_but_cannot_write_it() -> None:
    app = streamflow.App("shop-write")
    customers = app.table("customers", topic=app.topic("customer-profiles", partitions=1))
    clicks = app.topic("clicks", partitions=1)

    @app.agent(clicks)
    async def write(stream):
        async for click in stream:
            assert customers.get("c1") == {"name": "Ada"} and "c1" in customers
            customers["c1"] = {"name": "Eve"}

    with pytest.raises(streamflow.AgentError, match="table customers is fed from topic "
                                                    "customer-profiles: send to the topic instead"):
        async with TestDriver(app) as d:
            await d.send("customer-profiles", key="c1", value={"name": "Ada"})
            await d.send("clicks", key="c1", value={})


def test_types_and_partitions_come_from_the_topic() -> None:
    app = streamflow.App("shop-decl")
    with pytest.raises(streamflow.ConfigError, match="declare key_type, partitions on the topic"):
        app.table("customers", topic="customer-profiles", key_type=int, partitions=3)
    table = app.table("prices", topic=app.topic("prices", key_type=int, partitions=3))
    assert table.partitions == 3 and table.key_codec is app.topics["prices"].key_codec


# -- restore, commits and crashes ---------------------------------------------------------------

KEYS = [f"c{i}" for i in range(6)]


def profile_ops(n: int, seed: int) -> list[tuple[str, dict | None]]:
    rng = random.Random(seed)
    return [(rng.choice(KEYS), None if rng.random() < 0.25 else {"name": f"n{i}"})
            for i in range(n)]


def latest(ops: list[tuple[str, dict | None]]) -> dict:
    rows: dict = {}
    for key, value in ops:
        if value is None:
            rows.pop(key, None)
        else:
            rows[key] = value
    return rows


def profiles_app(data_dir, batch_size: int):
    app = streamflow.App("profiles", data_dir=str(data_dir), batch_size=batch_size,
                         commit_interval=3600)   # commits only where the test says
    app.table("customers", topic=app.topic("customer-profiles", partitions=2))
    return app


def append(app, ops) -> None:
    from streamflow.partitioner import partition_for
    broker = broker_for(app.settings.broker)
    for key, value in ops:
        raw_value = None if value is None else app.topics["customer-profiles"].encode_value(value)
        broker.append("customer-profiles", partition_for(key.encode(), 2),
                      [(key.encode(), raw_value, 1_000, ())], 1_000)


async def drain(worker: Worker, commit: bool = True) -> None:
    idle = 0
    for _ in range(200):
        fetched = await worker.poll_once(0)
        idle = 0 if fetched else idle + 1
        if idle == 3:
            break
    if commit:
        await worker.commit()


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
@pytest.mark.parametrize("disk", ["kept", "empty"])
async def test_a_crash_between_store_write_and_offset_commit_loses_and_repeats_nothing(
        tmp_path, batch_size, disk) -> None:
    """The store's offset may be ahead of the committed input offset (at-least-once: stores
    are written, then offsets committed). A restart on the same disk restores nothing and
    re-applies the records after the committed offset; on an empty disk it restores up to the
    committed offset, then applies the rest. Either way the table ends as the topic says."""
    ops = profile_ops(60, seed=batch_size)
    app = profiles_app(tmp_path / "a", batch_size)
    a = Worker(app)
    await a.start()
    append(app, ops[:20])
    await drain(a)                          # committed: 20 records
    append(app, ops[20:40])
    await drain(a, commit=False)            # applied, not committed

    async def refused(offsets):             # the crash: stores written, offsets never
        raise CommitFailed("crashed")
    a.consumer.commit = refused  # type: ignore[method-assign]
    await a.shutdown()

    append(app, ops[40:])
    app.configure(data_dir=str(tmp_path / ("a" if disk == "kept" else "b")))
    b = Worker(app)
    await b.start()
    try:
        await drain(b)
        assert b.restorer.restored_records == (0 if disk == "kept" else 20)
        assert app.tables["customers"].as_dict() == latest(ops)
    finally:
        await b.shutdown()


async def test_a_restart_on_its_disk_reads_nothing_again(tmp_path) -> None:
    ops = profile_ops(30, seed=7)
    app = profiles_app(tmp_path, 1000)
    for run in range(2):
        worker = Worker(app)
        await worker.start()
        try:
            if run == 0:
                append(app, ops)
            await drain(worker)
            assert app.tables["customers"].as_dict() == latest(ops)
        finally:
            await worker.shutdown()
    assert worker.restorer.restored_records == 0


async def test_with_exactly_once_an_aborted_commit_applies_its_records_again(tmp_path, monkeypatch) -> None:
    from streamflow.runtime.transport.base import TransactionAborted
    ops = profile_ops(40, seed=3)
    app = profiles_app(tmp_path, 5)
    app.configure(processing_guarantee="exactly_once", data_dir=str(tmp_path), commit_interval=30)
    worker = Worker(app)
    await worker.start()
    try:
        append(app, ops[:20])
        await drain(worker)
        append(app, ops[20:])
        await drain(worker, commit=False)
        real_commit = type(worker.producer).commit_transaction

        async def fail_once(self, offsets, group):
            monkeypatch.setattr(type(worker.producer), "commit_transaction", real_commit)
            await self.abort_transaction()
            raise TransactionAborted("request timed out")
        monkeypatch.setattr(type(worker.producer), "commit_transaction", fail_once)
        await worker.commit()
        assert worker.aborted_transactions == 1
        assert app.tables["customers"].as_dict() == latest(ops[:20])   # rolled back
        await drain(worker)
        assert app.tables["customers"].as_dict() == latest(ops)
    finally:
        await worker.shutdown()
