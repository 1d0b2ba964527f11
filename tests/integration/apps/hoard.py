"""Keeps every click's payload in a table keyed by click id, for
tests/integration/test_disk_full_kafka.py: each click grows the store by about its payload, so
a small disk fills after a few hundred."""
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "2"))
app = streamflow.App(os.environ.get("IT_APP", "it-hoard"), topic_partitions=PARTITIONS)
clicks = app.topic(os.environ.get("IT_IN", "it-hoard-clicks"), partitions=PARTITIONS)
payloads = app.table("payloads", partitions=PARTITIONS)


@app.agent(clicks)
async def hoard(stream):
    async for click in stream:
        payloads[click["id"]] = click["payload"]
