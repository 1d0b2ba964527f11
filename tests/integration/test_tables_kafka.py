"""Tables against a real Apache Kafka broker: state survives killed workers, lost disks,
rebalances and compaction of the changelog."""
from __future__ import annotations

import collections
import random
import re
import shutil

import orjson
import pytest

from .kafka_helpers import (WorkerProcess, committed, create_topic, end_offsets, produce,
                            read_all, unique, wait_until, worker_processes)

PARTITIONS = 4
SPEC = "tests.integration.apps.counter:app"


@pytest.fixture
def env(kafka_broker):
    return {"IT_APP": unique("it-cnt"), "IT_IN": unique("it-clicks"), "IT_PARTITIONS": str(PARTITIONS),
            "STREAMFLOW_BROKER": kafka_broker.url, "STREAMFLOW_COMMIT_INTERVAL": "0.2"}


@pytest.fixture
def workers(tmp_path):
    with worker_processes(SPEC, tmp_path) as start:
        yield start


def clicks(n: int, users: int, seed: int = 1, keyed_by_user: bool = True) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        user = f"user-{rng.randrange(users)}"
        out.append((user if keyed_by_user else f"click-{i}", {"user": user, "i": i}))
    return out


def truth(records: list[tuple]) -> collections.Counter:
    return collections.Counter(v["user"] for _, v in records)


async def all_committed(bootstrap: str, group: str, topic: str) -> bool:
    return await committed(bootstrap, group, topic, PARTITIONS) == await end_offsets(bootstrap, topic, PARTITIONS)


async def changelog_table(bootstrap: str, app_id: str) -> dict[str, int]:
    """The table as its changelog says: the latest value per key."""
    topic = f"{app_id}-counts-changelog"
    total = sum((await end_offsets(bootstrap, topic, PARTITIONS)).values())
    table: dict[str, int] = {}
    for r in sorted(await read_all(bootstrap, topic, total, timeout=30), key=lambda r: (r.partition, r.offset)):
        key = r.key.decode()
        if r.value is None:
            table.pop(key, None)
        else:
            table[key] = orjson.loads(r.value)
    return table


async def assert_no_count_lost(bootstrap: str, app_id: str, data: list[tuple]) -> int:
    """The changelog's counts cover every click (at-least-once); returns how many were
    counted twice."""
    table = await changelog_table(bootstrap, app_id)
    expected = truth(data)
    assert set(table) == set(expected)
    short = {u: (table[u], c) for u, c in expected.items() if table[u] < c}
    assert not short, f"counts lost: {list(short.items())[:5]}"
    return sum(table[u] - c for u, c in expected.items())


def restored(worker: WorkerProcess) -> int:
    return sum(int(n) for n in re.findall(r"restored table counts\[\d+\]: (\d+) records", worker.log()))


async def test_kill_and_lost_disk_rebuild_from_changelog_with_no_count_lost(kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    data = clicks(50_000, 1_000)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await produce(bootstrap, env["IT_IN"], data)
    first = workers({**env, "IT_SLOW_MS": "5"}, "disk-a")
    await wait_until(lambda: _committed_at_least(bootstrap, env, 10_000), 120, "10,000 clicks committed")
    first.kill()
    shutil.rmtree(first.log_path.parent / "disk-a")
    second = workers(env, "disk-b")
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 180, "all clicks committed")
    assert restored(second) > 0, second.log()
    double = await assert_no_count_lost(bootstrap, env["IT_APP"], data)
    print(f"\nat-least-once after SIGKILL + lost disk: {double} of {len(data)} clicks counted twice")
    assert await second.terminate() == 0


async def test_sigkill_and_restart_on_the_same_disk_replays_only_the_tail(kafka_broker, env, workers) -> None:
    """No clean shutdown: the store on disk may lag its changelog by the commit in flight, and
    the input offsets lag the store. The restarted worker replays only that tail into the kept
    store, then reprocesses from the committed offsets: counts may run ahead (at-least-once),
    never behind."""
    bootstrap = kafka_broker.bootstrap
    users = 1_000
    data = clicks(50_000, users, seed=9)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await produce(bootstrap, env["IT_IN"], data)
    first = workers({**env, "IT_SLOW_MS": "5"}, "disk-a")
    await wait_until(lambda: _committed_at_least(bootstrap, env, 10_000), 120, "10,000 clicks committed")
    first.kill()
    assert not await all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), "finished before the kill"
    second = workers(env, "disk-a")
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 180, "all clicks committed")
    log = second.log()
    assert "will be rebuilt" not in log, log[-3000:]  # the killed worker's stores open fine
    # at most the changelog records of one commit (one per dirty user) were not in the store
    assert restored(second) <= users, log[-3000:]
    double = await assert_no_count_lost(bootstrap, env["IT_APP"], data)
    print(f"\nat-least-once after SIGKILL, same disk: replayed {restored(second)} changelog records, "
          f"{double} of {len(data)} clicks counted twice")
    # the restart went on from the committed offsets (10,000 or more), not from the start
    assert double < 10_000
    assert await second.terminate() == 0


async def test_restart_with_data_dir_restores_only_the_tail(kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    first_batch = clicks(20_000, 1_000, seed=2)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await produce(bootstrap, env["IT_IN"], first_batch)
    a = workers(env, "disk-a")
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 120, "first batch")
    assert await a.terminate() == 0
    # the partitions move to a worker on another disk, which writes 50 more updates ...
    b = workers(env, "disk-b")
    await b.wait_assigned()
    tail = clicks(50, 10, seed=3)
    await produce(bootstrap, env["IT_IN"], tail)
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 120, "tail")
    assert restored(b) >= 1_000  # an empty disk rebuilds the whole table
    assert await b.terminate() == 0
    # ... and come back to the first disk, which replays only what b wrote
    a2 = workers(env, "disk-a")
    await a2.wait_for_log("partitions ready:")
    replayed = restored(a2)
    assert 0 < replayed <= 50, a2.log()
    table = await changelog_table(bootstrap, env["IT_APP"])
    assert table == dict(truth(first_batch + tail))
    assert await a2.terminate() == 0


async def test_survivor_takes_over_a_killed_workers_partitions(kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    data = clicks(30_000, 500, seed=4)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    slow = {**env, "IT_SLOW_MS": "5"}
    a, b = workers(slow, "disk-a"), workers(slow, "disk-b")
    await wait_until(lambda: _both_hold(a, b), 60, "both workers holding partitions")
    await produce(bootstrap, env["IT_IN"], data)
    await wait_until(lambda: _committed_at_least(bootstrap, env, 5_000), 120, "5,000 clicks committed")
    readies = _assigned_count(a)
    b.kill()
    # b may have finished its share already: wait for the takeover, not just for the offsets
    await a.wait_for_log("partitions ready:", count=readies + 1, timeout=60)
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 180, "survivor finishing")
    assert restored(a) > 0, "the survivor should have restored the killed worker's partitions"
    table = await changelog_table(bootstrap, env["IT_APP"])
    expected = truth(data)
    assert all(table[u] >= c for u, c in expected.items())
    assert await a.terminate() == 0


async def test_group_by_counts_by_another_field_with_two_workers(kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    data = clicks(20_000, 300, seed=5, keyed_by_user=False)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    grouped = {**env, "IT_GROUP_BY": "1"}
    a, b = workers(grouped, "disk-a"), workers(grouped, "disk-b")
    await wait_until(lambda: _both_hold(a, b), 60, "both workers holding partitions")
    await produce(bootstrap, env["IT_IN"], data)
    repartition = f"{env['IT_APP']}-by-user-repartition"
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 120, "input committed")
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], repartition), 120, "repartition committed")
    assert await changelog_table(bootstrap, env["IT_APP"]) == dict(truth(data))
    assert await a.terminate() == 0 and await b.terminate() == 0


async def test_compacted_changelog_still_restores_latest_values(kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    compacting = {**env, "IT_SEGMENT_MS": "100", "STREAMFLOW_COMMIT_INTERVAL": "0.02"}
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    a = workers(compacting, "disk-a")
    await a.wait_assigned()
    data = []
    changelog = f"{env['IT_APP']}-counts-changelog"
    # many updates to few keys, in waves so that segments roll and the cleaner can work
    for wave in range(20):
        batch = clicks(200, 8, seed=100 + wave)
        data += batch
        await produce(bootstrap, env["IT_IN"], batch)
        await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 60, "wave committed")
    written = sum((await end_offsets(bootstrap, changelog, PARTITIONS)).values())

    async def compacted() -> bool:
        await produce(bootstrap, env["IT_IN"], [])  # nothing; the cleaner runs on its own
        return len(await read_all(bootstrap, changelog, written, timeout=2)) < written // 2

    await wait_until(compacted, 120, f"compaction of {changelog} below half of {written} records")
    assert await a.terminate() == 0
    fresh = workers(env, "disk-fresh")
    await fresh.wait_for_log("partitions ready:")
    assert 0 < restored(fresh) < written // 2
    assert await changelog_table(bootstrap, env["IT_APP"]) == dict(truth(data))
    assert await fresh.terminate() == 0


async def _committed_at_least(bootstrap: str, env: dict, n: int) -> bool:
    offsets = await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
    return sum(o or 0 for o in offsets.values()) >= n


def _both_hold(a: WorkerProcess, b: WorkerProcess) -> bool:
    def holds(w: WorkerProcess) -> bool:
        lines = [l for l in w.log().splitlines() if "partitions ready:" in l]
        return bool(lines) and "none" not in lines[-1]
    return holds(a) and holds(b)


async def test_with_a_standby_replica_takeover_replays_only_the_tail(kafka_broker, env, workers) -> None:
    bootstrap = kafka_broker.bootstrap
    data = clicks(20_000, 5_000, seed=6)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    standby = {**env, "IT_STANDBYS": "1"}
    a, b = workers(standby, "disk-a"), workers(standby, "disk-b")
    await wait_until(lambda: _both_hold(a, b), 60, "both workers holding partitions")
    await produce(bootstrap, env["IT_IN"], data)
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 120, "all clicks committed")
    # each worker keeps a warm copy of the other's two partitions
    await a.wait_for_log("is warm (changelog offset", count=2)
    tail = clicks(100, 5_000, seed=7)
    await produce(bootstrap, env["IT_IN"], tail)
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 60, "tail committed")
    before = restored(a)
    b.kill()
    await a.wait_for_log("partitions ready:", count=_assigned_count(a) + 1, timeout=60)
    replayed = restored(a) - before
    table = await changelog_table(bootstrap, env["IT_APP"])
    # b's half of a ~5,000-key table, rebuilt from 0, would replay thousands of records
    assert replayed <= 100, f"takeover replayed {replayed} records:\n{a.log()[-2000:]}"
    assert table == dict(truth(data + tail))
    await produce(bootstrap, env["IT_IN"], clicks(10, 5_000, seed=8))
    await wait_until(lambda: all_committed(bootstrap, env["IT_APP"], env["IT_IN"]), 60, "after takeover")
    assert await changelog_table(bootstrap, env["IT_APP"]) == dict(truth(data + tail + clicks(10, 5_000, seed=8)))
    assert await a.terminate() == 0


def _assigned_count(w: WorkerProcess) -> int:
    return w.log().count("partitions ready:")
