"""Workload 5 for streamflow: workload 2 (count by key in 60 s tumbling windows, every update
to the output topic) with exactly-once: the output, the changelog records and the input
offsets of each commit interval go in one Kafka transaction.

    BENCH_IN=... BENCH_OUT=... BENCH_GROUP=... STREAMFLOW_BROKER=kafka://HOST:PORT \
        streamflow worker benchmarks.apps.streamflow_eos:app
"""
from .streamflow_windowed import make_app

app = make_app("exactly_once")
