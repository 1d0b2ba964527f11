"""Commits that do not stop processing (issue 14): the run loop's commit freezes the tables'
writes and takes what it covers under the worker's lock, then waits for acknowledgements,
commits offsets (or the transaction) and writes the stores in the background while the loop
goes on processing. What it cannot finish is rolled back before anything else is processed.

The broker's side of a commit is stalled here (a blocked offset commit, a blocked transaction
commit) to hold a commit in flight for as long as a test needs."""
from __future__ import annotations

import asyncio
import collections
import logging
from typing import Any

import pytest

import streamflow
from streamflow.runtime.transport.base import CommitFailed, TransactionAborted
from streamflow.state import StoreWriteFailed
from streamflow.runtime.transport.memory import broker_for
from streamflow.types import TP

from ..conftest import memory_log, running, wait_until


def counting_app(guarantee: str = "at_least_once", **settings: Any
                 ) -> tuple[streamflow.App, Any, dict]:
    """Counts values per key in a table; every event emits (key, count, i)."""
    app = streamflow.App("inflight", commit_interval=0.05, processing_guarantee=guarantee,
                         topic_partitions=1, **settings)
    src, out = app.topic("src", partitions=1), app.topic("out", partitions=1)
    counts = app.table("counts", default=int)
    seen: dict[str, Any] = {"n": 0}

    @app.agent(src)
    async def count(stream):
        async for v in stream:
            counts[v["k"]] += 1
            seen["n"] += 1
            await out.send(key=v["k"], value={"n": counts[v["k"]], "i": v["i"]})
    return app, src, seen


async def nothing() -> None:
    pass


class Gate:
    """Blocks the first ``calls`` calls of an async function until opened."""

    def __init__(self, calls: int = 1) -> None:
        self.opened = asyncio.Event()
        self.waiting = 0
        self.calls = calls

    def wrap(self, fn: Any) -> Any:
        async def gated(*args: Any, **kwargs: Any) -> Any:
            if self.calls > 0:
                self.calls -= 1
                self.waiting += 1
                await self.opened.wait()
                self.waiting -= 1
            return await fn(*args, **kwargs)
        return gated


async def send(src: Any, first: int, n: int) -> None:
    """Append input as another producer would (``src.send`` in this process would go through
    the worker's own output buffer, which exactly-once holds while a commit is in flight)."""
    records = [(src.key_codec.dumps(f"k{i % 3}"), src.value_codec.dumps({"k": f"k{i % 3}", "i": i}),
                1_000 + i, ()) for i in range(first, first + n)]
    broker_for("memory://").append(src.name, 0, records, 1_000 + first)


class RecordingStore:
    """A store that records the changelog offset of every batch written to it."""

    def __init__(self, store: Any) -> None:
        self.store, self.offsets = store, []

    def write(self, batch: Any, changelog_offset: int | None) -> None:
        self.offsets.append(changelog_offset)
        self.store.write(batch, changelog_offset)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def truth(n: int) -> dict[str, int]:
    return dict(collections.Counter(f"k{i % 3}" for i in range(n)))


def stored_counts(worker: Any) -> dict[str, int]:
    table = worker.app.tables["counts"]
    return {k: v for k, v in table.items()}


async def test_processing_goes_on_while_a_commit_waits_for_its_offset_commit() -> None:
    app, src, seen = counting_app()
    async with running(app) as worker:
        gate = Gate()
        worker.consumer.commit = gate.wrap(worker.consumer.commit)  # type: ignore[union-attr]
        await send(src, 0, 10)
        await wait_until(lambda: gate.waiting, what="a commit waiting for its offset commit")
        before = seen["n"]
        await send(src, 10, 10)
        # With a stop-the-world commit this never happens: the worker's lock is held.
        await wait_until(lambda: seen["n"] == 20, what="the records after the freeze processed")
        assert before < 20
        part = worker.tables.active[("counts", 0)]
        assert part.txn.frozen, "the commit's writes are still waiting for their store write"
        assert part.store.changelog_offset() is None or part.txn.dirty
        gate.opened.set()
        ends = {TP("src", 0): 20}
        await wait_until(lambda: broker_for("memory://").groups["inflight"].committed == ends,
                         what="everything committed")
        await wait_until(lambda: not part.txn.frozen and not part.txn.dirty, what="stores written")
        assert stored_counts(worker) == truth(20)
    got = collections.Counter(v["i"] for *_, v in memory_log(app, "out"))
    assert got == collections.Counter(range(20))


async def test_a_frozen_layer_is_written_with_the_offset_its_own_changelog_records_reached() -> None:
    app, src, seen = counting_app()
    async with running(app) as worker:
        gate = Gate()
        worker.consumer.commit = gate.wrap(worker.consumer.commit)  # type: ignore[union-attr]
        await send(src, 0, 6)
        await wait_until(lambda: gate.waiting, what="a commit in flight")
        changelog = broker_for("memory://").topics["inflight-counts-changelog"][0]
        frozen_end = len(changelog) - 1  # the commit's own records: all flushed at its begin
        await send(src, 6, 6)
        await wait_until(lambda: seen["n"] == 12, what="later records processed")
        part = worker.tables.active[("counts", 0)]
        recording = part.txn._store = RecordingStore(part.store)
        written = recording.offsets
        gate.opened.set()
        await wait_until(lambda: written, what="the frozen layer written")
        # Not the offset a later record reached (none can be produced meanwhile).
        assert written[0] == frozen_end


async def test_exactly_once_holds_what_is_produced_meanwhile_for_the_next_transaction() -> None:
    app, src, seen = counting_app("exactly_once")
    async with running(app) as worker:
        gate = Gate()
        producer = worker.producer
        producer.before_end = gate.wrap(nothing)
        await send(src, 0, 10)
        await wait_until(lambda: gate.waiting, what="a transaction commit in flight")
        sent = len(memory_log(app, "out"))  # in the log, committed or not
        await send(src, 10, 10)
        await wait_until(lambda: seen["n"] == 20, what="the records after the freeze processed")
        # aiokafka has one open transaction: nothing produced since the freeze reached it.
        assert len(memory_log(app, "out")) == sent
        assert worker.output.held and worker.output.pending > 0
        gate.opened.set()
        await wait_until(lambda: broker_for("memory://").groups["inflight"].committed
                         == {TP("src", 0): 20}, what="everything committed")
        assert stored_counts(worker) == truth(20)
    got = collections.Counter(v["i"] for *_, v in memory_log(app, "out"))
    assert got == collections.Counter(range(20))


async def test_exactly_once_processing_waits_once_the_held_output_passes_its_limit() -> None:
    app, src, seen = counting_app("exactly_once", batch_size=2)
    async with running(app) as worker:
        worker.output.hold_limit = 5
        gate = Gate()
        worker.producer.before_end = gate.wrap(nothing)
        await send(src, 0, 3)
        await wait_until(lambda: gate.waiting, what="a transaction commit in flight")
        # The run loop is one task: a wait for the commit while it is still in flight can
        # only be the loop stopping at the held output's limit (it begins commits only when
        # none is in flight). While that wait lasts, the loop processes nothing.
        committer, blocked_at = worker.committer, []
        wait = committer.wait

        async def recording_wait() -> None:
            if committer.running:
                blocked_at.append((seen["n"], worker.output.pending))
            await wait()

        committer.wait = recording_wait  # type: ignore[method-assign]
        await send(src, 3, 30)
        await wait_until(lambda: blocked_at, what="processing waiting for the commit in flight")
        processed, held = blocked_at[0]
        assert 3 < processed < 33, "processing did not wait for the commit"
        assert 5 <= held <= 5 + 2, "the held output passed its limit by more than one batch"
        assert seen["n"] == processed
        gate.opened.set()
        await wait_until(lambda: seen["n"] == 33, what="the rest processed after the commit")


async def test_offsets_refused_in_flight_roll_back_both_layers_and_reprocess(caplog) -> None:
    app, src, seen = counting_app()
    async with running(app) as worker:
        gate = Gate()
        consumer = worker.consumer
        commit = consumer.commit  # type: ignore[union-attr]

        async def refuse(offsets: dict) -> None:
            raise CommitFailed("the group rebalanced (simulated)")

        consumer.commit = gate.wrap(refuse)  # type: ignore[union-attr]
        await send(src, 0, 10)
        await wait_until(lambda: gate.waiting, what="a commit in flight")
        await send(src, 10, 5)
        await wait_until(lambda: seen["n"] == 15, what="later records processed")
        consumer.commit = commit  # type: ignore[union-attr]
        with caplog.at_level(logging.WARNING, logger="streamflow.worker"):
            gate.opened.set()
            await wait_until(lambda: seen["n"] >= 30, what="everything processed again")
            await wait_until(lambda: broker_for("memory://").groups["inflight"].committed
                             == {TP("src", 0): 15}, what="committed after the rollback")
        assert "the group refused the offsets" in caplog.text
        assert "reprocessing from src[0]@0" in caplog.text  # the committed offset
        # Both layers were dropped: each event counted once in the end.
        assert stored_counts(worker) == truth(15)
    got = collections.Counter(v["i"] for *_, v in memory_log(app, "out"))
    assert set(got) == set(range(15))  # at-least-once: the output stays, repeated


async def test_an_aborted_transaction_in_flight_drops_what_was_held_and_reprocesses() -> None:
    app, src, seen = counting_app("exactly_once")
    async with running(app) as worker:
        gate = Gate()
        producer = worker.producer
        commit_transaction = producer.commit_transaction

        async def aborted(offsets: dict, group: Any) -> None:
            producer.commit_transaction = commit_transaction
            await producer.abort_transaction()
            raise TransactionAborted("the group rebalanced (simulated)")

        producer.commit_transaction = gate.wrap(aborted)
        await send(src, 0, 10)
        await wait_until(lambda: gate.waiting, what="a transaction commit in flight")
        await send(src, 10, 5)
        await wait_until(lambda: seen["n"] == 15, what="later records processed")
        gate.opened.set()
        await wait_until(lambda: broker_for("memory://").groups["inflight"].committed
                         == {TP("src", 0): 15}, what="committed after the abort")
        assert worker.aborted_transactions == 1
        assert stored_counts(worker) == truth(15)
    broker = broker_for("memory://")
    committed = [r for r in broker.topics["out"][0] if not r.aborted]
    values = [app.topics["out"].value_codec.loads(r.value) for r in committed]
    assert collections.Counter(v["i"] for v in values) == collections.Counter(range(15))


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_a_failed_send_in_flight_stops_the_worker_and_loses_nothing(guarantee) -> None:
    app, src, _seen = counting_app(guarantee)
    with pytest.raises(RuntimeError, match="broker gone"):
        async with running(app) as worker:
            gate = Gate()
            output = worker.output
            acks = output.acks

            async def failing(inflight: list) -> dict:
                raise RuntimeError("broker gone (simulated)")

            output.acks = gate.wrap(failing)  # type: ignore[method-assign]
            await send(src, 0, 10)
            await wait_until(lambda: gate.waiting, what="a commit in flight")
            output.acks = acks  # type: ignore[method-assign]
            gate.opened.set()
            await wait_until(lambda: worker.stopping, what="the worker stopping")
    assert broker_for("memory://").groups["inflight"].committed.get(TP("src", 0)) in (None, 0)


class FullDisk:
    """A store whose writes fail as on a full disk."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def write(self, batch: Any, changelog_offset: int | None) -> None:
        raise StoreWriteFailed(None, "No space left on device (simulated)")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def test_a_commit_in_flight_failing_as_the_worker_stops_leaves_no_transaction_open() -> None:
    """Its transaction committed, the commit in flight writes the stores while later records
    went into the next transaction; the worker is asked to stop and then the write fails. The
    shutdown must abort that open transaction (on Kafka, readers of committed data would wait
    for it until transaction_timeout_ms), not leave it for someone to fence."""
    app, src, seen = counting_app("exactly_once")
    broker = broker_for("memory://")
    with pytest.raises(Exception, match="No space left"):
        async with running(app) as worker:
            path = worker.committer.path
            completing, gate = path._completing, asyncio.Event()
            at_write = asyncio.Event()

            async def gated(step: str) -> None:
                # (a commit begun before the first record froze nothing: not that one)
                if (step == "write" and not gate.is_set()
                        and any(p.committing for p in worker.tables.active.values())):
                    at_write.set()
                    await gate.wait()
                await completing(step)

            path._completing = gated
            await send(src, 0, 10)
            await wait_until(at_write.is_set, what="a commit in flight, its transaction committed")
            await send(src, 10, 5)
            await wait_until(lambda: seen["n"] == 15 and broker._open_at.get(TP("out", 0)),
                             what="later records produced into the next transaction")
            part = worker.tables.active[("counts", 0)]
            part.txn._store = FullDisk(part.store)
            worker.request_stop()
            gate.set()
    assert not broker._open_at.get(TP("out", 0)), "the shutdown left a transaction open"
    later = [r for r in broker.topics["out"][0]
             if app.topics["out"].value_codec.loads(r.value)["i"] >= 10]
    assert later and all(r.aborted for r in later)
