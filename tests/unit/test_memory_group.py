"""``memory://`` consumer groups assign as the Kafka transport's assignor does: tasks (one
partition number across topics of one partition count), balanced, sticky to the member that
holds their state, standby copies elsewhere; handed out before the assignment, as on Kafka."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import streamflow
from streamflow.runtime.transport.base import TopicSpec
from streamflow.runtime.transport.memory import MemoryTransport, broker_for
from streamflow.runtime.worker import Worker
from streamflow.types import TP

from ..conftest import drain, wait_until


class Member:
    """A group member as a worker looks to the group: what it holds, what it was given."""

    def __init__(self, transport: MemoryTransport, topics: list[str],
                 holds: set[tuple[int, int]] = frozenset()) -> None:
        self.holds = set(holds)
        self.assigned: set[TP] = set()
        self.standby: set[tuple[int, int]] = set()
        self.events: list[str] = []
        self.consumer = transport.consumer("g", topics, self._revoked, self._assigned,
                                           lambda: (self.holds, set()), self._standby)

    async def _revoked(self, tps: set[TP]) -> None:
        self.assigned -= tps

    async def _assigned(self, tps: set[TP]) -> None:
        self.assigned = set(tps)
        self.events.append("assigned")

    def _standby(self, tasks: set[tuple[int, int]]) -> None:
        self.standby = set(tasks)
        self.events.append("standby")

    def tasks(self) -> set[tuple[int, int]]:
        return {(4 if tp.topic != "small" else 2, tp.partition) for tp in self.assigned}


async def group(n: int, replicas: int = 0, holds: list[set] | None = None) -> list[Member]:
    app = streamflow.App("g", table_standby_replicas=replicas)
    transport = MemoryTransport(app.settings)
    await transport.ensure_topics([TopicSpec("a", 4), TopicSpec("b", 4), TopicSpec("small", 2)])
    members = [Member(transport, ["a", "b", "small"], (holds or [set()] * n)[i]) for i in range(n)]
    for m in members:
        await m.consumer.start()
    for m in members:
        await m.consumer.getmany(0, 10)  # adopt the latest generation
    return members


async def test_tasks_are_balanced_and_co_partitioned_topics_stay_together() -> None:
    members = await group(3)
    assert sorted(len(m.tasks()) for m in members) == [2, 2, 2]  # 4 + 2 tasks over 3
    for m in members:
        for tp in m.assigned:
            if tp.topic == "a":
                assert TP("b", tp.partition) in m.assigned
    every = [tp for m in members for tp in m.assigned]
    assert sorted(every) == sorted({TP(t, p) for t, n in (("a", 4), ("b", 4), ("small", 2))
                                    for p in range(n)})


async def test_a_joining_member_leaves_tasks_with_the_members_holding_their_state() -> None:
    # p % n would give member 0 tasks 0 and 2 of the 4-partition topics; it holds 1 and 3
    members = await group(2, holds=[{(4, 1), (4, 3)}, {(4, 0), (4, 2)}])
    assert {(4, 1), (4, 3)} <= members[0].tasks()
    assert {(4, 0), (4, 2)} <= members[1].tasks()


async def test_standby_tasks_are_handed_out_before_the_assignment_and_never_to_the_owner() -> None:
    members = await group(3, replicas=1)
    for m in members:
        assert m.events[-2:] == ["standby", "assigned"]
        assert not (m.standby & m.tasks())
    standbys = sorted(t for m in members for t in m.standby)
    assert standbys == sorted(t for m in members for t in m.tasks())  # one copy of each task


async def test_without_replicas_there_are_no_standby_tasks() -> None:
    members = await group(2)
    assert all(m.standby == set() for m in members)


# -- workers: two "processes" of one app on one memory:// broker --------------------------
def counter_app(data_dir: Path, replicas: int = 0, store: str = "memory") -> streamflow.App:
    app = streamflow.App("standby", data_dir=str(data_dir), table_standby_replicas=replicas,
                         store=store, commit_interval=30)
    clicks = app.topic("clicks", partitions=4)
    counts = app.table("counts", default=int, partitions=4)

    @app.agent(clicks)
    async def count(stream):
        async for click in stream:
            counts[click] += 1
    return app


def send(n: int, first: int = 0) -> None:
    import orjson

    from streamflow.partitioner import partition_for
    broker = broker_for("memory://")
    for i in range(first, first + n):
        user = f"u{i % 40}"
        key = user.encode()   # text keys, the default
        broker.append("clicks", partition_for(key, 4), [(key, orjson.dumps(user), i, ())], i)


def table_of(*workers: Worker) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for w in workers:
        out.update(w.app.tables["counts"].items())
    return out


async def takeover(tmp_path: Path, replicas: int) -> tuple[int, dict[str, Any]]:
    """Two workers count clicks; b leaves; how many changelog records a restores for b's
    tasks, and a's table afterwards. RocksDB stores: a's own tasks, revoked and given back
    by the rebalance, reopen up to date (an in-memory store would be restored again)."""
    a = Worker(counter_app(tmp_path / "a", replicas, "rocksdb"))
    b = Worker(counter_app(tmp_path / "b", replicas, "rocksdb"))
    await a.start()
    await b.start()
    try:
        send(400)
        await drain(a, b)
        assert a.ready_partitions and b.ready_partitions
        if replicas:
            # a keeps warm copies of b's tasks: wait until they caught up with the changelog
            assert a.standby_tasks == {(4, tp.partition) for tp in b.ready_partitions}
            ends = {p: broker_for("memory://").end_offset(TP("standby-counts-changelog", p))
                    for _, p in a.standby_tasks}
            await wait_until(lambda: all(
                (part.store.changelog_offset() or -1) + 1 >= ends[part.partition]
                for part in a.standbys.partitions.values()), what="standbys warm")
        before = a.restorer.restored_records
        await b.shutdown()
        await drain(a)
        assert len(a.ready_partitions) == 4
        return a.restorer.restored_records - before, table_of(a)
    finally:
        await a.shutdown()


async def test_with_a_standby_a_takeover_restores_nothing_without_one_everything(tmp_path: Path) -> None:
    truth = {f"u{k}": 10 for k in range(40)}
    restored, table = await takeover(tmp_path / "standby", replicas=1)
    assert table == truth
    assert restored == 0
    broker_for("memory://").topics.clear()
    broker_for("memory://").groups.clear()
    restored, table = await takeover(tmp_path / "cold", replicas=0)
    assert table == truth
    assert restored > 0
