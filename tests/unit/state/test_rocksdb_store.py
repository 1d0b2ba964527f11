"""RocksDB specifics: persistence, crash consistency, corruption handling, inspection."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from streamflow.state import (
    RocksDBStore,
    StoreBatch,
    StoreResources,
    open_rocksdb_store,
    store_size_on_disk,
)
from streamflow.state.rocksdb import META_CF

REPO = Path(__file__).resolve().parents[3]


def write(store: RocksDBStore, items: dict[bytes, bytes], offset: int | None) -> None:
    batch = StoreBatch()
    for key, value in items.items():
        batch.put(key, value)
    store.write(batch, offset)


def make_store(path: str, resources: StoreResources, n: int = 200) -> None:
    """A store with data in .sst files (flushed) and an offset, then closed."""
    store = RocksDBStore(path, resources)
    write(store, {b"k%05d" % i: b"v" * 50 for i in range(n)}, offset=n - 1)
    store.flush()
    store.close()


def test_reopen_keeps_data_and_offset(rocksdb_path: str, resources: StoreResources) -> None:
    store = RocksDBStore(rocksdb_path, resources)
    write(store, {b"a": b"1", b"b": b"2"}, offset=10)
    batch = StoreBatch()
    batch.delete(b"a")
    store.write(batch, 11)
    store.close()

    store = RocksDBStore(rocksdb_path, resources)
    assert list(store.iter_range()) == [(b"b", b"2")]
    assert store.changelog_offset() == 11
    store.close()


def test_close_twice_is_harmless(rocksdb_path: str, resources: StoreResources) -> None:
    store = RocksDBStore(rocksdb_path, resources)
    store.close()
    store.close()


def test_read_only_open_sees_data_while_a_writer_holds_the_store(
        rocksdb_path: str, resources: StoreResources) -> None:
    writer = RocksDBStore(rocksdb_path, resources)
    write(writer, {b"a": b"1"}, offset=3)
    writer.flush()
    reader = RocksDBStore(rocksdb_path, resources, read_only=True)
    assert reader.get(b"a") == b"1"
    assert reader.changelog_offset() == 3
    reader.close()
    writer.close()


_CRASHING_WRITER = textwrap.dedent("""
    import sys
    from streamflow.state import RocksDBStore, StoreBatch, StoreResources
    store = RocksDBStore(sys.argv[1], StoreResources(cache_mb=16, write_buffer_mb=4))
    offset = 0
    while True:
        batch = StoreBatch()
        for _ in range(50):
            batch.put(b"k%09d" % offset, b"x" * 100)
            offset += 1
        store.write(batch, offset - 1)
        if offset == 5000:
            print("ready", flush=True)
""")


def test_data_and_offset_survive_a_kill_together(rocksdb_path: str,
                                                 resources: StoreResources) -> None:
    """SIGKILL mid-stream: after reopening, the offset names exactly the last key written."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _CRASHING_WRITER, rocksdb_path],
                            stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    store = RocksDBStore(rocksdb_path, resources)
    offset = store.changelog_offset()
    last_key, _ = next(store.iter_range(reverse=True))
    assert offset is not None and offset >= 4999
    assert last_key == b"k%09d" % offset
    assert store.count_estimate() > 0
    store.close()


def test_open_creates_a_fresh_store(rocksdb_path: str, resources: StoreResources) -> None:
    store, rebuilt = open_rocksdb_store(rocksdb_path, resources)
    assert not rebuilt
    assert store.changelog_offset() is None
    store.close()


def test_open_reuses_a_healthy_store(rocksdb_path: str, resources: StoreResources) -> None:
    make_store(rocksdb_path, resources)
    store, rebuilt = open_rocksdb_store(rocksdb_path, resources)
    assert not rebuilt
    assert store.changelog_offset() == 199
    assert store.get(b"k00007") == b"v" * 50
    store.close()


def _garbage(path: Path) -> None:
    size = max(path.stat().st_size, 64)
    path.write_bytes(os.urandom(size))


def _corrupt_current(db: Path) -> None:
    _garbage(db / "CURRENT")


def _corrupt_manifest(db: Path) -> None:
    for f in db.glob("MANIFEST-*"):
        _garbage(f)


def _corrupt_sst_block(db: Path) -> None:
    # Damage a data block inside the file, keeping its size and footer: checksums catch it.
    for f in db.glob("*.sst"):
        with open(f, "r+b") as fh:
            fh.seek(100)
            fh.write(os.urandom(200))


def _corrupt_offset(db: Path) -> None:
    from rocksdict import Options, Rdict

    opts = Options(raw_mode=True)
    raw = Rdict(str(db), opts, column_families={META_CF: Options(raw_mode=True)})
    raw.get_column_family(META_CF)[b"changelog_offset"] = b"garbage"
    raw.close()


@pytest.mark.parametrize("corrupt", [_corrupt_current, _corrupt_manifest, _corrupt_sst_block,
                                     _corrupt_offset])
def test_a_corrupt_store_is_moved_aside_and_rebuilt(
        rocksdb_path: str, resources: StoreResources, corrupt,
        caplog: pytest.LogCaptureFixture) -> None:
    make_store(rocksdb_path, resources)
    corrupt(Path(rocksdb_path))

    with caplog.at_level(logging.WARNING, logger="streamflow.state.rocksdb"):
        store, rebuilt = open_rocksdb_store(rocksdb_path, resources)

    assert rebuilt
    assert store.changelog_offset() is None
    assert list(store.iter_range()) == []
    write(store, {b"a": b"1"}, offset=0)  # the new store works
    store.close()
    moved = list(Path(rocksdb_path).parent.glob("table-0.corrupt-*"))
    assert len(moved) == 1
    assert (moved[0] / "CURRENT").exists()  # the old files are kept for a post-mortem
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert rocksdb_path in record.getMessage()
    assert str(moved[0]) in record.getMessage()
    assert "orrupt" in record.getMessage()


def test_each_corruption_gets_its_own_aside_dir(rocksdb_path: str,
                                                resources: StoreResources) -> None:
    for _ in range(2):
        make_store(rocksdb_path, resources)
        _corrupt_current(Path(rocksdb_path))
        store, rebuilt = open_rocksdb_store(rocksdb_path, resources)
        assert rebuilt
        store.close()
    assert len(list(Path(rocksdb_path).parent.glob("table-0.corrupt-*"))) == 2


def test_a_store_in_use_is_not_mistaken_for_corrupt(rocksdb_path: str,
                                                    resources: StoreResources) -> None:
    holder = RocksDBStore(rocksdb_path, resources)
    with pytest.raises(Exception, match="(?i)lock"):
        open_rocksdb_store(rocksdb_path, resources)
    assert not list(Path(rocksdb_path).parent.glob("table-0.corrupt-*"))
    holder.close()


def test_size_on_disk(rocksdb_path: str, resources: StoreResources) -> None:
    assert store_size_on_disk(rocksdb_path) == 0
    make_store(rocksdb_path, resources, n=1000)
    assert store_size_on_disk(rocksdb_path) > 1000 * 50 / 10  # compressed, still not tiny
