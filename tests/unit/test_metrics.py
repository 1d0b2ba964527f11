"""A worker's metrics after a known workload on memory:// (the test driver), however the
records are batched; one registry per worker; the README names every metric."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import streamflow
from streamflow.partitioner import partition_for
from streamflow.runtime.restore_progress import RestoreGauges
from streamflow.testing import TestDriver

from ..metrics_helpers import by_label, family_names, samples, value

README = Path(__file__).resolve().parents[2] / "README.md"


def shop(batch_size: int = 2000, **settings):
    """Orders with amounts: totals per customer, orders over 100 to ``large``, a count of
    orders per customer and 10 s window (late ones dropped), bad records dead-lettered."""
    app = streamflow.App("metrics-shop", batch_size=batch_size, on_decode_error="dead_letter",
                         **settings)
    orders = app.topic("orders", partitions=2)
    large = app.topic("large", partitions=2)
    totals = app.table("totals", default=int, partitions=2)
    per_window = app.table("per-window", default=int, partitions=2).tumbling(10, grace=0)

    @app.agent(orders)
    async def route(stream):
        async for order in stream:
            totals[order["customer"]] += order["amount"]
            per_window[order["customer"]] += 1
            if order["amount"] > 100:
                await large.send(key=order["customer"], value=order)

    return app


def workload() -> list[tuple[str, dict, int]]:
    """(customer, order, timestamp ms): 30 orders over 5 customers, 1 of them late."""
    out = []
    for i in range(29):
        customer = f"c{i % 5}"
        out.append((customer, {"customer": customer, "amount": i * 10}, 1_000 + i * 1_000))
    out.append(("c1", {"customer": "c1", "amount": 5}, 2_000))  # window [0, 10s) closed: late
    return out


@pytest.mark.parametrize("batch_size", [1, 7, 2000])
async def test_counters_after_a_known_workload_hold_however_records_are_batched(batch_size) -> None:
    app = shop(batch_size)
    orders = workload()
    per_partition = {0: 0, 1: 0}
    for customer, _, _ in orders:
        per_partition[partition_for(customer.encode(), 2)] += 1
    async with TestDriver(app, commit_every_step=False) as d:
        await d.send_many(("orders", c, o, ts) for c, o, ts in orders)
        d.append_raw("orders", 1, b"c9", b"{not json", 40_000)
        await d.run()
        await d.commit()
        got = samples(d.worker.metrics.exposition().decode())

    consumed = by_label(got, "streamflow_events_consumed_total", "partition")
    assert consumed == {"0": per_partition[0], "1": per_partition[1]}   # the bad record: below
    assert value(got, "streamflow_agent_events_total", agent="route") == len(orders)
    large = sum(1 for _, o, _ in orders if o["amount"] > 100)
    assert value(got, "streamflow_events_produced_total", topic="large") == large
    assert value(got, "streamflow_events_produced_total", topic="metrics-shop-dead-letters") == 1
    assert value(got, "streamflow_decode_errors_total", topic="orders") == 1
    assert value(got, "streamflow_dead_letters_total", topic="orders") == 1
    assert value(got, "streamflow_late_events_total", table="per-window") == 1
    # one commit for everything: every changelog record of totals is one customer's total
    assert value(got, "streamflow_events_produced_total", topic="metrics-shop-totals-changelog") == 5
    assert value(got, "streamflow_commits_total") >= 1
    assert value(got, "streamflow_commit_duration_seconds_count") >= 1
    assert value(got, "streamflow_commit_failures_total") == 0
    assert value(got, "streamflow_agent_batch_duration_seconds_count", agent="route") >= (
        len(orders) if batch_size == 1 else 1)
    assert value(got, "streamflow_assigned_tasks") == 2
    assert value(got, "streamflow_assigned_partitions") == 2
    assert value(got, "streamflow_ready_partitions") == 2
    assert value(got, "streamflow_standby_tasks") == 0
    assert value(got, "streamflow_rebalances_total") == 1
    assert value(got, "streamflow_worker_ready") == 1
    assert by_label(got, "streamflow_consumer_lag_records", "partition") == {"0": 0, "1": 0}
    assert by_label(got, "streamflow_committed_offset", "partition") == {
        "0": per_partition[0], "1": per_partition[1] + 1}   # past the dead letter
    assert value(got, "streamflow_transactions_committed_total") == 0   # at-least-once


async def test_each_worker_counts_only_what_it_processed() -> None:
    """Two workers of one app in one process (the driver's rebalance) each keep their own
    registry; together they count every record once."""
    app = shop()
    async with TestDriver(app) as d:
        await d.rebalance(2)
        first, second = d.workers
        assert first.metrics.registry is not second.metrics.registry
        orders = workload()
        await d.send_many(("orders", c, o, ts) for c, o, ts in orders)
        await d.commit()
        counts = [sum(by_label(w.metrics.exposition().decode(), "streamflow_events_consumed_total",
                               "partition").values()) for w in d.workers]
        tasks = [value(w.metrics.exposition().decode(), "streamflow_assigned_tasks") for w in d.workers]
    assert sum(counts) == len(orders) and all(counts)
    assert tasks == [1, 1]


async def test_exactly_once_counts_its_transactions() -> None:
    app = shop(processing_guarantee="exactly_once")
    async with TestDriver(app) as d:
        for customer, order, ts in workload()[:4]:
            await d.send("orders", key=customer, value=order, timestamp=ts)   # one commit each
        got = samples(d.worker.metrics.exposition().decode())
    assert value(got, "streamflow_transactions_committed_total") >= 4
    assert value(got, "streamflow_transactions_aborted_total") == 0


async def test_a_restore_counts_the_records_it_restored_per_table_partition() -> None:
    app = shop()
    async with TestDriver(app) as d:   # store="memory": every start restores from the changelog
        await d.send_many(("orders", c, o, ts) for c, o, ts in workload())
        await d.commit()
        changelog = {p: len(records) for p, records in
                     enumerate(d.broker.topics["metrics-shop-totals-changelog"])}
        await d.restart()
        got = samples(d.worker.metrics.exposition().decode())
    restored = by_label({k: v for k, v in got.items() if dict(k[1]).get("table") == "totals"},
                        "streamflow_restored_records_total", "partition")
    assert restored == {str(p): n for p, n in changelog.items() if n}
    assert by_label(got, "streamflow_restore_remaining_records", "partition").keys() >= {"0", "1"}
    assert set(by_label(got, "streamflow_restore_remaining_records", "partition").values()) == {0}


def test_restore_gauges_estimate_what_is_left_from_the_rate_so_far(monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr("streamflow.runtime.restore_progress.time.monotonic", lambda: now[0])
    gauges = RestoreGauges()
    gauges.begin({("counts", 3): (1_000, 11_000)})
    assert gauges.remaining(("counts", 3)) == (10_000, None)   # no rate yet
    now[0] = 102.0
    gauges.advance(("counts", 3), 3_000, 1_900)   # 2,000 offsets in 2 s (compaction gaps)
    assert gauges.remaining(("counts", 3)) == (8_000, 8.0)
    gauges.end([("counts", 3)])
    assert gauges.remaining(("counts", 3)) == (0, 0.0)
    assert gauges.restored == {("counts", 3): 1_900}


def test_the_readme_names_every_metric_a_worker_exposes() -> None:
    """The README's metrics table and the exposition agree, both ways."""
    from streamflow.runtime.worker import Worker
    app = shop()
    text = Worker(app).metrics.exposition().decode()
    exposed = {n for n in family_names(text) if not n.endswith("_created")}  # prometheus-client's
    readme = README.read_text()
    section = readme[readme.index("### HTTP: metrics, health and table queries"):]
    section = section[:section.index("\n## ")]
    documented = set(re.findall(r"`(streamflow_[a-z_]+)`", section))
    documented_families = {re.sub(r"_total$", "", n) for n in documented}
    assert exposed == documented_families, (exposed ^ documented_families)
    for name in documented:
        assert re.fullmatch(r"streamflow_[a-z]+(_[a-z]+)*", name)
