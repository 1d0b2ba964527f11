"""Joins: orders enriched with customers, and payments matched to orders within 5 minutes.

    streamflow worker examples.joins:app                       # embedded broker, fed by a timer
    streamflow worker examples.joins:app --broker kafka://localhost:9092

``JOINS_EXAMPLE_FEED=0`` turns the made-up traffic off (when real events come from elsewhere).
Topic names can be changed with ``JOINS_PREFIX`` (the integration tests use it).
"""
from __future__ import annotations

import os
import random
from datetime import timedelta

import streamflow

PREFIX = os.environ.get("JOINS_PREFIX", "")
PARTITIONS = 4
app = streamflow.App(f"{PREFIX}joins-example", topic_partitions=PARTITIONS)
customers = app.topic(f"{PREFIX}customers")
orders = app.topic(f"{PREFIX}orders")
payments = app.topic(f"{PREFIX}payments")
enriched = app.topic(f"{PREFIX}orders-enriched")
paid = app.topic(f"{PREFIX}orders-paid")

# stream-table: the customers topic read as a table (Kafka Streams' builder.table): the latest
# record per customer id, a record with value None deletes one. Co-partitioned with orders
# (same key, same partition count); the topic is its changelog.
customer_table = app.table("customers", topic=customers)


@app.agent(orders, sink=[enriched])
async def enrich(stream):
    """Orders are keyed by customer id; a left join keeps orders of unknown customers."""
    async for order, customer in stream.join(customer_table, kind="left"):
        yield {**order, "customer_name": None if customer is None else customer["name"]}


# stream-stream: payments (keyed by order id) matched to orders (keyed by order id) within 5 min
order_ids = app.topic(f"{PREFIX}orders-by-id")


@app.agent(orders, sink=[order_ids])
async def by_order_id(stream):
    async for order in stream:
        yield streamflow.Message(value=order, key=order["id"])


app.join_streams("payments", left=order_ids, right=payments, within=timedelta(minutes=5),
                 grace=timedelta(minutes=1), kind="left",
                 joiner=lambda order, payment: {"order": order["id"], "amount": order["amount"],
                                                "paid": None if payment is None else payment["amount"]},
                 into=paid)

_rng = random.Random(11)
_n = 0


@app.timer(timedelta(seconds=1), on_start=True)
async def make_up_traffic() -> None:
    """Stand-in producers so the example runs with nothing else installed."""
    global _n
    if os.environ.get("JOINS_EXAMPLE_FEED", "1") == "0":
        return
    if _n == 0:
        for c in range(1, 6):
            await customers.send(key=f"c{c}", value={"name": f"Customer {c}"})
    for _ in range(3):
        _n += 1
        order = {"id": f"o{_n}", "customer": f"c{_rng.randint(1, 7)}", "amount": _rng.randint(5, 500)}
        await orders.send(key=order["customer"], value=order)
        if _rng.random() < 0.7:
            await payments.send(key=order["id"], value={"order": order["id"], "amount": order["amount"]})


@app.agent(enriched)
async def show_enriched(stream):
    async for order in stream:
        print(f"order {order['id']} by {order['customer_name'] or 'unknown customer'}: {order['amount']}", flush=True)


@app.agent(paid)
async def show_paid(stream):
    async for row in stream:
        print(f"order {row['order']}: " + (f"paid {row['paid']}" if row["paid"] is not None else "NOT PAID within 5 min"), flush=True)
