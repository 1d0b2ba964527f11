"""The workloads for Quix Streams, written the way Quix's docs write them.

    BENCH_WORKLOAD=stateless|windowed|windowed_ts|enrichment|eos python -m benchmarks.apps.quix_app

Windowed: ``tumbling_window(60 s).count().current()`` emits every update to the output topic;
windowed_ts: the same with grace 5 s, event time from the value (the topic's
``timestamp_extractor``) and text keys.
Enrichment: ``join_asof`` (how="left") against a dataframe of the table topic. Exactly-once:
``processing_guarantee="exactly-once"``. Settings at Quix defaults except: start from the
earliest offset and commit every 1 s like the other contenders.
"""
import os
from datetime import timedelta

from quixstreams import Application

ENV = os.environ
WORKLOAD = ENV.get("BENCH_WORKLOAD", "stateless")

app = Application(
    broker_address=ENV.get("BENCH_BOOTSTRAP", "127.0.0.1:9092"),
    consumer_group=ENV.get("BENCH_GROUP", "bench-quix"),
    auto_offset_reset="earliest",
    commit_interval=1.0,
    state_dir=ENV.get("BENCH_DATA_DIR", "quix-state"),
    processing_guarantee="exactly-once" if WORKLOAD == "eos" else "at-least-once",
    loglevel="WARNING",
)
if WORKLOAD == "windowed_ts":  # event time from the value, text keys (the input is keyed by text)
    events = app.topic(ENV.get("BENCH_IN", "bench-in"), key_deserializer="str", value_deserializer="json",
                       timestamp_extractor=lambda value, headers, timestamp, timestamp_type: value["ts"])
    out = app.topic(ENV.get("BENCH_OUT", "bench-out"), key_serializer="str", value_serializer="json")
else:
    events = app.topic(ENV.get("BENCH_IN", "bench-in"), key_deserializer="bytes", value_deserializer="json")
    out = app.topic(ENV.get("BENCH_OUT", "bench-out"), key_serializer="bytes", value_serializer="json")
sdf = app.dataframe(events)

if WORKLOAD == "stateless":
    sdf = sdf.filter(lambda e: e["amount"] < 50.0)
    sdf["amount_eur"] = sdf["amount"]
elif WORKLOAD in ("windowed", "eos"):
    sdf = sdf.tumbling_window(timedelta(seconds=60)).count().current()
elif WORKLOAD == "windowed_ts":
    sdf = sdf.tumbling_window(timedelta(seconds=60), grace_ms=timedelta(seconds=5)).count().current()
elif WORKLOAD == "enrichment":
    customers = app.topic(ENV.get("BENCH_TABLE", "bench-customers"), key_deserializer="bytes",
                          value_deserializer="json")
    rows = app.dataframe(customers).apply(lambda r: {"tier": r["tier"], "region": r["region"]})
    sdf = sdf.join_asof(rows, how="left", on_merge="keep-left")

sdf.to_topic(out)

if __name__ == "__main__":
    app.run()
