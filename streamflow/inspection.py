"""Reading tables from a worker's data dir after (or while) it runs: for tests and debugging.

Stores are opened read-only, so this works next to a running worker. Only RocksDB tables
leave anything on disk; the contents are what the last commit wrote.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .app import App
from .exceptions import StreamflowError
from .state import RocksDBStore, StoreResources, store_size_on_disk


@dataclass
class PartitionInfo:
    table: str
    partition: int
    path: Path
    bytes_on_disk: int
    keys_estimate: int
    changelog_offset: int | None


def _table_dir(app: App, table: str, data_dir: str | None) -> Path:
    return Path(data_dir or app.settings.data_dir) / app.id / "tables" / table


def _partitions(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(e) for e in os.listdir(folder) if e.isdigit())


def describe_tables(app: App, data_dir: str | None = None) -> list[PartitionInfo]:
    """One entry per table partition found on disk."""
    resources = StoreResources(cache_mb=16, write_buffer_mb=4)
    out = []
    for name in app.tables:
        folder = _table_dir(app, name, data_dir)
        for p in _partitions(folder):
            store = RocksDBStore(folder / str(p), resources, read_only=True)
            try:
                out.append(PartitionInfo(name, p, folder / str(p), store_size_on_disk(folder / str(p)),
                                         store.count_estimate(), store.changelog_offset()))
            finally:
                store.close()
    return out


def read_table(app: App, name: str, data_dir: str | None = None) -> dict[Any, Any]:
    """The committed contents of table ``name`` (all partitions on disk), decoded."""
    try:
        table = app.tables[name]
    except KeyError:
        raise StreamflowError(f"app {app.id} has no table {name!r} (it has: "
                              f"{', '.join(app.tables) or 'none'})") from None
    resources = StoreResources(cache_mb=16, write_buffer_mb=4)
    out: dict[Any, Any] = {}
    folder = _table_dir(app, name, data_dir)
    for p in _partitions(folder):
        store = RocksDBStore(folder / str(p), resources, read_only=True)
        try:
            for raw_key, raw_value in store.iter_range():
                out[table.key_codec.loads(raw_key)] = table.value_codec.loads(raw_value)
        finally:
            store.close()
    return out
