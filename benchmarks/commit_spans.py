"""Where a commit's time goes: the windowed workload at-least-once vs exactly-once, on a broker.

    python -m benchmarks.commit_spans [--events 300000] [--commit-interval 1.0] [--bootstrap HOST:PORT]

Loads workload 2's input once, then runs ``benchmarks/apps/streamflow_windowed`` (at-least-once)
and ``streamflow_eos`` (the same app, exactly-once) one after the other, each as its own worker
process started through this module (``python -m benchmarks.commit_spans worker MODULE:ATTR``),
which puts timers around the commit path's steps before it runs ``streamflow worker``:

=====================  =================================================================================
span                   what it times
=====================  =================================================================================
wait                   the loop waits for the commit in flight (before the next one, or exactly-once when
                       the output held for the next transaction passed ``flush_at``): processing stopped
begin                  the commit's first half (processing is stopped: the worker holds its lock)
 prepare_commit        the tables freeze their pending writes and turn them into changelog records
 lease                 at-least-once: the group lease check (a heartbeat round trip at most)
complete               the commit's second half, in the background (processing goes on meanwhile)
 acks                  the sends this commit covers acknowledged (output and changelog records)
 verify_changelog      at-least-once: the changelog ownership check
 offset_commit         at-least-once: the consumer's ``OffsetCommit``
 commit_transaction    exactly-once: the transport's ``commit_transaction``, of which:
  send_offsets         aiokafka ``send_offsets_to_transaction``: ``AddOffsetsToTxn`` + ``TxnOffsetCommit``
  end_txn              aiokafka ``commit_transaction``: ``EndTxn`` (markers written by the broker)
 finish_commit         the stores write their frozen layers (RocksDB)
begin_transaction      exactly-once: aiokafka ``begin_transaction``, on the first send after a commit
=====================  =================================================================================

Each span sums, over the run, its wall time and how the worker's main thread (the event loop)
spent it, from ``/proc/thread-self/schedstat``: on a CPU, or runnable but waiting for one
(other processes had the cores: the machine's load, not the commit's cost). The rest is time
off the CPU with nothing to run: waiting for the broker's answers. ``complete`` and its spans
run while the loop goes on processing, so their CPU share counts that processing too: their
wall time is how long a commit stays in flight, not a stop. The timers wrap named methods of
the commit path's documented interfaces (``CommitParticipant``, ``OutputBuffer.acks``, the
Kafka transport's consumer
and producer, aiokafka's transaction API); one that is not found (the runtime moved it) is
listed as such, nothing fails. Not a throughput figure: timers and two workloads back to back
on a shared machine; use the ratios of spans to the run within one process.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import functools
import importlib
import inspect
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

SPANS_ENV = "BENCH_SPANS_OUT"

# (span, parent span or "", module, class, method)
HOOKS = [
    ("wait", "", "streamflow.runtime.committer", "Committer", "wait"),
    ("begin", "", "streamflow.runtime.commits", "AtLeastOnceCommit", "begin"),
    ("begin", "", "streamflow.runtime.commits", "ExactlyOnceCommit", "begin"),
    ("prepare_commit", "begin", "streamflow.runtime.tables", "TableManager", "prepare_commit"),
    ("lease", "begin", "streamflow.runtime.transport.kafka_consumer", "KafkaConsumer", "lease"),
    ("complete", "", "streamflow.runtime.commits", "AtLeastOnceCommit", "complete"),
    ("complete", "", "streamflow.runtime.commits", "ExactlyOnceCommit", "complete"),
    ("acks", "complete", "streamflow.runtime.output", "OutputBuffer", "acks"),
    ("verify_changelog", "complete", "streamflow.runtime.tables", "TableManager", "verify_changelog"),
    ("offset_commit", "complete", "streamflow.runtime.transport.kafka_consumer", "KafkaConsumer", "commit"),
    ("commit_transaction", "complete", "streamflow.runtime.transport.kafka_producer", "KafkaProducer", "commit_transaction"),
    ("send_offsets", "commit_transaction", "aiokafka", "AIOKafkaProducer", "send_offsets_to_transaction"),
    ("end_txn", "commit_transaction", "aiokafka", "AIOKafkaProducer", "commit_transaction"),
    ("finish_commit", "complete", "streamflow.runtime.tables", "TableManager", "finish_commit"),
    ("begin_transaction", "", "aiokafka", "AIOKafkaProducer", "begin_transaction"),
]


def _sched() -> tuple[float, float]:
    """(CPU seconds, seconds runnable but waiting for a CPU) of the calling thread."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            on_cpu, waiting, _ = f.read().split()
        return int(on_cpu) / 1e9, int(waiting) / 1e9
    except (OSError, ValueError):
        return time.thread_time(), 0.0


class Spans:
    """Per span: calls, wall seconds, CPU seconds, seconds waiting for a CPU. A span nested in
    itself (a subclass's ``commit`` calling its base's) counts once."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.runqueue: dict[str, float] = {}
        self.missing: list[str] = []
        self._open: set[str] = set()
        self.started = time.perf_counter()

    def enter(self, span: str) -> tuple[float, float, float] | None:
        if span in self._open:
            return None
        self._open.add(span)
        return (time.perf_counter(), *_sched())

    def leave(self, span: str, began: tuple[float, float, float] | None) -> None:
        if began is None:
            return
        cpu, waiting = _sched()
        self._open.discard(span)
        self.calls[span] = self.calls.get(span, 0) + 1
        self.wall[span] = self.wall.get(span, 0.0) + time.perf_counter() - began[0]
        self.cpu[span] = self.cpu.get(span, 0.0) + cpu - began[1]
        self.runqueue[span] = self.runqueue.get(span, 0.0) + waiting - began[2]

    def as_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "wall": self.wall, "cpu": self.cpu, "runqueue": self.runqueue,
                "missing": self.missing, "process_cpu": time.process_time(),
                "process_wall": time.perf_counter() - self.started}


def _timed(spans: Spans, span: str, fn: Any) -> Any:
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            began = spans.enter(span)
            try:
                return await fn(*args, **kwargs)
            finally:
                spans.leave(span, began)
        return timed_async

    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        began = spans.enter(span)
        try:
            return fn(*args, **kwargs)
        finally:
            spans.leave(span, began)
    return timed


def install(spans: Spans) -> None:
    """Wrap every hook that exists (in this process only)."""
    for span, _, module, cls, method in HOOKS:
        try:
            owner = getattr(importlib.import_module(module), cls)
            fn = owner.__dict__[method]    # defined on this class itself, not inherited
        except (ImportError, AttributeError, KeyError):
            spans.missing.append(f"{module}.{cls}.{method}")
            continue
        setattr(owner, method, _timed(spans, span, fn))


def run_worker(app_spec: str) -> None:
    """``streamflow worker APP`` with the timers; the spans go to $BENCH_SPANS_OUT at exit."""
    spans = Spans()
    install(spans)
    out = os.environ.get(SPANS_ENV)
    if out:
        atexit.register(lambda: Path(out).write_text(json.dumps(spans.as_json())))
    from streamflow.cli.main import main
    main(["worker", app_spec], prog_name="streamflow")


# ------------------------------------------------------------------------------ the driver
def table(results: dict[str, dict[str, Any]]) -> str:
    """Markdown: per span and workload, total wall s, share of the run, ms per commit, and that
    time split into on a CPU / waiting for a CPU / waiting for the broker (the rest)."""
    names = list(results)
    head = ["span"] + [f"{n}: s (% of run), ms/commit, CPU / run queue / broker %" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    parents = {span: parent for span, parent, *_ in HOOKS}
    order = list(dict.fromkeys(span for span, *_ in HOOKS))
    for span in order:
        depth = 0
        p = parents[span]
        while p:
            depth, p = depth + 1, parents[p]
        row = ["&nbsp;&nbsp;" * depth + span]
        for n in names:
            r = results[n]
            wall, calls = r["spans"]["wall"].get(span), r["spans"]["calls"].get(span, 0)
            commits = max(r["spans"]["calls"].get("begin", 0), 1)
            if not wall:
                row.append("-")
                continue
            cpu = 100 * r["spans"]["cpu"].get(span, 0.0) / wall
            queued = 100 * r["spans"].get("runqueue", {}).get(span, 0.0) / wall
            row.append(f"{wall:.2f} ({100 * wall / r['seconds']:.0f}%), {1000 * wall / commits:.1f}, "
                       f"{cpu:.0f} / {queued:.0f} / {max(0.0, 100 - cpu - queued):.0f}"
                       + ("" if calls == commits or span == "begin" else f" ({calls} calls)"))
        lines.append("| " + " | ".join(row) + " |")
    lines.append("| run: events/s (s), commits | " + " | ".join(
        f"{r['events_per_s']:,.0f} ({r['seconds']:.1f} s), {r['spans']['calls'].get('begin', 0)}"
        for r in results.values()) + " |")
    return "\n".join(lines)


async def drive(ns: argparse.Namespace) -> dict[str, dict[str, Any]]:
    from . import harness as h
    from .run import Bench, RunningBroker, parse_args

    args = parse_args(["--events", str(ns.events), "--rounds", "1", "--contenders", "streamflow",
                       "--workloads", "windowed", "--latency-seconds", "0"]
                      + (["--results", ns.results] if ns.results else []))
    bench = Bench(args, RunningBroker(ns.bootstrap) if ns.bootstrap else getattr(ns, "broker", None))
    await bench.setup()
    results: dict[str, dict[str, Any]] = {}
    try:
        inp = await bench.load_input("windowed")
        for workload, module in (("windowed", "streamflow_windowed"), ("eos", "streamflow_eos")):
            group = f"spans-{workload}-{bench.runid}"
            out = f"out-{group}"
            await h.create_topics(bench.bootstrap, [out], config=h.LOG_APPEND)
            spans_file = bench.work / f"{group}.json"
            env = bench.env(workload, group, inp.topic, out, bench.work / group)
            env.update({SPANS_ENV: str(spans_file), "STREAMFLOW_COMMIT_INTERVAL": str(ns.commit_interval),
                        "STREAMFLOW_LOG_LEVEL": "WARNING"})
            argv = [sys.executable, "-m", "benchmarks.commit_spans", "worker", f"benchmarks.apps.{module}:app"]
            proc = h.Proc(argv, env, bench.logs / f"commit-spans-{workload}.log")
            try:
                run = await h.measure(proc, bootstrap=bench.bootstrap, run=h.Run(workload, "streamflow", 0),
                                      events=inp.events, in_topic=inp.topic, out_topic=out,
                                      expected_out=inp.events, group=group, eos=workload == "eos",
                                      timeout=120 + inp.events / 2000)
            finally:
                proc.stop(grace=30)
            if run.status != "ok" or not spans_file.exists():
                print(f"{workload}: {run.status} {run.reason} (no spans: see {proc.log_path})")
                continue
            spans = json.loads(spans_file.read_text())
            results[workload] = {"events_per_s": run.events_per_s, "seconds": run.seconds, "spans": spans}
            bench.log(f"{workload}: {run.events_per_s:,.0f} events/s, {spans['calls'].get('begin', 0)} commits"
                      + (f"; hooks not found: {', '.join(spans['missing'])}" if spans["missing"] else ""))
            await bench.delete_topics([out])
            shutil.rmtree(bench.work / group, ignore_errors=True)
    finally:
        if bench.own_broker and bench.broker is not None:
            bench.broker.stop()
        shutil.rmtree(bench.work, ignore_errors=True)
    if results:
        text = table(results)
        print("\n" + text)
        if ns.out:
            Path(ns.out).write_text(text + "\n" + json.dumps(results, indent=1) + "\n")
    return results


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        run_worker(argv[1])
        return
    asyncio.run(drive(parse(argv)))


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.commit_spans", description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=300_000)
    p.add_argument("--commit-interval", type=float, default=1.0, help="seconds (streamflow's default: 1)")
    p.add_argument("--bootstrap", help="HOST:PORT of a running broker (default: start one)")
    p.add_argument("--results", help="directory for the workers' logs (default benchmarks/results)")
    p.add_argument("--out", help="also write the table and the raw spans (JSON) to this file")
    return p.parse_args(argv)


if __name__ == "__main__":
    main()
