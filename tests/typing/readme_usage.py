"""The README's pipelines, type-checked (tests/unit/test_typing.py runs mypy over this file):
what an IDE infers from them must be what the README says. Never imported by the tests."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, assert_type

import streamflow
from streamflow import agg


class Order(streamflow.Record):
    id: int
    customer: str
    amount: float


app = streamflow.App("orders", broker="memory://")
orders = app.topic("orders", value_type=Order, partitions=6)
large = app.topic("large-orders", value_type=Order)
assert_type(orders, streamflow.Topic)

counts = app.table("orders-per-customer", default=int)
assert_type(counts, streamflow.Table)
customers = app.table("customers", topic="customer-profiles")
assert_type(customers, streamflow.TopicTable)
per_minute = app.table("per-minute", default=int).tumbling(
    timedelta(minutes=1), grace=timedelta(seconds=10), retention=timedelta(hours=1))
assert_type(per_minute, streamflow.WindowedTable)
assert_type(per_minute.emit_to(app.topic("per-minute"), mode="final"), streamflow.WindowedTable)
assert_type(per_minute["c1"], streamflow.WindowSet)
sessions = app.table("sessions").session(30, agg=agg.count())
assert_type(sessions, streamflow.WindowedTable)
directory = app.global_table("directory", topic="customer-directory")
assert_type(directory, streamflow.GlobalTable)
paid = app.join_streams("paid", left=orders, right=app.topic("payments"), within=timedelta(minutes=5))
assert_type(paid, streamflow.StreamStreamJoinSpec)
both = app.join_tables("both", left=counts, right=customers)
assert_type(both.table, streamflow.Table)


@app.agent(orders)
async def flag_large(stream: streamflow.Stream[Order]) -> None:
    amounts = stream.map(lambda o: o.amount)
    assert_type(amounts, streamflow.Stream[float])
    async for amount in amounts.filter(lambda a: a > 1000):
        assert_type(amount, float)
    async for order, customer in stream.join(customers, kind="left"):
        assert_type(order, Order)
        assert_type(customer, Any)
    names = stream.join(customers, joiner=lambda order, row: f"{order.id}: {row['name']}")
    assert_type(names, streamflow.Stream[str])
    async for chunk in stream.take(100, within=timedelta(seconds=1)):
        assert_type(chunk, list[Order])
    async for n, order in stream.enumerate(1):
        assert_type(n, int)
        assert_type(order, Order)
    async for event in stream.events():
        assert_type(event, streamflow.Event)
    rest = stream.branch(lambda o: o.amount > 1000, large).peek(print)
    assert_type(rest, streamflow.Stream[Order])
    await rest.to(large)


async def parse(raw: bytes) -> dict[str, int]:
    return {}


@app.agent(app.topic("raw"))
async def decode(stream: streamflow.Stream[bytes]) -> None:
    assert_type(stream.map(parse), streamflow.Stream[dict[str, int]])   # an async function
    assert_type(stream.flat_map(lambda raw: raw.split(b",")), streamflow.Stream[bytes])
    await stream.foreach(print)


@app.timer(timedelta(seconds=30))
async def tick() -> None:
    counts["c1"] += 1
    per_minute["c1"] += 1
