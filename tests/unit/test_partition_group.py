"""The merge of a task's input partitions (Kafka Streams' PartitionGroup), without a broker:
the order is the reference head-by-head order however the records arrive, and nothing is
processed past a partition that may still receive an earlier record."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streamflow.runtime.partition_group import PartitionGroup, PartitionQueue, interleave

from ..ordering import merged_order

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)

timestamps = st.integers(min_value=0, max_value=8)
partitions = st.lists(st.lists(timestamps, max_size=8), min_size=1, max_size=4)


def records(stamps: list[list[int]], rank_base: int = 0) -> dict[int, list[tuple]]:
    """Event-like tuples (topic, partition, offset, timestamp): topic = rank."""
    return {rank_base + r: [(rank_base + r, 0, i, ts) for i, ts in enumerate(seq)]
            for r, seq in enumerate(stamps)}


def reference(parts: dict[int, list[tuple]]) -> list[tuple]:
    return merged_order(parts, timestamp=lambda e: e[3])


@SETTINGS
@given(partitions)
def test_everything_queued_comes_out_in_the_head_by_head_order(stamps) -> None:
    parts = records(stamps)
    group = PartitionGroup(PartitionQueue(r, r) for r in parts)
    for q in group.queues:
        q.add(parts[q.rank], len(parts[q.rank]))
    assert group.take(None) == reference(parts)


@SETTINGS
@given(partitions, st.data())
def test_the_order_holds_however_fetches_cut_the_input(stamps, data) -> None:
    """Records arrive in random chunks, partition by partition in random order; each poll
    reports the lag (what is on the broker, not fetched yet). Taking what may be taken after
    every fetch gives the reference order: with max_task_idle_ms 0 nothing is processed past
    a partition whose next record is on the broker."""
    parts = records(stamps)
    group = PartitionGroup(PartitionQueue(r, r) for r in parts)
    fetched = dict.fromkeys(parts, 0)
    out: list[tuple] = []
    while any(fetched[r] < len(parts[r]) for r in parts):
        r = data.draw(st.sampled_from([r for r in parts if fetched[r] < len(parts[r])]))
        n = data.draw(st.integers(min_value=1, max_value=len(parts[r]) - fetched[r]))
        queue = next(q for q in group.queues if q.rank == r)
        queue.add(parts[r][fetched[r]:fetched[r] + n], fetched[r] + n)
        fetched[r] += n
        for q in group.queues:
            q.observe(len(parts[q.rank]) - fetched[q.rank], now=0)
        out += group.take(group.limit(now=0, idle_ms=0))
    assert out == reference(parts)


@SETTINGS
@given(partitions, partitions, st.data())
def test_shared_inputs_are_merged_with_every_task(shared_stamps, task_stamps, data) -> None:
    """Two tasks and the shared (global) inputs: each task's records and the shared records,
    in the order the steps apply them, are the reference order of the task's partitions and
    the shared ones (shared ranks first); the tasks do not wait on each other beyond that."""
    shared_parts = records(shared_stamps)
    base = len(shared_parts)
    tasks_parts = [records(task_stamps, base), records(list(reversed(task_stamps)), base)]
    shared = PartitionGroup(PartitionQueue(r, r) for r in shared_parts)
    tasks = [PartitionGroup(PartitionQueue(r, r) for r in parts) for parts in tasks_parts]
    everything = [(shared, shared_parts), *zip(tasks, tasks_parts)]
    fetched = {(id(g), r): 0 for g, parts in everything for r in parts}
    seen = {id(t): [] for t in tasks}
    applied: list[tuple] = []

    def remaining(g, parts, r):
        return len(parts[r]) - fetched[(id(g), r)]

    while any(remaining(g, parts, r) for g, parts in everything for r in parts):
        g, parts = data.draw(st.sampled_from([(g, p) for g, p in everything
                                              if any(remaining(g, p, r) for r in p)]))
        r = data.draw(st.sampled_from([r for r in parts if remaining(g, parts, r)]))
        n = data.draw(st.integers(min_value=1, max_value=remaining(g, parts, r)))
        start = fetched[(id(g), r)]
        next(q for q in g.queues if q.rank == r).add(parts[r][start:start + n], start + n)
        fetched[(id(g), r)] += n
        for group, group_parts in everything:
            for q in group.queues:
                q.observe(remaining(group, group_parts, q.rank), now=0)
        for kind, what in interleave(tasks, shared, now=0, idle_ms=0):
            if kind == "shared":
                applied += what
                for t in tasks:
                    seen[id(t)] += what
            else:
                for t, (recs, _) in what.items():
                    seen[id(t)] += recs
    assert applied == reference(shared_parts)
    for t, parts in zip(tasks, tasks_parts):
        assert seen[id(t)] == reference({**shared_parts, **parts})


def two_partitions() -> tuple[PartitionGroup, PartitionQueue, PartitionQueue]:
    a, b = PartitionQueue("a", 0), PartitionQueue("b", 1)
    return PartitionGroup([a, b]), a, b


def test_equal_timestamps_go_to_the_lower_rank_first() -> None:
    group, a, b = two_partitions()
    b.add([("b", 0, 0, 5)], 1)
    a.add([("a", 0, 0, 5)], 1)
    assert [e[0] for e in group.take(None)] == ["a", "b"]


def test_a_partition_whose_lag_is_unknown_holds_its_task_back() -> None:
    group, a, b = two_partitions()
    a.add([("a", 0, 0, 1)], 1)
    a.observe(0, now=0)
    b.observe(None, now=0)      # not fetched yet: its first record may be earlier than 1
    assert group.take(group.limit(0, idle_ms=0)) == []
    assert group.take(group.limit(0, idle_ms=-1)) == [("a", 0, 0, 1)]   # -1: never wait


def test_a_partition_with_records_on_the_broker_holds_back_only_what_sorts_after_it() -> None:
    group, a, b = two_partitions()
    b.add([("b", 0, 0, 3)], 1)
    b.observe(5, now=0)          # more on the broker: they sort at 3 or later
    a.add([("a", 0, 0, 1), ("a", 0, 1, 3), ("a", 0, 2, 4)], 3)
    a.observe(0, now=0)
    assert group.take(group.limit(0, idle_ms=0)) == [("a", 0, 0, 1), ("a", 0, 1, 3), ("b", 0, 0, 3)]
    assert a.next_offset() == 2 and b.next_offset() == 1


def test_a_caught_up_partition_is_waited_for_max_task_idle_ms() -> None:
    group, a, b = two_partitions()
    a.add([("a", 0, 0, 7)], 1)
    a.observe(0, now=1_000)
    b.observe(0, now=1_000)      # caught up and empty: more may be produced
    assert group.take(group.limit(1_000, idle_ms=0)) == [("a", 0, 0, 7)]
    a.add([("a", 0, 1, 8)], 2)
    a.observe(0, now=1_000)
    assert group.take(group.limit(1_500, idle_ms=2_000)) == []
    assert b.idle_deadline(2_000) == 3_000
    assert group.take(group.limit(3_000, idle_ms=2_000)) == [("a", 0, 1, 8)]


def test_a_record_that_cannot_be_processed_holds_its_task_back_even_without_idling() -> None:
    group, a, b = two_partitions()
    a.add([("a", 0, 0, 1), ("a", 0, 1, 9)], 2)
    b.add([("b", 0, 0, 2)], 1)
    b.stopped = 5                # b's next record (at 5) does not decode: the worker stops there
    for q in (a, b):
        q.observe(0, now=0)
    assert group.take(group.limit(0, idle_ms=-1)) == [("a", 0, 0, 1), ("b", 0, 0, 2)]


def test_shared_records_wait_while_the_worker_does_not_know_all_its_tasks() -> None:
    """Before the group assigned the worker its tasks (or while they are restored), a global
    update may not be applied: a task's backlog that sorts before it may still come."""
    shared = PartitionGroup([PartitionQueue("g", 0)])
    task = PartitionGroup([PartitionQueue("t", 1)])
    shared.queues[0].add([("g", 0, 0, 5)], 1)
    task.queues[0].add([("t", 0, 0, 3), ("t", 0, 1, 7)], 2)
    for q in (*shared.queues, *task.queues):
        q.observe(0, now=0)
    steps = interleave([task], shared, now=0, idle_ms=0, hold_shared=True)
    assert steps == [("tasks", {task: ([("t", 0, 0, 3)], task.queues)})]
    steps = interleave([task], shared, now=0, idle_ms=0)
    assert [(kind, what if kind == "shared" else what[task][0]) for kind, what in steps] == [
        ("shared", [("g", 0, 0, 5)]), ("tasks", [("t", 0, 1, 7)])]
