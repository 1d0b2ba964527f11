"""One memory budget per worker: every store shares the same cache and write buffers."""
from __future__ import annotations

from pathlib import Path

import pytest

from streamflow.state import RocksDBStore, StoreBatch, StoreResources


def fill(store: RocksDBStore, n: int = 3000) -> None:
    batch = StoreBatch()
    for i in range(n):
        batch.put(b"k%06d" % i, b"v" * 100)
    store.write(batch, n - 1)


def test_options_are_fresh_per_open() -> None:
    resources = StoreResources(cache_mb=16, write_buffer_mb=4)
    assert resources.options() is not resources.options()


def test_write_buffers_must_leave_room_in_the_cache() -> None:
    with pytest.raises(ValueError, match="write_buffer_mb"):
        StoreResources(cache_mb=64, write_buffer_mb=64)


def test_stores_share_one_cache(tmp_path: Path) -> None:
    shared = StoreResources(cache_mb=16, write_buffer_mb=4)
    unrelated = StoreResources(cache_mb=16, write_buffer_mb=4)
    stores = []
    usage = [shared.memory_usage()]
    for n in range(4):
        store = RocksDBStore(tmp_path / f"p{n}", shared)
        fill(store)
        stores.append(store)
        usage.append(shared.memory_usage())
    # Each store's memtable is charged to the one shared cache...
    assert usage == sorted(usage) and len(set(usage)) == len(usage)
    assert shared.write_buffer_manager.get_usage() > 0

    for store in stores:
        store.flush()
    after_flush = shared.memory_usage()
    for store in stores:
        for i in range(0, 3000, 100):
            assert store.get(b"k%06d" % i) == b"v" * 100
    # ...and so are the data blocks every store reads.
    assert shared.memory_usage() > after_flush
    assert unrelated.memory_usage() == 0
    for store in stores:
        store.close()


def test_a_reopened_store_uses_the_shared_cache_again(tmp_path: Path) -> None:
    shared = StoreResources(cache_mb=16, write_buffer_mb=4)
    store = RocksDBStore(tmp_path / "p0", shared)
    fill(store)
    store.close()
    baseline = shared.memory_usage()
    store = RocksDBStore(tmp_path / "p0", shared)
    for i in range(0, 3000, 100):
        store.get(b"k%06d" % i)
    assert shared.memory_usage() > baseline
    store.close()
