"""Workload 1 for streamflow: decode, keep half, add a field, produce (keyed like the input).

    BENCH_IN=... BENCH_OUT=... BENCH_GROUP=... STREAMFLOW_BROKER=kafka://HOST:PORT \
        streamflow worker benchmarks.apps.streamflow_stateless:app
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "8"))
# The harness keys events by JSON strings (b'"u00042"'), the same bytes for every contender.
KEY_TYPE = os.environ.get("BENCH_KEY_TYPE", "json")
app = streamflow.App(os.environ.get("BENCH_GROUP", "bench-stateless"), topic_partitions=PARTITIONS,
                     key_type=KEY_TYPE)
events = app.topic(os.environ.get("BENCH_IN", "bench-in"), partitions=PARTITIONS)
out = app.topic(os.environ.get("BENCH_OUT", "bench-out"), partitions=PARTITIONS)


def add_field(event: dict) -> dict:
    event["amount_eur"] = event["amount"]
    return event


@app.agent(events, sink=[out])
async def stateless(stream):
    async for event in stream.filter(lambda e: e["amount"] < 50.0).map(add_field):
        yield event
