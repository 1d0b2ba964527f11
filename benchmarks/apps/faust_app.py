"""The workloads for Faust (faust-streaming), written the way Faust's docs write them.

    BENCH_WORKLOAD=stateless|windowed|enrichment|eos python -m benchmarks.apps.faust_app worker -l warning

Windowed counts live in a tumbling windowed table; Faust publishes every update of a table to
its changelog topic ``{BENCH_GROUP}-counts-changelog``, which is the results topic here (the
harness creates it beforehand so that it carries broker append times). Settings kept at
Faust's defaults (in-memory table store) except: commit every 1 s like the other contenders,
web server off.
"""
import os
from datetime import timedelta

import faust

ENV = os.environ
WORKLOAD = ENV.get("BENCH_WORKLOAD", "stateless")
PARTITIONS = int(ENV.get("BENCH_PARTITIONS", "8"))

app = faust.App(
    ENV.get("BENCH_GROUP", "bench-faust"),
    broker=f"kafka://{ENV.get('BENCH_BOOTSTRAP', '127.0.0.1:9092')}",
    store="memory://",
    topic_partitions=PARTITIONS,
    broker_commit_interval=1.0,
    web_enabled=False,
    datadir=ENV.get("BENCH_DATA_DIR", "faust-data"),
    processing_guarantee="exactly_once" if WORKLOAD == "eos" else "at_least_once",
)
events = app.topic(ENV.get("BENCH_IN", "bench-in"), key_serializer="raw", value_serializer="json")
out = app.topic(ENV.get("BENCH_OUT", "bench-out"), key_serializer="raw", value_serializer="json")

if WORKLOAD == "stateless":
    @app.agent(events)
    async def stateless(stream):
        async for key, event in stream.items():
            if event["amount"] < 50.0:
                event["amount_eur"] = event["amount"]
                await out.send(key=key, value=event)

elif WORKLOAD in ("windowed", "eos"):
    counts = app.Table("counts", default=int, partitions=PARTITIONS).tumbling(
        60.0, expires=timedelta(hours=1)).relative_to_stream()

    @app.agent(events)
    async def windowed(stream):
        async for event in stream:
            counts[event["id"]] += 1

elif WORKLOAD == "enrichment":
    # The table topic is the table's changelog: Faust restores a table from its changelog
    # before its agents process anything, as a join needs. (Filling the table from an agent on
    # the table topic, as this app first did, races the events agent: the events, loaded
    # first, were processed before the rows arrived, and no output was enriched.)
    customer_topic = app.topic(ENV.get("BENCH_TABLE", "bench-customers"), key_serializer="json",
                               value_serializer="json", partitions=PARTITIONS)
    customers = app.Table("customers", partitions=PARTITIONS, changelog_topic=customer_topic)

    @app.agent(events)
    async def enrich(stream):
        async for key, event in stream.items():
            row = customers.get(event["id"])
            if row is not None:
                event["tier"], event["region"] = row["tier"], row["region"]
            await out.send(key=key, value=event)

if __name__ == "__main__":
    app.main()
