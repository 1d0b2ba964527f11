"""Workload 3 for streamflow: events joined (left) with a 10,000-row table, tier and region
added to each event.

The table topic is keyed like the events, so a global table (every worker holds all rows,
restored before consuming starts) and a plain stream-table join express it directly.

    BENCH_IN=... BENCH_OUT=... BENCH_TABLE=... BENCH_GROUP=... STREAMFLOW_BROKER=kafka://HOST:PORT \
        streamflow worker benchmarks.apps.streamflow_enrichment:app
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "8"))
# The harness keys events by JSON strings (b'"u00042"'), the same bytes for every contender.
KEY_TYPE = os.environ.get("BENCH_KEY_TYPE", "json")
app = streamflow.App(os.environ.get("BENCH_GROUP", "bench-enrichment"), topic_partitions=PARTITIONS,
                     key_type=KEY_TYPE)
events = app.topic(os.environ.get("BENCH_IN", "bench-in"), partitions=PARTITIONS)
out = app.topic(os.environ.get("BENCH_OUT", "bench-out"), partitions=PARTITIONS)
accounts = app.global_table("accounts", topic=app.topic(os.environ.get("BENCH_TABLE", "bench-table"),
                                                         partitions=PARTITIONS))


def enrich(pair):
    event, row = pair
    if row is not None:
        event["tier"], event["region"] = row["tier"], row["region"]
    return event


@app.agent(events, sink=[out])
async def enrichment(stream):
    async for event in stream.join(accounts, kind="left").map(enrich):
        yield event
