"""Windowed count per user in 60 s tumbling windows, final results to a topic (integration tests)."""
import asyncio
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "4"))
app = streamflow.App(os.environ.get("IT_APP", "it-windowed"), topic_partitions=PARTITIONS)
clicks = app.topic(os.environ.get("IT_IN", "it-clicks"), partitions=PARTITIONS)
results = app.topic(os.environ.get("IT_OUT", "it-window-counts"), partitions=PARTITIONS)
counts = app.table("counts", partitions=PARTITIONS).tumbling(60, grace=5, agg=streamflow.agg.count())
counts.emit_to(results, mode="final")
SLOW = float(os.environ.get("IT_SLOW_MS", "0")) / 1000


@app.agent(clicks)
async def count(stream):
    async for click in stream:
        counts.add(click["user"], click)
        if SLOW and click["i"] % 100 == 0:
            await asyncio.sleep(SLOW)
