"""Store ownership per table partition: the stores a worker holds and their per-commit
transactions (Quix Streams' Store -> StorePartition -> PartitionTransaction; Kafka Streams'
ProcessorStateManager). The table manager is the commit participant of the tables.

It takes part in the worker's commit (``runtime.commits``): ``prepare_commit`` freezes every
dirty partition transaction (its writes become the committing layer, readable while
processing goes on into a new pending layer) and turns the frozen layers into changelog
records (latest value per key); ``finish_commit``, once those are acknowledged (exactly-once:
committed), writes each frozen layer to its store together with the changelog offset its own
records reached; ``rollback`` drops both layers of a commit that did not complete.

Which partitions it holds follows the assignment (``runtime.tasks``): when task (N, p) is
assigned, partition p of every table with N partitions is opened (:meth:`open_tasks`) and
restored (``runtime.restore``) *before* the worker hands any event of it to an agent; a
revoked task's partitions are closed (:meth:`release`). Global tables' partitions are held
here too, opened in full at start (``runtime.global_tables``); standby copies are not
(``runtime.standbys``). Nothing here knows the worker: the pieces it needs are passed in.
"""
from __future__ import annotations

import collections
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable

from ..exceptions import StreamflowError
from ..state import MemoryStore, PartitionTransaction, StoreCorrupted, StoreResources, open_rocksdb_store
from ..global_tables import GlobalTable
from ..types import OFFSET, PARTITION, RAW_KEY, TOPIC, TP, VALUE
from .changelog_guard import verify

if TYPE_CHECKING:
    from ..table_kinds import AnyTable
    from ..config import Settings
    from ..state import Store
    from .output import OutputBuffer
    from .transport.base import ChangelogReader

log = logging.getLogger("streamflow.tables")


class TablePartition:
    """One table partition this worker holds (or keeps as a standby): its store, the
    per-commit transaction its writes go to, and the bookkeeping of the commit in progress."""

    __slots__ = ("table", "partition", "store", "txn", "changelog_tp", "committing",
                 "from_source", "source_offset", "committing_offset", "changes", "produced",
                 "next_offset")

    def __init__(self, table: AnyTable, partition: int, store: "Store") -> None:
        self.table, self.partition, self.store = table, partition, store
        self.txn = PartitionTransaction(store, table.value_codec.dumps, table.value_codec.loads)
        self.changelog_tp = TP(table.changelog.name, partition) if table.changelog else None
        self.committing = False
        # A table fed from its topic (the topic is its changelog): the last input offset
        # applied since the last commit, which the commit stores with the batch.
        self.from_source = table.changelog_is_source
        self.source_offset: int | None = None
        self.committing_offset: int | None = None  # source_offset when the commit froze
        # The commit in progress: its changelog records (key, encoded value or None) and how
        # many; and where this worker's next changelog record should land if nobody else
        # writes (at-least-once checks it: see runtime.changelog_guard).
        self.changes: list[tuple[bytes, bytes | None]] | None = None
        self.produced = 0
        self.next_offset: int | None = None


class TableManager:
    """The table partitions a worker holds (see the module docstring); ``reader()`` is the
    changelog reader shared with the restores (the at-least-once changelog check reads)."""

    def __init__(self, tables: list[AnyTable], settings: "Settings", app_id: str,
                 reader: Callable[[], Awaitable["ChangelogReader"]]) -> None:
        self.settings = settings
        self.tables = [t for t in tables if not isinstance(t, GlobalTable)]
        self.global_tables = [t for t in tables if isinstance(t, GlobalTable)]
        self.root = Path(settings.data_dir) / app_id / "tables"
        self._budget = max(16, settings.rocksdb_memory_mb)
        self.resources: StoreResources | None = None
        #: (table name, partition) -> the partition held (global tables' included).
        self.active: dict[tuple[str, int], TablePartition] = {}
        self._reader = reader
        # Damaged stores (runtime.store_failures): found writing a commit's batch, and how
        # often each was rebuilt in this run.
        self.damaged_at_write: dict[tuple[str, int], StoreCorrupted] = {}
        self.rebuilds: collections.Counter[tuple[str, int]] = collections.Counter()

    # -- access from tables -------------------------------------------------------------------
    def transaction(self, table: AnyTable, partition: int) -> PartitionTransaction:
        """The per-commit transaction of ``table``'s ``partition``; an error naming the
        partitions held when this worker does not hold it."""
        try:
            return self.active[(table.name, partition)].txn
        except KeyError:
            held = sorted(p for (name, p) in self.active if name == table.name)
            raise StreamflowError(f"table {table.name} partition {partition} is not held by this "
                                  f"worker (it holds {held or 'none'})") from None

    def held(self, table: AnyTable) -> list[tuple[int, PartitionTransaction]]:
        """(partition, transaction) of every partition of ``table`` this worker holds."""
        return sorted(((p, part.txn) for (name, p), part in self.active.items() if name == table.name),
                      key=lambda pt: pt[0])

    def apply_source(self, table: AnyTable, events: list) -> None:
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

    # -- stores ---------------------------------------------------------------------------------
    def store_path(self, table: AnyTable, partition: int) -> Path:
        """Where ``table``'s ``partition`` lives on disk (RocksDB stores)."""
        return self.root / table.name / str(partition)

    def open(self, table: AnyTable, partition: int) -> TablePartition:
        """Open ``table``'s ``partition`` (its RocksDB store on disk, or a memory store); the
        caller decides whether it is held, a standby or a global table's."""
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

    def reopen_empty(self, part: TablePartition) -> TablePartition:
        """Replace a held partition's store by an empty one (its files deleted)."""
        part.store.close()
        path = part.store.path
        if path:
            shutil.rmtree(path, ignore_errors=True)
        fresh = self.open(part.table, part.partition)
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

    # -- tasks ----------------------------------------------------------------------------------
    def open_tasks(self, tasks: set[tuple[int, int]],
                   adopt: Callable[[tuple[str, int]], TablePartition | None] = lambda key: None
                   ) -> list[tuple[TablePartition, TP]]:
        """Hold the table partitions of ``tasks`` (partition count, partition) not held yet,
        taking ``adopt(key)``'s store when there is one (a warm standby: only its lag is
        replayed); returns them with their changelog partitions, to be restored."""
        to_restore = []
        for table in self.tables:
            for n, p in sorted(tasks):
                if n == table.partitions and (table.name, p) not in self.active:
                    part = adopt((table.name, p)) or self.open(table, p)
                    self.active[(table.name, p)] = part
                    assert part.changelog_tp is not None
                    to_restore.append((part, part.changelog_tp))
        return to_restore

    def released(self, remaining: set[tuple[int, int]]) -> list[TablePartition]:
        """The held (non-global) table partitions of no task in ``remaining``."""
        return [part for part in self.active.values()
                if not isinstance(part.table, GlobalTable)
                and (part.table.partitions, part.partition) not in remaining]

    def release(self, remaining: set[tuple[int, int]]) -> list[TablePartition]:
        """Close the table partitions of every task not in ``remaining`` (revoked: the worker
        committed first, so nothing is pending); returns them."""
        gone = self.released(remaining)
        for part in gone:
            part.txn.abort()
            del self.active[(part.table.name, part.partition)]
            part.store.close()
        return gone

    async def stop(self) -> None:
        """Close every store held."""
        for part in self.active.values():
            part.store.close()
        self.active.clear()

    # -- windows: time moving without records ---------------------------------------------------
    def advance_windows(self, timestamp: int) -> None:
        """Move every windowed table partition's stream time to ``timestamp`` (ms), emitting
        the windows that close (final mode). The test driver's ``advance`` calls this."""
        from ..windowed_tables import WindowedTable
        for _, part in sorted(self.active.items(), key=lambda kv: kv[0]):
            if isinstance(part.table, WindowedTable):
                part.table.advance(part.txn, timestamp)

    def flush_windows(self) -> None:
        """The end of a bounded input: emit every window not emitted yet (final mode) and
        every stream-stream join record still waiting to be emitted unmatched. Tables that
        hold such records have a ``flush(txn)`` method."""
        for _, part in sorted(self.active.items(), key=lambda kv: kv[0]):
            flush = getattr(part.table, "flush", None)
            if flush is not None:
                flush(part.txn)

    # -- commit ---------------------------------------------------------------------------------
    async def prepare_commit(self, output: "OutputBuffer") -> None:
        """Freeze every dirty partition's pending writes and turn them into changelog records
        in ``output``; later writes go to a new pending layer (see ``PartitionTransaction``)."""
        for part in self.active.values():
            if part.from_source:  # its topic is its changelog: only the offset to store
                if part.source_offset is not None:
                    part.txn.freeze()
                    part.committing_offset, part.source_offset = part.source_offset, None
                    part.committing = True
                continue
            if part.txn.dirty and part.changelog_tp is not None:
                topic, p = part.changelog_tp
                part.txn.freeze()
                part.changes = changes = part.txn.changes()
                for record_key, value in changes:
                    output.add_nowait(topic, record_key, value, p, None, None)
                part.produced = len(changes)
                part.committing = True

    async def completing(self, step: str) -> None:
        """Nothing to do at the steps of a commit's second half (see ``CommitParticipant``)."""

    async def verify_changelog(self, acked: dict[TP, int], output: "OutputBuffer",
                               final: bool) -> dict[TP, int]:
        """At-least-once, before the offsets are committed: overwrite what someone else
        appended among or after this commit's changelog records (``final``: also after the
        last commit, for partitions about to be handed over); returns ``acked`` updated with
        the rewrites' acknowledgements. See runtime.changelog_guard."""
        parts = [part for part in self.active.values()
                 if part.changelog_tp is not None and part.next_offset is not None
                 and not part.from_source and not isinstance(part.table, GlobalTable)]
        return await verify(parts, acked, output, final, self._reader)

    def finish_commit(self, acked: dict[TP, int]) -> None:
        """Write each committing partition's frozen layer with the changelog offset it
        reached (a table fed from its topic: the input offset applied when it froze).

        ``acked`` holds this commit's records only (the next commit's are produced after
        this one completes), so the offset is the one the frozen layer's own records reached.
        A store found damaged keeps its layer: the repair (under the worker's lock, before
        anything else is processed) rebuilds it from the changelog, which holds the layer."""
        for key, part in self.active.items():
            if not part.committing:
                continue
            try:
                if part.from_source:
                    part.txn.commit_frozen(part.committing_offset)
                    part.committing_offset = None
                else:
                    offset = acked.get(part.changelog_tp)  # type: ignore[arg-type]
                    if offset is not None:  # in the changelog, whatever the store does
                        part.next_offset = offset + 1
                    part.txn.commit_frozen(offset)
            except StoreCorrupted as damage:
                self.damaged_at_write[key] = damage
            finally:
                part.committing, part.changes, part.produced = False, None, 0

    def pending_tasks(self) -> set[tuple[int, int]]:
        """Tasks (partition count, partition) of the table partitions written since the last
        commit."""
        return {(part.table.partitions, p) for (_, p), part in self.active.items()
                if (part.txn.dirty or part.txn.frozen) and not isinstance(part.table, GlobalTable)}

    def rollback(self) -> None:
        """Forget every write since the last commit (its transaction aborted, or it read a
        damaged store): the stores are only written after a commit, so they hold the last
        committed state already."""
        for part in self.active.values():
            if not isinstance(part.table, GlobalTable):
                part.txn.abort()
                part.committing, part.changes, part.produced = False, None, 0
                part.source_offset = part.committing_offset = None


def _changelog(table: AnyTable, partition: int) -> dict[str, object] | None:
    """Log ``extra`` fields naming a table partition's changelog partition."""
    if table.changelog is None:
        return None
    return {"topic": table.changelog.name, "partition": partition}


__all__ = ["TableManager", "TablePartition"]
