"""A store whose files were damaged after it was written opens (the open-time check reads a
few blocks) and then fails at the first read that touches the damage, with an error naming the
store: never a silently shorter scan."""
from __future__ import annotations

import glob
import os

import pytest

from streamflow.state import StoreBatch, StoreCorrupted, StoreResources, open_rocksdb_store


@pytest.fixture
def damaged(tmp_path):
    path = tmp_path / "table-0"
    resources = StoreResources(cache_mb=16, write_buffer_mb=4)
    store, _ = open_rocksdb_store(path, resources)
    batch = StoreBatch()
    for i in range(20_000):
        batch.put(b"key-%06d" % i, os.urandom(64))
    store.write(batch, 41)
    store.flush()
    store.close()
    sst = max(glob.glob(str(path / "*.sst")), key=os.path.getsize)
    with open(sst, "r+b") as f:
        f.seek(os.path.getsize(sst) // 2)
        f.write(b"\x5a" * 128)
    store, rebuilt = open_rocksdb_store(path, resources)
    assert not rebuilt and store.changelog_offset() == 41
    yield store, str(path)
    store.close()


def test_a_point_read_of_a_damaged_block_raises_naming_the_store(damaged) -> None:
    store, path = damaged
    failures = []
    for i in range(0, 20_000, 10):
        try:
            store.get(b"key-%06d" % i)
        except StoreCorrupted as exc:
            failures.append(exc)
    assert failures, "no read touched the damaged block"
    assert failures[0].path == path
    assert str(failures[0]).startswith(f"state store {path}: Corruption: block checksum mismatch")


@pytest.mark.parametrize("reverse", [False, True])
def test_a_scan_over_a_damaged_block_raises_instead_of_ending_early(damaged, reverse) -> None:
    store, path = damaged
    with pytest.raises(StoreCorrupted, match="Corruption"):
        for _ in store.iter_range(None, None, reverse=reverse):
            pass
    with pytest.raises(StoreCorrupted):
        list(store.iter_range(b"key-000000", b"key-020000", reverse=reverse))


def test_expanding_range_deletes_over_a_damaged_block_raises(damaged) -> None:
    store, _ = damaged
    with pytest.raises(StoreCorrupted):
        list(store.keys_in_ranges([(b"key-000000", b"key-020000")]))
