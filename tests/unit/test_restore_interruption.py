"""Restoring tables while the group rebalances: the restore gives up revoked partitions after
the chunk in hand, and lets the event loop run (heartbeats, the revoke callback) between
chunks. The reader here hands out chunks without ever suspending, as aiokafka does with
prefetched records."""
from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import streamflow
from streamflow.runtime.restore import ChangelogRestorer, SharedReader
from streamflow.runtime.tables import TableManager
from streamflow.types import TP

CHUNK = 10


class InstantReader:
    """Changelog chunks of CHUNK records, handed out without suspending."""

    def __init__(self, ends: dict[TP, int], on_chunk: Any = None) -> None:
        self.ends, self.on_chunk, self.chunks = ends, on_chunk, 0

    async def end_offsets(self, tps: list[TP]) -> dict[TP, int]:
        return {tp: self.ends[tp] for tp in tps}

    async def read_many(self, ranges: dict[TP, tuple[int, int]], max_records: int) -> Any:
        positions = {tp: start for tp, (start, _) in ranges.items()}
        while positions:
            for tp in list(positions):
                start, end = positions[tp], ranges[tp][1]
                chunk = [SimpleNamespace(key=b'"k%d"' % o, value=b"1", offset=o)
                         for o in range(start, min(start + CHUNK, end))]
                positions[tp] = start + len(chunk)
                if positions[tp] >= end:
                    del positions[tp]
                self.chunks += 1
                if self.on_chunk:
                    self.on_chunk(tp, start)
                yield tp, chunk

    async def stop(self) -> None:
        pass


class Restoring:
    """A worker's tables as the runtime wires them: stores per partition and their restorer,
    for the two tasks (2, 0) and (2, 1)."""

    def __init__(self, tmp_path, reader: InstantReader) -> None:
        app = streamflow.App("restore-test", data_dir=str(tmp_path), store="memory")
        self.table = app.table("counts", default=int, partitions=2)
        shared = SharedReader(lambda: reader)
        self.tables = TableManager([self.table], app.settings, app.id, shared)

        async def committed(tp: TP) -> None:
            return None
        self.restorer = ChangelogRestorer(self.tables, shared, committed, "earliest")

    async def assign(self, *partitions: int) -> None:
        await self.restorer.restore(self.tables.open_tasks({(2, p) for p in partitions}))

    def revoke(self, partition: int) -> None:
        """What the worker does first when a task is revoked: interrupt its restore."""
        self.restorer.interrupt({p.changelog_tp for p in self.tables.released({(2, 1 - partition)})},
                                "partition revoked")


async def test_a_revoked_partition_stops_restoring_after_the_chunk_in_hand(tmp_path, caplog) -> None:
    changelog = [TP("restore-test-counts-changelog", p) for p in (0, 1)]
    worker: list[Restoring] = []

    def revoke_partition_0_at_offset_30(tp: TP, start: int) -> None:
        if tp == changelog[0] and start == 30:
            worker[0].revoke(0)

    reader = InstantReader({changelog[0]: 100, changelog[1]: 100}, revoke_partition_0_at_offset_30)
    worker.append(Restoring(tmp_path, reader))
    with caplog.at_level(logging.INFO, logger="streamflow.tables"):
        await worker[0].assign(0, 1)
    tables = worker[0].tables
    stores = {p: tables.active[("counts", p)].store for p in (0, 1)}
    assert stores[0].changelog_offset() == 39  # the chunk in hand (30..39) is kept
    assert stores[1].changelog_offset() == 99  # the partition still held is restored fully
    assert "restore of table counts[0] stopped at changelog offset 40 of 100 (partition revoked)" \
        in caplog.text
    # the revoke then drops it; assigned again later, its restore goes on from offset 40
    tables.release({(2, 1)})
    assert ("counts", 0) not in tables.active


async def test_restoring_lets_the_event_loop_run_between_chunks(tmp_path) -> None:
    reader = InstantReader({TP("restore-test-counts-changelog", p): 200 for p in (0, 1)})
    worker = Restoring(tmp_path, reader)
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(heartbeat())
    try:
        await worker.assign(0, 1)
    finally:
        task.cancel()
    assert reader.chunks == 40
    assert ticks >= reader.chunks - 1


async def test_a_stopping_worker_stops_every_restore(tmp_path) -> None:
    worker: list[Restoring] = []

    def stop_at_offset_20(tp: TP, start: int) -> None:
        if start == 20:
            worker[0].restorer.interrupt(None, "worker stopping")

    reader = InstantReader({TP("restore-test-counts-changelog", p): 100 for p in (0, 1)}, stop_at_offset_20)
    worker.append(Restoring(tmp_path, reader))
    await worker[0].assign(0, 1)
    offsets = sorted(worker[0].tables.active[("counts", p)].store.changelog_offset() for p in (0, 1))
    assert offsets == [19, 29]
    assert reader.chunks == 5
