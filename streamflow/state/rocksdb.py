"""RocksDB stores (rocksdict, raw mode) and the memory budget every store of a worker shares.

Owns: opening a partition's store, applying a batch and its changelog offset in one atomic
RocksDB write, bounded range scans, and moving a broken store aside so it can be rebuilt from
its changelog. Never pickles: keys and values are bytes encoded above this layer, and values
come off Kafka, so ``raw_mode`` is used everywhere (options and write batches alike).

Memory: one :class:`StoreResources` per worker. Its LRU block cache backs every store's data,
index and filter blocks, and a ``WriteBufferManager`` charges every store's memtables to that
same cache, so the worker's RocksDB memory is bounded by one number however many partitions it
is assigned (the design of Kafka Streams' bounded-memory config).
"""
from __future__ import annotations

import logging
import os
import struct
import time
from typing import Iterator

import rocksdict

from streamflow.state.store import StoreBatch, StoreCorrupted, StoreError, StoreWriteFailed

__all__ = [
    "CorruptStoreError",
    "RocksDBStore",
    "StoreResources",
    "move_aside",
    "open_rocksdb_store",
    "store_size_on_disk",
]

log = logging.getLogger(__name__)

META_CF = "__meta__"
"""Column family holding bookkeeping (the changelog offset), apart from table data so that
range scans and ``delete_range`` over the data can never touch it."""

_OFFSET_KEY = b"changelog_offset"
_OFFSET = struct.Struct(">q")
_MB = 1 << 20


class CorruptStoreError(RuntimeError):
    """A store opened but its contents cannot be trusted (failed a sanity read)."""


class StoreResources:
    """The RocksDB memory budget of one worker, shared by every store it opens.

    ``cache_mb`` is the ceiling for all RocksDB memory the worker's stores use: data, index
    and filter blocks live in one LRU cache of that size, and memtables (up to
    ``write_buffer_mb`` in total, across all stores) are charged to the same cache through a
    ``WriteBufferManager``. A write that finds the memtable budget used up makes its store
    flush, rather than stalling: a stall would block the worker's event loop.

    Why not ``Options.set_db_write_buffer_size``: it caps memtables per database, i.e. per
    partition, so memory would grow with the assignment - the bug this class exists to avoid.
    """

    def __init__(self, cache_mb: int = 256, write_buffer_mb: int = 64) -> None:
        if cache_mb <= 0 or write_buffer_mb <= 0:
            raise ValueError(f"cache_mb and write_buffer_mb must be positive, "
                             f"got {cache_mb} and {write_buffer_mb}")
        if write_buffer_mb >= cache_mb:
            raise ValueError(
                f"write_buffer_mb ({write_buffer_mb}) must be smaller than cache_mb ({cache_mb}):"
                f" memtables are charged to the block cache, which must keep room for blocks")
        self.cache_mb = cache_mb
        self.write_buffer_mb = write_buffer_mb
        self.cache = rocksdict.Cache(cache_mb * _MB)  # LRU
        wbm = rocksdict.WriteBufferManager
        self.write_buffer_manager = wbm.new_write_buffer_manager_with_cache(
            write_buffer_mb * _MB, False, self.cache)  # False: flush, never stall the writer
        # One memtable may take a quarter of the shared budget (max 16 MB) before it is flushed.
        self._memtable_bytes = min(16, max(1, write_buffer_mb // 4)) * _MB

    def options(self) -> rocksdict.Options:
        """Fresh raw-mode options wired to the shared cache and write buffer manager.

        Fresh on every call: each (re)open gets the whole configuration again, and no options
        object is shared or mutated between stores, so none can fall back to a private cache.
        """
        table = rocksdict.BlockBasedOptions()
        table.set_block_cache(self.cache)
        table.set_bloom_filter(10, False)  # table reads are point lookups by key
        # Index and filter blocks go through the cache too, so they count against the budget.
        table.set_cache_index_and_filter_blocks(True)
        table.set_pin_l0_filter_and_index_blocks_in_cache(True)

        opts = rocksdict.Options(raw_mode=True)
        opts.create_if_missing(True)
        opts.create_missing_column_families(True)
        opts.set_block_based_table_factory(table)
        opts.set_write_buffer_manager(self.write_buffer_manager)
        opts.set_write_buffer_size(self._memtable_bytes)
        # Flush data and meta column families together, so that even with the WAL gone the
        # files on disk never hold data without its offset or the reverse.
        opts.set_atomic_flush(True)
        return opts

    def memory_usage(self) -> int:
        """Bytes currently held in the shared cache (blocks plus charged memtables)."""
        return self.cache.get_usage()


class RocksDBStore:
    """One table partition in its own RocksDB database (a :class:`~.store.Store`).

    Data lives in the default column family, the changelog offset in ``__meta__``; both are
    written by the same ``WriteBatch``. ``read_only=True`` opens without taking the lock, for
    inspection (``streamflow tables``) while a worker owns the store.
    """

    def __init__(self, path: str | os.PathLike[str], resources: StoreResources,
                 read_only: bool = False) -> None:
        self.path: str | None = os.fspath(path)
        access = (rocksdict.AccessType.read_only(False) if read_only
                  else rocksdict.AccessType.read_write())
        self._db = rocksdict.Rdict(self.path, resources.options(),
                                   column_families={META_CF: resources.options()},
                                   access_type=access)
        self._closed = False
        try:
            self._meta_cf = self._db.get_column_family_handle(META_CF)
            self._meta = self._db.get_column_family(META_CF)
            self._offset = self._read_offset()
        except BaseException:
            self.close()
            raise

    def get(self, key: bytes) -> bytes | None:
        try:
            return self._db.get(key)
        except Exception as exc:  # noqa: BLE001 - rocksdict raises plain ones; free until raised
            raise self._failure(exc) from None

    def write(self, batch: StoreBatch, changelog_offset: int | None) -> None:
        wb = rocksdict.WriteBatch(raw_mode=True)
        put, delete = wb.put, wb.delete
        for op, key, value in batch.ops:
            if op == "put":
                put(key, value)
            elif op == "delete":
                delete(key)
            elif op == "delete_range":
                assert value is not None  # a range's end
                if key < value:  # RocksDB rejects empty ranges
                    wb.delete_range(key, value)
            else:
                raise ValueError(f"unknown store op {op!r} in batch for {self.path}")
        if changelog_offset is not None:
            put(_OFFSET_KEY, _OFFSET.pack(changelog_offset), self._meta_cf)
        if wb.is_empty():
            return
        try:
            self._db.write(wb)
        except Exception as exc:  # noqa: BLE001 - rocksdict raises plain exceptions
            raise self._failure(exc) from None
        if changelog_offset is not None:
            self._offset = changelog_offset

    def changelog_offset(self) -> int | None:
        return self._offset

    def iter_range(self, begin: bytes | None = None, end: bytes | None = None,
                   reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        if begin is not None and end is not None and begin >= end:
            return iter(())
        read_opts = rocksdict.ReadOptions()
        if end is not None:
            # Bounds the scan inside RocksDB too, so tombstones past ``end`` are never visited.
            read_opts.set_iterate_upper_bound(end)
        # The iterator is created and positioned here, eagerly: it pins RocksDB's view as of
        # this call. A raw iterator rather than ``items()``: a scan that meets a damaged block
        # just ends there, and only the raw iterator's ``status()`` tells that from the end of
        # the data (``items()`` would silently return part of the range). rocksdict does not
        # keep ``read_opts`` (and so the bound) alive with the iterator: the generator holds it.
        it = self._db.iter(read_opts)
        if not reverse:
            if begin is None:
                it.seek_to_first()
            else:
                it.seek(begin)
            return self._forward(it, read_opts, end)
        if end is None:
            it.seek_to_last()
        else:
            it.seek_for_prev(end)
        return self._backward(it, read_opts, begin, end)

    def _forward(self, it: rocksdict.RdictIter, keep_alive: object,
                 end: bytes | None) -> Iterator[tuple[bytes, bytes]]:
        valid, key, value, step = it.valid, it.key, it.value, it.next
        while valid():
            k = key()
            if end is not None and k >= end:
                return
            yield k, value()
            step()
        self._check_iterator(it)

    def _backward(self, it: rocksdict.RdictIter, keep_alive: object, begin: bytes | None,
                  end: bytes | None) -> Iterator[tuple[bytes, bytes]]:
        valid, key, value, step = it.valid, it.key, it.value, it.prev
        while valid():
            k = key()
            if begin is not None and k < begin:
                return
            if end is None or k < end:
                yield k, value()
            step()
        self._check_iterator(it)

    def _check_iterator(self, it: rocksdict.RdictIter) -> None:
        try:
            it.status()
        except Exception as exc:  # noqa: BLE001 - rocksdict raises plain exceptions
            raise self._failure(exc) from None

    def keys_in_ranges(self, ranges: list[tuple[bytes, bytes]]) -> Iterator[bytes]:
        """Keys inside any of the sorted ``ranges``, with one iterator moved by seeks: expanding
        thousands of small range deletes into changelog tombstones costs one seek each, not
        one iterator each."""
        if not ranges:
            return
        it = self._db.iter(rocksdict.ReadOptions())
        for begin, end in ranges:
            it.seek(begin)
            while it.valid():
                key = it.key()
                if key >= end:
                    break
                yield key
                it.next()
            self._check_iterator(it)

    def count_estimate(self) -> int:
        return self._db.property_int_value("rocksdb.estimate-num-keys") or 0

    def flush(self) -> None:
        """Write memtables to disk (e.g. before a checkpoint); not needed for durability."""
        self._db.flush()

    def close(self) -> None:
        """Close the database and release its lock, so the path can be reopened.

        rocksdict keeps a database alive (and locked) while any handle or iterator on it
        exists: the column family objects are dropped here, and scans must be finished or
        dropped by the caller before the same path is opened again.
        """
        if self._closed:
            return
        self._closed = True
        meta = getattr(self, "_meta", None)
        for attr in ("_meta", "_meta_cf"):
            if hasattr(self, attr):
                delattr(self, attr)
        for handle in (meta, self._db):
            if handle is None:
                continue
            try:
                handle.close()
            except Exception as exc:  # noqa: BLE001 - see below
                # A store whose writes failed (a full disk) fails to flush when it closes,
                # too. Its state is in the changelog, and the failure was reported where it
                # happened: closing goes on, so the worker can leave its group cleanly.
                log.debug("closing %s: %s", self.path, exc)

    def check(self) -> None:
        """Read the offset and both ends of the data; raise if any of it cannot be read.

        Cheap enough for every open: it touches a few blocks, whose checksums RocksDB verifies.
        Damage elsewhere is found by the first read that touches it (see ``StoreCorrupted``).
        """
        self._read_offset()
        it = self._db.iter(rocksdict.ReadOptions())
        for seek in (it.seek_to_first, it.seek_to_last):
            seek()
            if it.valid():
                it.key()
                it.value()
            it.status()

    def _failure(self, exc: Exception) -> Exception:
        """RocksDB's error as a :class:`StoreError` naming this store: damaged files (or files
        gone) are :class:`StoreCorrupted`, which the worker repairs from the changelog; a full
        disk is :class:`StoreWriteFailed`, which stops it. Anything else is raised as is."""
        message = str(exc)
        if _is_disk_full(message):
            return StoreWriteFailed(self.path, message)
        if message.startswith(("Corruption", "IO error")) and not _is_lock_error(message):
            return StoreCorrupted(self.path, message)
        return exc

    def _read_offset(self) -> int | None:
        raw = self._meta.get(_OFFSET_KEY)
        if raw is None:
            return None
        if len(raw) != _OFFSET.size:
            raise CorruptStoreError(f"changelog offset in {self.path} is {len(raw)} bytes, "
                                    f"expected {_OFFSET.size}")
        return _OFFSET.unpack(raw)[0]


def open_rocksdb_store(path: str | os.PathLike[str], resources: StoreResources
                       ) -> tuple[RocksDBStore, bool]:
    """Open the store at ``path``; if it is broken, move it aside and open an empty one.

    Returns ``(store, rebuilt)``. ``rebuilt`` is True when the old store could not be used:
    it was renamed to ``<path>.corrupt-<unix-ts>`` (kept for a post-mortem, never reused) and
    the new store is empty, so the caller must restore it from the changelog. A store locked
    by another open, or a full disk, is not corruption: those errors are raised as they are.
    """
    path = os.fspath(path)
    try:
        store = RocksDBStore(path, resources)
    except Exception as exc:
        if _is_disk_full(str(exc)):
            raise StoreWriteFailed(path, str(exc)) from None
        if not _is_corruption(exc) or not os.path.lexists(path):
            raise
        reason = f"open failed: {exc}"
    else:
        try:
            store.check()
            return store, False
        except Exception as exc:  # noqa: BLE001 - any failure means unreadable
            store.close()
            reason = f"sanity read failed: {exc}"
    aside = move_aside(path)
    log.warning("state store %s is corrupt or unreadable (%s); moved it to %s and opened an "
                "empty store, which will be restored from the changelog", path, reason, aside)
    return RocksDBStore(path, resources), True


def _is_disk_full(message: str) -> bool:
    return "No space left on device" in message or "Disk quota exceeded" in message


def _is_lock_error(message: str) -> bool:
    return message.startswith("IO error") and "lock" in message.lower()


def _is_corruption(exc: Exception) -> bool:
    if isinstance(exc, StoreError):
        return isinstance(exc, StoreCorrupted)
    message = str(exc)
    if _is_lock_error(message):
        return False  # another open holds the store: moving it would pull it out from under it
    return not _is_disk_full(message)


def move_aside(path: str | os.PathLike[str]) -> str:
    """Rename a broken store to ``<path>.corrupt-<unix-ts>`` (kept for a post-mortem, never
    reused); returns the new name."""
    path = os.fspath(path)
    base = f"{path}.corrupt-{int(time.time())}"
    target, n = base, 0
    while os.path.lexists(target):
        n += 1
        target = f"{base}.{n}"
    os.rename(path, target)
    return target


def store_size_on_disk(path: str | os.PathLike[str]) -> int:
    """Total bytes of the files under ``path`` (0 if it does not exist); for inspection."""
    total = 0
    for root, _dirs, files in os.walk(os.fspath(path)):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:  # RocksDB deletes obsolete files while we walk
                pass
    return total
