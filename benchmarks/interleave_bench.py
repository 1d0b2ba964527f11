"""In-process cost of the processing order when two agents' records interleave.

Agent ``book`` keeps prices in a table from one topic; agent ``quote`` reads them while
consuming another. The two topics are co-partitioned, so each task's records are merged by
timestamp and handed out in runs (one hand-off per run of consecutive records bound for the
same agent). Three inputs of the same records:

- ``blocks``: all of a partition's prices before its requests (one run per topic and fetch);
- ``alternate``: prices and requests alternate record by record (runs of one record);
- ``single``: requests only, on a single topic (no merge at all, the hot path).

``--partitions`` tasks per worker: the runs of different tasks go out together (round i
carries the i-th run of every task), so alternating costs one hand-off per record and round.

    python -m benchmarks.interleave_bench [--events 100000] [--partitions 8] [--repeat 3]
        [--batch-size 2000]

Prints CPU time per event, best of ``--repeat``; compare within one run.
"""
from __future__ import annotations

import argparse
import asyncio
import time

import orjson


def make_app(partitions: int, batch_size: int):  # noqa: ANN201 - a streamflow.App
    import streamflow
    app = streamflow.App("bench-interleave", batch_size=batch_size)
    prices = app.topic("prices", partitions=partitions)
    requests = app.topic("requests", partitions=partitions)
    book = app.table("book", partitions=partitions)

    @app.agent(prices)
    async def record(stream):
        async for event in stream.events():
            book[event.key] = event.value

    @app.agent(requests)
    async def quote(stream):
        async for event in stream.events():
            book.get(event.key)
    return app


async def one_run(shape: str, events: int, partitions: int, batch_size: int) -> float:
    from streamflow.testing import TestDriver
    driver = TestDriver(make_app(partitions, batch_size), commit_every_step=False)
    await driver.start()
    try:
        per_partition = events // partitions
        for p in range(partitions):
            key = orjson.dumps(f"k{p}")
            topics = (["prices", "requests"] * (per_partition // 2) if shape == "alternate"
                      else ["prices"] * (per_partition // 2) + ["requests"] * (per_partition // 2)
                      if shape == "blocks" else ["requests"] * per_partition)
            for i, topic in enumerate(topics):
                driver.append_raw(topic, p, key, b"1", i)
        worker = driver.worker
        began = time.process_time()
        while await worker.poll_once(0):
            pass
        elapsed = time.process_time() - began
        assert worker.events_processed == per_partition * partitions, worker.events_processed
        return elapsed
    finally:
        await driver.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=2000,
                    help="memory:// gives a fetch's budget to partitions in order: a large one "
                         "fetches every partition at once, as Kafka's fetches tend to")
    ns = ap.parse_args()
    for shape in ("single", "blocks", "alternate"):
        best = min(asyncio.run(one_run(shape, ns.events, ns.partitions, ns.batch_size))
                   for _ in range(ns.repeat))
        print(f"{shape:10s} {best * 1e6 / ns.events:6.2f} µs CPU/event (best of {ns.repeat}, "
              f"{ns.partitions} partitions)", flush=True)


if __name__ == "__main__":
    main()
