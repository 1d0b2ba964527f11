"""Run random scenarios through Kafka Streams and streamflow; report (and shrink) mismatches.

``python -m tests.ks_oracle.run --count 2000 --seed 1`` from the repository root. Each
mismatch is shrunk (records removed one at a time while the same comparison still fails) and
printed as one JSON scenario and, for one partition, as an entry of the fixed traces.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any

from .compare import Mismatch, check
from .fixed_traces import join_trace_lines_of, window_trace_of
from .oracle import KafkaStreamsOracle
from .scenarios import random_scenario

__all__ = ["first_mismatch", "shrink", "main"]


def first_mismatch(oracle: KafkaStreamsOracle, scenario: dict[str, Any],
                   app: bool = True, result: dict[str, Any] | None = None) -> Mismatch | None:
    """The mismatch on ``scenario`` (Kafka's ``result`` if already known), or None."""
    try:
        result = result or oracle.run_result(scenario)
        check(scenario, result["outputs"], app=app, store=result.get("store"))
    except Mismatch as mismatch:
        return mismatch
    return None


def shrink(oracle: KafkaStreamsOracle, mismatch: Mismatch, app: bool = True) -> Mismatch:
    """A smaller scenario failing the same comparison (greedy; good enough to read): on one
    partition if it still fails there, then with records removed one at a time."""
    best = mismatch
    one_partition = {**best.scenario, "records": [
        {k: v for k, v in r.items() if k != "partition"} for r in best.scenario["records"]]}
    found = first_mismatch(oracle, one_partition, app)
    if found is not None and found.what == best.what:
        best = found
    changed = True
    while changed:
        changed = False
        records = best.scenario["records"]
        for i in range(len(records)):
            candidate = {**best.scenario, "records": records[:i] + records[i + 1:]}
            found = first_mismatch(oracle, candidate, app)
            if found is not None and found.what == best.what:
                best, changed = found, True
                break
    return best


def _as_fixed_trace(oracle: KafkaStreamsOracle, scenario: dict[str, Any]) -> str:
    """The scenario in the fixed traces' format, ready to paste (one partition only)."""
    if any(r.get("partition", 0) for r in scenario["records"]):
        return "(several partitions: not expressible as a fixed trace)"
    outputs = oracle.run_one(scenario)
    if scenario["topology"] == "window":
        entry = json.dumps(window_trace_of(scenario, outputs), separators=(",", ":"))
        return f"FIXED TRACE for tests/unit/operators/kafka_traces.json:\n{entry}"
    return ("FIXED TRACE for KAFKA_TRACES in tests/unit/operators/join_model_kafka.py:\n"
            + join_trace_lines_of(scenario, outputs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-failures", type=int, default=10)
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--operators-only", action="store_true",
                        help="skip the app (DSL on the TestDriver) comparison: faster")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    failures: dict[str, int] = {}
    started = time.monotonic()
    with KafkaStreamsOracle() as oracle:
        n = -1
        while n + 1 < args.count and sum(failures.values()) < args.max_failures:
            batch = [random_scenario(rng) for _ in range(min(100, args.count - n - 1))]
            for scenario, result in zip(batch, oracle.run_results(batch)):  # the JVM in parallel
                n += 1
                mismatch = first_mismatch(oracle, scenario, not args.operators_only, result)
                if mismatch is None:
                    continue
                failures[mismatch.what] = failures.get(mismatch.what, 0) + 1
                if not args.no_shrink:
                    mismatch = shrink(oracle, mismatch, not args.operators_only)
                print(f"--- scenario {n} (seed {args.seed}): {mismatch}\n"
                      f"SCENARIO {json.dumps(mismatch.scenario)}", flush=True)
                print(_as_fixed_trace(oracle, mismatch.scenario), flush=True)
                if sum(failures.values()) >= args.max_failures:
                    break
    print(f"{n + 1} scenarios in {time.monotonic() - started:.0f}s; mismatches: {failures or 'none'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
