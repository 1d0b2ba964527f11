"""A windowed worker stays within the memory budget docs/memory.md states (issue 14).

A ``streamflow worker`` process counts 100,000 events in tumbling windows, every update to a
topic, over seven windows of event time (so windows expire and RocksDB gets writes all along),
with a small RocksDB budget. Its peak RSS (VmHWM, the kernel's high-water mark of the process)
must stay within :class:`~streamflow.runtime.memory_budget.MemoryBudget` for its settings and
this input: a part that grows past its stated bound (encoded values pinning orjson's 4 KiB
buffers, RocksDB ignoring its cache) shows here.
"""
from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from benchmarks.harness import produce

from streamflow.runtime.memory_budget import MemoryBudget

from .kafka_helpers import create_topic, end_offsets, unique, wait_until, worker_processes

pytestmark = pytest.mark.kafka

SPEC = "tests.integration.apps.windowed_updates:app"
PARTITIONS = 4
EVENTS = 100_000
KEYS = 1_000
STEP_MS = 4          # 100,000 events x 4 ms: 400 s of event time, seven 60 s windows
WINDOWS = 7
ROCKSDB_MB = 16


async def _produce(bootstrap: str, topic: str) -> None:
    """The input, partition by partition through the producer's batch API (a few seconds)."""
    from streamflow.partitioner import partition_for
    t0 = int(time.time() * 1000) - 3_600_000  # recent: the broker's retention keeps it
    parts: dict[int, list[tuple[bytes, bytes, int]]] = {p: [] for p in range(PARTITIONS)}
    for i in range(EVENTS):
        key = b"user-%04d" % (i * 7919 % KEYS)
        parts[partition_for(key, PARTITIONS)].append((key, orjson.dumps({"i": i}), t0 + i * STEP_MS))
    await produce(bootstrap, topic, parts)  # the benchmarks' batch loader


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


async def test_a_windowed_worker_stays_within_its_stated_memory_budget(kafka_broker, kafka_url,
                                                                       tmp_path: Path) -> None:
    app, source, sink = unique("membudget"), unique("mb-in"), unique("mb-out")
    await create_topic(kafka_broker.bootstrap, source, PARTITIONS)
    await create_topic(kafka_broker.bootstrap, sink, PARTITIONS)
    await _produce(kafka_broker.bootstrap, source)
    env = {"STREAMFLOW_BROKER": kafka_url, "IT_APP": app, "IT_IN": source, "IT_OUT": sink,
           "IT_PARTITIONS": str(PARTITIONS), "STREAMFLOW_ROCKSDB_MEMORY_MB": str(ROCKSDB_MB)}
    with worker_processes(SPEC, tmp_path) as start:
        worker = start(env, "data")

        async def all_updates_out() -> bool:
            assert worker.proc.poll() is None, f"worker exited:\n{worker.log()[-3000:]}"
            return sum((await end_offsets(kafka_broker.bootstrap, sink, PARTITIONS)).values()) >= EVENTS

        await wait_until(all_updates_out, 120, "one update per event on the output topic")
        peak = _peak_rss_mb(worker.proc.pid)
        assert await worker.terminate() == 0

    # What one commit can write, at most: every window of every key and its expiry marker,
    # then their deletion when they expire (the whole input's, however it is batched).
    budget = MemoryBudget(rocksdb_memory_mb=ROCKSDB_MB, keys_per_commit=4 * KEYS * WINDOWS,
                          distinct_keys=KEYS)
    parts = ", ".join(f"{name} {mb:.0f}" for name, mb in budget.parts.items())
    assert peak <= budget.total_mb, (f"peak RSS {peak:.0f} MB over the stated budget "
                                     f"{budget.total_mb:.0f} MB ({parts})")
