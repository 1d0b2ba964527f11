"""Is a contender's output *right*, not only as long as expected? After every finished run the
harness reads the whole output topic back and checks it against what the input implies.

Counting output records alone (how a run knows it is done) cannot tell a join that enriched
nothing, a window keyed by the wrong time, or a duplicate standing in for a lost record from a
correct answer. So, per workload:

- stateless: every output is an input event with ``amount < 50``, ``amount_eur`` added and the
  input's key, and the events seen are exactly the passing ones (count and sum of ``seq``);
- enrichment: every input event once, each carrying the ``tier`` and ``region`` of its row;
- windowed, windowed_ts, eos: per key and 60 s window of *event time* (the value's ``ts``), the
  updates seen are exactly the counts 1..n, n the window's number of input events (exactly-once
  is read ``read_committed``). Each framework's output format is read as it writes it (see
  :func:`window_update`).

A run whose output fails gets status "invalid" and the first problems as its reason, so no
figure is reported for a wrong answer.
"""
from __future__ import annotations

import dataclasses
import time
from collections import Counter
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from . import harness as h

WINDOWED = {"windowed", "windowed_ts", "eos"}
_TIERS = ["gold", "silver", "bronze"]
_COUNTRIES = ["DE", "FR", "US", "BR", "IN", "JP", "NG", "SE"]   # as harness.customer_rows
_INDEX = {ident: k for k, ident in enumerate(h.IDS)}


@dataclasses.dataclass
class Expectation:
    """What one workload's input implies for its output."""
    workload: str
    events: int
    passing: int = 0                     # stateless: events with amount < 50
    seq_sum: int = 0                     # of the events every output set must hold exactly
    windows: dict[tuple[str, int], int] = dataclasses.field(default_factory=dict)  # (id, start) -> n

    @classmethod
    def of(cls, workload: str, parts: dict[int, list]) -> "Expectation":
        """From the records loaded (key, value bytes, record timestamp) per partition."""
        exp = cls(workload, sum(len(r) for r in parts.values()))
        loads = orjson.loads
        windows: Counter = Counter()
        for records in parts.values():
            for _key, raw, _ts in records:
                v = loads(raw)
                if workload == "stateless":
                    if h.passes_filter(v):
                        exp.passing += 1
                        exp.seq_sum += v["seq"]
                elif workload in WINDOWED:
                    ts = v["ts"]                 # event time: the value's (== record time but in 2b)
                    windows[(v["id"], ts - ts % h.WINDOW_MS)] += 1
                else:
                    exp.seq_sum += v["seq"]
        exp.windows = dict(windows)
        return exp


async def read_all(bootstrap: str, topic: str, read_committed: bool, timeout: float = 120):
    """Every record of ``topic`` (all partitions, up to the end offsets when called), in batches."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                isolation_level="read_committed" if read_committed else "read_uncommitted",
                                max_partition_fetch_bytes=8 << 20, fetch_max_bytes=32 << 20)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(h.PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)          # read_committed: the last stable offset
        todo = {tp for tp in tps if ends[tp] > 0}
        deadline = time.monotonic() + timeout
        while todo:
            if time.monotonic() > deadline:
                raise TimeoutError(f"output {topic} not read to its end in {timeout:.0f}s")
            got = await consumer.getmany(*todo, timeout_ms=500, max_records=20_000)
            for recs in got.values():
                if recs:
                    yield recs
            for tp in list(todo):           # transaction markers: the position passes them
                if await consumer.position(tp) >= ends[tp]:
                    todo.discard(tp)
    finally:
        await consumer.stop()


def window_update(key: bytes | None, value: bytes | None) -> tuple[Any, Any, Any]:
    """(id, window start ms, count) of one windowed output record, in each contender's format:
    streamflow: key ``{"key", "start", "end"}``, value ``{..., "value": n}``; the loop: the
    input key, value ``{"id", "start", "count"}``; Quix: the input key, value ``{"start",
    "end", "value"}``; Faust (its table's changelog): key ``[id, [start_s, end_s]]``, value n."""
    try:
        k = orjson.loads(key) if key is not None else None
    except orjson.JSONDecodeError:
        k = key.decode("utf-8", "replace") if key is not None else None   # a text key (2b)
    v = orjson.loads(value) if value is not None else None
    start = None
    if isinstance(k, dict):
        k, start = k.get("key"), k.get("start")
    elif isinstance(k, list) and len(k) == 2 and isinstance(k[1], list):
        k, start = k[0], round(k[1][0] * 1000)
    count = v
    if isinstance(v, dict):
        count = v.get("count", v.get("value"))
        if start is None:
            start = v.get("start")
    return k, start, count


def _key_of(ident: str, text_keys: bool) -> bytes:
    return ident.encode() if text_keys else orjson.dumps(ident)


async def check(bootstrap: str, topic: str, exp: Expectation, *, text_keys: bool = False,
                read_committed: bool = False) -> list[str]:
    """The problems found in ``topic``'s records against ``exp``; empty when the output is right."""
    judge = Judge(exp, text_keys)
    async for batch in read_all(bootstrap, topic, read_committed):
        judge.add(batch)
    return judge.problems()


class Judge:
    """Output records in (any batching), problems out: totals first, then the first ``limit``
    examples of each kind of wrong record."""

    def __init__(self, exp: Expectation, text_keys: bool = False, limit: int = 5) -> None:
        self.exp, self.text_keys, self.limit = exp, text_keys, limit
        self.totals: list[str] = []
        self.examples: list[str] = []
        self.kinds: Counter = Counter()
        self.seqs: Counter = Counter()
        self.updates: dict[tuple[Any, Any], list] = {}
        self.records = 0

    def bad(self, msg: str, kind: str = "") -> None:
        if not kind:
            self.totals.append(msg)
            return
        self.kinds[kind] += 1
        if self.kinds[kind] <= self.limit:
            self.examples.append(msg)

    def add(self, records) -> None:
        """Records with ``key``, ``value``, ``topic``, ``partition``, ``offset`` (aiokafka's)."""
        exp, bad, loads = self.exp, self.bad, orjson.loads
        for r in records:
            self.records += 1
            if exp.workload in WINDOWED:
                try:
                    ident, start, count = window_update(r.key, r.value)
                except (orjson.JSONDecodeError, TypeError, KeyError, IndexError) as exc:
                    bad(f"unreadable window update at {r.topic}[{r.partition}]@{r.offset}: {exc}", "unreadable")
                    continue
                self.updates.setdefault((ident, start), []).append(count)
                continue
            try:
                v = loads(r.value)
                ident, seq = v["id"], v["seq"]
            except (orjson.JSONDecodeError, TypeError, KeyError) as exc:
                bad(f"unreadable output at {r.topic}[{r.partition}]@{r.offset}: {exc}", "unreadable")
                continue
            self.seqs[seq] += 1
            if r.key != _key_of(ident, self.text_keys):
                bad(f"output of seq {seq} keyed {r.key!r}, not by its id {ident!r}", "key")
            if exp.workload == "stateless":
                if not v.get("amount", 100) < 50.0:
                    bad(f"seq {seq} passed the filter with amount {v.get('amount')}", "filter")
                if v.get("amount_eur") != v.get("amount"):
                    bad(f"seq {seq}: amount_eur {v.get('amount_eur')!r} != amount {v.get('amount')!r}", "field")
            elif exp.workload == "enrichment":
                k = _INDEX.get(ident)
                want = (None, None) if k is None else (_TIERS[k % 3], _COUNTRIES[k % 8])
                if (v.get("tier"), v.get("region")) != want:
                    bad(f"seq {seq} ({ident}) joined to tier/region {v.get('tier')!r}/{v.get('region')!r}, "
                        f"its row has {want[0]!r}/{want[1]!r}", "join")

    def problems(self) -> list[str]:
        exp, bad = self.exp, self.bad
        if exp.workload in WINDOWED:
            _check_windows(exp, self.updates, bad)
        else:
            want_n = exp.passing if exp.workload == "stateless" else exp.events
            dups = sum(n - 1 for n in self.seqs.values() if n > 1)
            if dups:
                bad(f"{dups:,} duplicate outputs")
            if len(self.seqs) != want_n or sum(self.seqs) != exp.seq_sum:
                bad(f"{len(self.seqs):,} distinct events in the output, {want_n:,} expected"
                    + ("" if len(self.seqs) != want_n else " (but not the right ones: the seq sums differ)"))
        if not self.records and (exp.events if exp.workload != "stateless" else exp.passing):
            bad("the output topic is empty")
        return self.totals + [f"{n:,} {_KINDS[kind]}" for kind, n in self.kinds.items()] + self.examples


_KINDS = {"unreadable": "unreadable output records", "key": "outputs keyed wrongly",
          "filter": "outputs that fail the filter", "field": "outputs without the added field",
          "join": "outputs joined to the wrong row (or to none)", "window": "windows updated wrongly"}


def _check_windows(exp: Expectation, updates: dict, bad) -> None:
    """Per (key, window): the counts seen must be exactly 1..n."""
    missing_windows = 0
    for (ident, start), counts in updates.items():
        n = exp.windows.get((ident, start))
        if n is None:
            bad(kind="window", msg=f"{len(counts)} update(s) for a window the input has no events in: key {ident!r}, "
                f"start {start!r} (counts {counts[:5]})")
        elif not (all(type(c) is int for c in counts) and sorted(counts) == list(range(1, n + 1))):
            got = Counter(counts)
            lost = [c for c in range(1, n + 1) if c not in got][:5]
            dup = sorted(c for c, m in got.items() if m > 1)[:5]
            extra = sorted((c for c in got if not (type(c) is int and 1 <= c <= n)), key=repr)[:5]
            bad(kind="window", msg=f"key {ident!r} window {start}: {n} events, counts seen {len(counts)}"
                + (f", missing {lost}" if lost else "") + (f", repeated {dup}" if dup else "")
                + (f", out of range {extra}" if extra else ""))
    for window in exp.windows:
        if window not in updates:
            missing_windows += 1
    if missing_windows:
        some = [w for w in exp.windows if w not in updates][:3]
        bad(f"{missing_windows} of {len(exp.windows)} windows have no update at all (e.g. {some})")
