"""The commit path: input positions, and the two ways of committing them with the output.

The worker decides *when* to commit (every ``commit_interval``, before a revoke, at shutdown)
and makes its agents hand back what they hold; this module does the commit itself, in the
order that makes each guarantee hold:

- **at-least-once** (:class:`AtLeastOnceCommit`): the tables' pending writes become changelog
  records, every buffered record is flushed and acknowledged, each store writes its batch with
  the changelog offset it reached, then the input offsets are committed. A crash in between
  replays from the last committed offsets: duplicates, never losses.
- **exactly-once** (:class:`ExactlyOnceCommit`): everything sent since the last commit is one
  Kafka transaction; the input offsets join it and it commits; only then do the stores write.
  If it aborts, the stores' batches are dropped and the partitions rewound to their committed
  offsets, so the stores only ever hold committed state. See docs/exactly-once.md.

When a fatal error stops the worker, :meth:`AtLeastOnceCommit.fail` replaces the final commit:
exactly-once aborts the open transaction; at-least-once commits only what the failure cannot
have left half done (see :class:`Failure`).

:class:`Offsets` is the bookkeeping both share.
"""
from __future__ import annotations

import enum
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

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
        """Turn pending writes into records in ``output`` (changelogs)."""

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
        """Changelog records, then output and changelog acknowledged, then the offsets,
        then the stores. Before it writes anything this worker makes sure it still owns its
        partitions (its group lease), and it distrusts acknowledgements that came back after
        the lease ended: a worker the group replaced must neither append stale changelog
        records after the new owner restored nor let its store record an offset past the new
        owner's records; it rolls back to its last commit instead. ``final``: the last commit
        before the partitions leave (revoke, shutdown). See docs/exactly-once.md."""
        consumer = self._consumer()
        lease = None
        if consumer is not None and (final or self.offsets.to_commit(consumer.assignment())
                                     or any(p.pending_tasks() for p in self.participants)):
            lease = await consumer.lease()
            if not _held(lease):
                self._give_up("this worker cannot prove it is still a member of its group (it "
                              "was paused or cut off longer than the session timeout?)")
                return
        for participant in self.participants:
            await participant.prepare_commit(self.output)
        acked = await self.output.wait_acks()
        if lease is not None and not _held(lease):
            self._give_up("the broker acknowledged this commit's records after this worker's "
                          "group lease ended: another worker may own its partitions")
            return
        for participant in self.participants:
            acked = await participant.verify_changelog(acked, self.output, final)
        if lease is not None and not _held(lease):  # the rewrites came back too late
            self._give_up("this worker's group lease ended while it checked its changelogs")
            return
        offsets = self.offsets.to_commit(consumer.assignment()) if consumer is not None else {}
        if offsets:
            try:
                await consumer.commit(offsets)  # type: ignore[union-attr]
            except CommitFailed as exc:
                # Replaced by the group: the stores must not keep this batch either.
                self._give_up(f"the group refused the offsets ({exc})")
                return
            self.offsets.mark_committed(offsets)
            self.commits += 1
            log.debug("committed %s", _fmt_offsets(offsets))
        for participant in self.participants:  # (a failed write: restored from the changelog)
            participant.finish_commit(acked)

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

    async def commit(self, final: bool = False) -> None:
        """Changelog records, then the open transaction with the input offsets in it
        committed, then the stores; an abort rolls everything back to the last commit."""
        for participant in self.participants:
            await participant.prepare_commit(self.output)
        producer = self.producer
        try:
            acked = await self.output.wait_acks()
        except Exception:
            # A send failed: as with at-least-once this stops the worker, but first the
            # transaction is aborted so that no reader ever sees part of it.
            self.output.discard()
            try:
                await producer.abort_transaction()
            except Exception as exc:  # noqa: BLE001 - the send error is the one to report
                log.warning("aborting the transaction after a failed send failed too: %s", exc)
            raise
        consumer = self._consumer()
        offsets = self.offsets.to_commit(consumer.assignment()) if consumer is not None else {}
        group: Any = consumer.group_metadata() if consumer is not None else None
        try:
            await producer.commit_transaction(offsets, group)
        except TransactionAborted as exc:
            self.aborted += 1
            self._give_up(f"transaction aborted ({exc})")
            return
        if offsets or acked:
            self.transactions += 1
        for participant in self.participants:
            participant.finish_commit(acked)
        if offsets:
            self.offsets.mark_committed(offsets)
            self.commits += 1
            log.debug("committed transaction with %s", _fmt_offsets(offsets))

    async def fail(self, failure: Failure, reason: str) -> None:
        """The final commit after a fatal error: none. Whatever the failure, the open
        transaction is aborted (Kafka Streams closes a failed task dirty the same way), so no
        reader sees any of it and the next owner processes it all again, once."""
        self.output.discard()
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


__all__ = ["AtLeastOnceCommit", "CommitParticipant", "ExactlyOnceCommit", "Failure", "Offsets"]
