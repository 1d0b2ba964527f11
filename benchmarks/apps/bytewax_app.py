"""Workload 1 (stateless) for Bytewax, with its Kafka connector operators.

    BENCH_IN=... BENCH_OUT=... python -m bytewax.run benchmarks.apps.bytewax_app:flow

Bytewax's Kafka input assigns partitions itself and does not commit offsets to a consumer
group (it keeps its own recovery snapshots, off here), so the harness counts output records.
"""
import json
import os

import bytewax.operators as op
from bytewax.connectors.kafka import KafkaSinkMessage
from bytewax.connectors.kafka import operators as kop
from bytewax.dataflow import Dataflow

ENV = os.environ
BROKERS = [ENV.get("BENCH_BOOTSTRAP", "127.0.0.1:9092")]

flow = Dataflow("stateless")
source = kop.input("in", flow, brokers=BROKERS, topics=[ENV.get("BENCH_IN", "bench-in")])
decoded = op.map("decode", source.oks, lambda m: (m.key, json.loads(m.value)))
kept = op.filter("half", decoded, lambda kv: kv[1]["amount"] < 50.0)


def add_field(kv):
    key, event = kv
    event["amount_eur"] = event["amount"]
    return KafkaSinkMessage(key, json.dumps(event).encode())


kop.output("out", op.map("encode", kept, add_field), brokers=BROKERS, topic=ENV.get("BENCH_OUT", "bench-out"))
