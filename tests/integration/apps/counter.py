"""Counting worker for the table integration tests.

``IT_GROUP_BY=1``: the input is keyed by event id, and the count goes by ``user`` through
``group_by``. ``IT_STANDBYS`` sets table_standby_replicas. ``IT_OUT``: also send every new
count to that topic, ``{"user": ..., "count": ...}`` keyed by user (the running counts show
whether an event was ever counted on a table partition that was not fully restored).
"""
import asyncio
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "4"))
app = streamflow.App(os.environ.get("IT_APP", "it-counter"), topic_partitions=PARTITIONS,
                     table_standby_replicas=int(os.environ.get("IT_STANDBYS", "0")))
clicks = app.topic(os.environ.get("IT_IN", "it-clicks"), partitions=PARTITIONS)
counts = app.table("counts", default=int, partitions=PARTITIONS,
                   changelog_config={k: v for k, v in [("segment.ms", os.environ.get("IT_SEGMENT_MS"))] if v})
SLOW = float(os.environ.get("IT_SLOW_MS", "0")) / 1000
GROUP_BY = os.environ.get("IT_GROUP_BY") == "1"
OUT = app.topic(os.environ["IT_OUT"], partitions=PARTITIONS) if os.environ.get("IT_OUT") else None


@app.agent(clicks)
async def count(stream):
    source = stream.group_by(lambda c: c["user"], name="by-user") if GROUP_BY else stream
    async for batch in source.take(100, within=0.05):
        if SLOW:
            await asyncio.sleep(SLOW)
        for click in batch:
            counts[click["user"]] += 1
            if OUT is not None:
                await OUT.send(click["user"], {"user": click["user"], "count": counts[click["user"]]})
