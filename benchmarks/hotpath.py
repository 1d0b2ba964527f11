"""In-process comparison of streamflow's per-event cost with the ceiling's, for workload 1.

The full benchmark (``python -m benchmarks.run``) is noisy on a shared 2-core machine, and
both contenders pay the same for aiokafka and the broker. This feeds the same pre-built
aiokafka ``ConsumerRecord`` batches (as ``getmany`` returns them) through

- streamflow: the worker's ``Dispatcher.process`` of ``benchmarks/apps/streamflow_stateless``
  and the output buffer's flush, to a producer that drops the records;
- the ceiling: ``make_stateless()`` of ``benchmarks/contenders/ceiling.py`` with its ``emit``,

and prints the CPU time per event of each, best of ``--repeat`` runs. Under valgrind the
instruction count is exact and does not depend on the machine's load: run ``--only X`` with
``--repeat 1`` and ``--repeat 3`` and divide the difference by twice ``--events``:

    python -m benchmarks.hotpath [--events 200000] [--repeat 5] [--only streamflow|ceiling]
    valgrind --tool=cachegrind --cache-sim=no python -m benchmarks.hotpath --only streamflow \
        --events 20000 --repeat 1      # then --repeat 3
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import os
import tempfile
import time

from aiokafka.structs import ConsumerRecord

from streamflow.types import TP

from . import harness as h

TOPIC = "bench-in"


def batches(events: int, batch_size: int = 2000) -> list[dict[TP, list[ConsumerRecord]]]:
    """The workload's input, cut into fetches of ``batch_size`` records over the partitions."""
    parts, _, _ = h.generate(events)
    per_partition = batch_size // len(parts)
    by_p = {p: [ConsumerRecord(TOPIC, p, i, ts, 0, k, v, None, len(k), len(v), [])
                for i, (k, v, ts) in enumerate(recs)] for p, recs in parts.items()}
    out = []
    for start in range(0, max(len(r) for r in by_p.values()), per_partition):
        out.append({TP(TOPIC, p): recs[start:start + per_partition]
                    for p, recs in by_p.items() if recs[start:start + per_partition]})
    return out


class _DropProducer:
    def __init__(self) -> None:
        self.records = 0

    async def send_batch(self, topic: str, partition: int, records: list) -> list:
        self.records += len(records)
        return []


class _AssignedConsumer:
    def __init__(self, tps: set[TP]) -> None:
        self.tps = tps

    def assignment(self) -> set[TP]:
        return self.tps


async def run_streamflow(fetches: list, repeat: int) -> tuple[float, int]:
    os.environ.update(BENCH_IN=TOPIC, BENCH_OUT="bench-out", BENCH_GROUP="bench-hotpath")
    from streamflow.runtime.worker import Worker
    app = importlib.import_module("benchmarks.apps.streamflow_stateless").app
    with tempfile.TemporaryDirectory() as data_dir:
        app.configure(broker="memory://hotpath", data_dir=data_dir, store="memory")
        worker = Worker(app)
        await worker.start()
        real, tps = worker.consumer, {TP(TOPIC, p) for p in range(h.PARTITIONS)}
        worker.consumer = _AssignedConsumer(tps)  # type: ignore[assignment]
        worker.tasks.ready |= tps
        worker.output.producer = producer = _DropProducer()  # type: ignore[assignment]
        best = float("inf")
        for _ in range(repeat):
            producer.records = 0
            start = time.process_time()
            for fetch in fetches:
                await worker.dispatcher.process(fetch)
                await worker.output.flush()
            best = min(best, time.process_time() - start)
        worker.consumer = real
        await worker.shutdown()
    return best, producer.records


def run_ceiling(fetches: list, repeat: int) -> tuple[float, int]:
    from streamflow.partitioner import Partitioner

    from .contenders.ceiling import make_stateless, run_batch
    process, partitioner = make_stateless(), Partitioner()
    best, produced = float("inf"), 0
    for _ in range(repeat):
        produced = 0
        start = time.process_time()
        for fetch in fetches:
            out = run_batch(process, fetch, partitioner, h.PARTITIONS)
            produced += sum(len(v) for v in out.values())
        best = min(best, time.process_time() - start)
    return best, produced


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=["streamflow", "ceiling"])
    ns = ap.parse_args()
    fetches = batches(ns.events)
    gc.freeze()  # the input is long-lived here, unlike fetched records: keep it out of the GC
    results = {}
    if ns.only in (None, "ceiling"):
        results["ceiling"] = run_ceiling(fetches, ns.repeat)
    if ns.only in (None, "streamflow"):
        results["streamflow"] = asyncio.run(run_streamflow(fetches, ns.repeat))
    for name, (seconds, produced) in results.items():
        print(f"{name:10s} {seconds * 1e6 / ns.events:6.3f} µs CPU/event (best of {ns.repeat}), "
              f"{produced} records produced")
    if len(results) == 2:
        print(f"ceiling/streamflow: {results['ceiling'][0] / results['streamflow'][0]:.2f}")


if __name__ == "__main__":
    main()
