"""Readiness and liveness from a worker's state (``runtime.health.assess``), and the worker
telling its health object about rebalances."""
from __future__ import annotations

from dataclasses import replace

import streamflow
from streamflow.runtime.health import Snapshot, assess, assess_liveness
from streamflow.testing import TestDriver
from streamflow.types import TP

A, B = TP("orders", 0), TP("orders", 1)
READY = Snapshot(started=True, stopping=False, failure=None, has_consumer=True,
                 assigned_once=True, rebalancing=False, assigned=frozenset({A, B}),
                 ready=frozenset({A, B}))


def test_ready_only_when_every_assigned_partition_is_restored() -> None:
    assert assess(READY).ready
    restoring = assess(replace(READY, ready=frozenset({A})))
    assert (restoring.ok, restoring.status) == (False, "restoring")
    assert restoring.reason == "1 of 2 assigned partitions are not restored yet: orders[1]"


def test_not_ready_while_starting_rebalancing_or_stopping() -> None:
    assert assess(replace(READY, started=False)).status == "starting"
    assert assess(replace(READY, assigned_once=False, assigned=frozenset(),
                          ready=frozenset())).status == "starting"
    assert assess(replace(READY, rebalancing=True)).status == "rebalancing"
    assert assess(replace(READY, stopping=True)).status == "stopping"
    failed = assess(replace(READY, failure="AgentError: agent count failed"))
    assert (failed.status, failed.reason) == ("stopping", "the worker failed: AgentError: agent count failed")


def test_a_worker_with_no_partitions_is_ready_once_assigned() -> None:
    """More workers than tasks: the spare one has nothing to restore."""
    assert assess(replace(READY, assigned=frozenset(), ready=frozenset())).ready
    assert assess(replace(READY, has_consumer=False, assigned_once=False)).ready  # timers only


def test_alive_while_restoring_however_long_but_not_when_stuck() -> None:
    long_restore = replace(READY, ready=frozenset(), since_poll=3600.0)
    assert assess_liveness(long_restore).ok
    stuck = assess_liveness(replace(READY, since_poll=301.0, max_poll_interval=300.0))
    assert (stuck.ok, stuck.status) == (False, "stalled")
    assert assess_liveness(replace(READY, since_poll=299.0, max_poll_interval=300.0)).ok
    assert not assess_liveness(replace(READY, failure="BrokerUnavailable: gone")).ok


async def test_the_worker_reports_rebalances_to_its_health() -> None:
    app = streamflow.App("health-rebalance")
    app.topic("orders", partitions=4)

    @app.agent(app.topics["orders"])
    async def noop(stream):
        async for _ in stream:
            pass

    async with TestDriver(app) as d:
        first = d.worker
        assert first.health.readiness().ready and first.tasks.rebalances == 1
        await d.rebalance(2)
        assert first.tasks.rebalances == 2
        assert all(w.health.readiness().ready for w in d.workers)
        seen = []
        original = first.consumer.on_revoked

        async def revoked(tps):   # what /health says while the group takes partitions away
            await original(tps)
            seen.append(first.health.readiness().status)
        first.consumer.on_revoked = revoked
        await d.rebalance(1)
        await d.rebalance(2)
        assert "rebalancing" in seen
        assert first.health.readiness().ready
