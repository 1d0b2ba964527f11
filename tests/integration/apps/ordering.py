"""Worker for the processing-order integration tests: a stream-stream left join of orders and
payments, and orders enriched from a global table of customers (topics prefixed with
``IT_PREFIX``; ``IT_PARTITIONS`` partitions)."""
import os

import streamflow

PREFIX = os.environ.get("IT_PREFIX", "it-order-")
PARTITIONS = int(os.environ.get("IT_PARTITIONS", "4"))
app = streamflow.App(PREFIX + "app", topic_partitions=PARTITIONS)
orders = app.topic(PREFIX + "orders", partitions=PARTITIONS)
payments = app.topic(PREFIX + "payments", partitions=PARTITIONS)
customers = app.global_table("customers", topic=app.topic(PREFIX + "customers", partitions=2))
paid = app.topic(PREFIX + "paid", partitions=PARTITIONS)
enriched = app.topic(PREFIX + "enriched", partitions=PARTITIONS)

app.join_streams("paid", left=orders, right=payments, within=300, kind="left", into=paid,
                 joiner=lambda o, p: {"order": o["id"], "paid": p is not None})


@app.agent(orders, sink=[enriched])
async def enrich(stream):
    async for order, customer in stream.join(customers, kind="left", key=lambda o: o["customer"]):
        yield {"order": order["id"], "tier": customer and customer["tier"]}
