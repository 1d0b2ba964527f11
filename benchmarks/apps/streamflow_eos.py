"""Workload 5 for streamflow: workload 2 (count by key in 60 s tumbling windows, every update
to the output topic) with exactly-once: the output, the changelog records and the input
offsets of each commit interval go in one Kafka transaction.

    BENCH_IN=... BENCH_OUT=... BENCH_GROUP=... STREAMFLOW_BROKER=kafka://HOST:PORT \
        streamflow worker benchmarks.apps.streamflow_eos:app
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "8"))
app = streamflow.App(os.environ.get("BENCH_GROUP", "bench-eos"), topic_partitions=PARTITIONS,
                     processing_guarantee="exactly_once")
events = app.topic(os.environ.get("BENCH_IN", "bench-in"), partitions=PARTITIONS)
out = app.topic(os.environ.get("BENCH_OUT", "bench-out"), partitions=PARTITIONS)
counts = app.table("counts", partitions=PARTITIONS).tumbling(60, agg=streamflow.agg.count())
counts.emit_to(out, mode="update")


@app.agent(events)
async def count(stream):
    async for event in stream.events():
        counts.add(event.key)
