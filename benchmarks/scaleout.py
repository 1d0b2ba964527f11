"""Scale-out: 1, 2 and 4 worker processes of one app on the same broker, and what adding a
worker costs once the app has state.

    python -m benchmarks.scaleout [--events 300000] [--workers 1,2,4] [--rate 1000] [--bootstrap HOST:PORT]

For each worker count N, on workload 2's input (8 partitions; ``benchmarks/apps/streamflow_windowed``,
each worker with its own data directory, a fresh group per N):

1. **throughput**: N workers start together; events/s = input events / (broker append time of
   the last output record - of the first), as in ``benchmarks.run``. The workers' CPU time
   (user + system, ``/proc``) over the same span gives **events per CPU-second**: what one fully
   busy core processes, the figure that carries over to machines with more cores. "cores
   busy" = that CPU time / the span.
2. **rebalance with restored state**: with the N workers caught up (their windows in RocksDB
   and the changelog), a paced producer sends ``--rate`` events/s of current time, and after
   3 s one more worker starts with an empty data directory. The group moves partitions to it;
   it restores their windows from the changelog and goes on. Figures: when the new worker's
   last ``restored table`` line came (after its process start) and how many records it
   restored, and the **longest pause in output** on any partition from its start to 3 s after
   it was ready (what a consumer of the results sees as the rebalance's cost).

On a 2-core machine shared with the broker and the harness, N > 2 cannot run faster: the
figure to read is events per CPU-second, which should stay flat as N grows (no per-worker
overhead), and the rebalance pause. docs/benchmarks.md says how this carries over to a cluster.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import sys
import time
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from . import harness as h

APP = "benchmarks.apps.streamflow_windowed:app"
RESTORED = re.compile(r"restored table \w+\[(\d+)\]: (\d+) records in|table \w+\[(\d+)\] is up to date")


class Trickle:
    """A paced producer of current-time events and a reader of the output's append times."""

    def __init__(self, bootstrap: str, in_topic: str, out_topic: str, rate: int) -> None:
        self.bootstrap, self.in_topic, self.out_topic, self.rate = bootstrap, in_topic, out_topic, rate
        self.appended: dict[int, list[int]] = {p: [] for p in range(h.PARTITIONS)}  # ms, per partition
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._produce()), asyncio.create_task(self._read())]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _produce(self) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=0)
        await producer.start()
        rng, seq, sent, began = random.Random(5), 10**9, 0, time.monotonic()
        try:
            while not self._stop.is_set():
                due = int((time.monotonic() - began) * self.rate) - sent
                now = int(time.time() * 1000)
                for _ in range(max(due, 0)):
                    k, key, value = h.make_event(rng, seq, now)
                    seq += 1
                    await producer.send(self.in_topic, orjson.dumps(value), key=key,
                                        partition=h.KEY_PARTITION[k], timestamp_ms=now)
                sent += max(due, 0)
                await asyncio.sleep(0.01)
            await producer.flush()
        finally:
            await producer.stop()

    async def _read(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            tps = [TopicPartition(self.out_topic, p) for p in range(h.PARTITIONS)]
            consumer.assign(tps)
            await consumer.seek_to_end(*tps)
            while not self._stop.is_set():
                for tp, recs in (await consumer.getmany(timeout_ms=100)).items():
                    self.appended[tp.partition].extend(r.timestamp for r in recs)
        finally:
            await consumer.stop()

    def longest_pause(self, since_s: float, until_s: float) -> float | None:
        """Longest gap (s) between consecutive output records of one partition, in the span."""
        lo, hi, best = since_s * 1000, until_s * 1000, None
        for times in self.appended.values():
            inside = sorted(t for t in times if lo <= t <= hi)
            if len(inside) < 2:
                continue
            gap = max(b - a for a, b in zip(inside, inside[1:])) / 1000
            best = gap if best is None else max(best, gap)
        return best


async def one_count(bench: Any, inp: h.Input, n: int, rate: int, rebalance: bool) -> dict[str, Any]:
    group = f"scale{n}-{bench.runid}"
    out = f"out-{group}"
    await h.create_topics(bench.bootstrap, [out], config=h.LOG_APPEND)
    argv = [sys.executable, "-m", "streamflow", "worker", APP]

    def start(i: int, on_line: Any = None) -> h.Proc:
        env = bench.env("windowed", group, inp.topic, out, bench.work / group / f"w{i}")
        return h.Proc(argv, env, bench.logs / f"scaleout-{n}-w{i}.log", on_line)

    procs = [start(i) for i in range(n)]
    result: dict[str, Any] = {"workers": n}
    try:
        # 1. throughput: as harness.measure, over a process tree per worker
        deadline = time.monotonic() + 120 + inp.events / 2000
        cpu_from = None
        while True:
            for p in procs:
                p.sample_rss()
            dead = [p for p in procs if not p.alive()]
            if dead:
                return {**result, "status": f"failed: a worker exited: {dead[0].tail()}"}
            if time.monotonic() > deadline:
                return {**result, "status": "timeout"}
            produced = sum((await h.end_offsets(bench.bootstrap, out)).values())
            if produced and cpu_from is None:
                cpu_from = (sum(p.cpu_s for p in procs), produced / inp.events)
            if produced >= inp.events:
                break
            await asyncio.sleep(0.1)
        for p in procs:
            p.sample_rss()
        first, last, _ = await h.first_last_append_times(bench.bootstrap, out)
        assert first is not None and last is not None and cpu_from is not None
        seconds = max(last - first, 1e-3)
        cpu = sum(p.cpu_s for p in procs) - cpu_from[0]
        timed = inp.events * (1 - cpu_from[1])
        result.update(status="ok", events_per_s=inp.events / seconds, seconds=seconds,
                      events_per_cpu_s=timed / cpu if cpu > 0 and timed >= 20_000 else None,
                      cores_busy=cpu / seconds if timed >= 20_000 else None,
                      rss_mb=sum(p.hwm_kb for p in procs) / 1024)
        bench.log(f"{n} worker(s): {result['events_per_s']:,.0f} events/s, "
                  f"{result['events_per_cpu_s'] or 0:,.0f} events per CPU-second, "
                  f"{result['cores_busy'] or 0:.2f} cores busy, peak RSS {result['rss_mb']:.0f} MB in all"
                  + ("" if result["cores_busy"] else " (CPU: too few events to time)"))
        if rebalance:
            result.update(await add_worker(bench, inp, out, rate, start, n))
    finally:
        for p in procs:
            p.stop()
        await bench.delete_topics([out])
        shutil.rmtree(bench.work / group, ignore_errors=True)
    return result


async def add_worker(bench: Any, inp: h.Input, out: str, rate: int, start: Any, n: int) -> dict[str, Any]:
    """Step 2 of the module docstring: one more worker joins the caught-up group."""
    trickle = Trickle(bench.bootstrap, inp.topic, out, rate)
    await trickle.start()
    restored: list[tuple[float, int]] = []   # (time seen, records) per partition restored

    def on_line(t: float, line: str) -> None:
        m = RESTORED.search(line)
        if m:
            restored.append((t, int(m.group(2) or 0)))

    try:
        await asyncio.sleep(3)
        joiner = start(n, on_line)
        began = joiner.started
        try:
            deadline = time.monotonic() + 90
            while not restored and joiner.alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            # Restores end together once the assignment is known; wait for stragglers.
            settle = time.monotonic() + 3
            while time.monotonic() < settle and joiner.alive():
                await asyncio.sleep(0.1)
            joiner.sample_rss()
        finally:
            joiner.stop()
    finally:
        await trickle.stop()
    if not restored:
        return {"rebalance": "the new worker reported no restored partition"}
    ready = max(t for t, _ in restored)
    pause = trickle.longest_pause(began - 1, ready + 3)
    figures = {"joiner_ready_s": ready - began, "joiner_partitions": len(restored),
               "joiner_restored_records": sum(r for _, r in restored), "longest_pause_s": pause}
    bench.log(f"{n} -> {n + 1} workers: the new one restored {figures['joiner_restored_records']:,} "
              f"records of {len(restored)} partition(s), ready {figures['joiner_ready_s']:.1f} s after "
              f"its start; longest pause in output: {pause if pause is not None else float('nan'):.2f} s")
    return figures


def table(results: list[dict[str, Any]]) -> str:
    head = ["workers", "events/s", "events per CPU-second", "cores busy", "peak RSS MB (all workers)",
            "+1 worker: ready after start s", "its restored records (partitions)", "longest output pause s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        if r.get("status") != "ok":
            lines.append(f"| {r['workers']} | **{r.get('status')}** |" + " - |" * (len(head) - 2))
            continue

        def f(key: str, fmt: str) -> str:
            v = r.get(key)
            return "-" if v is None else format(v, fmt)
        lines.append(f"| {r['workers']} | {f('events_per_s', ',.0f')} | {f('events_per_cpu_s', ',.0f')} | "
                     f"{f('cores_busy', '.2f')} | {f('rss_mb', '.0f')} | {f('joiner_ready_s', '.1f')} | "
                     f"{f('joiner_restored_records', ',')} ({r.get('joiner_partitions', '-')}) | "
                     f"{f('longest_pause_s', '.2f')} |")
    return "\n".join(lines)


async def drive(ns: argparse.Namespace) -> list[dict[str, Any]]:
    from .run import Bench, RunningBroker, parse_args

    args = parse_args(["--events", str(ns.events), "--rounds", "1", "--contenders", "streamflow",
                       "--workloads", "windowed", "--latency-seconds", "0"]
                      + (["--results", ns.results] if ns.results else []))
    bench = Bench(args, RunningBroker(ns.bootstrap) if ns.bootstrap else getattr(ns, "broker", None))
    await bench.setup()
    results = []
    try:
        parts, passing, size = h.generate(ns.events)
        for n in ns.workers:  # an input topic per count: the rebalance step appends to it
            inp = h.Input(f"in-scale{n}-{bench.runid}", ns.events, passing, size)
            await h.create_topics(bench.bootstrap, [inp.topic])
            await h.produce(bench.bootstrap, inp.topic, parts)
            results.append(await one_count(bench, inp, n, ns.rate, not ns.no_rebalance))
            await bench.delete_topics([inp.topic])
    finally:
        if bench.own_broker and bench.broker is not None:
            bench.broker.stop()
        shutil.rmtree(bench.work, ignore_errors=True)
    text = table(results)
    print(f"\n{ns.events:,} events, workload 2, {h.PARTITIONS} partitions\n\n{text}")
    if ns.out:
        from pathlib import Path
        Path(ns.out).write_text(text + "\n")
    return results


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.scaleout", description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=300_000)
    p.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    p.add_argument("--rate", type=int, default=1000, help="events/s sent while a worker joins")
    p.add_argument("--no-rebalance", action="store_true", help="throughput only")
    p.add_argument("--bootstrap", help="HOST:PORT of a running broker (default: start one)")
    p.add_argument("--results", help="directory for the workers' logs (default benchmarks/results)")
    p.add_argument("--out", help="also write the table to this file")
    ns = p.parse_args(argv)
    ns.workers = [int(w) for w in ns.workers.split(",") if w.strip()]
    return ns


if __name__ == "__main__":
    asyncio.run(drive(parse()))
