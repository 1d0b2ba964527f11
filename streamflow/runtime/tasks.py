"""Rebalance handling (Kafka Streams' ``TaskManager``): which input partitions are assigned,
which are restored and ready to process, which tasks this worker keeps standbys of.

The consumer's rebalance callbacks only record what changed and pause the new partitions:
restoring inside them would block the group coordinator (and its heartbeats) for as long as
recovery takes, so the group would evict the worker and rebalance again and again. The run
loop calls :meth:`TaskManager.restore_pending` before each fetch: it opens the assigned tasks'
table partitions, restores them from their changelogs, and only then resumes the partitions
and lets their records through (:attr:`TaskManager.ready`).

A revoke commits first (the worker's final commit for those partitions), then closes their
table partitions and forgets their positions and queued records. A restore in progress holds
the worker's lock; a revoke tells it to give the revoked partitions up within one chunk.

With exactly-once, a task whose committed offsets are held by a transaction still open (a
previous owner stalled or died while committing: KIP-447) is neither restored nor processed
until that transaction ends.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Awaitable, Callable

from ..types import TP

if TYPE_CHECKING:
    from .commits import Offsets
    from .ordering import InputOrder
    from .restore import ChangelogRestorer
    from .run_state import RunState
    from .standbys import StandbyTables
    from .tables import TableManager
    from .transport.base import Consumer

log = logging.getLogger("streamflow.worker")

Task = tuple[int, int]  # (partition count, partition)


class TaskManager:
    """Assigned, restoring and ready partitions, and standby tasks (see the module docstring).

    What it is given instead of the worker: ``consumer()`` (None before the worker subscribes),
    ``task_of(tp)``, the ``tables`` with their ``restorer`` and ``standbys``, the input
    ``offsets``, ``order()`` (the queued records, None before start), the worker's ``lock``,
    ``commit_final()`` (the commit before partitions leave), ``reseek()`` (read foreign-key
    right sides again from what the restored state needs) and the ``run`` state."""

    def __init__(self, *, consumer: Callable[[], "Consumer | None"], task_of: Callable[[TP], Task],
                 tables: "TableManager", restorer: "ChangelogRestorer", standbys: "StandbyTables",
                 offsets: "Offsets", order: Callable[[], "InputOrder | None"], lock: asyncio.Lock,
                 commit_final: Callable[[], Awaitable[None]], reseek: Callable[[], None],
                 run: "RunState", exactly_once: bool) -> None:
        self._consumer, self._task_of = consumer, task_of
        self._tables, self._restorer, self._standbys = tables, restorer, standbys
        self._offsets, self._order, self._lock = offsets, order, lock
        self._commit_final, self._reseek, self._run = commit_final, reseek, run
        self._exactly_once = exactly_once
        #: Assigned and restored: their records may be processed.
        self.ready: set[TP] = set()
        #: Tasks (partition count, partition) the group gave this worker as warm standbys.
        self.standby: set[Task] = set()
        #: The group gave this worker its tasks (maybe none) at least once.
        self.assigned_once = False
        #: Between giving partitions up and being assigned again (for /health), and how many
        #: assignments the group made (for /metrics).
        self.rebalancing = False
        self.rebalances = 0
        self._to_restore: set[TP] = set()
        self._restoring: set[TP] = set()  # being restored now; a revoke takes them out
        self._logged_held: set[TP] = set()  # waiting for an open transaction (logged once)
        run.on_stop.append(self._on_stop)

    @property
    def pending(self) -> bool:
        """Assigned partitions are waiting to be restored."""
        return bool(self._to_restore)

    def all_ready(self, assigned: set[TP]) -> bool:
        """The group assigned this worker its tasks and every one of ``assigned`` is restored
        (until then a shared input's record may not go before their records)."""
        return self.assigned_once and assigned <= self.ready

    def _on_stop(self) -> None:
        self._restoring.clear()
        self._restorer.interrupt(None, "worker stopping")

    def _remaining(self, revoked: set[TP]) -> set[Task]:
        """The tasks still assigned once ``revoked`` are gone."""
        consumer = self._consumer()
        assigned = consumer.assignment() if consumer is not None else set()
        return {self._task_of(tp) for tp in assigned - revoked}

    # -- the consumer's callbacks ------------------------------------------------------------
    async def on_assigned(self, tps: set[TP]) -> None:
        """Pause ``tps`` until their state is restored; the run loop restores it (kept short
        on purpose: see the module docstring)."""
        consumer = self._consumer()
        assert consumer is not None
        consumer.pause(tps)
        self._to_restore |= tps
        self.assigned_once = True
        self.rebalancing = False
        self.rebalances += 1
        log.info("partitions assigned: %s", fmt_tps(tps) or "none")

    async def on_revoked(self, tps: set[TP]) -> None:
        """Commit, then give ``tps`` up: their tables, positions and queued records."""
        self.rebalancing = True
        self.ready -= tps
        self._to_restore -= tps
        # A restore in progress holds the lock: tell it to give these partitions up now rather
        # than wait for it to read them to the end (see ChangelogRestorer.interrupt).
        self._restoring -= tps
        self._restorer.interrupt({p.changelog_tp for p in self._tables.released(self._remaining(tps))
                                  if p.changelog_tp is not None}, "partition revoked")
        async with self._lock:
            await self._commit_final()
            gone = self._tables.release(self._remaining(tps))
            self._restorer.forget(part.changelog_tp for part in gone)
            self._offsets.forget(tps)
            order = self._order()
            if order is not None:
                order.drop(tps)
        if tps:
            log.info("partitions revoked: %s", fmt_tps(tps))

    def on_standby(self, tasks: set[Task]) -> None:
        """The standby tasks the group gave this worker (restored on the next poll)."""
        self.standby = tasks

    def holdings(self) -> tuple[set[Task], set[Task]]:
        """Tasks whose state this worker holds (for the sticky assignor)."""
        return self._tables.holdings()

    # -- restoring ------------------------------------------------------------------------------
    async def restore_pending(self) -> None:
        """Restore the state of newly assigned partitions, then let their events through."""
        if not self._to_restore or self._run.stop_requested:
            return
        consumer = self._consumer()
        assert consumer is not None
        held = await self._held_by_open_transactions(consumer) if self._exactly_once else set()
        if held >= self._to_restore:
            return
        async with self._lock:
            tps, self._to_restore = self._to_restore - held, self._to_restore & held
            tps &= consumer.assignment()
            self._restoring = set(tps)
            try:
                parts = self._tables.open_tasks({self._task_of(tp) for tp in tps}, self._standbys.take)
                await self._restorer.restore(parts)
                await self._standbys.assign(self.standby)
            except Exception as exc:  # noqa: BLE001
                self._run.failed("restoring state", exc, None)
                return
            finally:
                # Revoked (or stopping) while restoring: the restore of those was cut short,
                # so they are not ready; the revoke callback, waiting for this lock, drops them.
                tps = set() if self._run.stop_requested else tps & self._restoring
                self._restoring = set()
            self.ready |= tps
            order = self._order()
            if order is not None:
                order.ready(tps)
            consumer.resume(tps)
            # Newly restored state may be behind the broadcast readers: read again from there.
            self._reseek()
        if tps:
            log.info("partitions ready: %s", fmt_tps(tps))

    async def _held_by_open_transactions(self, consumer: "Consumer") -> set[TP]:
        """Exactly-once: the partitions to restore whose task has committed offsets held by a
        transaction still open (KIP-447). A previous owner that stalled or died between
        sending its offsets and committing may still commit them: restoring the task's
        tables and starting from its offsets before that transaction ends would miss its
        table changes, or process its records twice. The broker ends it within
        ``transaction_timeout_ms`` at the latest."""
        tps = self._to_restore & consumer.assignment()
        held = await consumer.unstable(tps)
        if held is None:
            held = tps  # the coordinator cannot tell now: ask again on the next poll
        tasks = {self._task_of(tp) for tp in held}
        waiting = {tp for tp in tps if self._task_of(tp) in tasks}
        if waiting and not waiting <= self._logged_held:
            log.warning("partitions %s: their committed offsets are held by a transaction still "
                        "open (a previous owner stalled or died while committing); waiting for "
                        "it to commit or abort before restoring and processing them",
                        fmt_tps(waiting))
        self._logged_held = waiting
        return waiting


def fmt_tps(tps: set[TP]) -> str:
    """``topic[0, 1]; other[3]``: partitions for a log line."""
    by_topic: dict[str, list[int]] = {}
    for tp in tps:
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    return "; ".join(f"{t}{sorted(ps)}" for t, ps in sorted(by_topic.items()))


__all__ = ["TaskManager", "fmt_tps"]
