"""Standby replicas: warm copies of other workers' table partitions (Kafka Streams' standby
tasks, ``table_standby_replicas``).

The group gives a worker standby tasks besides its active ones; for each, this worker opens
the tables' partitions of that task and tails their changelogs in the background. When the
task later moves here (its owner died or left), the table manager takes the standby's store
over (:meth:`StandbyTables.take`) and restoring it replays only its lag. A standby is never
written by processing: only its changelog, which its active owner produces.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable

from ..state import StoreCorrupted, StoreWriteFailed, restore
from .restore import RESTORE_BATCH
from .store_failures import reopen_standby

if TYPE_CHECKING:
    from ..table_kinds import AnyTable
    from .tables import TablePartition, TableManager
    from .transport.base import ChangelogReader

log = logging.getLogger("streamflow.tables")

Key = tuple[str, int]  # (table name, partition)


class StandbyTables:
    """The standby table partitions of one worker and the task that tails their changelogs.
    ``on_failure(where, exc, event)`` stops the worker (a full disk under a standby store)."""

    def __init__(self, tables: "TableManager", make_reader: Callable[[], "ChangelogReader"],
                 on_failure: Callable[[str, BaseException, Any], None]) -> None:
        self.tables = tables
        self._make_reader = make_reader
        self._on_failure = on_failure
        #: (table name, partition) -> its standby copy.
        self.partitions: dict[Key, "TablePartition"] = {}
        self._task: asyncio.Task | None = None

    async def assign(self, tasks: set[tuple[int, int]]) -> None:
        """Keep warm copies of ``tasks`` (partition count, partition): other workers'
        partitions, by tailing their changelogs. Copies of tasks no longer given are closed
        (their stores stay on disk: a later assignment goes on from them)."""
        held = self.tables.active
        wanted = {(t.name, p) for t in self.tables.tables for n, p in tasks
                  if n == t.partitions and (t.name, p) not in held}
        for key in list(self.partitions):
            if key not in wanted:
                self.partitions.pop(key).store.close()
        by_name: dict[str, "AnyTable"] = {t.name: t for t in self.tables.tables}
        for name, p in sorted(wanted - set(self.partitions)):
            self.partitions[(name, p)] = self.tables.open(by_name[name], p)
        if wanted:
            log.info("standby replicas: %s", ", ".join(f"{n}[{p}]" for n, p in sorted(wanted)))
        if self.partitions and self._task is None:
            self._task = asyncio.create_task(self._tail(), name="standby-tables")

    def take(self, key: Key) -> "TablePartition | None":
        """The standby copy of ``key``, which becomes active: only its lag is restored."""
        return self.partitions.pop(key, None)

    async def _tail(self) -> None:
        reader = self._make_reader()
        warm: set[Key] = set()
        failing: str | None = None  # the error of the current run of failed rounds, logged once
        try:
            while True:
                try:
                    applied = await self._tail_round(reader, warm)
                except StoreWriteFailed as full:  # stops the worker, one line
                    self._on_failure("standby replicas", full, None)
                    return
                except Exception as exc:  # noqa: BLE001 - a broker error must not end the replicas
                    # Reading the changelogs failed (broker unreachable, leader moving): the
                    # copies only fall behind, so say so once and go on trying; before, the task
                    # died without a word and the standbys went stale until a restart.
                    what = f"{type(exc).__name__}: {exc}"
                    if what != failing:
                        log.warning("standby replicas: reading changelogs %s failed (%s); "
                                    "retrying every second, the copies fall behind meanwhile",
                                    self._changelogs(), what)
                        failing = what
                    await asyncio.sleep(1.0)
                    continue
                if failing is not None:
                    log.info("standby replicas: reading changelogs again")
                    failing = None
                if not applied:
                    await asyncio.sleep(0.05)
        finally:
            await reader.stop()

    async def _tail_round(self, reader: "ChangelogReader", warm: set[Key]) -> int:
        """One pass over the standby partitions: apply what their changelogs have beyond the
        stores; returns the records applied."""
        applied = 0
        parts = list(self.partitions.items())
        if not parts:
            return 0
        tps = [part.changelog_tp for _, part in parts]
        ends = await reader.end_offsets(tps)  # type: ignore[arg-type]
        for key, part in parts:
            tp = part.changelog_tp
            assert tp is not None  # standbys are of tables with a changelog
            stored = part.store.changelog_offset()
            start = 0 if stored is None else stored + 1
            if start < ends[tp]:
                records = await reader.read(tp, start, ends[tp], RESTORE_BATCH)
                # Promoted or dropped while we read: never write behind its back.
                if records and self.partitions.get(key) is part:
                    try:
                        restore(part.store, [(r.key, r.value, r.offset) for r in records])
                    except StoreCorrupted as damage:
                        self.partitions[key] = reopen_standby(self.tables.open, part, damage)
                        continue
                    applied += len(records)
            elif key not in warm and self.partitions.get(key) is part:
                warm.add(key)
                log.info("standby table %s[%d] is warm (changelog offset %s)",
                         key[0], key[1], stored)
        return applied

    def _changelogs(self) -> str:
        tps = sorted({(tp.topic, tp.partition) for part in self.partitions.values()
                      if (tp := part.changelog_tp) is not None})
        return ", ".join(f"{t}[{p}]" for t, p in tps)

    async def stop(self) -> None:
        """Stop tailing and close every standby store."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping must not raise
                pass
            self._task = None
        for part in self.partitions.values():
            part.store.close()
        self.partitions.clear()


__all__ = ["StandbyTables"]
