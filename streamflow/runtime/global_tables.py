"""Global tables' stores (Kafka Streams' global state stores): every worker holds every
partition of each, fed from the table's topic.

They are opened in full when the worker starts, and not read to their topic's end there: the
worker's processing order (``runtime.global_feed``, ``runtime.ordering``) writes each record
of the topic in its turn among the records that look the table up. A store goes on from the
offset it holds; one found damaged, or ahead of its topic (the topic was recreated), is read
again from the start.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Awaitable, Callable

from ..state import StoreCorrupted, move_aside, restore
from ..types import TP

if TYPE_CHECKING:
    from ..global_tables import GlobalTable
    from .tables import TableManager
    from .transport.base import ChangelogReader

log = logging.getLogger("streamflow.tables")


class GlobalTables:
    """The global tables' partitions, held among the table manager's partitions (so that a
    store damaged at a read is repaired like any other, from the table's topic)."""

    def __init__(self, tables: "TableManager",
                 reader: Callable[[], Awaitable["ChangelogReader"]]) -> None:
        self.tables = tables
        self.global_tables: list["GlobalTable"] = tables.global_tables
        self._reader = reader

    async def start(self) -> None:
        """Open every partition of every global table and log where each goes on from."""
        if not self.global_tables:
            return
        reader = await self._reader()
        tps = [TP(t.source.name, p) for t in self.global_tables for p in range(t.partitions)]
        ends = await reader.end_offsets(tps)
        active = self.tables.active
        for table in self.global_tables:
            for p in range(table.partitions):
                part = active[(table.name, p)] = self.tables.open(table, p)
                end = ends[TP(table.source.name, p)]
                try:
                    position = self.position(table, p)
                except StoreCorrupted as damage:  # read again from the start, in its turn
                    path = part.store.path
                    part.store.close()
                    aside = move_aside(path) if path else "(nowhere: in memory)"
                    log.warning("global table %s[%d] at %s: %s; moved it to %s and reading %s "
                                "again", table.name, p, path, damage.reason, aside,
                                table.source.name)
                    part = active[(table.name, p)] = self.tables.open(table, p)
                    position = 0
                if position > end:
                    log.warning("global table %s[%d]: store is at offset %d but %s[%d] ends at %d "
                                "(topic recreated?); discarding the local store and rebuilding",
                                table.name, p, position - 1, table.source.name, p, end)
                    part = self.tables.reopen_empty(part)
                log.info("global table %s[%d] goes on from offset %d of %d", table.name, p,
                         self.position(table, p), end)

    def position(self, table: "GlobalTable", partition: int) -> int:
        """The offset of the first record of its topic that the global table does not hold."""
        stored = self.tables.active[(table.name, partition)].store.changelog_offset()
        return 0 if stored is None else stored + 1

    def apply(self, table: "GlobalTable", partition: int,
              records: list[tuple[bytes | None, bytes | None, int]]) -> None:
        """Write ``(key, value, offset)`` records of the table's topic, in their turn."""
        restore(self.tables.active[(table.name, partition)].store, records)
        table.invalidate(key for key, _, _ in records)


__all__ = ["GlobalTables"]
