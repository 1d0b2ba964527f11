"""The worker's table manager: stores per table partition, changelogs, recovery.

It takes part in the worker's commit (see ``runtime.worker``): ``prepare_commit`` turns every
dirty partition transaction into changelog records (latest value per key), ``finish_commit``
writes each store's batch together with the changelog offset the broker acknowledged.

Partitions follow the assignment: when partition p of a source topic with N partitions is
assigned, partition p of every table with N partitions is opened and restored from its
changelog *before* the worker hands any event of it to an agent (the consumer calls
``on_assigned`` before it returns records of the new assignment). Global tables are opened
in full at start; their topic's records are written to them in their turn in the worker's
processing order (``runtime.global_feed``), not here.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..exceptions import CopartitioningError, StreamflowError
from ..state import (MemoryStore, PartitionTransaction, StoreCorrupted, StoreResources,
                     StoreWriteFailed, move_aside, open_rocksdb_store, restore)
from ..tables import GlobalTable, Table
from ..types import OFFSET, PARTITION, RAW_KEY, TOPIC, TP, VALUE
from .changelog_guard import verify
from .restore_progress import RestoreProgress
from .store_failures import reopen_standby, restore_repairing

if TYPE_CHECKING:
    from ..state import Store
    from .output import OutputBuffer
    from .restore_progress import RestoreListener
    from .transport.base import ChangelogReader
    from .worker import Worker

log = logging.getLogger("streamflow.tables")

# Records per read and per store write while restoring. Small enough that the event loop is
# never held long (heartbeats, the revoke callback): measured side by side on 1.6M changelog
# records, 50,000 stalled the loop up to 1.5 s per read at 115-118k records/s, 5,000 at most
# 0.34 s at 127-205k records/s (docs/decisions.md, "Restoring during a rebalance").
RESTORE_BATCH = 5_000


class TablePartition:
    __slots__ = ("table", "partition", "store", "txn", "changelog_tp", "committing",
                 "from_source", "source_offset", "changes", "produced", "next_offset")

    def __init__(self, table: Table, partition: int, store: "Store") -> None:
        self.table, self.partition, self.store = table, partition, store
        self.txn = PartitionTransaction(store, table.value_codec.dumps, table.value_codec.loads)
        self.changelog_tp = TP(table.changelog.name, partition) if table.changelog else None
        self.committing = False
        # A table fed from its topic (the topic is its changelog): the last input offset
        # applied since the last commit, which the commit stores with the batch.
        self.from_source = table.changelog_is_source
        self.source_offset: int | None = None
        # The commit in progress: its changelog records (key, encoded value or None) and how
        # many; and where this worker's next changelog record should land if nobody else
        # writes (at-least-once checks it: see runtime.changelog_guard).
        self.changes: list[tuple[bytes, bytes | None]] | None = None
        self.produced = 0
        self.next_offset: int | None = None


class TableManager:
    def __init__(self, worker: "Worker", tables: list[Table]) -> None:
        self.worker = worker
        self.settings = worker.settings
        self.tables = [t for t in tables if not isinstance(t, GlobalTable)]
        self.global_tables = [t for t in tables if isinstance(t, GlobalTable)]
        self.root = Path(self.settings.data_dir) / worker.app.id / "tables"
        budget = max(16, self.settings.rocksdb_memory_mb)
        self.resources: StoreResources | None = None
        self._budget = budget
        self.active: dict[tuple[str, int], TablePartition] = {}
        self.standby: dict[tuple[str, int], TablePartition] = {}
        self._standby_task: asyncio.Task | None = None
        self._reader: "ChangelogReader | None" = None
        self.restored_records = 0
        # Changelog partitions whose restore in progress must stop after the chunk being
        # applied (revoked, or the worker is stopping); see interrupt_restore().
        self._interrupted: dict[TP, str] = {}
        self._interrupt_all: str | None = None
        # Told how restores progress (the CLI's progress bar); without it, progress is logged.
        self.restore_listener: "RestoreListener | None" = None
        # Damaged stores (runtime.store_failures): found writing a commit's batch, and how
        # often each was rebuilt in this run.
        self.damaged_at_write: dict[tuple[str, int], StoreCorrupted] = {}
        self.rebuilds: collections.Counter[tuple[str, int]] = collections.Counter()

    # -- access from tables -------------------------------------------------------------------
    def transaction(self, table: Table, partition: int) -> PartitionTransaction:
        try:
            return self.active[(table.name, partition)].txn
        except KeyError:
            held = sorted(p for (name, p) in self.active if name == table.name)
            raise StreamflowError(f"table {table.name} partition {partition} is not held by this "
                                  f"worker (it holds {held or 'none'})") from None

    def held(self, table: Table) -> list[tuple[int, PartitionTransaction]]:
        """(partition, transaction) of every partition of ``table`` this worker holds."""
        return sorted(((p, part.txn) for (name, p), part in self.active.items() if name == table.name),
                      key=lambda pt: pt[0])

    def apply_source(self, table: Table, events: list) -> None:
        """Apply records of the topic a table is fed from (``app.table(name, topic=...)``): a
        value sets the key's row, None (a tombstone) deletes it, a record without a key is
        skipped (a table has no row for it) with a warning. Remembers the offset applied."""
        active, name = self.active, table.name
        part: TablePartition | None = None
        for event in events:
            if part is None or part.partition != event[PARTITION]:
                part = active[(name, event[PARTITION])]
            raw = event[RAW_KEY]
            if raw is None:
                log.warning("table %s: skipping a record without a key at %s[%d] offset %d",
                            name, event[TOPIC], event[PARTITION], event[OFFSET])
            elif event[VALUE] is None:
                part.txn.delete(raw)
            else:
                part.txn.set(raw, event[VALUE])
            part.source_offset = event[OFFSET]

    def transactions(self, table: Table) -> list[PartitionTransaction]:
        return [tp.txn for (name, _), tp in sorted(self.active.items(), key=lambda kv: kv[0])
                if name == table.name]

    # -- start and stop -------------------------------------------------------------------------
    def check_copartitioning(self, source_topics: list[str]) -> None:
        """Every table must share its partition count with a source topic that updates it."""
        counts = {t: self.worker.partition_count(t) for t in source_topics}
        for table in self.tables:
            n = table.partitions
            if source_topics and n not in counts.values():
                listing = ", ".join(f"{t} ({c})" for t, c in sorted(counts.items()))
                raise CopartitioningError(
                    f"table {table.name} has {n} partitions but no topic the agents consume has "
                    f"{n} (they have: {listing}). A table is updated from the partition of the "
                    f"event being processed, so it must be co-partitioned with its stream: "
                    f"declare the table with the stream's partition count, or re-key the stream "
                    f"with stream.group_by(key_fn, name=..., partitions={n})")

    async def start(self) -> None:
        """Open the global tables' stores. They are not read to their topic's end here: the
        worker feeds them in timestamp order with the records that look them up."""
        if not self.global_tables:
            return
        reader = await self._reader_()
        tps = [TP(t.source.name, p) for t in self.global_tables for p in range(t.partitions)]
        ends = await reader.end_offsets(tps)
        for table in self.global_tables:
            for p in range(table.partitions):
                part = self.active[(table.name, p)] = self._open(table, p)
                end = ends[TP(table.source.name, p)]
                try:
                    position = self.global_position(table, p)
                except StoreCorrupted as damage:  # read again from the start, in its turn
                    path = part.store.path
                    part.store.close()
                    aside = move_aside(path) if path else "(nowhere: in memory)"
                    log.warning("global table %s[%d] at %s: %s; moved it to %s and reading %s "
                                "again", table.name, p, path, damage.reason, aside,
                                table.source.name)
                    part = self.active[(table.name, p)] = self._open(table, p)
                    position = 0
                if position > end:
                    log.warning("global table %s[%d]: store is at offset %d but %s[%d] ends at %d "
                                "(topic recreated?); discarding the local store and rebuilding",
                                table.name, p, position - 1, table.source.name, p, end)
                    part = self._reopen_empty(part)
                log.info("global table %s[%d] goes on from offset %d of %d", table.name, p,
                         self.global_position(table, p), end)

    def global_position(self, table: GlobalTable, partition: int) -> int:
        """The offset of the first record of its topic that the global table does not hold."""
        stored = self.active[(table.name, partition)].store.changelog_offset()
        return 0 if stored is None else stored + 1

    def apply_global(self, table: GlobalTable, partition: int,
                     records: list[tuple[bytes | None, bytes | None, int]]) -> None:
        """Write ``(key, value, offset)`` records of the table's topic, in their turn."""
        restore(self.active[(table.name, partition)].store, records)
        table.invalidate(key for key, _, _ in records)

    async def stop(self) -> None:
        for task in (self._standby_task,):
            if task is not None:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        for part in [*self.active.values(), *self.standby.values()]:
            part.store.close()
        self.active.clear()
        self.standby.clear()
        if self._reader is not None:
            await self._reader.stop()
            self._reader = None

    # -- stores ---------------------------------------------------------------------------------
    def store_path(self, table: Table, partition: int) -> Path:
        return self.root / table.name / str(partition)

    def _open(self, table: Table, partition: int) -> TablePartition:
        kind = table.store_kind or self.settings.store
        if kind == "memory":
            return TablePartition(table, partition, MemoryStore())
        if self.resources is None:
            self.resources = StoreResources(cache_mb=self._budget, write_buffer_mb=max(4, self._budget // 4))
        path = self.store_path(table, partition)
        path.parent.mkdir(parents=True, exist_ok=True)
        store, rebuilt = open_rocksdb_store(path, self.resources)
        if rebuilt:
            log.warning("table %s[%d] will be rebuilt from its changelog", table.name, partition,
                        extra=_changelog(table, partition))
        return TablePartition(table, partition, store)

    def _reopen_empty(self, part: TablePartition) -> TablePartition:
        part.store.close()
        path = part.store.path
        if path:
            import shutil
            shutil.rmtree(path, ignore_errors=True)
        fresh = self._open(part.table, part.partition)
        self.active[(part.table.name, part.partition)] = fresh
        return fresh

    def holdings(self) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
        """(tasks with open stores, tasks with a store on disk): for the sticky assignor."""
        active = {(t.partitions, p) for (name, p), part in self.active.items()
                  for t in [part.table] if not isinstance(t, GlobalTable)}
        on_disk: set[tuple[int, int]] = set()
        for table in self.tables:
            folder = self.root / table.name
            if folder.is_dir():
                for entry in os.listdir(folder):
                    if entry.isdigit():
                        on_disk.add((table.partitions, int(entry)))
        return active, on_disk - active

    # -- rebalance ------------------------------------------------------------------------------
    async def on_assigned(self, tps: set[TP]) -> None:
        tasks = {(self.worker.partition_count(tp.topic), tp.partition) for tp in tps}
        to_restore = []
        for table in self.tables:
            for n, p in sorted(tasks):
                if n == table.partitions and (table.name, p) not in self.active:
                    # A warm standby becomes active: only its lag is replayed below.
                    part = self.standby.pop((table.name, p), None) or self._open(table, p)
                    self.active[(table.name, p)] = part
                    assert part.changelog_tp is not None
                    to_restore.append((part, part.changelog_tp))
        if to_restore:
            await restore_repairing(self, to_restore, await self._source_targets(to_restore))

    async def _source_targets(self, parts: list[tuple[TablePartition, TP]]) -> dict[TP, int]:
        """Where restoring a table fed from its topic stops: the app's committed offset of that
        topic partition, from which the worker goes on applying it (Kafka Streams restores
        source-topic changelogs to the committed offset too). Without one, where the worker
        will start reading: 0 (``auto_offset_reset=earliest``) or the end (``latest``)."""
        consumer = self.worker.consumer
        targets: dict[TP, int] = {}
        for part, tp in parts:
            if part.from_source and tp not in targets:
                committed = await consumer.committed(tp) if consumer is not None else None
                if committed is None and self.settings.auto_offset_reset == "latest":
                    continue  # to the end, like any changelog
                targets[tp] = committed or 0
        return targets

    def _released(self, tps: set[TP]) -> list[tuple[tuple[str, int], TablePartition]]:
        """The active table partitions that go with ``tps`` (and no partition still held)."""
        assigned = self.worker.consumer.assignment() if self.worker.consumer else set()
        remaining = {(self.worker.partition_count(tp.topic), tp.partition) for tp in assigned - tps}
        return [(key, part) for key, part in self.active.items()
                if not isinstance(part.table, GlobalTable)
                and (part.table.partitions, part.partition) not in remaining]

    async def on_revoked(self, tps: set[TP]) -> None:
        for key, part in self._released(tps):
            part.txn.abort()  # the worker committed before revoking; nothing is pending
            del self.active[key]
            part.store.close()
            self._interrupted.pop(part.changelog_tp, None)  # type: ignore[arg-type]
        for table in self.tables:
            table.forget_cached_state()

    def interrupt_restore(self, tps: set[TP] | None, reason: str) -> None:
        """Make a restore in progress stop reading the table partitions of ``tps`` (None: all)
        once the chunk being applied is written.

        Called without the worker's lock, which the restore holds: a partition revoked while
        it is being restored is given up within one chunk instead of being read to its end
        first, which would hold up the rebalance (and the worker's revoke callback) for as long
        as the whole restore takes. What was applied stays in the store with its changelog
        offset, so whoever restores that partition on this disk next goes on from there.
        """
        if tps is None:
            self._interrupt_all = reason
            return
        for _, part in self._released(tps):
            if part.changelog_tp is not None:
                self._interrupted[part.changelog_tp] = reason

    def _interruption(self, tp: TP) -> str | None:
        return self._interrupt_all or self._interrupted.get(tp)

    # -- windows: time moving without records ---------------------------------------------------
    def _windowed_parts(self) -> list[TablePartition]:
        from ..windowed_tables import WindowedTable
        return [p for _, p in sorted(self.active.items(), key=lambda kv: kv[0])
                if isinstance(p.table, WindowedTable)]

    def advance_windows(self, timestamp: int) -> None:
        """Move every windowed table partition's stream time to ``timestamp`` (ms), emitting
        the windows that close (final mode). The test driver's ``advance`` calls this."""
        for part in self._windowed_parts():
            part.table.advance(part.txn, timestamp)  # type: ignore[attr-defined]

    def flush_windows(self) -> None:
        """The end of a bounded input: emit every window not emitted yet (final mode) and
        every stream-stream join record still waiting to be emitted unmatched. Tables that
        hold such records have a ``flush(txn)`` method."""
        for _, part in sorted(self.active.items(), key=lambda kv: kv[0]):
            flush = getattr(part.table, "flush", None)
            if flush is not None:
                flush(part.txn)

    # -- standby replicas -----------------------------------------------------------------------
    async def set_standbys(self, tasks: set[tuple[int, int]]) -> None:
        """Keep warm copies of ``tasks`` (other workers' partitions) by tailing their changelogs."""
        wanted = {(t.name, p) for t in self.tables for n, p in tasks
                  if n == t.partitions and (t.name, p) not in self.active}
        for key in list(self.standby):
            if key not in wanted:
                self.standby.pop(key).store.close()
        by_name = {t.name: t for t in self.tables}
        for name, p in sorted(wanted - set(self.standby)):
            self.standby[(name, p)] = self._open(by_name[name], p)
        if wanted:
            log.info("standby replicas: %s", ", ".join(f"{n}[{p}]" for n, p in sorted(wanted)))
        if self.standby and self._standby_task is None:
            self._standby_task = asyncio.create_task(self._tail_standbys(), name="standby-tables")

    async def _tail_standbys(self) -> None:
        reader = self.worker.transport.changelog_reader()
        warm: set[tuple[str, int]] = set()
        try:
            while True:
                applied = 0
                parts = list(self.standby.items())
                if parts:
                    tps = [part.changelog_tp for _, part in parts]
                    ends = await reader.end_offsets(tps)  # type: ignore[arg-type]
                    for key, part in parts:
                        tp = part.changelog_tp
                        stored = part.store.changelog_offset()
                        start = 0 if stored is None else stored + 1
                        if start < ends[tp]:
                            records = await reader.read(tp, start, ends[tp], RESTORE_BATCH)
                            # Promoted or dropped while we read: never write behind its back.
                            if records and self.standby.get(key) is part:
                                try:
                                    restore(part.store, [(r.key, r.value, r.offset) for r in records])
                                except StoreCorrupted as damage:
                                    self.standby[key] = reopen_standby(self, part, damage)
                                    continue
                                except StoreWriteFailed as full:  # stops the worker, one line
                                    self.worker._on_failure("standby replicas", full, None)
                                    return
                                applied += len(records)
                        elif key not in warm and self.standby.get(key) is part:
                            warm.add(key)
                            log.info("standby table %s[%d] is warm (changelog offset %s)",
                                     key[0], key[1], stored)
                if not applied:
                    await asyncio.sleep(0.05)
        finally:
            await reader.stop()

    # -- commit ---------------------------------------------------------------------------------
    async def prepare_commit(self, output: "OutputBuffer") -> None:
        for part in self.active.values():
            if part.from_source:  # its topic is its changelog: only the offset to store
                part.committing = part.source_offset is not None
                continue
            if part.txn.dirty and part.changelog_tp is not None:
                topic, p = part.changelog_tp
                part.changes = changes = part.txn.changes()
                for key, value in changes:
                    output.add_nowait(topic, key, value, p, None, None)
                part.produced = len(changes)
                part.committing = True

    async def verify_changelog(self, acked: dict[TP, int], output: "OutputBuffer",
                               final: bool) -> dict[TP, int]:
        """At-least-once, before the offsets are committed: overwrite what someone else
        appended among or after this commit's changelog records (``final``: also after the
        last commit, for partitions about to be handed over); returns ``acked`` updated with
        the rewrites' acknowledgements. See runtime.changelog_guard."""
        parts = [part for part in self.active.values()
                 if part.changelog_tp is not None and part.next_offset is not None
                 and not part.from_source and not isinstance(part.table, GlobalTable)]
        return await verify(parts, acked, output, final, self._reader_)

    def finish_commit(self, acked: dict[TP, int]) -> None:
        for key, part in self.active.items():
            if part.committing:
                try:
                    if part.from_source:
                        part.txn.commit(part.source_offset)
                        part.source_offset = None
                    else:
                        offset = acked.get(part.changelog_tp)  # type: ignore[arg-type]
                        if offset is not None:  # in the changelog, whatever the store does
                            part.next_offset = offset + 1
                        part.txn.commit(offset)
                except StoreCorrupted as damage:
                    # The changelog (or the source topic) holds this batch: the store's
                    # rebuild from it, right after the commit, replaces the write.
                    part.txn.abort()
                    self.damaged_at_write[key] = damage
                part.committing, part.changes, part.produced = False, None, 0

    def pending_tasks(self) -> set[tuple[int, int]]:
        """Tasks (partition count, partition) of the table partitions written since the last
        commit."""
        return {(part.table.partitions, p) for (_, p), part in self.active.items()
                if part.txn.dirty and not isinstance(part.table, GlobalTable)}

    def rollback(self) -> None:
        """Forget every write since the last commit (its exactly-once transaction aborted):
        the stores themselves are only written after a commit, so they hold the last
        committed state already."""
        for part in self.active.values():
            if not isinstance(part.table, GlobalTable):
                part.txn.abort()
                part.committing, part.changes, part.produced = False, None, 0
                part.source_offset = None
        for table in self.tables:
            table.forget_cached_state()

    # -- recovery -------------------------------------------------------------------------------
    async def _reader_(self) -> "ChangelogReader":
        if self._reader is None:
            self._reader = self.worker.transport.changelog_reader()
        return self._reader

    async def _restore(self, part: TablePartition, tp: TP) -> int:
        return await self._restore_all([(part, tp)])

    async def _restore_all(self, parts: list[tuple[TablePartition, TP]],
                           targets: dict[TP, int] | None = None) -> int:
        """Bring every store in ``parts`` up to its changelog's end (or, for the partitions in
        ``targets``, to that offset), reading all of their changelog partitions together in
        large batches, one WriteBatch per chunk."""
        reader = await self._reader_()
        ends = await reader.end_offsets([tp for _, tp in parts])
        ranges: dict[TP, tuple[int, int]] = {}
        by_tp: dict[TP, TablePartition] = {}
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
                part = self._reopen_empty(part)
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
        began = last_log = time.monotonic()
        counts = dict.fromkeys(ranges, 0)
        total = 0
        remaining = sum(end - start for start, end in ranges.values())
        pending = dict(ranges)
        listener = self.restore_listener
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
        self.restored_records += total
        if listener is not None:
            listener(RestoreProgress(total, remaining, time.monotonic() - began, len(ranges), True))
        return total


def _changelog(table: Table, partition: int) -> dict[str, object] | None:
    """Log ``extra`` fields naming a table partition's changelog partition."""
    if table.changelog is None:
        return None
    return {"topic": table.changelog.name, "partition": partition}


__all__ = ["TableManager", "TablePartition"]
