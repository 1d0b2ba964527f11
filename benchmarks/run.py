"""Benchmarks against the ceiling and the peers, side by side in one run.

    python -m benchmarks.run [--quick] [--workloads stateless,windowed,...] \
        [--contenders streamflow,ceiling,...] [--rounds N] [--events N]

Starts a throwaway Kafka broker, loads each workload's input once, and runs every contender as
its own process on that input, one after another, rotating the order every round. Writes
``benchmarks/results/<timestamp>.md`` (+ ``.json``, ``.png``) and ``latest.md``. How each
figure is measured: see ``benchmarks/harness.py`` and docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streamflow.testing.kafka_broker import DEFAULT_VERSION, KafkaBroker

from . import harness as h
from . import validate
from .contenders import kafka_perf
from .latency import Latency

WORKLOADS = ["stateless", "windowed", "windowed_ts", "enrichment", "restore", "eos"]
TITLES = {"stateless": "1. stateless (decode, filter half, add a field, produce)",
          "windowed": "2. stateful (count per key, 60 s tumbling windows, every update to a topic)",
          "windowed_ts": "2b. workload 2 with event time from the value (`timestamp=lambda v: v[\"ts\"]`), "
                         "grace 5 s, text keys",
          "enrichment": "3. enrichment (stream-table left join, 10,000-row table)",
          "restore": "4. recovery (restore a table from its changelog; records/s)",
          "eos": "5. exactly-once variant of workload 2"}
CONTENDERS = ["streamflow", "ceiling", "kafka-produce", "kafka-consume", "faust", "quix", "bytewax"]
# The releases the apps were written and checked against: a new minor release may change the
# APIs they use (a venv made for an older spec is remade).
PEERS = {"faust": "faust-streaming==0.15.*", "quix": "quixstreams==3.28.*", "bytewax": "bytewax[kafka]==0.21.*"}
NOT_WRITTEN = {"faust": "not written for Faust (2b would need a Record model for relative_to_field; "
                        "it is capped on workload 2 already)",
               "quix": "not written for Quix",
               "bytewax": "not written for this peer (Bytewax is optional here)"}
# Contenders that do not commit offsets to the consumer group (Bytewax keeps its own recovery
# snapshots): their runs end at their last output, without waiting for a commit.
NO_GROUP_COMMITS = {"bytewax"}
# Events per run for contenders far too slow for the full input (Faust: ~1-3k events/s, so
# 300,000 events would take minutes per run and time out): they get a smaller input of their
# own (the first N events of the same generator), and the report says so. --cap changes it.
DEFAULT_CAPS = {"faust": 30_000}
PEER_SUPPORT = {"faust": {"stateless", "windowed", "enrichment", "eos"},
                "quix": {"stateless", "windowed", "windowed_ts", "enrichment", "eos"},
                "bytewax": {"stateless"}}
STREAMFLOW_APPS = {"stateless": "streamflow_stateless", "windowed": "streamflow_windowed",
                   "windowed_ts": "streamflow_windowed_ts",
                   "enrichment": "streamflow_enrichment", "restore": "streamflow_restore",
                   "eos": "streamflow_eos"}
TEXT_KEYED = {"windowed_ts"}          # inputs keyed by text (b'u00042'), not JSON
LATENCY_WORKLOADS = ("stateless", "windowed", "windowed_ts")
RESULTS = h.BENCH / "results"
VENVS = h.BENCH / ".venvs"


class NotAvailable(Exception):
    """The contender cannot do this workload (shown as n/a with the reason)."""


# ------------------------------------------------------------------------------- peers' venvs
def ensure_venv(name: str) -> tuple[str, str]:
    """Create ``benchmarks/.venvs/<name>`` once and install the peer from PyPI into it; reuse it
    afterwards. Returns (python, version); raises NotAvailable with pip's reason."""
    venv, spec = VENVS / name, PEERS[name]
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists() or marker.read_text().strip() != spec:
        print(f"[bench] creating {venv} and installing {spec} (once)", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        res = subprocess.run([str(python), "-m", "pip", "install", "-q", spec],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise NotAvailable(f"pip install {spec} failed: {' '.join((res.stdout + res.stderr).split())[-400:]}")
        marker.write_text(spec + "\n")
    dist = re.split(r"[\[=<>]", spec)[0]
    res = subprocess.run([str(python), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise NotAvailable(f"{dist} does not import in {venv}: {res.stderr.strip()[-300:]}")
    return str(python), res.stdout.strip()


# ----------------------------------------------------------------------------------- context
class Bench:
    """One benchmark run. ``broker``: a running broker to use (anything with ``bootstrap``,
    ``url`` and ``version``; the smoke test passes the test suite's) instead of starting one."""

    def __init__(self, args: argparse.Namespace, broker: Any = None) -> None:
        self.args = args
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.runid = f"{self.stamp[-6:]}{os.getpid() % 1000:03d}"
        self.work = Path(tempfile.mkdtemp(prefix="streamflow-bench-"))
        self.results = Path(getattr(args, "results", None) or RESULTS)
        self.logs = self.results / "logs" / self.stamp
        self.own_broker = broker is None
        self.broker: Any = broker
        self.pythons: dict[str, str] = {}
        self.unavailable: dict[str, str] = {}
        self.versions: dict[str, str] = {}
        self.runs: list[h.Run] = []
        self.latency: dict[tuple[str, str], dict] = {}
        self.restarts: dict[str, list[float]] = {}
        self.inputs: dict[tuple[str, int], h.Input] = {}   # (workload, events) -> loaded input
        self.java = shutil.which("java") or "java"
        self.perf_cp: str | None = None
        self.timed_out: set[tuple[str, str]] = set()

    @property
    def bootstrap(self) -> str:
        assert self.broker is not None
        return self.broker.bootstrap

    def log(self, msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def contender_order(self, rnd: int) -> list[str]:
        cs = self.args.contenders
        k = rnd % len(cs)
        return cs[k:] + cs[:k]

    # -------------------------------------------------------------------- commands per contender
    def command(self, contender: str, workload: str) -> list[str]:
        if contender in self.unavailable:
            raise NotAvailable(self.unavailable[contender])
        if contender == "streamflow":
            module = STREAMFLOW_APPS[workload]
            if not (h.BENCH / "apps" / f"{module}.py").exists():
                raise NotAvailable("n/a (not implemented yet)")
            return [sys.executable, "-m", "streamflow", "worker", f"benchmarks.apps.{module}:app"]
        if contender == "ceiling":
            return [sys.executable, "-m", "benchmarks.contenders.ceiling", workload]
        if contender in ("kafka-produce", "kafka-consume"):
            if workload != "stateless":
                raise NotAvailable("reference for workload 1 only")
            if self.perf_cp is None:
                raise NotAvailable(self.unavailable.get("kafka-perf", "perf tools not available"))
            return []
        if contender in PEERS:
            if workload == "restore":
                raise NotAvailable("not measured: each framework has its own changelog format "
                                   "and this harness pre-fills streamflow's")
            if workload not in PEER_SUPPORT[contender]:
                raise NotAvailable(NOT_WRITTEN[contender])
            python = self.pythons[contender]
            if contender == "faust":
                return [python, "-m", "benchmarks.apps.faust_app", "worker", "-l", "warn"]
            if contender == "quix":
                return [python, "-m", "benchmarks.apps.quix_app"]
            return [python, "-m", "bytewax.run", "benchmarks.apps.bytewax_app:flow"]
        raise NotAvailable(f"unknown contender {contender}")

    def env(self, workload: str, group: str, in_topic: str, out_topic: str | None,
            data_dir: Path) -> dict[str, str]:
        data_dir.mkdir(parents=True, exist_ok=True)
        return {"BENCH_BOOTSTRAP": self.bootstrap, "BENCH_IN": in_topic, "BENCH_OUT": out_topic or "",
                "BENCH_GROUP": group, "BENCH_WORKLOAD": workload,
                "BENCH_TABLE": f"customers-{self.runid}", "BENCH_PARTITIONS": str(h.PARTITIONS),
                "BENCH_DATA_DIR": str(data_dir), "STREAMFLOW_BROKER": self.broker.url,  # type: ignore[union-attr]
                "STREAMFLOW_DATA_DIR": str(data_dir), "STREAMFLOW_LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1"}

    # ------------------------------------------------------------------------------- setup
    async def setup(self) -> None:
        if self.broker is None:
            self.log(f"starting the broker in {self.work / 'broker'}")
            self.broker = KafkaBroker(workdir=self.work / "broker", heap="1g").start()
        self.versions["Apache Kafka broker"] = getattr(self.broker, "version", "?")
        for name in [c for c in self.args.contenders if c in PEERS]:
            try:
                self.pythons[name], version = ensure_venv(name)
                self.versions[re.split(r"[\[=<>]", PEERS[name])[0]] = version
            except NotAvailable as exc:
                self.unavailable[name] = f"not installed: {exc}"
                self.log(f"{name}: {exc}")
        if {"kafka-produce", "kafka-consume"} & set(self.args.contenders):
            try:
                self.perf_cp = kafka_perf.tools_classpath()
            except Exception as exc:  # noqa: BLE001
                self.unavailable["kafka-perf"] = f"perf tools not available: {exc}"
        import importlib.metadata as md
        for dist in ("streamflow", "aiokafka", "orjson", "rocksdict"):
            self.versions[dist] = md.version(dist)
        java = subprocess.run([self.java, "-version"], capture_output=True, text=True).stderr.splitlines()
        self.versions["java"] = java[0] if java else "?"

    def events_for(self, contender: str) -> int:
        """Events per run for ``contender``: the run's, or its cap (``--cap``) when smaller."""
        cap = self.args.cap.get(contender)
        return min(cap, self.args.events) if cap else self.args.events

    async def input_for(self, workload: str, events: int) -> h.Input:
        """The workload's input of ``events`` events, loaded once (a capped contender's smaller
        input is a topic of its own)."""
        if (workload, events) not in self.inputs:
            self.inputs[(workload, events)] = await self.load_input(workload, events)
        return self.inputs[(workload, events)]

    async def load_input(self, workload: str, n: int | None = None) -> h.Input:
        n = n or self.args.events
        topic = f"in-{workload}-{self.runid}" + ("" if n == self.args.events else f"-{n}")
        started = time.monotonic()
        # 2b's producers set no timestamps: its records carry the load time, its events' time
        # is the value's "ts" only.
        record_ts = int(time.time() * 1000) if workload in TEXT_KEYED else None
        parts, passing, size = h.generate(n, text_keys=workload in TEXT_KEYED, record_timestamp=record_ts)
        await h.create_topics(self.bootstrap, [topic])
        await h.produce(self.bootstrap, topic, parts)
        table = f"customers-{self.runid}"
        if workload == "enrichment" and not any(w == "enrichment" for w, _ in self.inputs):
            await h.create_topics(self.bootstrap, [table])
            await h.produce(self.bootstrap, table, h.customer_rows())
        self.log(f"loaded {n:,} events ({size / n:.0f} B avg) into {topic} in {time.monotonic() - started:.1f}s")
        return h.Input(topic, n, passing, size, validate.Expectation.of(workload, parts))

    # ----------------------------------------------------------------------- throughput runs
    def out_topic_for(self, contender: str, workload: str, group: str) -> str:
        if contender == "faust" and workload in ("windowed", "eos"):
            return f"{group}-counts-changelog"   # Faust publishes table updates there
        return f"out-{group}"

    async def throughput(self, workload: str, contender: str, rnd: int, inp: h.Input | None = None) -> h.Run:
        run = h.Run(workload, contender, rnd)
        group = f"{contender}-{workload}-{rnd}-{self.runid}"
        try:
            argv = self.command(contender, workload)
        except NotAvailable as exc:
            run.status, run.reason = "n/a", str(exc)
            return run
        if (workload, contender) in self.timed_out:
            run.status, run.reason = "skipped", "timed out in an earlier round"
            return run
        inp = inp or await self.input_for(workload, self.events_for(contender))
        if contender.startswith("kafka-"):
            return await self.kafka_perf(contender, run, inp)
        if inp.events != self.args.events:
            run.extra["events"] = inp.events
        out = self.out_topic_for(contender, workload, group)
        await h.create_topics(self.bootstrap, [out], config=h.LOG_APPEND)
        revision = h.streamflow_revision() if contender == "streamflow" else None
        expected = {"stateless": inp.passing}.get(workload, inp.events)
        proc = h.Proc(argv, self.env(workload, group, inp.topic, out, self.work / group),
                      self.logs / f"{workload}-{contender}-r{rnd}.log")
        # A capped contender gets the full input's deadline: it is capped for being slow.
        timeout = self.args.timeout or 60 + max(inp.events, self.args.events) / 5000
        try:
            run = await h.measure(proc, bootstrap=self.bootstrap, run=run, events=inp.events,
                                  in_topic=inp.topic, out_topic=out, expected_out=expected,
                                  group=group, eos=workload == "eos", timeout=timeout,
                                  commits=contender not in NO_GROUP_COMMITS)
        finally:
            proc.stop()
        if revision:
            run.extra["revision"] = revision
        if run.status == "ok" and inp.expect is not None:
            await self.check_output(run, workload, out, inp)
        if run.status == "ok":
            self.log(f"{workload:<10} {contender:<13} round {rnd}: {run.events_per_s:>10,.0f} events/s "
                     f"({run.seconds:.2f}s), first output {run.startup_s:.1f}s after start, "
                     f"peak RSS {run.rss_mb:.0f} MB")
        else:
            self.log(f"{workload:<10} {contender:<13} round {rnd}: {run.status}: {run.reason}")
            if run.status == "timeout":
                self.timed_out.add((workload, contender))
        await self.delete_topics([out])
        shutil.rmtree(self.work / group, ignore_errors=True)
        return run

    async def check_output(self, run: h.Run, workload: str, out: str, inp: h.Input) -> None:
        """Read the run's whole output back and check it is right (``benchmarks.validate``);
        a wrong one makes the run "invalid": no figure for a wrong answer."""
        started = time.monotonic()
        try:
            problems = await validate.check(self.bootstrap, out, inp.expect, text_keys=workload in TEXT_KEYED,
                                            read_committed=workload == "eos")
        except Exception as exc:  # noqa: BLE001 - a check that cannot finish says so
            problems = [f"output not checked: {exc!r}"]
        run.extra["check_s"] = round(time.monotonic() - started, 2)
        if problems:
            run.extra["rate_if_valid"] = run.events_per_s
            when = " (read_committed, once its committed offsets had reached the end)" if workload == "eos" else ""
            run.status, run.reason = "invalid", f"wrong output{when}: " + "; ".join(problems)
            run.events_per_s = None
        else:
            run.extra["checked"] = True

    async def kafka_perf(self, contender: str, run: h.Run, inp: h.Input) -> h.Run:
        assert self.perf_cp is not None
        if contender == "kafka-produce":
            topic = f"perf-{run.round}-{self.runid}"
            await h.create_topics(self.bootstrap, [topic])
            argv = kafka_perf.producer_argv(self.java, self.perf_cp, self.bootstrap, topic, inp.events)
        else:
            topic = inp.topic
            argv = kafka_perf.consumer_argv(self.java, self.perf_cp, self.bootstrap, topic, inp.events,
                                            f"perf-{run.round}-{self.runid}")
        lines: list[str] = []
        proc = h.Proc(argv, {}, self.logs / f"stateless-{contender}-r{run.round}.log",
                      on_line=lambda t, line: lines.append(line))
        deadline = time.monotonic() + 300
        while proc.alive() and time.monotonic() < deadline:
            proc.sample_rss()
            await asyncio.sleep(0.2)
        timed_out = proc.alive()
        proc.stop()
        text = "".join(lines)
        rate = (kafka_perf.parse_producer if contender == "kafka-produce" else kafka_perf.parse_consumer)(text)
        if timed_out or rate is None:
            run.status = "timeout" if timed_out else "failed"
            run.reason = f"no result line (exit {proc.popen.returncode}): {proc.tail()}"
        else:
            run.events_per_s, run.rss_mb = rate, proc.hwm_kb / 1024
            self.log(f"stateless  {contender:<13} round {run.round}: {rate:>10,.0f} records/s")
        if contender == "kafka-produce":
            await self.delete_topics([topic])
        return run

    async def delete_topics(self, topics: list[str]) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.delete_topics(topics)
        except Exception:  # noqa: BLE001 - best effort, to save disk
            pass
        finally:
            await admin.close()

    # --------------------------------------------------------------------------- latency runs
    async def latency_run(self, workload: str, contender: str) -> dict:
        """Fixed input rate: a paced producer sends ``--rate`` events/s stamped with their send
        time (``ts`` field and record timestamp); latency = broker append time of the output
        record - send time of the input event it answers. Warm-up: a trickle until the first
        output appears, then 2 s more, then the measured phase."""
        group = f"lat-{contender}-{workload}-{self.runid}"
        try:
            argv = self.command(contender, workload)
        except NotAvailable as exc:
            return {"status": "n/a", "reason": str(exc)}
        if contender.startswith("kafka-"):
            return {"status": "n/a", "reason": "throughput reference only"}
        in_topic, out = f"in-{group}", self.out_topic_for(contender, workload, group)
        # Both topics LogAppendTime: every sample splits at the input's append (``latency``).
        await h.create_topics(self.bootstrap, [in_topic, out], config=h.LOG_APPEND)
        proc = h.Proc(argv, self.env(workload, group, in_topic, out, self.work / group),
                      self.logs / f"latency-{workload}-{contender}.log")
        latency = Latency(self.bootstrap, workload, in_topic, out, proc, rate=self.args.rate,
                          seconds=self.args.latency_seconds, text_keys=workload in TEXT_KEYED)
        try:
            result = await latency.run()
        except Exception as exc:  # noqa: BLE001 - one failed latency run must not end the benchmark
            result = {"status": "failed", "reason": f"the harness failed: {exc!r}"}
        finally:
            proc.stop()
        # Every sample (send, input appended, output appended; ms), for a closer look at the tail.
        (self.logs / f"latency-{workload}-{contender}-samples.json").write_bytes(orjson.dumps(latency.matched))
        await self.delete_topics([in_topic, out])
        shutil.rmtree(self.work / group, ignore_errors=True)
        if result.get("status") == "ok":
            self.log(f"latency {workload:<10} {contender:<13} p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms "
                     f"({result['samples']:,} samples, {result['received']:.1%} of outputs seen); "
                     f"send -> input appended p50 {result['in_p50']:.0f} / p99 {result['in_p99']:.0f} ms, "
                     f"input -> output appended p50 {result['app_p50']:.0f} / p99 {result['app_p99']:.0f} ms, "
                     f"slowest 1%: median {result['tail_in_median']:.0f} ms in + "
                     f"{result['tail_app_median']:.0f} ms app, {result['tail_in_worst_second']:.0%} of it "
                     f"within one second; median of the per-second p99s {result['p99_per_second_median']:.0f} ms; "
                     f"stamp -> handed to the producer p99 {result['handoff_p99']:.1f} ms")
        else:
            self.log(f"latency {workload:<10} {contender:<13} {result.get('status')}: {result.get('reason')}")
        return result

    # ------------------------------------------------------------------------------- restore
    async def restore_workload(self) -> None:
        n = self.args.events
        app_id = f"restore-{self.runid}"
        changelog, source = f"{app_id}-t-changelog", f"restore-in-{self.runid}"
        started = time.monotonic()
        await h.create_topics(self.bootstrap, [changelog], config={"cleanup.policy": "compact"})
        await h.create_topics(self.bootstrap, [source])
        parts: dict[int, list] = {p: [] for p in range(h.PARTITIONS)}
        rng = random.Random(7)
        ts = int(time.time() * 1000)
        from streamflow.partitioner import partition_for
        for i in range(n):
            key = orjson.dumps(f"k{i}")
            value = orjson.dumps({"id": f"k{i}", "n": i, "payload": "%032x" % rng.getrandbits(128)})
            parts[partition_for(key, h.PARTITIONS)].append((key, value, ts))
        await h.produce(self.bootstrap, changelog, parts)
        self.log(f"filled {changelog} with {n:,} keys in {time.monotonic() - started:.1f}s")
        for rnd in range(self.args.rounds):
            for contender in self.contender_order(rnd):
                if contender == "streamflow":
                    run = await self.restore_streamflow(rnd, app_id, source, n)
                elif contender == "ceiling":
                    run = await self.restore_ceiling(rnd, changelog)
                else:
                    run = h.Run("restore", contender, rnd)
                    try:
                        self.command(contender, "restore")
                        run.status, run.reason = "n/a", "no restore run written"
                    except NotAvailable as exc:
                        run.status, run.reason = "n/a", str(exc)
                self.runs.append(run)
                if run.status == "ok":
                    self.log(f"restore    {contender:<13} round {rnd}: {run.events_per_s:>10,.0f} records/s "
                             f"({run.seconds:.2f}s), peak RSS {run.rss_mb:.0f} MB")
                elif run.status != "n/a":
                    self.log(f"restore    {contender:<13} round {rnd}: {run.status}: {run.reason}")

    async def restore_streamflow(self, rnd: int, app_id: str, source: str, n: int) -> h.Run:
        run = h.Run("restore", "streamflow", rnd)
        try:
            argv = self.command("streamflow", "restore")
        except NotAvailable as exc:
            run.status, run.reason = "n/a", str(exc)
            return run
        data = self.work / f"{app_id}-data-{rnd}"
        env = self.env("restore", app_id, source, None, data)
        run.extra["revision"] = h.streamflow_revision()
        timeout = self.args.timeout or 90 + n / 4000
        events: list[tuple[float, str]] = []
        pattern = re.compile(r"(restoring table t\[|restored table t\[|table t\[\d+\] is up to date)")

        def on_line(t: float, line: str) -> None:
            if pattern.search(line):
                events.append((t, line))

        proc = h.Proc(argv, env, self.logs / f"restore-streamflow-r{rnd}.log", on_line)
        ok = await self._wait_partitions(proc, events, timeout)
        proc.sample_rss()
        proc.stop()
        if ok is not True:
            run.status, run.reason = ok
            return run
        restoring = [t for t, l in events if "restoring table" in l and "records/s" not in l]
        restored = [(t, l) for t, l in events if "restored table" in l]
        records = sum(int(m.group(1)) for _, l in restored if (m := re.search(r": (\d+) records in", l)))
        run.seconds = max(t for t, _ in restored) - min(restoring or [proc.started])
        run.events_per_s = records / run.seconds if run.seconds > 0 else None
        run.rss_mb = proc.hwm_kb / 1024
        run.startup_s = max(t for t, _ in restored) - proc.started
        run.extra["records"] = records
        # Restart with the data dir intact: only the (empty) tail is read.
        events.clear()
        proc = h.Proc(argv, env, self.logs / f"restore-streamflow-restart-r{rnd}.log", on_line)
        ok = await self._wait_partitions(proc, events, 120)
        proc.stop()
        if ok is True:
            ready = max(t for t, _ in events) - proc.started
            run.extra["restart_ready_s"] = ready
            self.restarts.setdefault("streamflow", []).append(ready)
            self.log(f"restore    streamflow    round {rnd}: restart with data dir intact ready in {ready:.2f}s "
                     f"(full restore: {run.startup_s:.2f}s from process start)")
        else:
            run.extra["restart"] = f"{ok[0]}: {ok[1]}"
        shutil.rmtree(data, ignore_errors=True)
        return run

    async def _wait_partitions(self, proc: h.Proc, events: list, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            done = {m.group(1) for _, l in events
                    if (m := re.search(r"(?:restored table t|table t)\[(\d+)\](?:: \d+ records in| is up to date)", l))}
            if len(done) >= h.PARTITIONS:
                return True
            if not proc.alive():
                return "failed", f"exited with code {proc.popen.returncode}: {proc.tail()}"
            if time.monotonic() > deadline:
                return "timeout", f"{len(done)}/{h.PARTITIONS} partitions restored after {timeout:.0f}s"
            proc.sample_rss()
            await asyncio.sleep(0.05)

    async def restore_ceiling(self, rnd: int, changelog: str) -> h.Run:
        run = h.Run("restore", "ceiling", rnd)
        data = self.work / f"ceiling-restore-{rnd}"
        env = self.env("restore", "", "", None, data)
        env["BENCH_CHANGELOG"] = changelog
        lines: list[str] = []
        proc = h.Proc(self.command("ceiling", "restore"), env, self.logs / f"restore-ceiling-r{rnd}.log",
                      on_line=lambda t, l: lines.append(l))
        deadline = time.monotonic() + (self.args.timeout or 90 + self.args.events / 4000)
        while proc.alive() and time.monotonic() < deadline:
            proc.sample_rss()
            await asyncio.sleep(0.1)
        timed_out = proc.alive()
        proc.stop()
        shutil.rmtree(data, ignore_errors=True)
        result = next((json.loads(l[7:]) for l in lines if l.startswith("RESULT ")), None)
        if timed_out or not result:
            run.status = "timeout" if timed_out else "failed"
            run.reason = proc.tail()
            return run
        run.seconds = result["seconds"]
        run.events_per_s = result["records"] / result["seconds"]
        run.rss_mb = proc.hwm_kb / 1024
        run.startup_s = result["first"] + result["seconds"] - proc.started
        return run

    # --------------------------------------------------------------------------------- main
    async def main(self) -> None:
        await self.setup()
        try:
            for workload in self.args.workloads:
                self.log(f"== {TITLES[workload]}")
                if workload == "restore":
                    await self.restore_workload()
                    continue
                await self.input_for(workload, self.args.events)
                for rnd in range(self.args.rounds):
                    for contender in self.contender_order(rnd):
                        self.runs.append(await self.throughput(workload, contender, rnd))
                if workload in LATENCY_WORKLOADS and self.args.latency_seconds > 0:
                    for contender in self.args.contenders:
                        self.latency[(workload, contender)] = await self.latency_run(workload, contender)
                await self.delete_topics([inp.topic for (w, _), inp in self.inputs.items() if w == workload])
        finally:
            if self.broker is not None and self.own_broker:
                self.broker.stop()
            shutil.rmtree(self.work, ignore_errors=True)
        from .report import write_report
        write_report(self)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="100,000 events, one round, 5 s latency runs")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help=f"comma-separated: {','.join(WORKLOADS)}")
    p.add_argument("--contenders", default=",".join(CONTENDERS),
                   help=f"comma-separated: {','.join(CONTENDERS)} (kafka-perf = both kafka-*)")
    p.add_argument("--rounds", type=int, default=None, help="rounds (default 3; --quick: 1)")
    p.add_argument("--events", type=int, default=None, help="events per workload (default 1,000,000; --quick: 100,000)")
    p.add_argument("--rate", type=int, default=10_000, help="input rate of the latency runs, events/s")
    p.add_argument("--latency-seconds", type=float, default=None, help="measured phase of a latency run (default 20; --quick: 5; 0: skip)")
    p.add_argument("--timeout", type=float, default=None, help="per-run timeout, s (default 60 + events/5000)")
    p.add_argument("--cap", default=",".join(f"{c}={n}" for c, n in DEFAULT_CAPS.items()),
                   help="events per run for slow contenders, CONTENDER=N,... (default %(default)s; "
                        "'' for none): they run on a smaller input of their own")
    p.add_argument("--results", default=None, help="directory for the reports and logs (default benchmarks/results)")
    p.add_argument("--bootstrap", default=None,
                   help="HOST:PORT of a running broker to use instead of starting one (for checks; "
                        "a full run should own its broker)")
    args = p.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    cs = []
    for c in (c.strip() for c in args.contenders.split(",")):
        cs += ["kafka-produce", "kafka-consume"] if c == "kafka-perf" else [c] if c else []
    args.contenders = cs
    for w in args.workloads:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w!r}")
    for c in args.contenders:
        if c not in CONTENDERS:
            p.error(f"unknown contender {c!r}")
    caps, args.cap = str(args.cap), {}
    for item in (i.strip() for i in caps.split(",")):
        if not item:
            continue
        name, _, n = item.partition("=")
        if name not in CONTENDERS or not n.isdigit():
            p.error(f"--cap wants CONTENDER=EVENTS, got {item!r}")
        if int(n) > 0:
            args.cap[name] = int(n)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.events = args.events or (100_000 if args.quick else 1_000_000)
    if args.latency_seconds is None:
        args.latency_seconds = 5.0 if args.quick else 20.0
    args.argv = " ".join(["python -m benchmarks.run", *(argv if argv is not None else sys.argv[1:])])
    return args


class RunningBroker:
    """A broker the run does not own (``--bootstrap``): used, never started or stopped."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap, self.url, self.version = bootstrap, f"kafka://{bootstrap}", "? (not started by the run)"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    asyncio.run(Bench(args, RunningBroker(args.bootstrap) if args.bootstrap else None).main())


if __name__ == "__main__":
    main()
