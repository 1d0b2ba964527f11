"""What every benchmark run shares: the broker, the input, running one contender process and
measuring it, and the results table.

Measuring throughput (one "run" = one contender process on one workload's input):

- every run gets a fresh consumer group (app id) and fresh output topics, so it starts from
  offset 0 of the same input that was loaded once for the workload;
- output topics are created by the harness with ``message.timestamp.type=LogAppendTime``, so
  every output record carries the broker's clock at append time;
- a run is *done* when the output topic holds the expected number of records (at-least-once
  workloads), or when the group's committed offsets reach the end of the input (exactly-once,
  where output only counts once its transaction commits);
- events/s = input events / (end - start), where start = append time of the first output
  record (so process start-up and group join are not counted: they are reported separately as
  "first output after start"), and end = append time of the last output record (or, for
  exactly-once, the moment the poller saw the committed offsets reach the end). The first batch
  before the first output is therefore not timed; with 1,000,000 events that is < 1%.
- peak RSS = VmHWM of the contender's process tree, sampled from /proc while it runs.

Every wait polls with a deadline; a contender that exits, fails or times out gets a row that
says so, with the reason, and the run goes on.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streamflow.partitioner import partition_for

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PARTITIONS = 8
KEY_COUNT = 10_000
IDS = [f"u{i:05d}" for i in range(KEY_COUNT)]
KEYS = [orjson.dumps(i) for i in IDS]            # b'"u00042"': JSON keys (streamflow's apps declare key_type="json")
KEY_PARTITION = [partition_for(k, PARTITIONS) for k in KEYS]
# Text keys (b'u00042'), for the workloads written with key_type=str, streamflow's default.
TEXT_KEYS = [i.encode() for i in IDS]
TEXT_KEY_PARTITION = [partition_for(k, PARTITIONS) for k in TEXT_KEYS]
WINDOW_MS = 60_000
LOG_APPEND = {"message.timestamp.type": "LogAppendTime"}
_DEVICES = ["android", "ios", "web", "tv"]
_COUNTRIES = ["DE", "FR", "US", "BR", "IN", "JP", "NG", "SE"]


# ------------------------------------------------------------------------------- the data
def make_event(rng: random.Random, seq: int, ts: int, text_keys: bool = False) -> tuple[int, bytes, dict]:
    """One ~200-byte event. Returns (key index, key bytes, value dict); the key is the id as
    JSON (b'"u00042"') or, with ``text_keys``, as text (b'u00042')."""
    k = rng.randrange(KEY_COUNT)
    return k, (TEXT_KEYS if text_keys else KEYS)[k], {
        "id": IDS[k], "seq": seq, "ts": ts, "amount": round(rng.random() * 100, 2),
        "currency": "EUR", "country": _COUNTRIES[seq % 8], "device": _DEVICES[seq % 4],
        "page": "/products/%05d" % rng.randrange(100_000), "session": "%016x" % rng.getrandbits(64),
        "ua": "Mozilla/5.0 (X11; Linux x86_64)",
    }


def passes_filter(value: dict) -> bool:
    """The stateless workload keeps half of the events (every contender uses this rule)."""
    return value["amount"] < 50.0


@dataclasses.dataclass
class Input:
    topic: str
    events: int
    passing: int            # events that pass the stateless filter
    bytes: int
    expect: Any = None      # validate.Expectation: what a right output holds


def now_ms() -> int:
    """Wall-clock milliseconds, or ``BENCH_NOW_MS`` when set: pinned, two runs generate the same
    input (window boundaries in the same places), which instruction counts need."""
    pinned = os.environ.get("BENCH_NOW_MS")
    return int(pinned) if pinned else int(time.time() * 1000)


def generate(events: int, seed: int = 42, text_keys: bool = False,
             record_timestamp: int | None = None) -> tuple[dict[int, list], int, int]:
    """Records per partition (key, value bytes, timestamp): event time starts one hour ago and
    moves 1 ms per event, so 1,000,000 events span ~17 tumbling windows of 60 s. The value's
    ``ts`` field is the record timestamp, or with ``record_timestamp`` every record carries
    that time instead (producers that do not set timestamps: workload 2b, whose event time is
    the value's, so that a contender reading the record's time gets it wrong visibly).
    ``text_keys``: keyed by text, partitioned by it."""
    rng = random.Random(seed)
    t0 = now_ms() - 3_600_000
    parts: dict[int, list] = {p: [] for p in range(PARTITIONS)}
    passing = size = 0
    dumps = orjson.dumps
    for seq in range(events):
        ts = t0 + seq
        k, key, value = make_event(rng, seq, ts, text_keys)
        raw = dumps(value)
        size += len(raw)
        passing += passes_filter(value)
        parts[(TEXT_KEY_PARTITION if text_keys else KEY_PARTITION)[k]].append(
            (key, raw, ts if record_timestamp is None else record_timestamp))
    return parts, passing, size


def customer_rows() -> dict[int, list]:
    """The enrichment table: one row per id, stamped well before the events."""
    ts = now_ms() - 7_200_000
    parts: dict[int, list] = {p: [] for p in range(PARTITIONS)}
    for k, ident in enumerate(IDS):
        row = {"id": ident, "name": f"customer {k}", "tier": ["gold", "silver", "bronze"][k % 3],
               "region": _COUNTRIES[k % 8], "since": 2000 + k % 25}
        parts[KEY_PARTITION[k]].append((KEYS[k], orjson.dumps(row), ts))
    return parts


# ---------------------------------------------------------------------------- Kafka helpers
async def create_topics(bootstrap: str, names: list[str], partitions: int = PARTITIONS,
                        config: dict[str, str] | None = None) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1, topic_configs=dict(config or {}))
                                   for n in names])
        for _ in range(100):  # until metadata shows them
            described = await admin.describe_topics(names)
            if all(t.get("error_code", 0) == 0 and len(t.get("partitions") or ()) == partitions
                   and all(p.get("leader", -1) >= 0 for p in t["partitions"]) for t in described):
                return
            await asyncio.sleep(0.05)
    finally:
        await admin.close()


async def produce(bootstrap: str, topic: str, parts: dict[int, list]) -> None:
    """Write records partition by partition with aiokafka's batch API (fastest loader)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_batch_size=1 << 20,
                                max_request_size=1 << 21)
    await producer.start()
    try:
        futures = []
        for p, records in parts.items():
            batch = producer.create_batch()
            for key, value, ts in records:
                if batch.append(key=key, value=value, timestamp=ts) is None:
                    batch.close()
                    futures.append(await producer.send_batch(batch, topic, partition=p))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=ts)
            if batch.record_count():
                batch.close()
                futures.append(await producer.send_batch(batch, topic, partition=p))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def end_offsets(bootstrap: str, topic: str, consumer: AIOKafkaConsumer | None = None,
                      partitions: int = PARTITIONS) -> dict[int, int]:
    own = consumer is None
    if own:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return {tp.partition: off for tp, off in ends.items()}
    finally:
        if own:
            await consumer.stop()


async def committed(admin: AIOKafkaAdminClient, group: str, topic: str) -> int:
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    except Exception:  # noqa: BLE001 - group not there yet
        return 0
    return sum(m.offset for tp, m in offsets.items() if tp.topic == topic and m.offset > 0)


async def first_last_append_times(bootstrap: str, topic: str) -> tuple[float | None, float | None, int]:
    """(first, last) broker append time in seconds over all partitions, and the record count
    (end offsets; includes transaction markers on transactional topics)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_poll_records=1)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        begins, ends = await consumer.beginning_offsets(tps), await consumer.end_offsets(tps)
        consumer.assign(tps)
        first = last = None
        for tp in tps:
            if ends[tp] <= begins[tp]:
                continue
            for offset in (begins[tp], max(begins[tp], ends[tp] - 20)):
                consumer.seek(tp, offset)
                recs = []
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    got = await consumer.getmany(tp, timeout_ms=500, max_records=50)
                    recs = got.get(tp, [])
                    if recs:
                        break
                if not recs:
                    continue
                if offset == begins[tp]:
                    first = recs[0].timestamp if first is None else min(first, recs[0].timestamp)
                else:  # read the tail up to the end (markers are skipped by the client)
                    while True:
                        last = max(last or 0, recs[-1].timestamp)
                        if recs[-1].offset >= ends[tp] - 2 or time.monotonic() > deadline:
                            break
                        recs = (await consumer.getmany(tp, timeout_ms=200, max_records=50)).get(tp, [])
                        if not recs:
                            break
        total = sum(ends[tp] - begins[tp] for tp in tps)
        return (first / 1000 if first else None), (last / 1000 if last else None), total
    finally:
        await consumer.stop()


# ------------------------------------------------------------------------- contender process
class Proc:
    """A contender process: own session (so its whole tree is signalled), output to a log file,
    stderr lines time-stamped for the recovery workload's log parsing."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path,
                 on_line: Callable[[float, str], None] | None = None) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log
        self._log = open(log, "w")
        self._log.write("$ " + " ".join(argv) + "\n")
        self._log.flush()
        self.started = time.time()
        self.popen = subprocess.Popen(argv, env={**os.environ, **env}, cwd=REPO,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.hwm_kb = 0
        self._cpu: dict[int, float] = {}   # pid -> CPU seconds (user + system) last seen
        self._on_line = on_line
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for raw in self.popen.stdout:
            line = raw.decode("utf-8", "replace")
            self._log.write(line)
            if self._on_line is not None:
                self._on_line(time.time(), line)
        self._log.flush()

    def sample_rss(self) -> None:
        """VmHWM of the process and its descendants (peak resident set, kB), and the CPU time
        each of them has used so far (see :attr:`cpu_s`)."""
        total = 0
        for pid in _tree(self.popen.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                self._cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
            except (OSError, ValueError, IndexError):
                pass
        self.hwm_kb = max(self.hwm_kb, total)

    @property
    def cpu_s(self) -> float:
        """CPU seconds (user + system) used by the process tree, as of the last sample."""
        return sum(self._cpu.values())

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 6) -> str:
        if not self._log.closed:
            self._log.flush()
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        keep = [l for l in text[1:] if l.strip()][-lines:]
        return " | ".join(l.strip()[:240] for l in keep)

    def stop(self, grace: float = 10.0, sig: int = signal.SIGTERM) -> int | None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # stragglers of the session
        self._reader.join(5)
        self._log.close()
        return self.popen.returncode


_TICKS = os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


# ------------------------------------------------------------------------------- results
@dataclasses.dataclass
class Run:
    """One contender process on one workload. ``status`` is ok, failed, timeout or n/a."""
    workload: str
    contender: str
    round: int
    status: str = "ok"
    reason: str = ""
    events_per_s: float | None = None
    rss_mb: float | None = None
    startup_s: float | None = None       # process start -> first output record
    seconds: float | None = None
    cpu_us: float | None = None          # CPU µs per event of the process tree while it ran
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


async def measure(proc: Proc, *, bootstrap: str, run: Run, events: int, in_topic: str,
                  out_topic: str | None, expected_out: int | None, group: str | None,
                  eos: bool, timeout: float, commits: bool = True) -> Run:
    """Poll until the run is done (see the module docstring), then compute its figures.
    ``commits``: the contender commits its offsets to ``group`` (at-least-once runs then also
    wait for that commit, for the committed rate)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    deadline = time.monotonic() + timeout
    done_at = None
    cpu_from: tuple[float, float] | None = None   # (CPU seconds, fraction done) at first progress
    try:
        last_rss = 0.0
        while True:
            now = time.monotonic()
            if now - last_rss > 0.5:
                proc.sample_rss()
                last_rss = now
            if not proc.alive():
                run.status, run.reason = "failed", f"exited with code {proc.popen.returncode}: {proc.tail()}"
                return run
            if now > deadline:
                produced = sum((await end_offsets(bootstrap, out_topic, consumer)).values()) if out_topic else 0
                done = await committed(admin, group, in_topic) if group else 0
                run.status = "timeout"
                progress = done / events if eos else produced / expected_out if expected_out else 0
                first = (await first_last_append_times(bootstrap, out_topic))[0] if out_topic else None
                if first and progress > 0:  # a rate from the partial progress, for the table
                    run.extra["partial_rate"] = progress * events / max(time.time() - first, 1e-3)
                run.reason = (f"not done after {timeout:.0f}s (output {produced}"
                              f"{'/' + str(expected_out) if expected_out else ''}, committed {done}/{events}"
                              + (f"; ≈{run.extra['partial_rate']:,.0f} events/s from partial progress"
                                 if "partial_rate" in run.extra else "") + ")")
                return run
            if eos:
                progress = await committed(admin, group, in_topic) / events
            elif out_topic and expected_out:
                progress = sum((await end_offsets(bootstrap, out_topic, consumer)).values()) / expected_out
            else:
                progress = 0.0
            if progress > 0 and cpu_from is None:  # CPU per event: from the first progress seen
                proc.sample_rss()
                cpu_from = (proc.cpu_s, min(progress, 1.0))
            if progress >= 1:
                done_at = time.time()
                break
            await asyncio.sleep(0.05)
        proc.sample_rss()
        timed = events * (1 - cpu_from[1]) if cpu_from is not None else 0
        if cpu_from is not None and timed >= 20_000:  # fewer: a few clock ticks, no figure
            run.cpu_us = (proc.cpu_s - cpu_from[0]) * 1e6 / timed
        if not eos and group and commits:  # also when the offsets are committed, as exactly-once is timed
            committed_by = time.monotonic() + 15
            while time.monotonic() < committed_by and proc.alive():
                if await committed(admin, group, in_topic) >= events:
                    run.extra["committed_at"] = time.time()
                    break
                await asyncio.sleep(0.05)
    finally:
        await consumer.stop()
        await admin.close()
    first, last, count = await first_last_append_times(bootstrap, out_topic) if out_topic else (None, None, 0)
    if first is None:
        run.status, run.reason = "failed", "no output record found"
        return run
    end = done_at if eos else last
    run.seconds = max(end - first, 1e-3)
    run.events_per_s = events / run.seconds
    if "committed_at" in run.extra:  # the rate exactly-once is compared with (same end)
        run.extra["committed_rate"] = events / max(run.extra["committed_at"] - first, 1e-3)
    run.startup_s = first - proc.started
    run.rss_mb = proc.hwm_kb / 1024
    run.extra["output_records"] = count
    return run


def summarize(runs: list[Run]) -> dict[str, Any]:
    ok = [r for r in runs if r.status == "ok" and r.events_per_s]
    if not ok:
        bad = next((r for r in runs if r.status not in ("skipped", "n/a")), runs[0] if runs else None)
        return {"status": bad.status if bad else "n/a", "reason": bad.reason if bad else "",
                "partial_rate": bad.extra.get("partial_rate") if bad else None,
                "rate_if_valid": bad.extra.get("rate_if_valid") if bad else None}
    rates = [r.events_per_s for r in ok]

    def med(field: str) -> float | None:
        vals = [getattr(r, field) for r in ok if getattr(r, field) is not None]
        return statistics.median(vals) if vals else None
    failed = [r for r in runs if r.status not in ("ok", "n/a")]
    committed_rates = [r.extra["committed_rate"] for r in ok if "committed_rate" in r.extra]
    return {"status": "ok", "median": statistics.median(rates), "min": min(rates), "max": max(rates),
            "n": len(ok), "rss_mb": med("rss_mb"), "startup_s": med("startup_s"), "cpu_us": med("cpu_us"),
            "committed_rate": statistics.median(committed_rates) if committed_rates else None,
            "failed_rounds": [f"round {r.round}: {r.status}: {r.reason}" for r in failed]}


def fmt_rate(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    return {"cores": str(os.cpu_count()), "cpu": cpu,
            "memory": mem[1].split()[1] if len(mem) > 1 else "?",
            "python": sys.version.split()[0]}


def streamflow_revision() -> str:
    """The commit of the streamflow code a run starts with (``+dirty`` with local changes):
    streamflow is developed while benchmarks run, so each run records what it measured."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--", "streamflow") else "")


def dump_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=1, default=lambda o: dataclasses.asdict(o)))
