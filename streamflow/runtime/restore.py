"""Restoring table partitions from their changelogs (Kafka Streams' ``StoreChangelogReader``).

When the group assigns a task, the worker opens its table partitions (``runtime.tables``) and,
before any of its records is processed, brings each store up to the end of its changelog: a
store goes on from the changelog offset it holds, so a worker that kept its disk replays only
what it missed. Every changelog partition of one assignment is read together, in chunks of
:data:`RESTORE_BATCH` records, each chunk one store write.

A table fed from its topic (``app.table(name, topic=...)``) has that topic as its changelog;
it is restored up to the app's committed offset of it, from which the worker goes on applying
the topic itself (Kafka Streams restores source-topic changelogs the same way).

A restore gives up a partition within one chunk when the partition is revoked, or every
partition when the worker stops (:meth:`ChangelogRestorer.interrupt`): the group's rebalance
then does not wait for a whole restore. What was applied stays in the store with its
changelog offset, so whoever restores that partition on this disk next goes on from there.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Awaitable, Callable, Iterable

from ..state import restore
from ..types import TP
from .restore_progress import RestoreGauges, RestoreProgress
from .store_failures import restore_repairing

if TYPE_CHECKING:
    from .restore_progress import RestoreListener
    from .tables import TableManager, TablePartition
    from .transport.base import ChangelogReader

log = logging.getLogger("streamflow.tables")

# Records per read and per store write while restoring. Small enough that the event loop is
# never held long (heartbeats, the revoke callback): measured side by side on 1.6M changelog
# records, 50,000 stalled the loop up to 1.5 s per read at 115-118k records/s, 5,000 at most
# 0.34 s at 127-205k records/s (docs/decisions.md, "Restoring during a rebalance").
RESTORE_BATCH = 5_000

Committed = Callable[[TP], Awaitable["int | None"]]


class SharedReader:
    """The changelog reader that restores, changelog checks and global tables share, made
    when first needed (a worker without tables never opens one)."""

    def __init__(self, make: Callable[[], "ChangelogReader"]) -> None:
        self._make = make
        self._reader: "ChangelogReader | None" = None

    async def __call__(self) -> "ChangelogReader":
        if self._reader is None:
            self._reader = self._make()
        return self._reader

    async def stop(self) -> None:
        """Close the reader, if one was made."""
        if self._reader is not None:
            await self._reader.stop()
            self._reader = None


class ChangelogRestorer:
    """Brings table partitions up to their changelogs' ends (see the module docstring).

    ``committed(tp)``: the app's committed offset of an input partition, where a table fed
    from that topic stops restoring; ``auto_offset_reset``: where the worker starts reading an
    input without one (``latest``: the end, so such a table restores to the end too)."""

    def __init__(self, tables: "TableManager", reader: SharedReader, committed: Committed,
                 auto_offset_reset: str) -> None:
        self.tables = tables
        self._reader = reader
        self._committed = committed
        self._auto_offset_reset = auto_offset_reset
        #: Told how restores progress (the CLI's progress bar); without it, progress is logged.
        self.listener: "RestoreListener | None" = None
        #: Records applied by every restore of this worker (tests and logs read it).
        self.restored_records = 0
        #: Where each table partition's restore stands, for /metrics.
        self.gauges = RestoreGauges()
        # Changelog partitions whose restore in progress must stop after the chunk being
        # applied (revoked), or every one (the worker is stopping); see interrupt().
        self._interrupted: dict[TP, str] = {}
        self._interrupt_all: str | None = None

    async def restore(self, parts: list[tuple["TablePartition", TP]]) -> int:
        """Restore ``parts`` (table partition, changelog partition), tables fed from their
        topic up to the committed offset, rebuilding from scratch a store found damaged on
        the way (``runtime.store_failures``). Returns the records applied."""
        if not parts:
            return 0
        return await restore_repairing(self.tables, self, parts, await self.source_targets(parts))

    async def source_targets(self, parts: Iterable[tuple["TablePartition", TP]]) -> dict[TP, int]:
        """Where restoring a table fed from its topic stops: the app's committed offset of that
        topic partition, from which the worker goes on applying it (Kafka Streams restores
        source-topic changelogs to the committed offset too). Without one, where the worker
        will start reading: 0 (``auto_offset_reset=earliest``) or the end (``latest``)."""
        targets: dict[TP, int] = {}
        for part, tp in parts:
            if part.from_source and tp not in targets:
                committed = await self._committed(tp)
                if committed is None and self._auto_offset_reset == "latest":
                    continue  # to the end, like any changelog
                targets[tp] = committed or 0
        return targets

    def interrupt(self, changelogs: set[TP] | None, reason: str) -> None:
        """Make a restore in progress stop reading ``changelogs`` (None: all of them, for good:
        the worker is stopping) once the chunk being applied is written.

        Called without the worker's lock, which the restore holds: a partition revoked while
        it is being restored is given up within one chunk instead of being read to its end
        first, which would hold up the rebalance (and the worker's revoke callback) for as
        long as the whole restore takes."""
        if changelogs is None:
            self._interrupt_all = reason
            return
        for tp in changelogs:
            self._interrupted[tp] = reason

    def forget(self, changelogs: Iterable[TP | None]) -> None:
        """The table partitions of ``changelogs`` were released: a later assignment of them
        restores them again."""
        for tp in changelogs:
            self._interrupted.pop(tp, None)  # type: ignore[arg-type]

    def _interruption(self, tp: TP) -> str | None:
        return self._interrupt_all or self._interrupted.get(tp)

    async def restore_all(self, parts: list[tuple["TablePartition", TP]],
                          targets: dict[TP, int] | None = None) -> int:
        """Bring every store in ``parts`` up to its changelog's end (or, for the partitions in
        ``targets``, to that offset), reading all of their changelog partitions together in
        large batches, one WriteBatch per chunk."""
        reader = await self._reader()
        ends = await reader.end_offsets([tp for _, tp in parts])
        ranges: dict[TP, tuple[int, int]] = {}
        by_tp: dict[TP, "TablePartition"] = {}
        for part, tp in parts:
            stored = part.store.changelog_offset()
            start = 0 if stored is None else stored + 1
            if start > ends[tp]:
                # The changelog is shorter than what the store reflects: the topic was deleted
                # and recreated. The store cannot be trusted against it; rebuild.
                log.warning("table %s[%d]: store is at changelog offset %d but %s ends at %d "
                            "(topic recreated?); discarding the local store and rebuilding",
                            part.table.name, part.partition, stored, tp, ends[tp],
                            extra={"topic": tp.topic, "partition": tp.partition})
                part = self.tables.reopen_empty(part)
                start = 0
            part.next_offset = ends[tp]  # where this worker's first record should land
            end = ends[tp] if targets is None or tp not in targets else min(ends[tp], targets[tp])
            if start >= end:
                log.info("table %s[%d] is up to date (changelog offset %s)", part.table.name,
                         part.partition, stored)
                continue
            log.info("restoring table %s[%d] from %s offsets %d..%d", part.table.name,
                     part.partition, tp, start, end,
                     extra={"topic": tp.topic, "partition": tp.partition, "offset": start})
            ranges[tp] = (start, end)
            by_tp[tp] = part
        if not ranges:
            return 0
        restoring = [(by_tp[tp].table.name, by_tp[tp].partition) for tp in ranges]
        self.gauges.begin(dict(zip(restoring, ranges.values(), strict=True)))
        try:
            total = await self._read(reader, ranges, by_tp)
        finally:
            self.gauges.end(restoring)
        self.restored_records += total
        return total

    async def _read(self, reader: "ChangelogReader", ranges: dict[TP, tuple[int, int]],
                    by_tp: dict[TP, "TablePartition"]) -> int:
        """Apply ``ranges`` of the changelogs to the stores of ``by_tp``, chunk by chunk."""
        began = last_log = time.monotonic()
        counts = dict.fromkeys(ranges, 0)
        total = 0
        remaining = sum(end - start for start, end in ranges.values())
        pending = dict(ranges)
        listener = self.listener
        if listener is not None:
            listener(RestoreProgress(0, remaining, 0.0, len(ranges), False))
        while pending:
            # One pass reads every partition still pending; an interruption ends the pass and
            # the next one goes on with the partitions that are still wanted.
            async with contextlib.aclosing(reader.read_many(dict(pending), RESTORE_BATCH)) as chunks:
                async for tp, records in chunks:
                    part = by_tp[tp]
                    restore(part.store, [(r.key, r.value, r.offset) for r in records])
                    counts[tp] += len(records)
                    total += len(records)
                    position = records[-1].offset + 1
                    self.gauges.advance((part.table.name, part.partition), position, len(records))
                    pending[tp] = (position, pending[tp][1])
                    if position >= ranges[tp][1]:
                        del pending[tp]
                        elapsed = max(time.monotonic() - began, 1e-6)
                        log.info("restored table %s[%d]: %d records in %.2fs (%.0f records/s)",
                                 part.table.name, part.partition, counts[tp], elapsed,
                                 counts[tp] / elapsed)
                    now = time.monotonic()
                    if listener is not None:
                        listener(RestoreProgress(total, remaining, now - began, len(ranges), False))
                    elif now - last_log > 2:
                        last_log = now
                        log.info("restoring: %d records, %.0f records/s, about %d offsets to go",
                                 total, total / (now - began), remaining - total)
                    # The reader hands out prefetched records without suspending, so without
                    # this the restore would hold the event loop for its whole length: no
                    # heartbeats (the group evicts the worker after session_timeout_ms and
                    # gives its partitions to another while it goes on processing them) and
                    # no revoke callback until the end.
                    await asyncio.sleep(0)
                    if any(self._interruption(t) for t in pending):
                        break
                else:
                    pending.clear()  # read to the end (compacted tails may hold no record)
            for tp in [t for t in pending if self._interruption(t)]:
                part = by_tp[tp]
                log.info("restore of table %s[%d] stopped at changelog offset %d of %d (%s); "
                         "the store keeps the %d records restored", part.table.name,
                         part.partition, pending[tp][0], ranges[tp][1], self._interruption(tp),
                         counts[tp])
                del pending[tp]
                del by_tp[tp]
        for tp, part in by_tp.items():   # compacted tails: the last offsets may hold no record
            stored = part.store.changelog_offset()
            if stored is None or stored + 1 < ranges[tp][1]:
                log.info("restored table %s[%d]: %d records in %.2fs", part.table.name,
                         part.partition, counts[tp], time.monotonic() - began)
        if listener is not None:
            listener(RestoreProgress(total, remaining, time.monotonic() - began, len(ranges), True))
        return total


__all__ = ["RESTORE_BATCH", "ChangelogRestorer", "SharedReader"]
