"""Flag large orders: the quick-start example.

Runs as is on the embedded broker (a timer makes up orders, so nothing else needs to run):

    streamflow worker examples.orders:app

and unchanged against Kafka:

    streamflow worker examples.orders:app --broker kafka://localhost:9092
"""
from __future__ import annotations

import os
import random
from datetime import timedelta

import streamflow


class Order(streamflow.Record):
    id: int
    customer: str
    amount: float


app = streamflow.App("orders-example")
orders = app.topic("orders", value_type=Order, partitions=4)
large_orders = app.topic("large-orders", value_type=Order, partitions=4)

_rng = random.Random(7)
_next_id = 0


@app.timer(timedelta(milliseconds=500))
async def make_up_orders() -> None:
    """Stand-in for a real producer, so the example runs with nothing else installed.
    ``ORDERS_EXAMPLE_FEED=0`` turns it off (when real orders come from elsewhere)."""
    global _next_id
    if os.environ.get("ORDERS_EXAMPLE_FEED", "1") == "0":
        return
    for _ in range(5):
        _next_id += 1
        customer = f"customer-{_rng.randint(1, 20)}"
        order = Order(id=_next_id, customer=customer, amount=round(_rng.uniform(1, 2000), 2))
        await orders.send(key=customer, value=order)


@app.agent(orders)
async def flag_large(stream: streamflow.Stream[Order]) -> None:
    """Forward orders above 1,000 to ``large-orders``, keyed (by customer) and timestamped
    like the orders they are."""
    await stream.filter(lambda o: o.amount > 1000).to(large_orders)


@app.agent(large_orders)
async def report(stream: streamflow.Stream[Order]) -> None:
    async for event in stream.events():
        print(f"large order {event.value.id} from {event.key}: {event.value.amount:.2f} "
              f"({event.topic}[{event.partition}]@{event.offset})", flush=True)
