"""Workload 2 for streamflow: count by key in 60 s tumbling windows (RocksDB + changelog),
every update to the output topic, as the ceiling and Quix Streams do.

    BENCH_IN=... BENCH_OUT=... BENCH_GROUP=... STREAMFLOW_BROKER=kafka://HOST:PORT \
        streamflow worker benchmarks.apps.streamflow_windowed:app
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "8"))


def make_app(processing_guarantee: str = "at_least_once") -> streamflow.App:
    """The app; workload 5 (benchmarks/apps/streamflow_eos.py) is it with exactly-once."""
    # The harness keys events by JSON strings (b'"u00042"'), the same bytes for every
    # contender; BENCH_KEY_TYPE=str measures text keys (benchmarks/windowed_bench.py --text-keys).
    app = streamflow.App(os.environ.get("BENCH_GROUP", "bench-windowed"), topic_partitions=PARTITIONS,
                         processing_guarantee=processing_guarantee,
                         key_type=os.environ.get("BENCH_KEY_TYPE", "json"))
    events = app.topic(os.environ.get("BENCH_IN", "bench-in"), partitions=PARTITIONS)
    out = app.topic(os.environ.get("BENCH_OUT", "bench-out"), partitions=PARTITIONS)
    counts = app.table("counts", partitions=PARTITIONS).tumbling(60, agg=streamflow.agg.count())
    counts.emit_to(out, mode="update")

    @app.agent(events)
    async def count(stream):
        async for event in stream.events():
            counts.add(event.key)
    return app


app = make_app()
