"""The store protocol: what a table partition's storage must offer.

A *store* holds one partition of one table as sorted bytes -> bytes, plus the changelog offset
that its contents reflect. Stores never see Python values or topics: encoding is done above
them, changelog production below them is the runtime's job. This module must never import the
runtime, the DSL or a Kafka client.

Writes reach a store only as a :class:`StoreBatch` applied atomically together with the
changelog offset it covers, so that a crash can never leave data and offset out of step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol


class StoreError(RuntimeError):
    """A store failed; names the store (its path, or None in memory)."""

    def __init__(self, path: str | None, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"state store {path or '(in memory)'}: {reason}")


class StoreCorrupted(StoreError):
    """A read or write found the store's files damaged or gone (e.g. a block checksum
    mismatch). The store cannot be trusted; its changelog can rebuild it."""


class StoreWriteFailed(StoreError):
    """The store could not be written for lack of disk space: it is intact but behind."""


@dataclass(slots=True)
class StoreBatch:
    """Writes gathered for one commit, applied with one atomic ``Store.write``.

    ``ops`` keeps the order in which writes were made: ``("put", key, value)``,
    ``("delete", key, None)`` or ``("delete_range", begin, end)`` (end exclusive).
    """

    ops: list[tuple[str, bytes, bytes | None]] = field(default_factory=list)

    def put(self, key: bytes, value: bytes) -> None:
        self.ops.append(("put", key, value))

    def delete(self, key: bytes) -> None:
        self.ops.append(("delete", key, None))

    def delete_range(self, begin: bytes, end: bytes) -> None:
        # RocksDB rejects begin >= end ("end key comes before start key"); an empty range is a
        # no-op everywhere, so it is dropped here rather than failing the whole commit.
        if begin < end:
            self.ops.append(("delete_range", begin, end))

    def __len__(self) -> int:
        return len(self.ops)


class Store(Protocol):
    """One table partition's storage: sorted bytes keys, atomic batches, a changelog offset."""

    path: str | None

    def get(self, key: bytes) -> bytes | None: ...

    def write(self, batch: StoreBatch, changelog_offset: int | None) -> None:
        """Apply ``batch`` and record ``changelog_offset`` (if given) in one atomic write."""

    def changelog_offset(self) -> int | None:
        """The offset of the last changelog record reflected in this store, or None."""

    def iter_range(self, begin: bytes | None = None, end: bytes | None = None,
                   reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """Items with ``begin <= key < end`` in key order (``None``: unbounded).

        The view is fixed when ``iter_range`` is called: writes made while iterating are not
        seen, so callers may write (through a new batch) during a scan.
        """

    def count_estimate(self) -> int: ...

    def close(self) -> None: ...
