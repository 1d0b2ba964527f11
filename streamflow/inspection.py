"""Reading tables from a worker's data dir after (or while) it runs: for tests and debugging.

Stores are opened read-only, so this works next to a running worker. Only RocksDB tables
leave anything on disk; the contents are what the last commit wrote. Windowed tables and join
state are stored in their processor's layout (binary keys); the processors read it back
(``WindowedAggregation.all_windows``, each join's ``describe_state``), so a dump shows windows
as ``{"key", "start", "end", "value"}`` and join state row by row.

What a data dir holds may be stale: a partition another worker took over after a failover
keeps the state of the moment it left. ``ops.table_freshness`` compares it with the changelog.
"""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import orjson

from .app import App
from .exceptions import StreamflowError
from .state import PartitionTransaction, RocksDBStore, StoreResources, store_size_on_disk
from .windowed_tables import WindowedTable

if TYPE_CHECKING:
    from .table_kinds import AnyTable


@dataclass
class PartitionInfo:
    """One table partition found in a data dir: where, how big, up to which changelog offset
    it holds the table; ``stale`` once checked against the changelog on the broker."""

    table: str
    partition: int
    path: Path
    bytes_on_disk: int
    keys_estimate: int
    changelog_offset: int | None
    changelog_end: int | None = None  # filled by ops.table_freshness when a broker answers
    stale: bool | None = None         # None: not checked


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


def _table(app: App, name: str) -> "AnyTable":
    try:
        return app.tables[name]
    except KeyError:
        raise StreamflowError(f"app {app.id} has no table {name!r} (it has: "
                              f"{', '.join(app.tables) or 'none'})") from None


def _readable(raw: bytes, loads: Callable[[bytes], Any]) -> Any:
    """A key's bytes decoded with the codec that wrote them, else as text, else base64."""
    for decode in (loads, orjson.loads, bytes.decode):
        try:
            value = decode(raw)
        except Exception:  # noqa: BLE001 - another codec wrote it: try the next way to show it
            continue
        if not isinstance(value, (bytes, bytearray)):  # a bytes codec: show what the bytes say
            return value
    return {"base64": base64.b64encode(raw).decode()}


def _join_layouts(app: App) -> dict[str, tuple[Callable[[bytes, Any], Any], Callable[[bytes], Any]]]:
    """State table name -> (its join's ``describe_state``, the join key's decoder).

    Joins are found through what the app registered for them (the agent each join runs, and
    the foreign-key joins' broadcast entries): the app keeps no list of joins of its own yet
    (the topology of issue 12 will)."""
    from .operators.joins import foreign_key, stream_stream, table_table
    describers = {"StreamStreamJoin": stream_stream.describe_state,
                  "TableTableJoin": table_table.describe_state,
                  "ForeignKeyJoin": foreign_key.describe_state}
    specs = [getattr(a.fn, "__self__", None) for a in app.agents] + list(app._broadcasts)
    out: dict[str, tuple[Callable[[bytes, Any], Any], Callable[[bytes], Any]]] = {}
    for spec in specs:
        processor, state = getattr(spec, "processor", None), getattr(spec, "state", None)
        describe = describers.get(type(processor).__name__)
        if describe is not None and state is not None and spec is not None:
            out[state.name] = (describe, spec.left_topic.key_codec.loads)
    return out


def dump_table(app: App, name: str, data_dir: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(partition, row)`` for every committed row of table ``name`` on disk: ``{"key",
    "value"}``, windows as ``{"key", "start", "end", "value"}`` (live windows only, the value
    as the aggregation shows it), join state as its processor describes each row."""
    table = _table(app, name)
    joins = _join_layouts(app)
    resources = StoreResources(cache_mb=16, write_buffer_mb=4)
    folder = _table_dir(app, name, data_dir)
    key_loads, value_loads = table.key_codec.loads, table.value_codec.loads
    for p in _partitions(folder):
        store = RocksDBStore(folder / str(p), resources, read_only=True)
        try:
            if isinstance(table, WindowedTable):
                txn = PartitionTransaction(store, table.value_codec.dumps, value_loads)
                show = table.aggregation.result
                for raw, window, aggregate in table.processor.all_windows(txn):
                    yield p, {"key": _readable(raw, key_loads), "start": window.start,
                              "end": window.end, "value": show(aggregate)}
            elif name in joins:
                describe, join_key = joins[name]
                for raw_key, raw_value in store.iter_range():
                    row = describe(raw_key, value_loads(raw_value))
                    if row is not None:
                        row["key"] = _readable(row["key"], join_key)
                        yield p, row
            else:
                for raw_key, raw_value in store.iter_range():
                    yield p, {"key": _readable(raw_key, key_loads), "value": value_loads(raw_value)}
        finally:
            store.close()


def read_table(app: App, name: str, data_dir: str | None = None) -> dict[Any, Any]:
    """The committed contents of table ``name`` (all partitions on disk), decoded; a windowed
    table's keys are ``(key, start, end)``."""
    table = _table(app, name)
    out: dict[Any, Any] = {}
    for _, row in dump_table(app, name, data_dir):
        if "start" in row:
            out[(row["key"], row["start"], row["end"])] = row["value"]
        elif "value" in row and len(row) == 2:
            out[row["key"]] = row["value"]
        else:
            raise StreamflowError(f"table {table.name} is a join's state: read it with dump_table")
    return out
