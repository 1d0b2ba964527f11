"""An in-memory store: the reference implementation of :class:`~streamflow.state.store.Store`.

Used by tests, the replay driver and tables that do not need to survive a restart. It favours
being obviously correct over being fast: a dict for point reads plus a sorted key list that is
rebuilt lazily when a scan follows new keys. Nothing here is persistent; ``close`` drops it all.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Iterator

from streamflow.state.store import StoreBatch


class MemoryStore:
    """Sorted bytes -> bytes held in a dict, with the changelog offset kept beside the data."""

    path: str | None = None

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] | None = []  # None: stale, re-sorted by the next scan
        self._offset: int | None = None

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def write(self, batch: StoreBatch, changelog_offset: int | None) -> None:
        # Validate first, so a bad op fails the batch as a whole, like a RocksDB WriteBatch.
        for op, key, value in batch.ops:
            _check_op(op, key, value)
        data = self._data
        for op, key, value in batch.ops:
            if op == "put":
                if key not in data:
                    self._sorted = None
                data[key] = value  # type: ignore[assignment]
            elif op == "delete":
                if data.pop(key, None) is not None:
                    self._sorted = None
            else:
                self._delete_range(key, value)  # type: ignore[arg-type]
        if changelog_offset is not None:
            self._offset = changelog_offset

    def changelog_offset(self) -> int | None:
        return self._offset

    def iter_range(self, begin: bytes | None = None, end: bytes | None = None,
                   reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        keys = self._keys()
        lo = 0 if begin is None else bisect_left(keys, begin)
        hi = len(keys) if end is None else bisect_left(keys, end)
        data = self._data
        # Materialised now: the scan sees the store as it was when called (see Store.iter_range).
        items = [(k, data[k]) for k in keys[lo:hi]]
        if reverse:
            items.reverse()
        return iter(items)

    def count_estimate(self) -> int:
        return len(self._data)

    def close(self) -> None:
        self._data = {}
        self._sorted = []
        self._offset = None

    def _keys(self) -> list[bytes]:
        if self._sorted is None:
            self._sorted = sorted(self._data)
        return self._sorted

    def _delete_range(self, begin: bytes, end: bytes) -> None:
        if not begin < end:
            return
        keys = self._keys()
        lo, hi = bisect_left(keys, begin), bisect_left(keys, end)
        for key in keys[lo:hi]:
            del self._data[key]
        del keys[lo:hi]  # stays sorted: no need to invalidate


def _check_op(op: str, key: bytes, value: bytes | None) -> None:
    if op not in ("put", "delete", "delete_range"):
        raise ValueError(f"unknown store op {op!r}")
    if not isinstance(key, bytes):
        raise TypeError(f"store keys must be bytes, got {type(key).__name__} for {op}")
    if op != "delete" and not isinstance(value, bytes):
        raise TypeError(f"{op} of key {key!r} needs bytes, got {type(value).__name__}")
