"""The test driver's failures: crashes (now, after k records, at a commit phase), rebalances
over several workers, exactly-once outputs as read_committed readers see them, partitions=."""
from __future__ import annotations

import collections

import pytest

import streamflow
from streamflow.testing import TestDriver

GUARANTEES = ["at_least_once", "exactly_once"]


def counter(batch_size: int = 2000, replicas: int = 0, **settings) -> streamflow.App:
    """Counts clicks per user in a table; every click emits (count, click id)."""
    app = streamflow.App("cnt", batch_size=batch_size, table_standby_replicas=replicas,
                         **settings)
    clicks = app.topic("clicks")
    out = app.topic("out")
    counts = app.table("counts", default=int)

    @app.agent(clicks)
    async def count(stream):
        async for c in stream:
            counts[c["u"]] += 1
            await out.send(key=c["u"], value={"n": counts[c["u"]], "id": c["id"]})
    return app


def clicks(first: int, n: int, users: int = 5) -> list[tuple]:
    return [("clicks", f"u{i % users}", {"u": f"u{i % users}", "id": i}, 1_000 + i)
            for i in range(first, first + n)]


def truth(n: int, users: int = 5) -> dict[str, int]:
    return dict(collections.Counter(f"u{i % users}" for i in range(n)))


def ids(driver: TestDriver) -> collections.Counter:
    return collections.Counter(o.value["id"] for o in driver.outputs("out"))


async def test_partitions_sets_the_partition_count_of_the_topics_the_driver_creates() -> None:
    app = counter()
    app.topic("fixed", partitions=2)
    async with TestDriver(app, partitions=5) as d:
        assert d.worker.partition_count("clicks") == 5
        assert d.worker.partition_count("cnt-counts-changelog") == 5
        assert d.worker.partition_count("fixed") == 2  # declared: kept
        await d.send_many(clicks(0, 50, users=20))
        assert len({o.partition for o in d.outputs("out")}) > 2
        assert d.table("counts") == truth(50, users=20)


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_a_crash_loses_what_was_not_committed(store) -> None:
    """At-least-once: the output stays and the input since the commit is processed again;
    the tables go back to their last commit first, so they count each click once."""
    async with TestDriver(counter(), store=store, commit_every_step=False) as d:
        await d.send_many(clicks(0, 10))
        await d.commit()
        await d.send_many(clicks(10, 10))
        assert d.table("counts") == truth(20)
        await d.crash()
        assert d.crashes == 1
        assert d.table("counts") == truth(20)
        assert ids(d) == collections.Counter({**{i: 1 for i in range(10)},
                                              **{i: 2 for i in range(10, 20)}})


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_exactly_once_outputs_show_committed_records_and_a_crash_changes_nothing(store) -> None:
    async with TestDriver(counter(), store=store, commit_every_step=False,
                          processing_guarantee="exactly_once") as d:
        await d.send_many(clicks(0, 10))
        assert d.outputs("out") == []  # processed, in a transaction not committed yet
        await d.commit()
        assert ids(d) == collections.Counter(range(10))
        await d.send_many(clicks(10, 10))
        await d.crash()  # the open transaction is aborted when the restart fences it
        assert ids(d) == collections.Counter(range(10))
        await d.commit()
        assert ids(d) == collections.Counter(range(20))
        assert d.table("counts") == truth(20)
        assert sorted(o.value["n"] for o in d.outputs("out") if o.key == "u0") == [1, 2, 3, 4]


@pytest.mark.parametrize("phase", ["before_flush", "after_flush", "after_offsets"])
async def test_at_least_once_crashes_at_any_commit_phase_lose_nothing(phase) -> None:
    async with TestDriver(counter(batch_size=3)) as d:
        await d.send_many(clicks(0, 12))
        d.crash_at(phase=phase)
        await d.send_many(clicks(12, 12))
        assert d.crashes == 1 and not d.crash_pending
        got = ids(d)
        assert set(got) == set(range(24)), "a click lost"
        counts = d.table("counts")
        assert all(counts[u] >= n for u, n in truth(24).items())
        if phase == "after_flush":
            # the changelogs hold the batch but the offsets do not: counted twice
            assert sum(counts.values()) > 24
        else:  # offsets and changelogs agree: the restart restores what was committed
            assert counts == truth(24)


@pytest.mark.parametrize("phase", ["before_flush", "after_offsets"])
@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_exactly_once_crashes_at_any_commit_phase_change_nothing(phase, store) -> None:
    async with TestDriver(counter(batch_size=3), store=store,
                          processing_guarantee="exactly_once") as d:
        await d.send_many(clicks(0, 12))
        d.crash_at(phase=phase)
        await d.send_many(clicks(12, 12))
        assert d.crashes == 1
        assert ids(d) == collections.Counter(range(24))
        assert d.table("counts") == truth(24)


async def test_a_crash_after_k_records_happens_mid_input_and_is_recovered() -> None:
    async with TestDriver(counter(batch_size=2), processing_guarantee="exactly_once") as d:
        d.crash_at(after_records=5)
        await d.send_many(clicks(0, 20))
        assert d.crashes == 1
        assert ids(d) == collections.Counter(range(20))
        assert d.table("counts") == truth(20)


async def test_a_crash_point_that_the_guarantee_has_not_is_refused() -> None:
    async with TestDriver(counter(), processing_guarantee="exactly_once") as d:
        with pytest.raises(streamflow.StreamflowError, match="with exactly_once the phases are "
                                                             "before_flush, after_offsets"):
            d.crash_at(phase="after_flush")
        with pytest.raises(streamflow.StreamflowError, match="after_records= or phase="):
            d.crash_at()


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_rebalancing_over_workers_moves_tasks_and_state(guarantee) -> None:
    async with TestDriver(counter(batch_size=4), partitions=4, commit_every_step=False,
                          processing_guarantee=guarantee) as d:
        await d.send_many(clicks(0, 40, users=12))
        await d.rebalance(workers=3)
        held = [w.ready_partitions for w in d.workers]
        assert sorted(len(h) for h in held) == [1, 1, 2]  # four tasks, balanced
        assert set().union(*held) == {streamflow.types.TP("clicks", p) for p in range(4)}
        await d.send_many(clicks(40, 40, users=12))
        await d.rebalance(workers=2)
        await d.send_many(clicks(80, 40, users=12))
        await d.rebalance(workers=1)
        assert d.table("counts") == truth(120, users=12)
        assert ids(d) == collections.Counter(range(120))


async def test_a_worker_that_leaves_and_comes_back_gets_its_disk_back() -> None:
    async with TestDriver(counter(), partitions=4, store="rocksdb") as d:
        await d.send_many(clicks(0, 40, users=12))
        await d.rebalance(workers=2)
        second = d.workers[1]
        assert second.ready_partitions
        await d.rebalance(workers=1)
        await d.send_many(clicks(40, 4, users=12))
        await d.rebalance(workers=2)
        assert d.workers[1].settings.data_dir == second.settings.data_dir
        assert d.table("counts") == truth(44, users=12)


async def test_with_standby_replicas_the_group_hands_out_warm_copies() -> None:
    async with TestDriver(counter(replicas=1), partitions=4) as d:
        await d.rebalance(workers=2)
        a, b = d.workers
        assert a.standby_tasks == {(4, tp.partition) for tp in b.ready_partitions}
        assert b.standby_tasks == {(4, tp.partition) for tp in a.ready_partitions}


async def test_a_broker_error_while_tailing_changelogs_does_not_stop_the_standby_replicas(
        monkeypatch, caplog) -> None:
    """Standby copies tail their changelogs in a background task. A broker error there (here:
    the first end-offsets request after the rebalance) used to end that task silently, so the
    copies went stale until a restart; now it is logged once, naming the changelogs, and the
    copies catch up when the broker answers again."""
    from streamflow.runtime.transport.memory import MemoryChangelogReader

    from ...conftest import wait_until
    async with TestDriver(counter(replicas=1), partitions=4) as d:
        await d.rebalance(workers=2)
        failed: list[object] = []
        real_end_offsets = MemoryChangelogReader.end_offsets

        async def flaky_end_offsets(self, tps):  # type: ignore[no-untyped-def]
            if not failed:
                failed.append(tps)
                raise ConnectionError("broker unreachable")
            return await real_end_offsets(self, tps)

        monkeypatch.setattr(MemoryChangelogReader, "end_offsets", flaky_end_offsets)
        await d.send_many(clicks(0, 40, users=12))
        await d.commit()
        a, b = d.workers

        def standbys_caught_up() -> bool:
            pairs = [(a, b), (b, a)]
            assert all(w.standbys.partitions for w, _ in pairs)
            return all(part.store.changelog_offset() == owner.tables.active[key].store.changelog_offset()
                       for standby, owner in pairs for key, part in standby.standbys.partitions.items())

        await wait_until(standbys_caught_up, timeout=30, what="standby copies caught up")
        assert failed
        warnings = [r.getMessage() for r in caplog.records if "standby replicas" in r.getMessage()
                    and "broker unreachable" in r.getMessage()]
        assert len(warnings) == 1 and "cnt-counts-changelog[" in warnings[0]


async def test_a_crash_of_one_of_several_workers_is_recovered_by_the_group() -> None:
    async with TestDriver(counter(batch_size=3), partitions=4,
                          processing_guarantee="exactly_once") as d:
        await d.rebalance(workers=3)
        d.crash_at(after_records=4, worker=1)
        await d.send_many(clicks(0, 60, users=12))
        assert d.crashes == 1
        assert ids(d) == collections.Counter(range(60))
        assert d.table("counts") == truth(60, users=12)


async def test_timers_run_on_every_worker() -> None:
    app = streamflow.App("tick")
    ticks = app.topic("ticks", partitions=1)

    @app.timer(10)
    async def tick():
        await ticks.send(key="t", value=1)

    async with TestDriver(app) as d:
        await d.advance(10)
        await d.rebalance(workers=2)
        await d.advance(10)
        assert len(d.outputs("ticks")) == 3


# -- crashes while a commit is in flight (issue 14: commits that do not stop processing) --------
@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_at_least_once_crash_after_offsets_with_later_records_in_between(store) -> None:
    """The commit's offsets are committed, its frozen layer not written, and the worker went on
    processing: the crash loses the frozen layer and the later writes. The restart restores
    the committed state from the changelog and processes the later records again."""
    async with TestDriver(counter(batch_size=3), store=store) as d:
        await d.send_many(clicks(0, 12))
        d.crash_at(phase="after_offsets_in_flight")
        await d.send_many(clicks(12, 12))  # committed in the background, stopped before the write
        assert d.crash_pending
        await d.send_many(clicks(24, 12))  # processed while it waits: then the crash
        assert d.crashes == 1 and not d.crash_pending
        got = ids(d)
        assert set(got) == set(range(36)), "a click lost"
        assert all(got[i] == 1 for i in range(24)), "the committed clicks came again"
        assert any(got[i] == 2 for i in range(24, 36)), "nothing was processed in between"
        assert d.table("counts") == truth(36)


@pytest.mark.parametrize("phase", ["after_freeze", "after_offsets_in_flight"])
@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_exactly_once_crashes_in_flight_change_nothing(phase, store) -> None:
    async with TestDriver(counter(batch_size=3), store=store,
                          processing_guarantee="exactly_once") as d:
        await d.send_many(clicks(0, 12))
        d.crash_at(phase=phase)
        await d.send_many(clicks(12, 12))
        assert d.crash_pending
        await d.send_many(clicks(24, 12))
        assert d.crashes == 1
        assert ids(d) == collections.Counter(range(36))
        assert d.table("counts") == truth(36)


async def test_at_least_once_crash_after_freeze_loses_nothing() -> None:
    async with TestDriver(counter(batch_size=3)) as d:
        await d.send_many(clicks(0, 12))
        d.crash_at(phase="after_freeze")
        await d.send_many(clicks(12, 12))
        await d.send_many(clicks(24, 12))
        assert d.crashes == 1
        assert set(ids(d)) == set(range(36))
        counts = d.table("counts")
        assert all(counts[u] >= n for u, n in truth(36).items())


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_an_in_flight_crash_point_fires_at_the_next_commit_without_later_records(
        guarantee) -> None:
    async with TestDriver(counter(), processing_guarantee=guarantee) as d:
        d.crash_at(phase="after_offsets_in_flight")
        await d.send_many(clicks(0, 12))
        assert d.crash_pending
        await d.commit()
        assert d.crashes == 1 and not d.crash_pending
        assert set(ids(d)) == set(range(12))
        assert d.table("counts") == truth(12)


async def test_a_rebalance_fires_an_in_flight_crash_first() -> None:
    async with TestDriver(counter(), processing_guarantee="exactly_once") as d:
        d.crash_at(phase="after_freeze")
        await d.send_many(clicks(0, 12))
        assert d.crash_pending
        await d.rebalance(workers=2)
        assert d.crashes == 1
        await d.send_many(clicks(12, 12))
        assert ids(d) == collections.Counter(range(24))
        assert d.table("counts") == truth(24)
