"""In-process micro benchmark of workload 2 (windowed count, RocksDB + changelog, update mode).

The full benchmark (``python -m benchmarks.run``) measures against a real broker, which on a
shared 2-core machine is noisy. This runs the same app (``benchmarks/apps/streamflow_windowed``)
on the in-memory transport with RocksDB stores: fetch, decode, the agent, the window update,
the emitted record and the commit (changelog records + RocksDB write), without Kafka's client
or broker. Use it to compare two versions of the windowed path; report throughput with the
real harness.

    python -m benchmarks.windowed_bench [--events 300000] [--repeat 5] [--commit-every 50000]
        [--profile out.prof] [--text-keys] [--value-time]

``--text-keys`` keys the events by plain text (``u00042``) and runs the app with text keys
(``BENCH_KEY_TYPE=str``, streamflow's default) instead of the harness's JSON keys: results are
then spliced with the key as a JSON string. ``--value-time`` runs workload 2b's app instead
(``benchmarks/apps/streamflow_windowed_ts``: event time from the value's ``ts``, grace 5 s,
text keys; implies ``--text-keys``).

Prints the CPU time (process time, less sensitive to other processes than wall time) per run,
the median and the best in events/s. On a shared machine compare the best of several runs.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import os
import statistics
import sys
import tempfile
import time


async def one_run(parts: dict, commit_every: int, profile: cProfile.Profile | None,
                  app_module: str = "benchmarks.apps.streamflow_windowed") -> float:
    os.environ.update(BENCH_IN="bench-in", BENCH_OUT="bench-out", BENCH_GROUP="bench-windowed")
    from streamflow.testing import TestDriver
    sys.modules.pop(app_module, None)
    module = importlib.import_module(app_module)
    events = sum(len(records) for records in parts.values())
    with tempfile.TemporaryDirectory(prefix="windowed-bench-") as tmp:
        driver = TestDriver(module.app, store="rocksdb", data_dir=tmp, commit_every_step=False)
        await driver.start()
        try:
            for p, records in parts.items():
                for key, value, ts in records:
                    driver.append_raw("bench-in", p, key, value, ts)
            worker = driver.worker
            if profile is not None:
                profile.enable()
            began = time.process_time()
            since_commit = 0
            while True:
                fetched = await worker.poll_once(0)
                since_commit += fetched
                if fetched == 0 or since_commit >= commit_every:
                    await worker.commit()
                    since_commit = 0
                if fetched == 0:
                    break
            elapsed = time.process_time() - began
            if profile is not None:
                profile.disable()
            assert worker.events_processed == events, worker.events_processed
            assert worker.output.sent >= events, worker.output.sent
        finally:
            await driver.stop()
    return elapsed


def as_text_keys(parts: dict) -> dict:
    """The same events keyed by plain text (b'u00042' for b'"u00042"'), on the partitions the
    default partitioner gives those bytes, in timestamp order per partition."""
    from streamflow.partitioner import partition_for
    out: dict[int, list] = {p: [] for p in parts}
    for records in parts.values():
        for key, value, ts in records:
            text = key[1:-1]
            out[partition_for(text, len(parts))].append((text, value, ts))
    return {p: sorted(records, key=lambda r: r[2]) for p, records in out.items()}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=300_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--commit-every", type=int, default=50_000)
    p.add_argument("--profile", help="write a cProfile of the last run to this file")
    p.add_argument("--text-keys", action="store_true", help="plain text keys (the default key type)")
    p.add_argument("--value-time", action="store_true",
                   help="workload 2b's app: event time from the value, grace 5 s, text keys")
    ns = p.parse_args(argv)
    app_module = "benchmarks.apps.streamflow_windowed" + ("_ts" if ns.value_time else "")
    ns.text_keys = ns.text_keys or ns.value_time
    from benchmarks import harness as h
    parts, _, _ = h.generate(ns.events)
    if ns.text_keys:
        parts = as_text_keys(parts)
        os.environ["BENCH_KEY_TYPE"] = "str"
    times = []
    for i in range(ns.repeat):
        prof = cProfile.Profile() if ns.profile and i == ns.repeat - 1 else None
        t = asyncio.run(one_run(parts, ns.commit_every, prof, app_module))
        times.append(t)
        print(f"run {i}: {t:.2f} s CPU, {ns.events / t:,.0f} events/s", flush=True)
        if prof is not None:
            prof.dump_stats(ns.profile)
    med = statistics.median(times)
    print(f"median: {med:.2f} s CPU, {ns.events / med:,.0f} events/s (min {ns.events / max(times):,.0f}, "
          f"max {ns.events / min(times):,.0f})")
    print(f"best: {min(times):.3f} s CPU")


if __name__ == "__main__":
    main()
