"""The latency runs' matching (benchmarks/latency.py): every output is paired with the input
event it answers, read back from the input topic, so each sample splits at the input's append
time into "in" (send -> input appended) and "app" (input appended -> output appended)."""
from __future__ import annotations

import random
from types import SimpleNamespace

import orjson
import pytest

from benchmarks import harness as h
from benchmarks.latency import Latency


def _latency(workload: str) -> Latency:
    lat = Latency("127.0.0.1:1", workload, "in", "out", proc=None,  # type: ignore[arg-type]
                  rate=10_000, seconds=1, text_keys=workload == "windowed_ts")
    lat.measure_from = 1_000
    return lat


def _input(seq: int, key: int, sent: int, appended: int, text_keys: bool = False) -> SimpleNamespace:
    _, k, value = h.make_event(random.Random(seq), seq, sent, text_keys)
    value["id"] = h.IDS[key]
    return SimpleNamespace(key=k, value=orjson.dumps(value), timestamp=appended)


def test_stateless_samples_split_at_the_input_append() -> None:
    lat = _latency("stateless")
    inputs = {0: [_input(0, 1, sent=900, appended=905),           # sent before the measured phase
                  _input(1, 1, sent=1_000, appended=1_004),
                  _input(2, 2, sent=1_010, appended=1_030)]}
    out = [SimpleNamespace(key=inp.key, value=inp.value, timestamp=t)
           for inp, t in zip(inputs[0], (950, 1_020, 1_031), strict=True)]
    samples = lat.samples(inputs, {3: out})
    assert sorted(samples) == [(1_000, 1_004, 1_020), (1_010, 1_030, 1_031)]
    lat.expected = 2
    result = lat.result(samples, lost=0, outputs=3)
    assert (result["p99"], result["in_p99"], result["app_p99"]) == (21, 20, 16)
    assert (result["tail_in_median"], result["tail_app_median"]) == (20, 1)
    assert result["tail_in_worst_second"] == 1.0 and result["p99_per_second_median"] == 21


def test_a_single_stall_shows_as_the_share_of_the_tail_within_one_second() -> None:
    lat = _latency("stateless")
    # 10 s at 100 events/s, 2 ms each, but for 150 ms of stall in second 4 (all +200 ms).
    samples = [(1_000 + i * 10, 1_000 + i * 10 + 1, 1_000 + i * 10 + (200 if 4_000 <= i * 10 < 4_150 else 2))
               for i in range(1_000)]
    lat.expected = len(samples)
    result = lat.result(samples, lost=0, outputs=len(samples))
    assert result["p99"] == 200 and result["tail_in_worst_second"] == 1.0
    assert result["p99_per_second_median"] == 2


@pytest.mark.parametrize("workload", ["windowed", "windowed_ts"])
def test_windowed_counts_match_the_nth_event_of_the_key_in_its_window(workload: str) -> None:
    """Workload 2 windows by record time, which is the input's append time on a LogAppendTime
    topic: an event sent just before a window edge and appended after it is the first of the
    next window there, while 2b (the value's ts) keeps it in the earlier one."""
    lat = _latency(workload)
    text = workload == "windowed_ts"
    edge = 60_000
    inputs = {0: [_input(0, 7, sent=edge - 10, appended=edge - 5, text_keys=text),
                  _input(1, 7, sent=edge - 2, appended=edge + 3, text_keys=text),
                  _input(2, 7, sent=edge + 5, appended=edge + 9, text_keys=text)]}
    key = h.TEXT_KEYS[7] if text else h.KEYS[7]

    def output(start: int, count: int, appended: int) -> SimpleNamespace:
        return SimpleNamespace(key=key, value=orjson.dumps({"id": h.IDS[7], "start": start, "count": count}),
                               timestamp=appended)
    if text:   # windows of the sent ts: [0, 1] in the first, [2] in the next
        outs = [output(0, 1, edge), output(0, 2, edge + 10), output(edge, 1, edge + 20)]
        expect = [(edge - 10, edge - 5, edge), (edge - 2, edge + 3, edge + 10), (edge + 5, edge + 9, edge + 20)]
    else:      # windows of the append time: [0] in the first, [1, 2] in the next
        outs = [output(0, 1, edge), output(edge, 1, edge + 10), output(edge, 2, edge + 20)]
        expect = [(edge - 10, edge - 5, edge), (edge - 2, edge + 3, edge + 10), (edge + 5, edge + 9, edge + 20)]
    assert sorted(lat.samples(inputs, {0: outs})) == expect
    # An output whose count its window never reached answers nothing.
    assert lat.samples(inputs, {0: [output(edge, 5, edge + 30)]}) == []


def test_the_report_gives_each_latency_run_its_split() -> None:
    from benchmarks import report
    from benchmarks import run as bench_run
    args = bench_run.parse_args(["--events", "1000", "--workloads", "stateless",
                                 "--contenders", "streamflow,ceiling", "--bootstrap", "127.0.0.1:1"])
    bench = bench_run.Bench(args, bench_run.RunningBroker("127.0.0.1:1"))
    bench.runs = [h.Run("stateless", c, 0, events_per_s=100_000.0, rss_mb=70.0, startup_s=1.0)
                  for c in ("streamflow", "ceiling")]
    lat = _latency("stateless")
    lat.expected = 2
    samples = [(1_000, 1_004, 1_020), (1_010, 1_030, 1_031)]
    bench.latency = {("stateless", "streamflow"): lat.result(samples, lost=0, outputs=2),
                     ("stateless", "ceiling"): {"status": "failed", "reason": "exited"}}
    text, _ = report.tables(bench)
    assert ("- streamflow: send -> input appended 20 / 20 ms, input -> output appended 16 / 16 ms "
            "(p50 / p99); slowest 1%: median 20 ms in + 1 ms app, 100% of it sent within one second; "
            "median of the per-second p99s 21 ms") in text
    assert "- ceiling: send" not in text
