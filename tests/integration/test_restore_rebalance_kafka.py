"""A rebalance while a worker is still restoring a large table.

The changelog of a count table is filled with a "previous run" (many other keys, then each
user's count so far) before any worker starts, so restoring takes seconds. A second worker
joins while the first is restoring, then stops while it is restoring itself. Every click
also emits the user's new count (``IT_OUT``): an event counted on a table partition that was
not fully restored would emit a count at or below the user's previous count, which is how the
test sees that no partition is processed before its table partition is restored.
"""
from __future__ import annotations

import asyncio
import collections
import random
import re
import time

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from streamflow.partitioner import partition_for

from .kafka_helpers import (WorkerProcess, committed, create_topic, end_offsets, produce, read_all,
                            unique, wait_until)

PARTITIONS = 4
SPEC = "tests.integration.apps.counter:app"
FILLER = 350_000  # changelog records per partition before the users' counts: seconds to restore


async def fill_changelog(bootstrap: str, topic: str, filler: int,
                         counts: dict[str, int]) -> None:
    """A previous run's changelog, written fast: ``filler`` records of other keys per
    partition, then each user's count on the partition its key hashes to (so it is restored
    last)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=50,
                                max_batch_size=1 << 20, max_request_size=1 << 21)
    await producer.start()
    try:
        by_partition: dict[int, list[tuple[bytes, bytes]]] = {
            p: [(b"filler-%d-%d" % (p, i), b"1") for i in range(filler)] for p in range(PARTITIONS)}
        for user, count in counts.items():
            key = user.encode()   # the table's keys are text, the default
            by_partition[partition_for(key, PARTITIONS)].append((key, orjson.dumps(count)))
        futures = []
        for partition, recs in by_partition.items():
            batch = producer.create_batch()
            for key, value in recs:
                if batch.append(key=key, value=value, timestamp=None) is None:
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=None)
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def stopped_restores(worker: WorkerProcess, reason: str) -> list[int]:
    return [int(p) for p in re.findall(rf"restore of table counts\[(\d+)\] stopped at changelog "
                                       rf"offset \d+ of \d+ \({reason}\)", worker.log())]


def assignments(worker: WorkerProcess, what: str) -> list[list[int]]:
    """Partition lists of every "partitions <what>:" line of the worker's log."""
    return [sorted(int(p) for p in m.split(",")) for m in
            re.findall(rf"partitions {what}: [\w-]+\[([\d, ]+)\]", worker.log())]


async def all_committed(bootstrap: str, group: str, topic: str) -> bool:
    return await committed(bootstrap, group, topic, PARTITIONS) == await end_offsets(bootstrap, topic, PARTITIONS)


async def test_rebalances_while_restoring_a_large_table(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    app_id = unique("it-restore")
    env = {"IT_APP": app_id, "IT_IN": unique("it-clicks"), "IT_OUT": unique("it-running"),
           "IT_PARTITIONS": str(PARTITIONS), "STREAMFLOW_BROKER": kafka_broker.url,
           "STREAMFLOW_COMMIT_INTERVAL": "0.2"}
    rng = random.Random(11)
    users = [f"user-{i}" for i in range(400)]
    previous = {u: rng.randrange(1, 100) for u in users}
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await create_topic(bootstrap, f"{app_id}-counts-changelog", PARTITIONS, {"cleanup.policy": "compact"})
    await fill_changelog(bootstrap, f"{app_id}-counts-changelog", FILLER, previous)
    clicks = [(u, {"user": u}) for u in rng.choices(users, k=20_000)]
    await produce(bootstrap, env["IT_IN"], clicks)

    started: list[WorkerProcess] = []

    def worker(disk: str) -> WorkerProcess:
        w = WorkerProcess(SPEC, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / disk)},
                          tmp_path / f"worker-{disk}.log")
        started.append(w)
        return w

    try:
        # 1. b joins while a restores all four partitions: a gives up the restores the
        # rebalance revokes (instead of reading them to the end first), stays in the group
        # (it is not evicted for missing the rebalance) and keeps half of the partitions.
        a = worker("disk-a")
        await a.wait_for_log("restoring table counts[", timeout=60)
        b = worker("disk-b")
        await a.wait_for_log("(partition revoked)", timeout=60)
        assert "partitions ready" not in a.log().split("(partition revoked)")[0], \
            f"a finished restoring before b joined: make FILLER larger\n{a.log()[-3000:]}"
        await b.wait_for_log("partitions assigned:", timeout=60)
        assert [len(tps) for tps in assignments(b, "assigned")] == [2], b.log()[-3000:]
        # 2. b stops while it is restoring its half: the restore stops at once, b exits 0
        # having processed nothing, and a takes b's partitions over.
        await b.wait_for_log("restoring table counts[", timeout=60)
        assert await b.terminate(timeout=30) == 0, b.log()[-3000:]
        assert stopped_restores(b, "worker stopping"), b.log()[-3000:]
        assert not assignments(b, "ready"), b.log()[-3000:]
        await wait_until(lambda: assignments(a, "ready") and assignments(a, "ready")[-1] == [0, 1, 2, 3],
                         120, "a holding all four partitions")
        more = [(u, {"user": u}) for u in rng.choices(users, k=5_000)]
        await produce(bootstrap, env["IT_IN"], more)
        await wait_until(lambda: all_committed(bootstrap, app_id, env["IT_IN"]), 120, "all clicks committed")
        assert await a.terminate() == 0, a.log()[-3000:]
    finally:
        for w in started:
            w.close()

    # Each click emitted its user's new count. Counted on a partly restored table, a click
    # would emit a count at or below the user's previous count; counted twice, a count would
    # repeat or the last one would be too high; lost, the last one would be too low.
    emitted: dict[str, list[int]] = collections.defaultdict(list)
    out = await read_all(bootstrap, env["IT_OUT"], len(clicks) + len(more), timeout=60)
    for r in sorted(out, key=lambda r: (r.partition, r.offset)):
        value = orjson.loads(r.value)
        emitted[value["user"]].append(value["count"])
    truth = collections.Counter(u for u, _ in clicks + more)
    wrong = {u: (previous[u], truth[u], counts[:3], counts[-1]) for u, counts in emitted.items()
             if counts != list(range(previous[u] + 1, previous[u] + truth[u] + 1))}
    assert not wrong, f"{len(wrong)} users with wrong running counts (previous, clicks, first, last): " \
                      f"{list(wrong.items())[:5]}"
    assert set(emitted) == set(truth)
    for w in started:
        assert "Traceback" not in w.log() and " ERROR " not in w.log(), w.log()[-3000:]
