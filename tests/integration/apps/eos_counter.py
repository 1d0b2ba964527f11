"""Exactly-once counting worker for tests/integration/test_exactly_once_kafka.py: every click
updates a per-user count (table) and emits ``{"user", "n", "id"}`` to the output topic."""
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "4"))
app = streamflow.App(os.environ.get("IT_APP", "it-eos"), topic_partitions=PARTITIONS,
                     processing_guarantee="exactly_once")
clicks = app.topic(os.environ.get("IT_IN", "it-eos-clicks"), partitions=PARTITIONS)
out = app.topic(os.environ.get("IT_OUT", "it-eos-counts"), partitions=PARTITIONS)
counts = app.table("counts", default=int, partitions=PARTITIONS)


@app.agent(clicks)
async def count(stream):
    async for click in stream:
        user = click["user"]
        counts[user] += 1
        await out.send(key=user, value={"user": user, "n": counts[user], "id": click["id"]})
