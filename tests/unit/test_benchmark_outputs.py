"""The benchmark judges a contender's output, not only its length (benchmarks/validate.py): a
right output passes in every contender's format however it is batched, and the wrong answers
seen or possible (a join that enriched nothing, windows keyed by the record's time instead of
the value's, a duplicate standing in for a lost record) are caught. Also the latency runs'
paced producer, which used to drop the events that did not fit in a batch."""
from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace

import orjson
import pytest

from benchmarks import harness as h
from benchmarks import run as bench_run
from benchmarks import validate
from benchmarks.contenders import ceiling
from benchmarks.latency import Latency


def _records(parts: dict[int, list]) -> list[tuple[int, bytes, bytes, int]]:
    """The input in partition order, as each contender reads it."""
    return [(p, k, v, ts) for p, recs in parts.items() for k, v, ts in recs]


def _rec(key: bytes | None, value: bytes, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(key=key, value=value, topic="out", partition=0, offset=offset)


def _judge(exp: validate.Expectation, outputs: list, text_keys: bool = False, seed: int = 1) -> list[str]:
    """Feed ``outputs`` in random batches (the judge must not depend on batching)."""
    judge = validate.Judge(exp, text_keys)
    rng = random.Random(seed)
    i = 0
    while i < len(outputs):
        n = rng.randint(1, 50)
        judge.add(outputs[i:i + n])
        i += n
    return judge.problems()


def _window_outputs(parts: dict[int, list], fmt: str, text_keys: bool, time_from: str = "value") -> list:
    """Every update of a right windowed count, written as ``fmt``'s framework writes it."""
    counts: dict[tuple[str, int], int] = {}
    out = []
    for _, key, raw, record_ts in _records(parts):
        v = orjson.loads(raw)
        ts = v["ts"] if time_from == "value" else record_ts
        start = ts - ts % h.WINDOW_MS
        n = counts[(v["id"], start)] = counts.get((v["id"], start), 0) + 1
        if fmt == "streamflow":
            wkey = {"key": v["id"], "start": start, "end": start + h.WINDOW_MS}
            out.append(_rec(orjson.dumps(wkey), orjson.dumps({**wkey, "value": n})))
        elif fmt == "ceiling":
            out.append(_rec(key, orjson.dumps({"id": v["id"], "start": start, "count": n})))
        elif fmt == "quix":
            out.append(_rec(key, orjson.dumps({"start": start, "end": start + h.WINDOW_MS, "value": n})))
        else:  # faust: its table's changelog
            out.append(_rec(orjson.dumps([v["id"], [start / 1000, (start + h.WINDOW_MS) / 1000 - 0.1]]),
                            orjson.dumps(n)))
    return out


@pytest.mark.parametrize("fmt", ["streamflow", "ceiling", "quix", "faust"])
def test_a_right_windowed_output_passes_in_every_format(fmt: str) -> None:
    parts, _, _ = h.generate(3000)
    exp = validate.Expectation.of("windowed", parts)
    assert _judge(exp, _window_outputs(parts, fmt, text_keys=False)) == []
    exp_eos = validate.Expectation.of("eos", parts)
    assert _judge(exp_eos, _window_outputs(parts, fmt, text_keys=False), seed=2) == []


def test_workload_2b_counts_by_the_values_time_and_catches_the_records_time() -> None:
    """2b's records carry the load time (producers that set none): a contender that windows by
    the record's time puts every event in the wrong window, and the judge says so."""
    now = 1_800_000_000_000
    parts, _, _ = h.generate(3000, text_keys=True, record_timestamp=now)
    assert {ts for _, _, _, ts in _records(parts)} == {now}
    exp = validate.Expectation.of("windowed_ts", parts)
    for fmt in ("streamflow", "ceiling", "quix"):
        assert _judge(exp, _window_outputs(parts, fmt, text_keys=True), text_keys=True) == []
    wrong = _judge(exp, _window_outputs(parts, "quix", text_keys=True, time_from="record"), text_keys=True)
    assert wrong and "windows have no update at all" in wrong[0]


def test_a_duplicate_standing_in_for_a_lost_update_is_caught() -> None:
    parts, _, _ = h.generate(2000)
    exp = validate.Expectation.of("windowed", parts)
    outputs = _window_outputs(parts, "ceiling", text_keys=False)
    # the same number of records (a count-only harness is satisfied): one update lost, another doubled
    # by key and window: the input's clock is now's, so a key's updates may span two windows
    by_window: dict[tuple[bytes, int], list[int]] = {}
    for i, r in enumerate(outputs):
        by_window.setdefault((r.key, orjson.loads(r.value)["start"]), []).append(i)
    busy = next(idxs for idxs in by_window.values() if len(idxs) >= 2)
    outputs[busy[1]] = outputs[busy[0]]
    problems = _judge(exp, outputs)
    assert "1 windows updated wrongly" in problems
    assert any("missing [2]" in p and "repeated [1]" in p for p in problems)


def test_an_enrichment_that_joined_nothing_is_caught() -> None:
    """Faust's first app filled its table from an agent racing the events agent: every output
    went out without its row. A right join passes."""
    parts, _, _ = h.generate(2000)
    exp = validate.Expectation.of("enrichment", parts)
    table = {k: orjson.loads(v) for recs in h.customer_rows().values() for k, v, _ in recs}
    joined, unjoined = [], []
    for _, key, raw, _ in _records(parts):
        v = orjson.loads(raw)
        unjoined.append(_rec(key, raw))
        row = table[key]
        joined.append(_rec(key, orjson.dumps({**v, "tier": row["tier"], "region": row["region"]})))
    assert _judge(exp, joined) == []
    problems = _judge(exp, unjoined)
    assert problems[0] == "2,000 outputs joined to the wrong row (or to none)"
    assert len(problems) == 1 + 5                      # the total, then five examples


def test_a_stateless_output_must_hold_exactly_the_passing_events() -> None:
    parts, passing, _ = h.generate(2000)
    exp = validate.Expectation.of("stateless", parts)
    assert exp.passing == passing
    right = []
    for _, key, raw, _ in _records(parts):
        v = orjson.loads(raw)
        if h.passes_filter(v):
            right.append(_rec(key, orjson.dumps({**v, "amount_eur": v["amount"]})))
    assert _judge(exp, right) == []
    swapped = right[:-1] + [right[0]]                  # as many records, one event twice, one lost
    assert _judge(exp, swapped)[:2] == ["1 duplicate outputs", f"{passing - 1:,} distinct events in the output, "
                                                               f"{passing:,} expected"]
    no_field = [_rec(r.key, orjson.dumps({k: x for k, x in orjson.loads(r.value).items() if k != "amount_eur"}))
                for r in right]
    assert f"{passing:,} outputs without the added field" in _judge(exp, no_field)
    assert "the output topic is empty" in _judge(exp, [])


def test_the_loops_windowed_output_is_judged_right() -> None:
    """The hand-written loop's own code (not a model of it) against the judge."""
    parts, _, _ = h.generate(3000)
    process = ceiling.make_windowed()
    outputs: list = []
    for p, recs in parts.items():
        consumer_records = [SimpleNamespace(key=k, value=v, timestamp=ts, partition=p) for k, v, ts in recs]
        process(consumer_records, lambda key, value, ts: outputs.append(_rec(key, value)))
    assert _judge(validate.Expectation.of("windowed", parts), outputs) == []


class _Batch:
    """aiokafka's batch builder as the paced producer uses it: full after ``room`` records."""

    def __init__(self, room: int) -> None:
        self.room, self.records = room, []

    def append(self, *, key, value, timestamp):
        if len(self.records) >= self.room:
            return None
        self.records.append((key, value, timestamp))
        return object()

    def close(self) -> None:
        pass


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[int, list]] = []

    def create_batch(self) -> _Batch:
        return _Batch(room=10)

    async def send_batch(self, batch: _Batch, topic: str, partition: int):
        self.sent.append((partition, batch.records))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


@pytest.mark.parametrize("workload", ["stateless", "windowed_ts"])
async def test_the_paced_producer_sends_every_event_it_counts(workload: str) -> None:
    """A late tick sends hundreds of events at once: those past a full batch were dropped, yet
    counted as expected, so latency runs reported missing outputs and waited out their drain."""
    lat = Latency("127.0.0.1:1", workload, "in", "out", proc=None,  # type: ignore[arg-type]
                  rate=10_000, seconds=1, text_keys=workload == "windowed_ts")
    producer = _Producer()
    await lat.send(producer, 500, measured=True)        # type: ignore[arg-type]
    sent = [r for _, recs in producer.sent for r in recs]
    assert len(sent) == 500 == lat.seq
    assert len({orjson.loads(v)["seq"] for _, v, _ in sent}) == 500
    key_partition = h.TEXT_KEY_PARTITION if workload == "windowed_ts" else h.KEY_PARTITION
    keys = h.TEXT_KEYS if workload == "windowed_ts" else h.KEYS
    for p, recs in producer.sent:
        assert all(key_partition[keys.index(k)] == p for k, _, _ in recs)


def test_cap_gives_slow_contenders_a_smaller_input() -> None:
    args = bench_run.parse_args(["--events", "300000"])
    assert args.cap == {"faust": 30_000}
    bench = bench_run.Bench(args, bench_run.RunningBroker("127.0.0.1:1"))
    assert bench.events_for("faust") == 30_000 and bench.events_for("quix") == 300_000
    assert bench_run.parse_args(["--events", "20000"]).cap == {"faust": 30_000}
    small = bench_run.Bench(bench_run.parse_args(["--events", "20000"]), bench_run.RunningBroker("x:1"))
    assert small.events_for("faust") == 20_000          # a cap never raises the count
    assert bench_run.parse_args(["--cap", ""]).cap == {}
    assert bench_run.parse_args(["--cap", "faust=0,quix=50000"]).cap == {"quix": 50_000}
    with pytest.raises(SystemExit):
        bench_run.parse_args(["--cap", "faust"])


def test_an_invalid_run_has_no_figure_but_says_its_rate() -> None:
    """A wrong answer is not benchmarked: the targets read it as not measured."""
    from benchmarks import targets
    run = h.Run("windowed", "quix", 0, status="invalid", reason="wrong output: 3 windows updated wrongly",
                extra={"rate_if_valid": 6_000.0})
    summary = h.summarize([run])
    assert summary["status"] == "invalid" and summary["rate_if_valid"] == 6_000.0
    s = {"windowed": {"streamflow": {"status": "ok", "median": 60_000.0}, "quix": summary}}
    line = next(l for l in targets.targets_table(s, {}) if "(record timestamps) >= 5x Quix" in l)
    assert line.endswith("| - | not measured |")
