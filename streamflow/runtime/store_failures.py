"""Damaged table stores: moved aside and rebuilt from their changelogs while the worker runs.

RocksDB verifies a block's checksum when it reads the block, so a store damaged on disk opens
fine (the open-time check reads a few blocks) and fails at the first read that touches the
damage: ``StoreCorrupted``. What is done depends on where it was found:

- **at a read while processing** (``get``, a range scan, turning a commit's writes into
  changelog records): the batch in progress may have read damaged state and the agents hold
  part of it, so everything since the last commit is dropped (exactly-once: the transaction is
  aborted) and every partition rewound to its committed offset; the store is rebuilt and the
  events are processed again, into the state of the last commit: nothing is lost and nothing
  applied twice (at-least-once output since the last commit may be repeated, as after a crash);
- **writing a commit's batch**: the changelog already holds the batch (acknowledged;
  exactly-once: committed), so the rebuild replaces the write and nothing is rolled back,
  unless processing went on while that commit was in flight: the writes made meanwhile
  (the partition's pending layer) go with the damaged store, so everything since the commit
  is rolled back and processed again;
- **restoring**: the store is rebuilt from the start of its changelog.

A rebuilt store is renamed ``<path>.corrupt-<unix-ts>`` (kept for a post-mortem, never reused).
A full disk (``StoreWriteFailed``) is not repaired: :func:`disk_full` words the one line the
worker stops with.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping

from ..exceptions import StoreFailed
from ..state import StoreCorrupted, StoreWriteFailed, move_aside
from ..global_tables import GlobalTable
from ..types import TP

if TYPE_CHECKING:
    from .restore import ChangelogRestorer
    from .tables import TableManager, TablePartition

log = logging.getLogger("streamflow.tables")

# A store found damaged again this many times in one run is not a one-off: the disk is.
MAX_REBUILDS = 3

Key = tuple[str, int]  # (table name, partition)


def key_of(parts: Mapping[Key, "TablePartition"], path: str | None) -> Key | None:
    """The table partition of ``parts`` whose store lives at ``path``."""
    for key, part in parts.items():
        if path is not None and part.store.path == path:
            return key
    return None


def source_of(part: "TablePartition") -> TP:
    """Where a table partition is rebuilt from: its changelog, or a global table's topic."""
    if isinstance(part.table, GlobalTable):
        return TP(part.table.source.name, part.partition)
    assert part.changelog_tp is not None
    return part.changelog_tp


async def rebuild(tables: "TableManager", restorer: "ChangelogRestorer", key: Key,
                  damage: StoreCorrupted, then: str = "") -> "TablePartition":
    """Move ``key``'s store aside, open an empty one in its place and restore it; logs one
    line, ending with ``then`` (what else was done about it)."""
    part = tables.active[key]
    counts = tables.rebuilds
    counts[key] += 1
    if counts[key] > MAX_REBUILDS:
        raise StoreFailed(f"table {key[0]}[{key[1]}] at {part.store.path}: {damage.reason}; "
                          f"damaged again after {MAX_REBUILDS} rebuilds in this run: check the "
                          f"disk") from damage
    part.store.close()
    aside = move_aside(part.store.path) if part.store.path else "(nowhere: in memory)"
    fresh = tables.open(part.table, part.partition)
    tables.active[key] = fresh
    source = source_of(fresh)
    parts = [(fresh, source)]
    restored = await restorer.restore_all(parts, await restorer.source_targets(parts))
    log.warning("table %s[%d] at %s: %s; moved it to %s and rebuilt it from %s (%d records)%s",
                key[0], key[1], part.store.path, damage.reason, aside, source, restored, then)
    return fresh


def reopen_standby(open_store: Callable[[Any, int], "TablePartition"], part: "TablePartition",
                   damage: StoreCorrupted) -> "TablePartition":
    """A standby replica's store is damaged: move it aside and start an empty one (opened by
    ``open_store(table, partition)``), which tails the changelog from its start again."""
    part.store.close()
    aside = move_aside(part.store.path) if part.store.path else "(nowhere: in memory)"
    log.warning("standby table %s[%d] at %s: %s; moved it to %s and restoring it again",
                part.table.name, part.partition, part.store.path, damage.reason, aside)
    return open_store(part.table, part.partition)


async def restore_repairing(tables: "TableManager", restorer: "ChangelogRestorer",
                            parts: list[tuple["TablePartition", TP]],
                            targets: dict[TP, int] | None = None) -> int:
    """``restorer.restore_all(parts, targets)``, rebuilding from scratch a store found
    damaged while it is restored; the others go on from where they got."""
    while True:
        try:
            return await restorer.restore_all(parts, targets)
        except StoreCorrupted as damage:
            key = key_of(tables.active, damage.path)
            if key is None:
                raise
            await rebuild(tables, restorer, key, damage)  # restored in full: not in ``parts`` any more
            parts = [(p, tp) for p, tp in parts if (p.table.name, p.partition) != key]


def disk_full(full: StoreWriteFailed, parts: Mapping[Key, "TablePartition"]) -> StoreFailed:
    """The error that stops a worker whose store could not be written for lack of space,
    logged here in one line (``parts``: the table partitions it holds, standbys included).
    Nothing is repaired: the worker stops without committing input offsets past the state it
    could not write (see ``commits.Failure``), leaves its group, and a restart once there is
    room goes on from the last commit."""
    key = key_of(parts, full.path)
    what = f"table {key[0]}[{key[1]}]" if key is not None else "state store"
    error = StoreFailed(f"{what} at {full.path}: {full.reason}")
    log.error("%s; stopping without committing input offsets past the state it could not "
              "write (free space on that disk, then restart)", error)
    return error


class StoreRepair:
    """The worker's side: damaged stores found while processing or committing, repaired at
    the end of the batch or the commit (see the module docstring)."""

    def __init__(self, tables: "TableManager", restorer: "ChangelogRestorer",
                 commit_path: Callable[[], Any], quiesce: Callable[[], Awaitable[None]]) -> None:
        self.tables = tables
        self.restorer = restorer
        self._commit_path = commit_path
        self._quiesce = quiesce
        self.damaged: dict[Key, StoreCorrupted] = {}
        self.rollback_needed = False
        self.repairs = 0

    def found(self, damage: StoreCorrupted) -> bool:
        """Found at a read while processing: the batch in progress is to be rolled back.
        False when the store is not one of this worker's (then it is an ordinary error)."""
        key = key_of(self.tables.active, damage.path)
        if key is None:
            return False
        self.damaged.setdefault(key, damage)
        self.rollback_needed = True
        return True

    @property
    def pending(self) -> bool:
        """Something to repair: found while processing, or writing a commit's batch (which
        the table manager records: the changelog holds that batch, so it is only rebuilt)."""
        return bool(self.damaged or self.tables.damaged_at_write)

    async def repair(self) -> None:
        """Roll back to the last commit if needed, then rebuild every damaged store."""
        for key, damage in self.tables.damaged_at_write.items():
            self.damaged.setdefault(key, damage)
            part = self.tables.active.get(key)
            if part is not None and part.txn.dirty:  # written while the commit was in flight
                self.rollback_needed = True
        self.tables.damaged_at_write.clear()
        if not self.damaged:
            return
        resume = None
        if self.rollback_needed:
            await self._quiesce()  # the agents hand back what they hold: it is dropped below
            commit_path = self._commit_path()
            await commit_path.abort()
            resume = commit_path.rollback()
        then = (f"; rolled back to the last commit, reprocessing from {resume}"
                if self.rollback_needed else "")
        damaged, self.damaged, self.rollback_needed = self.damaged, {}, False
        for key, damage in sorted(damaged.items()):
            if key in self.tables.active:  # (a revoke may have closed it meanwhile)
                await rebuild(self.tables, self.restorer, key, damage, then)
        self.repairs += 1


__all__ = ["StoreRepair", "disk_full", "rebuild", "reopen_standby", "restore_repairing"]
