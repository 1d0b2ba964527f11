"""Counts clicks per user and emits every new count, for tests/integration/test_damaged_store_kafka.py
(a store damaged on disk while the worker was down). Long user names make a store of many
blocks. ``STREAMFLOW_PROCESSING_GUARANTEE`` picks the guarantee."""
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "2"))
app = streamflow.App(os.environ.get("IT_APP", "it-damaged"), topic_partitions=PARTITIONS)
clicks = app.topic(os.environ.get("IT_IN", "it-damaged-clicks"), partitions=PARTITIONS)
out = app.topic(os.environ.get("IT_OUT", "it-damaged-counts"), partitions=PARTITIONS)
counts = app.table("counts", default=int, partitions=PARTITIONS)


@app.agent(clicks)
async def count(stream):
    async for click in stream:
        user = click["user"]
        counts[user] += 1
        await out.send(key=user, value={"user": user, "n": counts[user], "id": click["id"]})
