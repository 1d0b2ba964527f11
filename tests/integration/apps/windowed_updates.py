"""Count per key in 60 s tumbling windows, every update to a topic: the windowed workload of
issue 14, for the memory budget test."""
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "4"))
app = streamflow.App(os.environ.get("IT_APP", "it-windowed-updates"), topic_partitions=PARTITIONS)
events = app.topic(os.environ.get("IT_IN", "it-events"), partitions=PARTITIONS)
updates = app.topic(os.environ.get("IT_OUT", "it-window-updates"), partitions=PARTITIONS)
counts = app.table("counts", partitions=PARTITIONS).tumbling(60, agg=streamflow.agg.count())
counts.emit_to(updates, mode="update")


@app.agent(events)
async def count(stream):
    async for event in stream.events():
        counts.add(event.key)
