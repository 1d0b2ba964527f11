"""Records that arrive together are processed as if they had arrived one at a time, in
timestamp order (issue 11): the three failures measured on the first version, each sent in
one ``send_many``, and the ``max_task_idle_ms`` rule."""
from __future__ import annotations

import contextlib

import pytest

import streamflow
from streamflow.testing import TestDriver

# o1=10, pay o1, o1=11, pay o2, del o2, del pay o1, del o1 (a second apart)
ORDERS_AND_PAYMENTS = [
    ("orders", "o1", 10, 1_000),
    ("payments", "o1", "pay", 2_000),
    ("orders", "o1", 11, 3_000),
    ("payments", "o2", "pay", 4_000),
    ("orders", "o2", None, 5_000),
    ("payments", "o1", None, 6_000),
    ("orders", "o1", None, 7_000),
]


def orders_payments_app(join: str, **settings):
    app = streamflow.App("pay", **settings)
    orders = app.topic("orders", partitions=2)
    payments = app.topic("payments", partitions=2)
    out = app.topic("out", partitions=2)
    if join == "tables":
        app.join_tables("paid", left=orders, right=payments, kind="inner", into=out)
    else:
        app.join_streams("paid", left=orders, right=payments, within=1, kind="left", into=out)
    return app


async def results(app, send_many: bool) -> list[tuple]:
    async with TestDriver(app) as d:
        if send_many:
            await d.send_many(ORDERS_AND_PAYMENTS)
        else:
            for topic, key, value, ts in ORDERS_AND_PAYMENTS:
                await d.send(topic, key=key, value=value, timestamp=ts)
        return [(o.key, o.value, o.timestamp) for o in d.outputs("out")]


async def test_a_table_table_join_fed_in_one_send_many_emits_what_kafka_streams_does() -> None:
    # Kafka Streams: the row with 10, the row with 11, the tombstone when the payment goes.
    expected = [("o1", [10, "pay"], 2_000), ("o1", [11, "pay"], 3_000), ("o1", None, 6_000)]
    assert await results(orders_payments_app("tables"), send_many=False) == expected
    assert await results(orders_payments_app("tables"), send_many=True) == expected


async def test_a_stream_stream_left_join_fed_in_one_send_many_never_reports_a_paid_order_unpaid() -> None:
    expected = [("o1", [10, "pay"], 2_000), ("o1", [11, "pay"], 3_000)]
    assert await results(orders_payments_app("streams"), send_many=False) == expected
    assert await results(orders_payments_app("streams"), send_many=True) == expected


def customers_app():
    app = streamflow.App("enrich")
    customers = app.topic("customers", partitions=3)
    orders = app.topic("orders", partitions=2)
    out = app.topic("enriched", partitions=2)
    directory = app.global_table("directory", topic=customers)

    @app.agent(orders, sink=[out])
    async def enrich(stream):
        async for order, customer in stream.join(directory, key=lambda o: o["customer"]):
            yield {"order": order["id"], "tier": customer["tier"]}
    return app


async def test_orders_sent_with_the_global_table_see_the_customer_as_of_their_time() -> None:
    records = []
    for i in range(20):   # the customer changes tier every 100 ms; an order every 50 ms
        records.append(("customers", "c1", {"tier": i}, 100 * i))
        records.append(("orders", f"o{i}", {"id": i, "customer": "c1"}, 100 * i + 50))
    async with TestDriver(customers_app()) as d:
        await d.send_many(records)
        seen = sorted((o.value["order"], o.value["tier"]) for o in d.outputs("enriched"))
    assert seen == [(i, i) for i in range(20)]


async def test_a_global_record_with_the_same_timestamp_as_an_order_comes_first() -> None:
    async with TestDriver(customers_app()) as d:
        await d.send_many([("orders", "o1", {"id": 1, "customer": "c1"}, 500),
                           ("customers", "c1", {"tier": "gold"}, 500)])
        assert [o.value for o in d.outputs("enriched")] == [{"order": 1, "tier": "gold"}]


def two_agents_app(**settings):
    """Agent ``book`` writes prices into a table from one topic; agent ``quote`` reads them
    while consuming another: they share state, so their records must interleave in order."""
    app = streamflow.App("quotes", **settings)
    prices = app.topic("prices", partitions=2)
    requests = app.topic("requests", partitions=2)
    quotes = app.topic("quotes", partitions=2)
    book = app.table("book", partitions=2)

    @app.agent(prices)
    async def record_price(stream):
        async for event in stream.events():
            book[event.key] = event.value

    @app.agent(requests, sink=[quotes])
    async def quote(stream):
        async for event in stream.events():
            yield {"request": event.value, "price": book.get(event.key)}
    return app


async def test_agents_sharing_a_table_see_each_others_records_in_timestamp_order() -> None:
    records = [("prices", "x", 1, 10), ("requests", "x", "r1", 20), ("prices", "x", 2, 30),
               ("requests", "x", "r2", 40), ("prices", "x", 3, 50), ("requests", "x", "r3", 60)]
    async with TestDriver(two_agents_app(batch_size=1000)) as d:
        await d.send_many(records)
        assert [o.value for o in d.outputs("quotes")] == [
            {"request": "r1", "price": 1}, {"request": "r2", "price": 2}, {"request": "r3", "price": 3}]


@pytest.mark.parametrize("idle_ms", [0, -1])
async def test_max_task_idle_ms_0_or_minus_1_never_waits_for_records_not_produced(idle_ms) -> None:
    async with TestDriver(two_agents_app(max_task_idle_ms=idle_ms)) as d:
        await d.send("prices", key="x", value=1, timestamp=10)
        assert d.table("book") == {"x": 1}   # "requests" has nothing, on the broker or coming


async def test_max_task_idle_ms_waits_that_long_for_a_caught_up_partition() -> None:
    async with TestDriver(two_agents_app(max_task_idle_ms=5_000), start_time=0) as d:
        await d.send("prices", key="x", value=1, timestamp=10)
        assert d.table("book") == {}           # waits for "requests" up to 5 s
        await d.advance(4.9)
        assert d.table("book") == {}
        await d.send("requests", key="x", value="r0", timestamp=5)   # came in time: it goes first
        assert [o.value for o in d.outputs("quotes")] == [{"request": "r0", "price": None}]
        assert d.table("book") == {}           # "requests" is caught up again: 5 s more
        await d.advance(4.9)
        assert d.table("book") == {}
        await d.advance(0.1)
        assert d.table("book") == {"x": 1}


async def test_max_task_idle_ms_0_waits_for_records_already_on_the_broker() -> None:
    """With batch_size 1, each fetch holds one record: a price fetched first must not be
    processed before the earlier request that is on the broker but not fetched yet."""
    records = [("prices", "x", 2, 30), ("requests", "x", "r1", 20)]
    async with TestDriver(two_agents_app(batch_size=1, max_task_idle_ms=0)) as d:
        await d.send_many(records)
        assert [o.value for o in d.outputs("quotes")] == [{"request": "r1", "price": None}]
    async with TestDriver(two_agents_app(batch_size=1, max_task_idle_ms=-1)) as d:
        await d.send_many(records)   # -1: processes what it has, out of order
        assert [o.value for o in d.outputs("quotes")] == [{"request": "r1", "price": 2}]


async def test_an_aborted_transaction_drops_what_was_queued_and_processes_it_once(
        tmp_path, monkeypatch) -> None:
    import orjson

    from streamflow.partitioner import partition_for
    from streamflow.runtime.transport.base import TransactionAborted
    from streamflow.runtime.transport.memory import broker_for
    from streamflow.runtime.worker import Worker
    from streamflow.types import TP

    app = orders_payments_app("tables", processing_guarantee="exactly_once", batch_size=1,
                              commit_interval=30, data_dir=str(tmp_path))
    worker = Worker(app)
    await worker.start()
    broker = broker_for("memory://")
    try:
        for topic, key, value, ts in ORDERS_AND_PAYMENTS:
            raw = orjson.dumps(key)
            broker.append(topic, partition_for(raw, 2), [(raw, orjson.dumps(value), ts, ())], ts)
        for _ in range(4):       # one record fetched per poll: some processed, some queued
            await worker.poll_once(0)
        assert worker.dispatcher.queued > 0
        real_commit = type(worker.producer).commit_transaction

        async def fail_once(self, offsets, group):
            monkeypatch.setattr(type(worker.producer), "commit_transaction", real_commit)
            await self.abort_transaction()
            raise TransactionAborted("request timed out")
        monkeypatch.setattr(type(worker.producer), "commit_transaction", fail_once)
        await worker.commit()
        assert worker.aborted_transactions == 1
        for _ in range(30):
            await worker.poll_once(0)
            await worker.commit()
        committed = []
        for p in range(2):
            records, _ = broker.readable(TP("out", p), 0, 10**9)
            committed += [(orjson.loads(r.key), orjson.loads(r.value) if r.value else None,
                           r.timestamp) for r in records]
        assert sorted(committed, key=lambda r: r[2]) == [
            ("o1", [10, "pay"], 2_000), ("o1", [11, "pay"], 3_000), ("o1", None, 6_000)]
    finally:
        await worker.shutdown()


@pytest.mark.parametrize("reads", ["values", "events"])
@pytest.mark.parametrize("policy", ["stop", "skip"])
async def test_a_record_that_does_not_decode_stops_its_task_where_it_is_in_the_order(policy, reads) -> None:
    class Reading(streamflow.Record):
        value: int

    app = streamflow.App("dec", on_decode_error=policy)
    a = app.topic("a", value_type=Reading, partitions=1)
    b = app.topic("b", value_type=Reading, partitions=1)
    seen: list[tuple[str, int]] = []

    @app.agent(a, b)
    async def collect(stream):
        if reads == "values":  # decoded at fetch: the values of a are odd, of b even
            async for reading in stream:
                seen.append(("ab"[1 - reading.value % 2], reading.value))
        else:  # decoded where event.value is read (streamflow.lazy_events)
            async for event in stream.events():
                seen.append((event.topic, event.value.value))

    driver = TestDriver(app)
    await driver.start()
    try:
        for topic, value, ts in [("a", b'{"value": 1}', 5), ("a", b'{"value": "x"}', 20),
                                 ("a", b'{"value": 3}', 40), ("b", b'{"value": 2}', 10),
                                 ("b", b'{"value": 4}', 30)]:
            driver.append_raw(topic, 0, b'"k"', value, ts)
        if policy == "stop":
            with pytest.raises(streamflow.DecodeError, match=r"a\[0\]@1"):
                await driver.run()
        else:
            await driver.run()
    finally:
        with contextlib.suppress(streamflow.DecodeError):
            await driver.stop()   # commits what was processed
    committed = driver.broker.groups["dec"].committed
    if policy == "stop":
        # b's record at 30 comes after the bad one (at 20) in the order: not processed
        assert seen == [("a", 1), ("b", 2)]
        if reads == "values":
            assert (committed[TP_("a")], committed[TP_("b")]) == (1, 1)
        else:  # the agent failed reading it: nothing of its batch is committed, never past it
            assert committed.get(TP_("a"), 0) <= 1 and committed.get(TP_("b"), 0) <= 1
    else:
        assert seen == [("a", 1), ("b", 2), ("b", 4), ("a", 3)]
        assert (committed[TP_("a")], committed[TP_("b")]) == (3, 2)


def TP_(topic: str):  # noqa: N802 - reads like the TP it builds
    from streamflow.types import TP
    return TP(topic, 0)
