"""A table store damaged on disk while its worker was down (bytes overwritten in the middle of
an .sst of many blocks) passes the open-time check; the first read of the damaged block must
not crash-loop the worker: the store is moved aside and rebuilt from its changelog, and no
event is lost (exactly-once: none counted or emitted twice either), on a real broker."""
from __future__ import annotations

import collections
import glob
import hashlib
import os
import time
from pathlib import Path

import orjson
import pytest

from streamflow.state import StoreResources, open_rocksdb_store

from .kafka_helpers import (committed, create_topic, end_offsets, produce, read_all,
                            read_committed, unique, wait_until, worker_processes)

PARTITIONS = 2
SPEC = "tests.integration.apps.damaged:app"
# Names that do not compress: each partition's store is some 40 blocks of 4 KiB.
USERS = [f"user-{i:05d}-{hashlib.sha256(b'%d' % i).hexdigest() * 2}" for i in range(3_000)]


@pytest.fixture
def env(kafka_broker):
    return {"IT_APP": unique("it-dmg"), "IT_IN": unique("it-dmg-in"), "IT_OUT": unique("it-dmg-out"),
            "IT_PARTITIONS": str(PARTITIONS), "STREAMFLOW_BROKER": kafka_broker.url,
            "STREAMFLOW_COMMIT_INTERVAL": "0.2", "STREAMFLOW_TRANSACTION_TIMEOUT_MS": "20000"}


@pytest.fixture
def workers(tmp_path):
    with worker_processes(SPEC, tmp_path) as start:
        yield start


async def all_committed(bootstrap: str, env: dict) -> bool:
    return (await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
            == await end_offsets(bootstrap, env["IT_IN"], PARTITIONS))


def garble(store_dir: Path) -> None:
    """Open the store once (RocksDB writes what its log holds into an .sst), then overwrite
    bytes in the middle of its largest .sst, away from the blocks the open-time check reads."""
    store, _ = open_rocksdb_store(store_dir, StoreResources(cache_mb=16, write_buffer_mb=4))
    store.flush()
    store.close()
    sst = max(glob.glob(str(store_dir / "*.sst")), key=os.path.getsize)
    size = os.path.getsize(sst)
    assert size > 16 * 4096, f"{sst}: too few blocks ({size} bytes)"
    with open(sst, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xc3" * 512)


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_a_damaged_block_is_rebuilt_from_the_changelog_at_first_read(
        kafka_broker, env, workers, tmp_path, guarantee) -> None:
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    run_env = {**env, "STREAMFLOW_PROCESSING_GUARANTEE": guarantee}
    first = [(u, {"user": u, "id": i}) for i, u in enumerate(USERS)]
    await produce(bootstrap, env["IT_IN"], first)
    worker = workers(run_env, "data")
    await wait_until(lambda: all_committed(bootstrap, env), 90, "the first clicks committed")
    assert await worker.terminate() == 0
    stores = tmp_path / "data" / env["IT_APP"] / "tables" / "counts"
    for partition in range(PARTITIONS):
        garble(stores / str(partition))

    second = [(u, {"user": u, "id": len(USERS) + i}) for i, u in enumerate(USERS)]
    await produce(bootstrap, env["IT_IN"], second)
    worker = workers(run_env, "data")
    await wait_until(lambda: all_committed(bootstrap, env), 90, "the second clicks committed")
    assert await worker.terminate() == 0
    log = worker.log()
    assert "Traceback" not in log
    rebuilt = [line for line in log.splitlines() if "Corruption: block checksum mismatch" in line]
    assert rebuilt and all(" WARNING " in line and "moved it to" in line and
                           f"rebuilt it from {env['IT_APP']}-counts-changelog[" in line and
                           "rolled back to the last commit, reprocessing from" in line
                           for line in rebuilt), rebuilt
    assert glob.glob(str(stores / "*.corrupt-*"))

    changelog = f"{env['IT_APP']}-counts-changelog"
    read = read_committed if guarantee == "exactly_once" else _read_everything
    table: dict = {}
    for r in sorted(await read(bootstrap, changelog, PARTITIONS), key=lambda r: (r.partition, r.offset)):
        table[r.key.decode()] = orjson.loads(r.value)
    outputs = [orjson.loads(r.value) for r in await read(bootstrap, env["IT_OUT"], PARTITIONS)]
    ids = collections.Counter(o["id"] for o in outputs)
    assert set(ids) == set(range(2 * len(USERS)))  # nothing lost
    if guarantee == "exactly_once":
        assert table == {u: 2 for u in USERS}
        assert max(ids.values()) == 1  # nothing processed twice
        assert sorted(o["n"] for o in outputs) == [1] * len(USERS) + [2] * len(USERS)
    else:
        assert all(table[u] >= 2 for u in USERS)


async def _read_everything(bootstrap: str, topic: str, partitions: int) -> list:
    return await read_all(bootstrap, topic, sum((await end_offsets(bootstrap, topic, partitions)).values()))
