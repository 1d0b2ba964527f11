"""A store damaged on disk is found at the first read that touches the damage, not at open:
the worker moves it aside and rebuilds it from its changelog, rolls back to its last commit and
goes on, without losing or double-applying an event (the garbled block is real: bytes
overwritten in the middle of an .sst file of a store with many blocks)."""
from __future__ import annotations

import glob
import logging
import os
from pathlib import Path

import pytest

import streamflow
from streamflow.state import StoreCorrupted
from streamflow.runtime.transport.memory import broker_for
from streamflow.types import TP

from ..conftest import ready, running, wait_until

KEYS = [f"user-{i:05d}-{'x' * 60}" for i in range(6_000)]


def counting_app(tmp_path: Path, **settings):
    app = streamflow.App("corrupt", data_dir=str(tmp_path), commit_interval=0.05,
                         store="rocksdb", **settings)
    src = app.topic("src", partitions=1)
    out = app.topic("out", partitions=1)
    counts = app.table("counts", default=int, partitions=1)

    @app.agent(src)
    async def count(stream):
        async for key in stream:
            counts[key] += 1
            await out.send(key=key, value=counts[key])
    return app


def committed() -> int:
    return broker_for("memory://").groups["corrupt"].committed.get(TP("src", 0), 0)


def garble_a_data_block(store_dir: Path) -> str:
    """Overwrite bytes in the middle of the store's largest .sst (its data blocks; the first
    and last blocks, which the open-time check reads, stay intact)."""
    sst = max(glob.glob(str(store_dir / "*.sst")), key=os.path.getsize)
    size = os.path.getsize(sst)
    assert size > 8 * 4096, f"{sst} has too few blocks ({size} bytes)"
    with open(sst, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xa5" * 256)
    return sst


async def fill(app, rounds: int) -> None:
    src = app.topics["src"]
    for key in KEYS:
        await src.send(key=key, value=key)
    await wait_until(lambda: committed() == rounds * len(KEYS), timeout=60, what="input committed")


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_a_garbled_block_is_rebuilt_at_first_read_and_nothing_is_lost_or_counted_twice(
        tmp_path, caplog, guarantee) -> None:
    app = counting_app(tmp_path, processing_guarantee=guarantee)
    async with running(app) as worker:
        await fill(app, 1)
        store = worker.tables.active[("counts", 0)].store
        store.flush()
        path = Path(store.path)
    garble_a_data_block(path)
    with caplog.at_level(logging.WARNING):
        async with running(app) as worker:
            await fill(app, 2)
            table = dict(app.tables["counts"].items())
    assert table == {key: 2 for key in KEYS}
    lines = [r.getMessage() for r in caplog.records if "corrupt" in r.getMessage()]
    assert any(line.startswith(f"table counts[0] at {path}: Corruption: block checksum mismatch")
               and "rebuilt it from corrupt-counts-changelog[0]" in line for line in lines), lines
    assert not any(r.exc_info for r in caplog.records)
    assert glob.glob(f"{path}.corrupt-*")  # kept for a post-mortem
    if guarantee == "exactly_once":
        # Each event's output once, with the count it had: nothing processed twice.
        out = app.topics["out"]
        outputs = [(out.key_codec.loads(r.key), out.value_codec.loads(r.value))
                   for part in broker_for("memory://").topics["out"] for r in part if not r.aborted]
        assert sorted(outputs) == sorted([(k, 1) for k in KEYS] + [(k, 2) for k in KEYS])


class FaultyStore:
    """A store that raises StoreCorrupted on the n-th call of one method (the Store protocol
    wrapped, for the paths a garbled file cannot reach on demand: commit writes, restores)."""

    def __init__(self, inner, method: str, after: int) -> None:
        self._inner, self._method, self._after = inner, method, after
        self.path = inner.path

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def faulty(*args, **kwargs):
            self._after -= 1
            if self._after == 0:
                raise StoreCorrupted(self.path, "Corruption: injected")
            return attr(*args, **kwargs)
        return faulty


async def test_a_corrupt_write_at_commit_is_rebuilt_from_the_changelog_it_just_wrote(
        tmp_path, caplog) -> None:
    app = counting_app(tmp_path)
    with caplog.at_level(logging.WARNING):
        async with running(app) as worker:
            await ready(worker)
            part = worker.tables.active[("counts", 0)]
            part.store = part.txn._store = FaultyStore(part.store, "write", after=2)
            await fill(app, 1)
            await fill(app, 2)
            # (the rebuild follows the commit whose write failed: it may end after the offsets)
            await wait_until(lambda: worker.store_repair.repairs and not worker.store_repair.pending,
                             what="the rebuild")
            table = dict(app.tables["counts"].items())
            assert not isinstance(worker.tables.active[("counts", 0)].store, FaultyStore)
    assert table == {key: 2 for key in KEYS}
    assert any("Corruption: injected" in r.getMessage() and "rebuilt" in r.getMessage()
               for r in caplog.records)


async def test_a_store_damaged_while_restoring_is_rebuilt_from_the_start(tmp_path, caplog,
                                                                         monkeypatch) -> None:
    from streamflow.runtime.tables import TableManager
    app = counting_app(tmp_path / "disk-a")
    async with running(app):
        await fill(app, 1)
    opened = []
    real_open = TableManager.open

    def open_faulty_once(self, table, partition):
        part = real_open(self, table, partition)
        if not opened:  # the first store restored on the new disk fails its first write
            opened.append(part)
            part.store = part.txn._store = FaultyStore(part.store, "write", after=1)
        return part

    monkeypatch.setattr(TableManager, "open", open_faulty_once)
    with caplog.at_level(logging.WARNING):
        async with running(app, data_dir=str(tmp_path / "disk-b")):  # a lost disk: restore
            await fill(app, 2)
            table = dict(app.tables["counts"].items())
    assert opened and table == {key: 2 for key in KEYS}
    assert any("Corruption: injected" in r.getMessage() and "rebuilt" in r.getMessage()
               for r in caplog.records)
