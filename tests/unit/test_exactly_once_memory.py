"""Exactly-once on the embedded broker: transactions as a read_committed reader sees them, and
the worker's commit, abort and rollback when the group refuses a zombie's transaction or a
restarted worker fences its predecessor."""
from __future__ import annotations

import asyncio
import collections
import logging
import shutil
from pathlib import Path

import orjson
import pytest

import streamflow
from streamflow.exceptions import ConfigError, ProducerFenced
from streamflow.runtime.transport.base import TopicSpec, TransactionAborted
from streamflow.runtime.transport.memory import MemoryTransport, broker_for
from streamflow.runtime.worker import Worker, worker_id
from streamflow.testing import TestDriver
from streamflow.partitioner import partition_for
from streamflow.types import TP

PARTITIONS = 2


# -- the broker ------------------------------------------------------------------------------
async def test_open_and_aborted_transactions_are_invisible_to_readers() -> None:
    transport = MemoryTransport(streamflow.App("b").settings)
    await transport.ensure_topics([TopicSpec("t", 1)])
    broker = transport.broker
    plain, txn = transport.producer(), transport.producer("tx-1")
    await txn.start()
    await plain.send_batch("t", 0, [(b"a", b"1", 1, None)])
    await txn.send_batch("t", 0, [(b"b", b"2", 2, None)])
    await plain.send_batch("t", 0, [(b"c", b"3", 3, None)])   # after the open transaction
    reader = transport.changelog_reader()
    tp = TP("t", 0)
    assert broker.end_offset(tp) == 3
    assert await reader.end_offsets([tp]) == {tp: 1}  # the last stable offset
    assert [r.key for r in await reader.read(tp, 0, 3, 10)] == [b"a"]
    await txn.abort_transaction()
    assert await reader.end_offsets([tp]) == {tp: 3}
    assert [r.key for r in await reader.read(tp, 0, 3, 10)] == [b"a", b"c"]
    await txn.send_batch("t", 0, [(b"d", b"4", 4, None)])
    assert [r.key for r in await reader.read(tp, 3, 4, 10)] == []
    await txn.commit_transaction({}, None)
    assert [r.key for r in await reader.read(tp, 0, 4, 10)] == [b"a", b"c", b"d"]


async def test_a_new_producer_with_the_same_id_fences_the_old_and_aborts_its_transaction() -> None:
    transport = MemoryTransport(streamflow.App("b").settings)
    await transport.ensure_topics([TopicSpec("t", 1)])
    old, new = transport.producer("tx-1"), transport.producer("tx-1")
    await old.start()
    await old.send_batch("t", 0, [(b"x", b"1", 1, None)])
    await new.start()
    reader = transport.changelog_reader()
    assert await reader.read(TP("t", 0), 0, 1, 10) == []  # aborted, and nothing blocks readers
    assert await reader.end_offsets([TP("t", 0)]) == {TP("t", 0): 1}
    with pytest.raises(ProducerFenced, match="tx-1"):
        await old.send_batch("t", 0, [(b"y", b"2", 2, None)])
    with pytest.raises(ProducerFenced):
        await old.commit_transaction({}, None)


# -- the worker ------------------------------------------------------------------------------
def counter_app(data_dir: Path, guarantee: str = "exactly_once") -> streamflow.App:
    """Counts clicks per user; every click emits (user, count, click id) to ``counts``."""
    app = streamflow.App("eos", processing_guarantee=guarantee, data_dir=str(data_dir),
                         commit_interval=30)
    clicks = app.topic("clicks", partitions=PARTITIONS)
    out = app.topic("counts", partitions=PARTITIONS)
    counts = app.table("counts", default=int, partitions=PARTITIONS)

    @app.agent(clicks)
    async def count(stream):
        async for click in stream:
            counts[click["user"]] += 1
            await out.send(key=click["user"], value={"n": counts[click["user"]], "id": click["id"]})
    return app


def send_clicks(first: int, n: int) -> None:
    broker = broker_for("memory://")
    from streamflow.partitioner import partition_for
    for i in range(first, first + n):
        user = f"u{i % 3}"
        key = user.encode()   # text keys, the default
        broker.append("clicks", partition_for(key, PARTITIONS),
                      [(key, orjson.dumps({"user": user, "id": i}), 1_000 + i, ())], 1_000 + i)


def committed_outputs() -> list[dict]:
    """``counts`` as a read_committed consumer sees it."""
    broker = broker_for("memory://")
    out = []
    for p in range(PARTITIONS):
        records, _ = broker.readable(TP("counts", p), 0, 10**9)
        out += [orjson.loads(r.value) | {"user": r.key.decode()} for r in records]
    return out


def committed_table() -> dict[str, int]:
    broker = broker_for("memory://")
    table: dict[str, int] = {}
    for p in range(PARTITIONS):
        records, _ = broker.readable(TP("eos-counts-changelog", p), 0, 10**9)
        for r in records:
            table[r.key.decode()] = orjson.loads(r.value)
    return table


def assert_exactly_once(total: int) -> None:
    outputs = committed_outputs()
    ids = collections.Counter(o["id"] for o in outputs)
    assert sorted(ids) == list(range(total)), "every click must have exactly one output"
    assert max(ids.values()) == 1, f"duplicated: {[i for i, c in ids.items() if c > 1]}"
    for user in {o["user"] for o in outputs}:
        assert sorted(o["n"] for o in outputs if o["user"] == user) == list(
            range(1, sum(1 for o in outputs if o["user"] == user) + 1))
    truth = collections.Counter(f"u{i % 3}" for i in range(total))
    assert committed_table() == dict(truth)


async def drain(*workers: Worker) -> None:
    """Poll and commit until three rounds in a row fetch nothing (a first poll may only
    join the group and restore state)."""
    idle = 0
    for _ in range(50):
        fetched = 0
        for w in workers:
            fetched += await w.poll_once(0)
            await w.commit()
        idle = 0 if fetched else idle + 1
        if idle == 3:
            return
    raise AssertionError("the workers did not become idle")


async def test_a_zombies_transaction_is_refused_rolled_back_and_its_work_done_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    a = Worker(counter_app(tmp_path / "a"))
    await a.start()
    try:
        send_clicks(0, 30)
        await drain(a)
        assert_exactly_once(30)
        send_clicks(30, 30)
        await a.poll_once(0)  # processed, in an open transaction
        assert len(committed_outputs()) == 30  # not visible yet
        broker = broker_for("memory://")
        broker.groups["eos"].evict(a.consumer)  # a's session times out: it is a zombie now

        b = Worker(counter_app(tmp_path / "b"))
        await b.start()
        try:
            await drain(b)  # b restores the committed table and processes clicks 30..59
            assert len(committed_outputs()) == 30, "a's open transaction still holds readers back"
            with caplog.at_level(logging.WARNING, logger="streamflow.worker"):
                await a.poll_once(0)  # a learns it was evicted: its commit is refused
            assert a.aborted_transactions == 1
            assert "transaction aborted" in caplog.text and "state rolled back" in caplog.text
            assert_exactly_once(60)
            send_clicks(60, 40)
            await drain(a, b)
            await drain(a, b)
            assert_exactly_once(100)
        finally:
            await b.shutdown()
    finally:
        await a.shutdown()


async def test_a_new_owner_waits_for_the_transaction_a_stalled_owner_sent_its_offsets_in(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A zombie stalls between TxnOffsetCommit and EndTxn, then commits (its producer is not
    fenced): the new owner restores and starts only once that transaction ended (KIP-447),
    so it neither misses its table changes nor processes its clicks again."""
    a = Worker(counter_app(tmp_path / "a"))
    await a.start()
    b = Worker(counter_app(tmp_path / "b"))
    stalled, resume = asyncio.Event(), asyncio.Event()
    try:
        send_clicks(0, 20)
        await drain(a)
        send_clicks(20, 10)
        await a.poll_once(0)  # processed in the open transaction

        async def stall() -> None:
            stalled.set()
            await resume.wait()
        a.producer.before_end = stall
        commit = asyncio.create_task(a.commit())
        await asyncio.wait_for(stalled.wait(), 5)  # the offsets are with the group now
        broker_for("memory://").groups["eos"].evict(a.consumer)  # its session times out
        await b.start()
        with caplog.at_level(logging.WARNING, logger="streamflow.worker"):
            for _ in range(5):
                await b.poll_once(0)
        held = TP("clicks", partition_for(b"u0", PARTITIONS))  # every user's clicks are there
        assert b.events_processed == 0 and held not in b.ready_partitions, \
            "b started before a's transaction ended"  # (the other partition is not held)
        assert "held by a transaction still open" in caplog.text
        resume.set()
        await asyncio.wait_for(commit, 5)  # EndTxn: accepted, nothing fences it but the epoch
        assert_exactly_once(30)
        await drain(b)
        assert b.events_processed == 0
        send_clicks(30, 10)
        await drain(a, b)
        await drain(a, b)
        assert_exactly_once(40)
    finally:
        resume.set()
        await b.shutdown()
        await a.shutdown()


async def test_an_abort_while_keeping_the_partitions_rolls_state_and_positions_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = counter_app(tmp_path / "a")
    a = Worker(app)
    await a.start()
    try:
        send_clicks(0, 6)
        await drain(a)
        before = dict(app.tables["counts"].items())
        send_clicks(6, 6)
        await a.poll_once(0)
        assert dict(app.tables["counts"].items()) != before
        real_commit = type(a.producer).commit_transaction

        async def fail_once(self, offsets, group):  # e.g. the coordinator timed out
            monkeypatch.setattr(type(a.producer), "commit_transaction", real_commit)
            await self.abort_transaction()
            raise TransactionAborted("request timed out")
        monkeypatch.setattr(type(a.producer), "commit_transaction", fail_once)
        await a.commit()
        assert a.aborted_transactions == 1
        assert a.consumer.assignment() == {TP("clicks", 0), TP("clicks", 1)}  # kept
        assert dict(app.tables["counts"].items()) == before  # rolled back
        await drain(a)  # the same clicks again, from the committed offsets
        assert_exactly_once(12)
        assert dict(app.tables["counts"].items()) == {"u0": 4, "u1": 4, "u2": 4}
    finally:
        await a.shutdown()


async def test_a_restarted_worker_fences_its_crashed_predecessor(tmp_path: Path) -> None:
    a = Worker(counter_app(tmp_path / "same"))
    await a.start()
    send_clicks(0, 20)
    await drain(a)
    send_clicks(20, 10)
    await a.poll_once(0)
    await a.kill()  # ...and the process dies before the commit (no shutdown)

    restarted = Worker(counter_app(tmp_path / "same"))
    await restarted.start()  # same data dir: same transactional id; a's transaction aborts
    try:
        assert restarted.transactional_id == a.transactional_id
        await drain(restarted)
        assert_exactly_once(30)
        with pytest.raises(ProducerFenced):
            await a.producer.commit_transaction({}, None)
    finally:
        await restarted.shutdown()


async def test_a_worker_restarted_without_its_data_dir_still_fences_its_predecessor(
        tmp_path: Path) -> None:
    """Disk loss: the transactional id does not live in the data dir, so the restart still
    aborts what its predecessor left open, and readers are not held up."""
    a = Worker(counter_app(tmp_path / "disk"))
    await a.start()
    send_clicks(0, 20)
    await drain(a)
    send_clicks(20, 10)
    await a.poll_once(0)  # ...the process dies before the commit, and its disk with it
    broker_for("memory://").groups["eos"].evict(a.consumer)
    await a.tables.stop()
    a.context.leave()  # the process is gone: the app no longer runs here
    shutil.rmtree(tmp_path / "disk")

    restarted = Worker(counter_app(tmp_path / "disk"))
    await restarted.start()
    try:
        assert restarted.transactional_id == a.transactional_id
        await drain(restarted)
        assert_exactly_once(30)
    finally:
        await restarted.shutdown()


def test_the_worker_id_is_the_setting_or_the_host_and_the_data_dir(tmp_path: Path) -> None:
    def txn_id(data_dir: Path, **settings: str) -> str:
        return f"eos-{worker_id(streamflow.App('eos', data_dir=str(data_dir), **settings).settings)}"
    assert txn_id(tmp_path / "a") == txn_id(tmp_path / "a")
    assert txn_id(tmp_path / "a") != txn_id(tmp_path / "b")
    assert txn_id(tmp_path / "a", worker_id="w-1") == txn_id(tmp_path / "b", worker_id="w-1") == "eos-w-1"
    settings = streamflow.config.Settings.from_sources(env={"STREAMFLOW_WORKER_ID": "pod-3"})
    assert settings.worker_id == "pod-3"
    with pytest.raises(ConfigError, match="worker_id"):
        streamflow.App("x", worker_id="has space")


async def test_committed_offsets_move_only_with_the_transaction(tmp_path: Path) -> None:
    a = Worker(counter_app(tmp_path / "a"))
    await a.start()
    try:
        send_clicks(0, 10)
        for _ in range(5):
            await a.poll_once(0)
        assert a.events_processed == 10
        group = broker_for("memory://").groups["eos"]
        assert group.committed == {}
        await a.commit()
        assert sum(group.committed.values()) == 10
        assert a.commits == 1
    finally:
        await a.shutdown()


async def test_the_test_driver_gives_the_same_results_with_either_guarantee(tmp_path: Path) -> None:
    results = []
    for guarantee in ("at_least_once", "exactly_once"):
        app = counter_app(tmp_path / guarantee, guarantee)
        async with TestDriver(app) as driver:
            for i in range(12):
                await driver.send("clicks", key=f"u{i % 3}", value={"user": f"u{i % 3}", "id": i})
            results.append(([(o.key, o.value) for o in driver.outputs("counts")],
                             driver.table("counts")))
    assert results[0] == results[1]
    assert results[1][1] == {"u0": 4, "u1": 4, "u2": 4}


def test_exactly_once_settings_are_checked() -> None:
    streamflow.App("x", processing_guarantee="exactly_once")  # accepted
    with pytest.raises(ConfigError, match="transaction_timeout_ms"):
        streamflow.App("x", processing_guarantee="exactly_once", commit_interval=120)
    with pytest.raises(ConfigError, match="transaction_timeout_ms must be at least"):
        streamflow.App("x", transaction_timeout_ms=10)


def test_transaction_aborted_is_not_a_streamflow_error() -> None:
    # It is handled inside the worker (rollback), never surfaced to users as a failure.
    assert not issubclass(TransactionAborted, streamflow.StreamflowError)
