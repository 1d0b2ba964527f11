"""The commit path: input positions, and the two ways of committing them with the output.

The worker decides *when* to commit (every ``commit_interval``, before a revoke, at shutdown)
and makes its agents hand back what they hold; this module does the commit itself, in the
order that makes each guarantee hold, in two halves so that processing does not stop:

1. :meth:`AtLeastOnceCommit.begin` (under the worker's lock, short): the tables freeze their
   pending writes (the committing layer, still read by processing) and turn them into
   changelog records; the output is flushed; what this commit covers is taken: the sends
   handed to the producer up to here (not later ones) and the input positions processed.
2. :meth:`AtLeastOnceCommit.complete` (in the background while processing goes on): wait for
   those acknowledgements, commit the offsets, write each frozen layer to its store with the
   offset its own changelog records reached. What it cannot finish (a lease lost, offsets
   refused, a transaction aborted) it returns as a :class:`GiveUp`, which :meth:`apply`
   rolls back under the lock, before anything else is processed.

- **at-least-once** (:class:`AtLeastOnceCommit`): changelog records and output flushed and
  acknowledged, the group lease and the changelogs checked, the input offsets committed, then
  the stores written. A crash in between replays from the last committed offsets:
  duplicates, never losses.
- **exactly-once** (:class:`ExactlyOnceCommit`): everything sent up to ``begin`` is one Kafka
  transaction; the input offsets join it and it commits; only then do the stores write.
  What is produced meanwhile stays in the output buffer (``OutputBuffer.held``: aiokafka has
  one open transaction per producer) and goes into the next transaction. If it aborts, the
  stores' layers are dropped and the partitions rewound to their committed offsets, so the
  stores only ever hold committed state. See docs/exactly-once.md.

:meth:`AtLeastOnceCommit.commit` runs both halves and applies the result in one go (final
commits, the explicit ``Worker.commit``); ``runtime.committer`` runs the background one.

When a fatal error stops the worker, :meth:`AtLeastOnceCommit.fail` replaces the final commit:
exactly-once aborts the open transaction; at-least-once commits only what the failure cannot
have left half done (see :class:`Failure`).

:class:`Offsets` is the bookkeeping both share.
"""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Protocol

from ..types import TP
from .transport.base import CommitFailed, TransactionAborted

if TYPE_CHECKING:
    from .output import OutputBuffer
    from .transport.base import Consumer, Producer

log = logging.getLogger("streamflow.worker")


class Failure(enum.Enum):
    """What a fatal error left behind, so what the shutdown may still commit."""

    #: The input stopped before a record (it did not decode): everything handed to the agents
    #: before it was processed in full.
    CLEAN = "clean"
    #: An agent, timer or task failed part-way: the tables' pending writes may hold part of the
    #: failed batch's work, mixed with the work of the batches before it.
    PARTIAL = "partial"
    #: The run loop itself failed (a send, a commit, the broker): nothing since the last
    #: commit can be trusted.
    BROKEN = "broken"


TaskOf = Callable[[TP], tuple[int, int]]
NOTHING_REWOUND = "the committed offsets"  # what rollback() reports when no position moved


class CommitParticipant(Protocol):
    """Something with per-commit state (the tables)."""

    async def prepare_commit(self, output: "OutputBuffer") -> None:
        """Freeze pending writes and turn them into records in ``output`` (changelogs)."""

    async def completing(self, step: str) -> None:
        """The commit's second half reached ``step``: "acks" (before waiting for the
        acknowledgements), "write" (offsets committed, stores not written yet). Tables have
        nothing to do; the test driver's crash points act here."""

    def finish_commit(self, acked: dict[TP, int]) -> None:
        """The records are acknowledged (and, exactly-once, committed): write the stores."""

    def rollback(self) -> None:
        """Drop what was prepared or written since the last commit (its transaction aborted)."""

    def pending_tasks(self) -> set[tuple[int, int]]:
        """Tasks (partition count, partition) with writes not committed yet."""

    async def verify_changelog(self, acked: dict[TP, int], output: "OutputBuffer",
                               final: bool) -> dict[TP, int]:
        """At-least-once: make sure what was acknowledged is this worker's alone (see
        ``runtime.changelog_guard``); returns ``acked`` with any rewrites added."""


class Offsets:
    """Per input partition: the next offset to process, the last one committed, and where
    this worker began processing it (the point to rewind to before its first commit)."""

    def __init__(self) -> None:
        self.positions: dict[TP, int] = {}
        self.committed: dict[TP, int] = {}
        self._began: dict[TP, int] = {}

    def fetched(self, tp: TP, first_offset: int) -> None:
        """Records of ``tp`` from ``first_offset`` were fetched (where a rewind goes back to
        before the first commit)."""
        if tp not in self.committed and tp not in self._began:
            self._began[tp] = first_offset

    def processed(self, positions: dict[TP, int]) -> None:
        """Every record before these positions (next offset per partition) was processed."""
        self.positions.update(positions)

    def to_commit(self, assigned: set[TP]) -> dict[TP, int]:
        """The positions of ``assigned`` partitions that moved since their last commit."""
        committed = self.committed
        return {tp: pos for tp, pos in self.positions.items()
                if tp in assigned and committed.get(tp) != pos}

    def mark_committed(self, offsets: dict[TP, int]) -> None:
        """``offsets`` were committed."""
        self.committed.update(offsets)

    def rewind_point(self, tp: TP) -> int | None:
        """Where ``tp`` must be read again from after an abort (None: never read). Even when
        nothing was processed since: the consumer may have fetched past it (a batch dropped
        unprocessed because it read a damaged store, records held back by the worker)."""
        position = self.committed.get(tp, self._began.get(tp))
        if position is not None:
            self.positions[tp] = position
        return position

    def forget(self, tps: Iterable[TP]) -> None:
        """``tps`` left this worker (revoked)."""
        for tp in tps:
            self.positions.pop(tp, None)
            self.committed.pop(tp, None)
            self._began.pop(tp, None)


@dataclass
class InFlight:
    """What one commit covers, taken by ``begin`` under the worker's lock."""

    final: bool
    #: The sends handed to the producer up to the freeze (output and changelog records).
    sends: list[tuple[TP, Awaitable[int]]]
    #: The input positions to commit.
    offsets: dict[TP, int]
    #: At-least-once: until when this worker's group lease was known to hold.
    lease: float | None = None


@dataclass
class GiveUp:
    """A commit that could not complete: rolled back (under the worker's lock) by ``apply``."""

    reason: str


class AtLeastOnceCommit:
    """``on_rewind`` is called after a rollback (the worker re-reads what depends on the
    rolled-back state: broadcast topics)."""

    def __init__(self, output: "OutputBuffer", participants: list[CommitParticipant],
                 offsets: Offsets, consumer: Callable[[], "Consumer | None"],
                 task_of: TaskOf, on_rewind: Callable[[], None]) -> None:
        self.output, self.participants, self.offsets = output, participants, offsets
        self._consumer = consumer
        self._task_of = task_of
        self._on_rewind = on_rewind
        self.transactional = False
        self.commits = 0
        self.aborted = 0  # exactly-once: transactions aborted
        self.rollbacks = 0  # either guarantee: state rolled back to the last commit
        self.failures = 0  # commits given up (rolled back): see _give_up

    def rollback(self, keep_output: bool = False) -> str:
        """Drop everything since the last commit: buffered output (unless ``keep_output``),
        the state batches, and every assigned partition's position, rewound to its committed
        offset, so that its events are processed again (once). After an aborted transaction,
        and after a store was found damaged (the batch in progress may have read damaged
        state). Returns where processing goes on from, for the log."""
        self.rollbacks += 1
        if not keep_output:
            self.output.discard()
        for participant in self.participants:
            participant.rollback()
        rewound = []
        consumer = self._consumer()
        if consumer is not None:
            for tp in sorted(consumer.assignment()):
                position = self.offsets.rewind_point(tp)
                if position is not None:
                    consumer.seek(tp, position)
                    rewound.append(f"{tp.topic}[{tp.partition}]@{position}")
        self._on_rewind()
        return ", ".join(rewound) or NOTHING_REWOUND

    async def abort(self) -> None:
        """Drop what was sent since the last commit where that is possible (exactly-once:
        abort the open transaction); at-least-once has nothing to abort."""

    async def fail(self, failure: Failure, reason: str) -> None:
        """The final commit after a fatal error. At-least-once keeps what was processed in
        full and acknowledged, and nothing a failure may have left half done: after a
        partial failure the tables' pending writes are dropped (a store never records part
        of the failed batch) and only partitions whose tasks have none are committed; the
        others are processed again from their last commit, into the last committed state."""
        if failure is Failure.CLEAN:
            await self.commit(final=True)
            return
        pending = set().union(*(p.pending_tasks() for p in self.participants))
        for participant in self.participants:
            participant.rollback()
        consumer = self._consumer()
        if failure is Failure.BROKEN or consumer is None:
            log.warning("%s: nothing more is committed; the next owner of this worker's "
                        "partitions reprocesses them from their last commit", reason)
            return
        await self.output.wait_acks()
        offsets = {tp: o for tp, o in self.offsets.to_commit(consumer.assignment()).items()
                   if self._task_of(tp) not in pending}
        if offsets:
            try:
                await consumer.commit(offsets)
            except CommitFailed as exc:
                log.warning("offset commit after %s failed (%s)", reason, exc)
                return
            self.offsets.mark_committed(offsets)
            self.commits += 1
        if pending:
            log.warning("%s: the uncommitted table changes of partitions %s were dropped; "
                        "those partitions are reprocessed from their last commit", reason,
                        ", ".join(str(p) for _, p in sorted(pending)))

    async def commit(self, final: bool = False) -> None:
        """One whole commit, both halves and the rollback if it gives up (the caller holds
        the worker's lock throughout): what final commits and ``Worker.commit`` run."""
        flight = await self.begin(final)
        if flight is not None:
            self.apply(await self.complete(flight))

    def apply(self, outcome: GiveUp | None) -> None:
        """Under the worker's lock: roll back a commit that gave up."""
        if outcome is not None:
            self._give_up(outcome.reason)

    async def begin(self, final: bool = False) -> InFlight | None:
        """The first half (under the lock): the lease, the frozen layers' changelog records,
        the output flushed, what the commit covers taken. None: it gave up already (rolled
        back). Before it writes anything this worker makes sure it still owns its partitions
        (its group lease): a worker the group replaced must neither append stale changelog
        records after the new owner restored nor let its store record an offset past the new
        owner's records. ``final``: the last commit before the partitions leave (revoke,
        shutdown). See docs/exactly-once.md."""
        consumer = self._consumer()
        lease = None
        if consumer is not None and (final or self.offsets.to_commit(consumer.assignment())
                                     or any(p.pending_tasks() for p in self.participants)):
            lease = await consumer.lease()
            if not _held(lease):
                self._give_up("this worker cannot prove it is still a member of its group (it "
                              "was paused or cut off longer than the session timeout?)")
                return None
        for participant in self.participants:
            await participant.prepare_commit(self.output)
        await self.output.flush()
        offsets = self.offsets.to_commit(consumer.assignment()) if consumer is not None else {}
        return InFlight(final, self.output.take_inflight(), offsets, lease)

    async def complete(self, flight: InFlight) -> GiveUp | None:
        """The second half (processing may go on meanwhile): acknowledgements, the lease and
        the changelogs checked again, the offsets committed, the stores written. It
        distrusts acknowledgements that came back after the lease ended, and rolls back to
        the last commit instead (returned as a :class:`GiveUp`, applied under the lock)."""
        lease = flight.lease
        await self._completing("acks")
        acked = await self.output.acks(flight.sends)
        if lease is not None and not _held(lease):
            return GiveUp("the broker acknowledged this commit's records after this worker's "
                          "group lease ended: another worker may own its partitions")
        for participant in self.participants:
            acked = await participant.verify_changelog(acked, self.output, flight.final)
        if lease is not None and not _held(lease):  # the rewrites came back too late
            return GiveUp("this worker's group lease ended while it checked its changelogs")
        offsets = flight.offsets
        if offsets:
            consumer = self._consumer()
            assert consumer is not None
            try:
                await consumer.commit(offsets)
            except CommitFailed as exc:
                # Replaced by the group: the stores must not keep this batch either.
                return GiveUp(f"the group refused the offsets ({exc})")
            self.offsets.mark_committed(offsets)
            self.commits += 1
            log.debug("committed %s", _fmt_offsets(offsets))
        await self._completing("write")
        for participant in self.participants:  # (a failed write: restored from the changelog)
            participant.finish_commit(acked)
        return None

    async def _completing(self, step: str) -> None:
        for participant in self.participants:
            await participant.completing(step)

    def _give_up(self, reason: str) -> None:
        """This commit cannot complete: roll back to the last commit and say why."""
        dropped = any(p.pending_tasks() for p in self.participants)
        # At-least-once output is sent anyway (duplicates, never losses: a timer's records
        # would not come again); a transaction's is aborted.
        resume = self.rollback(keep_output=not self.transactional)
        # Repeated while a replaced worker finds out (nothing left to drop): not worth a warning,
        # nor a failure in the metrics.
        failed = dropped or resume != NOTHING_REWOUND
        self.failures += failed
        log.log(logging.WARNING if failed else logging.DEBUG,
                "%s: state rolled back to the last commit; reprocessing from %s", reason, resume)


def _held(lease: float | None) -> bool:
    return lease is not None and time.monotonic() < lease


class ExactlyOnceCommit(AtLeastOnceCommit):
    """One Kafka transaction per commit (zombies are fenced by the broker: no lease)."""

    def __init__(self, output: "OutputBuffer", participants: list[CommitParticipant],
                 offsets: Offsets, consumer: Callable[[], "Consumer | None"],
                 task_of: TaskOf, on_rewind: Callable[[], None], producer: "Producer") -> None:
        super().__init__(output, participants, offsets, consumer, task_of, on_rewind)
        self.producer = producer
        self.transactional = True
        self.transactions = 0  # committed, with records or offsets in them

    async def begin(self, final: bool = False) -> InFlight | None:
        """The first half (under the lock): the frozen layers' changelog records flushed into
        the open transaction, what it covers taken; from here on the output buffer holds what
        is produced, for the next transaction."""
        for participant in self.participants:
            await participant.prepare_commit(self.output)
        output = self.output
        await output.flush()
        output.held = True
        consumer = self._consumer()
        offsets = self.offsets.to_commit(consumer.assignment()) if consumer is not None else {}
        return InFlight(final, output.take_inflight(), offsets)

    async def complete(self, flight: InFlight) -> GiveUp | None:
        """The second half: the acknowledgements, then the open transaction with the input
        offsets in it committed, then the stores; an abort is a :class:`GiveUp` (everything
        rolled back to the last commit, under the lock)."""
        producer = self.producer
        await self._completing("acks")
        try:
            acked = await self.output.acks(flight.sends)
        except Exception:
            # A send failed: as with at-least-once this stops the worker, but first the
            # transaction is aborted so that no reader ever sees part of it.
            try:
                await producer.abort_transaction()
            except Exception as exc:  # noqa: BLE001 - the send error is the one to report
                log.warning("aborting the transaction after a failed send failed too: %s", exc)
            raise
        consumer = self._consumer()
        offsets = flight.offsets
        group: Any = consumer.group_metadata() if consumer is not None else None
        try:
            await producer.commit_transaction(offsets, group)
        except TransactionAborted as exc:
            self.aborted += 1
            return GiveUp(f"transaction aborted ({exc})")
        self.output.held = False  # what was produced meanwhile goes into the next one
        if offsets or acked:
            self.transactions += 1
        await self._completing("write")
        for participant in self.participants:
            participant.finish_commit(acked)
        if offsets:
            self.offsets.mark_committed(offsets)
            self.commits += 1
            log.debug("committed transaction with %s", _fmt_offsets(offsets))
        return None

    def rollback(self, keep_output: bool = False) -> str:
        """As at-least-once; what the buffer held for the next transaction is dropped too
        (the partitions are rewound to before it)."""
        resume = super().rollback(keep_output)
        self.output.held = False
        return resume

    async def fail(self, failure: Failure, reason: str) -> None:
        """The final commit after a fatal error: none. Whatever the failure, the open
        transaction is aborted (Kafka Streams closes a failed task dirty the same way), so no
        reader sees any of it and the next owner processes it all again, once."""
        self.output.discard()
        self.output.held = False
        for participant in self.participants:
            participant.rollback()
        try:
            await self.producer.abort_transaction()
        except Exception as exc:  # noqa: BLE001 - the failure is the one to report
            log.warning("aborting the transaction after %s failed too (%s); the broker aborts "
                        "it after transaction_timeout_ms", reason, exc)
            return
        log.warning("%s: the open transaction was aborted; the next owner of this worker's "
                    "partitions processes them again from their last commit", reason)

    async def abort(self) -> None:
        """Abort the open transaction (nothing sent since the last commit becomes visible)."""
        self.output.discard()
        await self.producer.abort_transaction()


def _fmt_offsets(offsets: dict[TP, int]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]@{o}" for tp, o in sorted(offsets.items()))


__all__ = ["AtLeastOnceCommit", "CommitParticipant", "ExactlyOnceCommit", "Failure", "GiveUp",
           "InFlight", "Offsets"]
