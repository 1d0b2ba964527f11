"""Workload 4 for streamflow: a worker whose table ``t`` (8 partitions) is restored from its
changelog ``{BENCH_GROUP}-t-changelog`` at start. The harness pre-fills the changelog and reads
the worker's ``restoring table``/``restored table`` log lines.
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "8"))
# The harness keys events by JSON strings (b'"u00042"'), the same bytes for every contender.
KEY_TYPE = os.environ.get("BENCH_KEY_TYPE", "json")
app = streamflow.App(os.environ.get("BENCH_GROUP", "bench-restore"), topic_partitions=PARTITIONS,
                     key_type=KEY_TYPE)
source = app.topic(os.environ.get("BENCH_IN", "bench-restore-in"), partitions=PARTITIONS)
t = app.table("t", partitions=PARTITIONS)


@app.agent(source)
async def update(stream):
    async for event in stream:
        t[event["id"]] = event
