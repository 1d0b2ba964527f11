"""A worker for the SASL/SSL tests: every kind of client streamflow opens.

The consumer (clicks), the producer (running counts, changelog), the admin client (topic
creation), the changelog reader (restoring ``counts`` on an empty disk) and the broadcast reader
(the foreign-key join reads ``products`` in full). ``IT_APP_KWARGS`` (JSON) holds the settings
given as ``App(...)`` keyword arguments; the test passes the others as ``STREAMFLOW_*``
variables, as a user would.
"""
import json
import os

import streamflow

P = os.environ["IT_PREFIX"]
app = streamflow.App(f"{P}app", topic_partitions=2, **json.loads(os.environ.get("IT_APP_KWARGS", "{}")))
clicks = app.topic(f"{P}clicks", partitions=2)
running = app.topic(f"{P}running-counts", partitions=2)
counts = app.table("counts", default=int, partitions=2)
app.join_foreign_key("order-products", left=app.topic(f"{P}orders", partitions=2),
                     right=app.topic(f"{P}products", partitions=1), foreign_key=lambda o: o["product"],
                     joiner=lambda o, p: {"order": o["id"], "product": p["name"]},
                     into=app.topic(f"{P}order-products", partitions=2))


@app.agent(clicks)
async def count(stream):
    async for click in stream:
        counts[click["user"]] += 1
        await running.send(click["user"], {"user": click["user"], "count": counts[click["user"]]})
