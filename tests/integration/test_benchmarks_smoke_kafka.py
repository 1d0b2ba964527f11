"""``python -m benchmarks.run`` at toy scale on the session's broker: the harness loads the
input, runs streamflow and the hand-written loop each as its own process on the new workload
(event time from the value, text keys), and writes a report with their figures, the memory
comparison and the targets. Seconds, not a measurement: it proves the benchmark still runs."""
from __future__ import annotations

import json

from benchmarks.run import Bench, parse_args


async def test_a_tiny_benchmark_run_measures_both_contenders(kafka_broker, tmp_path) -> None:
    args = parse_args(["--events", "3000", "--rounds", "1", "--workloads", "stateless,windowed_ts",
                       "--contenders", "streamflow,ceiling", "--latency-seconds", "0",
                       "--timeout", "120", "--results", str(tmp_path)])
    bench = Bench(args, broker=kafka_broker)
    await bench.main()

    runs = {(r.workload, r.contender): r for r in bench.runs}
    assert set(runs) == {(w, c) for w in ("stateless", "windowed_ts") for c in ("streamflow", "ceiling")}
    for run in runs.values():
        assert run.status == "ok", (run.workload, run.contender, run.reason)
        assert run.events_per_s and run.events_per_s > 0 and run.rss_mb and run.rss_mb > 0
    # one output per input event in the windowed workload (none late: grace 5 s, time moves forward)
    assert runs[("windowed_ts", "streamflow")].extra["output_records"] == 3000
    assert runs[("windowed_ts", "ceiling")].extra["output_records"] == 3000
    # at-least-once runs are also timed to their last offset commit (exactly-once's end)
    assert runs[("windowed_ts", "streamflow")].extra["committed_rate"] > 0

    report = (tmp_path / "latest.md").read_text()
    assert "### 2b. workload 2 with event time from the value" in report
    assert "| streamflow | " in report and "| ceiling | " in report
    assert "### Peak RSS of the stateful workloads against the stateless one" in report
    assert "| windowed (event time from the value) >= 0.6x the hand-written loop | " in report
    saved = json.loads(next(tmp_path.glob("2*.json")).read_text())
    assert len(saved["runs"]) == 4


async def test_scaleout_measures_workers_and_a_joining_worker_restores(kafka_broker, tmp_path) -> None:
    from benchmarks import scaleout
    ns = scaleout.parse(["--events", "3000", "--workers", "1", "--rate", "300",
                         "--results", str(tmp_path)])
    ns.broker = kafka_broker
    [result] = await scaleout.drive(ns)
    assert result["status"] == "ok", result
    assert result["events_per_s"] > 0 and result["rss_mb"] > 0
    # the second worker took partitions that had state, restored from their changelogs
    assert result["joiner_partitions"] >= 1 and result["joiner_restored_records"] > 0, result
    assert result["joiner_ready_s"] > 0 and result["longest_pause_s"] is not None


async def test_commit_spans_time_both_guarantees_commit_paths(kafka_broker, tmp_path) -> None:
    from benchmarks import commit_spans
    ns = commit_spans.parse(["--events", "3000", "--results", str(tmp_path)])
    ns.broker = kafka_broker
    results = await commit_spans.drive(ns)
    assert set(results) == {"windowed", "eos"}
    alo, eos = results["windowed"]["spans"], results["eos"]["spans"]
    assert alo["missing"] == [] and eos["missing"] == []
    for spans in (alo, eos):
        assert spans["calls"]["begin"] >= 1 and spans["calls"]["complete"] >= 1
        assert spans["calls"]["acks"] >= 1 and spans["calls"]["finish_commit"] >= 1
    assert alo["calls"]["offset_commit"] >= 1 and "commit_transaction" not in alo["calls"]
    assert eos["calls"]["commit_transaction"] >= 1 and eos["calls"]["send_offsets"] >= 1
    assert "offset_commit" not in eos["calls"]


async def test_a_latency_run_splits_every_sample_at_the_input_append(kafka_broker, tmp_path) -> None:
    """Workload 2 windows by record time, which is the input's append time on the latency
    run's LogAppendTime input topic: every output is still matched to the event it counts."""
    args = parse_args(["--events", "1000", "--rate", "1000", "--latency-seconds", "2",
                       "--contenders", "streamflow", "--results", str(tmp_path)])
    bench = Bench(args, broker=kafka_broker)
    await bench.setup()
    result = await bench.latency_run("windowed", "streamflow")
    assert result["status"] == "ok", result
    assert result["received"] == 1.0 and result["samples"] == result["expected"] >= 1900, result
    assert 0 <= result["in_p50"] <= result["p99"] and 0 <= result["app_p50"] <= result["p99"], result
    samples = json.loads((bench.logs / "latency-windowed-streamflow-samples.json").read_text())
    assert len(samples) == result["samples"]
    assert all(sent <= appended <= out for sent, appended, out in samples)
