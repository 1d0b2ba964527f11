"""Is the worker ready to process, and is it alive: what ``GET /health`` and
``GET /health/live`` answer (Kubernetes' readiness and liveness probes).

Ready means every assigned partition is restored and the run loop is processing. It is not
while the worker starts (connecting, creating topics, joining its group), while the group
rebalances (between giving partitions up and being assigned new ones), while assigned
partitions are restored, and once it stops. Alive is weaker: a worker restoring a large table
for minutes is alive, and must not be restarted for it; one whose run loop has not come back
to poll for longer than ``max_poll_interval_ms`` (an agent stuck in an ``await``) is not.

:func:`assess` is pure, over a :class:`Snapshot`; :class:`Health` takes the snapshot from the
worker and keeps what only the rebalance callbacks know.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..types import TP
from .identity import worker_id

if TYPE_CHECKING:
    from .worker import Worker

SHOWN = 10  # partitions named in a reason at most


@dataclass(frozen=True)
class Snapshot:
    """What the worker looked like when asked: all :func:`assess` decides on."""

    started: bool
    stopping: bool
    failure: str | None
    has_consumer: bool
    assigned_once: bool
    rebalancing: bool
    assigned: frozenset[TP] = field(default_factory=frozenset)
    ready: frozenset[TP] = field(default_factory=frozenset)
    since_poll: float = 0.0      # seconds since the run loop last came round to poll
    max_poll_interval: float = 300.0


@dataclass(frozen=True)
class Verdict:
    """An answer to a probe: ok or not, the state it is in, and why (for the body)."""

    ok: bool
    status: str             # ready | starting | rebalancing | restoring | stopping | alive | stalled
    reason: str | None = None

    @property
    def ready(self) -> bool:
        return self.ok and self.status == "ready"


def assess(s: Snapshot) -> Verdict:
    """Readiness: ready only when every assigned partition is restored and processing."""
    if s.failure is not None:
        return Verdict(False, "stopping", f"the worker failed: {s.failure}")
    if s.stopping:
        return Verdict(False, "stopping", "the worker is stopping (committing and leaving its group)")
    if not s.started:
        return Verdict(False, "starting", "connecting to the broker, creating topics, starting agents")
    if not s.has_consumer:
        return Verdict(True, "ready")  # consumes nothing (timers and tasks only)
    if s.rebalancing:
        return Verdict(False, "rebalancing", "the group is reassigning partitions")
    if not s.assigned_once:
        return Verdict(False, "starting", "waiting for the group to assign partitions")
    waiting = sorted(s.assigned - s.ready)
    if waiting:
        shown = ", ".join(f"{tp.topic}[{tp.partition}]" for tp in waiting[:SHOWN])
        more = f" and {len(waiting) - SHOWN} more" if len(waiting) > SHOWN else ""
        return Verdict(False, "restoring", f"{len(waiting)} of {len(s.assigned)} assigned "
                       f"partitions are not restored yet: {shown}{more}")
    return Verdict(True, "ready")


def assess_liveness(s: Snapshot) -> Verdict:
    """Liveness: the worker has not failed and its run loop keeps coming round (restores, which
    run inside the loop, count as coming round)."""
    if s.failure is not None:
        return Verdict(False, "stopping", f"the worker failed: {s.failure}")
    restoring = bool(s.assigned - s.ready)
    if s.started and not s.stopping and not restoring and s.since_poll > s.max_poll_interval:
        return Verdict(False, "stalled", f"the run loop has not polled for {s.since_poll:.0f}s "
                       f"(more than max_poll_interval_ms): an agent may be stuck")
    return Verdict(True, "alive")


class Health:
    """The worker's side of :func:`assess`: the worker tells it when its loop polls; the rest
    is read from the worker (rebalances from its task manager).

    It holds the worker, on purpose: a snapshot is a read of a dozen parts of its state at
    one moment (consumer, task manager, run state, settings), never a call into it; the
    verdicts themselves are pure (:func:`assess`)."""

    def __init__(self, worker: "Worker") -> None:
        self.worker = worker
        self.last_poll = time.monotonic()

    def polled(self) -> None:
        self.last_poll = time.monotonic()

    # -- asked by /health -------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        w = self.worker
        consumer = w.consumer
        failure = w.failure
        return Snapshot(
            started=w.started, stopping=w.stopping,
            failure=None if failure is None else f"{type(failure).__name__}: {failure}",
            has_consumer=consumer is not None, assigned_once=w.tasks.assigned_once,
            rebalancing=w.tasks.rebalancing,
            assigned=frozenset(consumer.assignment()) if consumer is not None else frozenset(),
            ready=frozenset(w.ready_partitions),
            since_poll=time.monotonic() - self.last_poll,
            max_poll_interval=w.settings.max_poll_interval_ms / 1000)

    def readiness(self) -> Verdict:
        return assess(self.snapshot())

    def liveness(self) -> Verdict:
        return assess_liveness(self.snapshot())

    def details(self) -> dict[str, Any]:
        """What a 200 answer says besides the status."""
        w = self.worker
        consumer = w.consumer
        assigned = consumer.assignment() if consumer is not None else set()
        return {"app": w.app.id, "worker": worker_id(w.settings),
                "assigned_partitions": len(assigned),
                "assigned_tasks": len({(w.partition_count(tp.topic), tp.partition) for tp in assigned}),
                "standby_tasks": len(w.standby_tasks), "rebalances": w.tasks.rebalances}


__all__ = ["Health", "Snapshot", "Verdict", "assess", "assess_liveness"]
