"""branch, to, foreach, peek, merge, through and enumerate, as the README writes them; each
result the same whether the records come one per fetch or all in one."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.context import current_event
from streamflow.partitioner import partition_for
from streamflow.testing import TestDriver

ORDERS = [("c1", {"id": 1, "amount": 1500, "country": "DE"}, 1_000),
          ("c2", {"id": 2, "amount": 20, "country": "DE"}, 2_000),
          ("c3", {"id": 3, "amount": 30, "country": "FR"}, 3_000),
          ("c1", {"id": 4, "amount": 5000, "country": "FR"}, 4_000),
          ("c4", {"id": 5, "amount": 40, "country": "DE"}, 5_000)]


def outputs(d: TestDriver, topic: str) -> list[tuple]:
    return [(o.key, o.value["id"], o.timestamp, o.partition) for o in d.outputs(topic)]


def expected(rows: list[tuple]) -> list[tuple]:
    return [(k, v["id"], ts, partition_for(k.encode(), 4)) for k, v, ts in rows]


@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_branch_routes_each_item_to_the_first_match_and_to_sends_the_rest(batch_size) -> None:
    app = streamflow.App("routing", batch_size=batch_size, topic_partitions=4)
    orders = app.topic("orders")
    large, german, others = app.topic("large-orders"), app.topic("german-orders"), app.topic("other-orders")

    @app.agent(orders)
    async def route(stream):
        await (stream.branch(lambda o: o["amount"] > 1000, large)
                     .branch(lambda o: o["country"] == "DE", german)
                     .to(others))

    async with TestDriver(app) as d:
        await d.send_many([("orders", k, v, ts) for k, v, ts in ORDERS])
        assert outputs(d, "large-orders") == expected([ORDERS[0], ORDERS[3]])   # 1 is German too
        assert outputs(d, "german-orders") == expected([ORDERS[1], ORDERS[4]])
        assert outputs(d, "other-orders") == expected([ORDERS[2]])


@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_a_branch_to_a_function_and_foreach_see_each_items_own_event(batch_size) -> None:
    app = streamflow.App("routing-fn", batch_size=batch_size, topic_partitions=4)
    orders = app.topic("orders")
    big_spenders = app.table("big-spenders", default=int)
    seen: list[tuple] = []

    def remember(order: dict) -> None:          # a table write: lands on the order's partition
        big_spenders[current_event().key] += order["amount"]

    async def record(order: dict) -> None:
        seen.append((order["id"], current_event().offset, current_event().partition))

    @app.agent(orders)
    async def route(stream):
        await stream.branch(lambda o: o["amount"] > 1000, remember).foreach(record)

    async with TestDriver(app) as d:
        await d.send_many([("orders", k, v, ts) for k, v, ts in ORDERS])
        assert d.table("big-spenders") == {"c1": 6500}
    partitions = {k: partition_for(k.encode(), 4) for k, _, _ in ORDERS}
    offsets: dict[int, int] = {}
    want = []
    for k, v, _ in ORDERS:
        p = partitions[k]
        offsets[p] = offsets.get(p, -1) + 1
        if v["amount"] <= 1000:
            want.append((v["id"], offsets[p], p))
    assert sorted(seen) == sorted(want)


async def test_peek_and_enumerate_pass_items_on() -> None:
    app = streamflow.App("peeking", topic_partitions=1)
    orders = app.topic("orders")
    peeked: list[int] = []
    got: list[tuple] = []

    @app.agent(orders)
    async def count(stream):
        async for n, order in stream.peek(lambda o: peeked.append(o["id"])).filter(
                lambda o: o["amount"] < 1000).enumerate(1):
            got.append((n, order["id"]))

    async with TestDriver(app) as d:
        await d.send_many([("orders", k, v, ts) for k, v, ts in ORDERS])
    assert peeked == [1, 2, 3, 4, 5]
    assert got == [(1, 2), (2, 3), (3, 5)]


@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_merge_applies_earlier_operators_to_its_own_items_only(batch_size) -> None:
    app = streamflow.App("merging", batch_size=batch_size, topic_partitions=2)
    web = app.topic("web-orders")
    shop = app.topic("shop-orders")
    all_orders = app.topic("all-orders")

    @app.agent(web)
    async def merge(stream):
        await (stream.map(lambda o: {**o, "channel": "web"})
                     .merge(shop)
                     .map(lambda o: {**o, "seen": True})
                     .to(all_orders))

    async with TestDriver(app) as d:
        await d.send_many([("web-orders", "c1", {"id": 1}, 1), ("shop-orders", "c1", {"id": 2}, 2),
                           ("web-orders", "c1", {"id": 3}, 3), ("shop-orders", "c2", {"id": 4}, 4)])
        merged = [(o.key, o.value) for o in d.outputs("all-orders")]
    by_key = {k: [v for kk, v in merged if kk == k] for k in ("c1", "c2")}
    assert by_key["c2"] == [{"id": 4, "seen": True}]
    # each partition's order is kept; web items went through the first map, shop items not
    assert sorted(v["id"] for v in by_key["c1"]) == [1, 2, 3]
    assert [v for v in by_key["c1"] if v["id"] in (1, 3)] == [
        {"id": 1, "channel": "web", "seen": True}, {"id": 3, "channel": "web", "seen": True}]
    assert {"id": 2, "seen": True} in by_key["c1"]


async def test_through_sends_to_a_topic_and_goes_on_with_what_it_reads_back() -> None:
    app = streamflow.App("through", topic_partitions=2)
    orders = app.topic("orders")
    audited = app.topic("audited-orders")
    got: list[tuple] = []

    @app.agent(orders)
    async def audit(stream):
        async for event in stream.map(lambda o: {**o, "audited": True}).through(audited).events():
            got.append((event.topic, event.key, event.value))

    async with TestDriver(app) as d:
        await d.send("orders", key="c1", value={"id": 1}, timestamp=7)
        [out] = d.outputs("audited-orders")
    assert (out.key, out.value, out.timestamp) == ("c1", {"id": 1, "audited": True}, 7)
    assert got == [("audited-orders", "c1", {"id": 1, "audited": True})]


def test_merge_takes_topics() -> None:
    app = streamflow.App("merge-args")
    orders = app.topic("orders")

    @app.agent(orders)
    async def bad(stream):
        stream.merge("returns")
        async for _ in stream:
            pass

    async def run() -> None:
        async with TestDriver(app):
            pass

    import asyncio
    with pytest.raises(streamflow.AgentError, match=r"merge\(\) takes topics"):
        asyncio.run(run())


@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_foreach_and_to_skip_only_the_event_they_failed_on(batch_size) -> None:
    """With on_agent_error=skip the ends of a chain fail like the agent's own loop: the failed
    event is skipped, every other one handled once."""
    app = streamflow.App("ends-skip", on_agent_error="skip", batch_size=batch_size,
                         topic_partitions=1)
    orders, out = app.topic("orders"), app.topic("out")
    handled: list[int] = []

    async def handle(order: dict) -> None:
        if order["id"] == 3:
            raise ValueError("no 3")
        handled.append(order["id"])

    @app.agent(orders)
    async def each(stream):
        await stream.foreach(handle)

    @app.agent(orders, name="forward")
    async def forward(stream):   # id 4 gets a key that is not text: it cannot be sent
        await stream.map(lambda o: streamflow.Message(o, key=4.5 if o["id"] == 4 else "k")).to(out)

    async with TestDriver(app) as d:
        await d.send_many([("orders", k, v, ts) for k, v, ts in ORDERS])
        assert sorted(o.value["id"] for o in d.outputs("out")) == [1, 2, 3, 5]
    assert handled == [1, 2, 4, 5]
