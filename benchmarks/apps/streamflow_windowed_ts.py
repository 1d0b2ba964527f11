"""Workload 2b for streamflow: workload 2 written the way users write it when producers do not
set record timestamps: event time from a value field (``timestamp=lambda v: v["ts"]``), grace
5 s, text keys (``key_type=str``, streamflow's default), ``add(key, value)``; 60 s tumbling
count per key, every update to the output topic. The harness keys this input by text
(``b'u00042'``).

    BENCH_IN=... BENCH_OUT=... BENCH_GROUP=... STREAMFLOW_BROKER=kafka://HOST:PORT \
        streamflow worker benchmarks.apps.streamflow_windowed_ts:app
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "8"))


def make_app(processing_guarantee: str = "at_least_once") -> streamflow.App:
    app = streamflow.App(os.environ.get("BENCH_GROUP", "bench-windowed-ts"), topic_partitions=PARTITIONS,
                         processing_guarantee=processing_guarantee, key_type=str)
    events = app.topic(os.environ.get("BENCH_IN", "bench-in"), partitions=PARTITIONS)
    out = app.topic(os.environ.get("BENCH_OUT", "bench-out"), partitions=PARTITIONS)
    counts = app.table("counts", partitions=PARTITIONS).tumbling(
        60, grace=5, agg=streamflow.agg.count(), timestamp=lambda v: v["ts"])
    counts.emit_to(out, mode="update")

    @app.agent(events)
    async def count(stream):
        async for event in stream.events():
            counts.add(event.key, event.value)
    return app


app = make_app()
