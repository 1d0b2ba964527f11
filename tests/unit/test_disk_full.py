"""A table store that cannot be written (a full disk) stops the worker with one line naming the
table partition and its path, no traceback, and no input offset committed past the state it
could not write. (The real full disk is tests/integration/test_disk_full_kafka.py; this one
injects the failure at the Store protocol, to pin down which offsets are committed.)"""
from __future__ import annotations

import logging

import pytest

import streamflow
from streamflow.runtime.transport.memory import broker_for
from streamflow.state import StoreWriteFailed
from streamflow.types import TP

from ..conftest import ready, running, wait_until


class FullDisk:
    """Wraps a store: its ``write`` fails for lack of space from the ``after``-th call on."""

    def __init__(self, inner, after: int) -> None:
        self._inner, self._after = inner, after
        self.path = inner.path

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def write(self, batch, changelog_offset):
        self._after -= 1
        if self._after <= 0:
            raise StoreWriteFailed(self.path, "IO error: No space left on device: While "
                                              "appending to file: 000004.log")
        return self._inner.write(batch, changelog_offset)


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_a_full_disk_stops_in_one_line_without_committing_past_unwritten_state(
        tmp_path, caplog, guarantee) -> None:
    app = streamflow.App("full", data_dir=str(tmp_path), store="rocksdb", commit_interval=0.05,
                         processing_guarantee=guarantee)
    src = app.topic("src", partitions=2)
    counts = app.table("counts", default=int, partitions=2)

    @app.agent(src)
    async def count(stream):
        async for key in stream:
            counts[key] += 1

    broker = broker_for("memory://")
    error = None
    with caplog.at_level(logging.INFO):
        try:
            async with running(app) as worker:
                await ready(worker)
                part = worker.tables.active[("counts", 0)]
                part.store = part.txn._store = FullDisk(part.store, after=2)
                for i in range(100):
                    await src.send(key=f"k{i}", value=f"k{i}", partition=i % 2)
                await wait_until(lambda: broker.groups["full"].committed.get(TP("src", 0)) == 50,
                                 what="a first commit")
                for i in range(100, 200):
                    await src.send(key=f"k{i}", value=f"k{i}", partition=i % 2)
                await wait_until(lambda: worker.failure is not None, what="the worker to stop")
        except streamflow.StreamflowError as exc:
            error = exc
    assert error is not None and str(error).startswith(
        f"table counts[0] at {tmp_path}/full/tables/counts/0: IO error: No space left on device")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        f"{error}; stopping without committing input offsets past the state it could not "
        f"write (free space on that disk, then restart)"]
    assert not any(r.exc_info for r in caplog.records)
    # Partition 0's input is committed no further than its state was written to its changelog:
    # with either guarantee the stores are written after the offsets (the transaction), so the
    # store lags and a restart restores it from the changelog.
    committed = broker.groups["full"].committed.get(TP("src", 0), 0)
    changelog = [r for r in broker.topics["full-counts-changelog"][0] if not r.aborted]
    assert committed > 0
    assert {f"k{i}".encode() for i in range(0, 2 * committed, 2)} <= {r.key for r in changelog}
