"""streamflow's windows and joins against Kafka Streams 4.1.1 itself, on random scenarios.

Needs a JDK 17+ and Maven (the jars are fetched once and cached, see ``oracle.py``); skipped
without them. The normal suite runs a small seeded batch (60 scenarios, each through the
operators and an app on the TestDriver: about 10 s on an idle machine); for a long run:

    STREAMFLOW_KS_ORACLE_COUNT=3000 STREAMFLOW_KS_ORACLE_SEED=7 \\
        .venv/bin/python -m pytest tests/ks_oracle -q

or ``python -m tests.ks_oracle.run --count 3000 --seed 7``, which also shrinks mismatches.
See docs/testing-against-kafka-streams.md.
"""
from __future__ import annotations

import os
import random

import pytest

from .compare import check, kafka_rows
from .oracle import KafkaStreamsOracle, OracleUnavailable, unavailable_reason
from .scenarios import random_scenario

COUNT = int(os.environ.get("STREAMFLOW_KS_ORACLE_COUNT", "60"))
SEED = int(os.environ.get("STREAMFLOW_KS_ORACLE_SEED", "20261130"))

pytestmark = pytest.mark.ks_oracle


@pytest.fixture(scope="module")
def oracle():
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"Kafka Streams oracle unavailable: {reason}")
    try:
        started = KafkaStreamsOracle().start()
    except OracleUnavailable as exc:
        pytest.skip(f"Kafka Streams oracle unavailable: {exc}")
    yield started
    started.close()


def test_streamflow_agrees_with_kafka_streams_on_random_scenarios(oracle) -> None:
    rng = random.Random(SEED)
    scenarios = [random_scenario(rng) for _ in range(COUNT)]
    results = oracle.run_results(scenarios)
    outputs = [r["outputs"] for r in results]
    for scenario, result in zip(scenarios, results):
        # raises Mismatch: the scenario, the first difference
        check(scenario, result["outputs"], app=True, store=result.get("store"))
    # the batch must exercise what it claims to: every topology, and results of each kind
    produced = [kafka_rows(s, out) for s, out in zip(scenarios, outputs)]
    kinds = {s.get("type", s.get("kind")) for s in scenarios}
    assert kinds == {"tumbling", "hopping", "sliding", "session", "stream-stream",
                     "stream-table", "stream-globaltable", "table-table", "foreign-key"}, kinds
    assert sum(1 for rows in produced if rows) > COUNT // 2
    assert any(row[-2] is None for rows in produced for row in rows)  # tombstones/non-joined


def test_the_oracle_reports_kafka_streams_errors(oracle) -> None:
    """A scenario Kafka Streams rejects fails loudly instead of looking like 'no output'."""
    with pytest.raises(RuntimeError, match="Kafka Streams failed"):
        oracle.run_one({"topology": "window", "kind": "nonsense", "records": [
            {"topic": "input", "key": "a", "value": "v", "ts": 0}]})
