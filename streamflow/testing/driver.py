"""The test driver: an app's agents, tables and timers in-process, on virtual time.

``async with TestDriver(app) as driver:`` runs the app on a private ``memory://`` broker with
a :class:`~streamflow.runtime.clock.VirtualClock`. ``send`` appends a record and processes
everything it causes before returning; ``advance`` moves virtual time, firing timers in order;
``outputs`` lists what was produced, in production order. Nothing sleeps for real and nothing
reads the wall clock, so the same inputs always give the same outputs in the same order.

Chunks of ``stream.take(n, within)`` are cut at ``n`` and whenever the driver is idle (after
each ``send``/``advance``), not by real time.

Failures as a deployment meets them, deterministically: ``crash`` (and ``crash_at`` a number of
records or a commit phase) kills a worker, losing everything not committed, and restarts it
from its stores and changelogs; ``rebalance(workers=N)`` runs the app on N workers of one
consumer group, which move tasks, state and standby replicas as on Kafka; with exactly-once,
``outputs`` shows what a ``read_committed`` consumer reads.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..app import App
from ..runtime_api import current_worker
from ..durations import Duration, seconds as to_seconds
from ..exceptions import StreamflowError
from ..partitioner import partition_for
from ..runtime.clock import VirtualClock
from ..runtime.transport.memory import MemoryRecord, MemoryTransport, broker_for
from ..runtime.worker import Worker
from ..types import TP
from .crashes import CrashPoint, SimulatedCrash
from .output_record import OutputRecord

_ids = itertools.count()


@dataclass
class _Armed:
    """A crash waiting to happen to ``self.workers[worker]``."""

    worker: int
    after_records: int | None = None
    processed_at_arming: int = 0
    point: CrashPoint | None = None


class TestDriver:
    """Run ``app`` deterministically; see the module docstring.

    ``partitions`` is the partition count of the topics the driver creates (the app's
    ``topic_partitions`` for this run; topics declared with ``partitions=`` keep theirs).
    ``processing_guarantee`` overrides the app's ("at_least_once" or "exactly_once").
    ``commit_every_step`` commits after every ``send``/``advance``/``run`` (else only on
    :meth:`commit`, on a rebalance and at :meth:`stop`).

    Over twenty methods, on purpose: this is the public test API users write their tests
    against, one method per thing a test does (send, advance, crash, rebalance, read outputs
    and tables), documented as one object in the README. The engine behind it is small
    (:meth:`_until_idle`, :meth:`_poll_round`, :meth:`_call`); the workers it drives are
    ordinary :class:`~streamflow.runtime.worker.Worker` objects on a ``memory://`` broker,
    and crash points are :mod:`.crashes`'."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: App, *, start_time: float = 0.0, store: str = "memory",
                 data_dir: str | None = None, commit_every_step: bool = True,
                 partitions: int | None = None, processing_guarantee: str | None = None) -> None:
        self.app = app
        self.clock = VirtualClock(start_time)
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="streamflow-driver-")
        overrides: dict[str, Any] = {"broker": f"memory://test-driver-{next(_ids)}", "store": store,
                                     "data_dir": data_dir or self._tmp.name}  # type: ignore[union-attr]
        if partitions is not None:
            overrides["topic_partitions"] = partitions
        if processing_guarantee is not None:
            overrides["processing_guarantee"] = processing_guarantee
        self.app.configure(**overrides)
        self.broker = broker_for(self.app.settings.broker)
        self.commit_every_step = commit_every_step
        self.crashes = 0
        self._slots = [0]  # per worker: which disk (data dir) it runs on
        self.workers: list[Worker] = [self._new_worker(0)]
        self._started = False
        self._armed: _Armed | None = None
        self._input_seqs: set[int] = set()  # records the driver appended (not outputs)

    @property
    def worker(self) -> Worker:
        """The first worker (the only one unless :meth:`rebalance` added more)."""
        return self.workers[0]

    @property
    def exactly_once(self) -> bool:
        return self.app.settings.processing_guarantee == "exactly_once"

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> "TestDriver":
        for worker in self.workers:
            with self._on(worker):
                await worker.start()
        self._started = True
        await self._until_idle()
        return self

    async def stop(self) -> None:
        self._disarm()
        if self._started:
            self._started = False
            for worker in reversed(self.workers):
                await self._stop_worker(worker)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._raise_failure()

    async def __aenter__(self) -> "TestDriver":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _data_dir(self, slot: int) -> Path:
        root = Path(self.app.settings.data_dir)
        return root if slot == 0 else root / f"worker-{slot}"

    def _new_worker(self, slot: int) -> Worker:
        """A worker on disk ``slot`` (as a process on its own machine; slot 0 is the data
        dir itself). Several share the app: each task reaches its own (``current_worker``)."""
        settings = dataclasses.replace(self.app.settings, data_dir=str(self._data_dir(slot)))
        worker = Worker(self.app, MemoryTransport(settings, now_ms=self.clock.now_ms), self.clock,
                        settings=settings, share_app=True)
        return worker

    @contextlib.contextmanager
    def _on(self, worker: Worker) -> Iterator[None]:
        """Call into ``worker``: what it runs (and the tasks it starts) reach it, not another
        worker of the app (see :mod:`streamflow.runtime_api`)."""
        token = current_worker.set(worker.context)
        try:
            yield
        finally:
            current_worker.reset(token)

    async def _stop_worker(self, worker: Worker) -> None:
        with self._on(worker):
            worker.request_stop()
            await worker.shutdown()

    # -- failures --------------------------------------------------------------------------------
    async def crash(self, worker: int = 0) -> None:
        """Kill worker ``worker`` as a killed process dies, restart it and process what is left.

        Lost: everything not committed (the tables' pending writes, buffered output, input
        offsets since the last commit; an in-memory store entirely, a RocksDB store keeps what
        its last commit wrote). The restarted worker restores its tables from their stores and
        changelogs and goes on from the committed offsets. At-least-once, what was produced
        stays and the input since the last commit is processed again; exactly-once, the open
        transaction is aborted when the restart fences it, so committed output is unchanged.
        With ``commit_every_step`` (the default) every step ends with a commit: to lose work,
        turn it off or use :meth:`crash_at`."""
        await self._crash(worker)
        await self._until_idle()

    def crash_at(self, *, after_records: int | None = None, phase: str | None = None,
                 worker: int = 0) -> None:
        """Arm one crash of worker ``worker`` (see :meth:`crash`), which happens during the
        next calls that process input, followed by its restart; those calls return once all
        is processed again.

        ``after_records=k``: once the worker processed at least ``k`` more records (at the
        end of the fetch that reaches ``k``: fetches hold up to the app's ``batch_size``).
        ``phase``: inside its next commit, at a named point (see :mod:`.crashes`):
        ``before_flush``; at-least-once ``after_flush``; both ``after_offsets``; and the
        in-flight ``after_freeze`` and ``after_offsets_in_flight``, where the commit goes on
        in the background while the worker processes later records, as the run loop's does."""
        if (after_records is None) == (phase is None):
            raise StreamflowError("crash_at: give after_records= or phase=")
        if not 0 <= worker < len(self.workers):
            raise StreamflowError(f"crash_at: no worker {worker} (there are {len(self.workers)})")
        self._disarm()
        target = self.workers[worker]
        if phase is not None:
            point = CrashPoint(phase, self.app.settings.processing_guarantee)
            if point.first:
                target.participants.insert(0, point)
            else:
                target.participants.append(point)
            self._armed = _Armed(worker, point=point)
        else:
            self._armed = _Armed(worker, after_records=after_records,
                                 processed_at_arming=target.events_processed)

    @property
    def crash_pending(self) -> bool:
        """A crash armed by :meth:`crash_at` has not happened yet."""
        return self._armed is not None

    def cancel_crash(self) -> None:
        """Forget the crash armed by :meth:`crash_at` if it has not happened."""
        self._disarm()

    def _disarm(self) -> None:
        armed, self._armed = self._armed, None
        if armed is not None and armed.point is not None:
            armed.point.cancel()  # a commit waiting at it goes on
            participants = self.workers[armed.worker].participants
            if armed.point in participants:
                participants.remove(armed.point)

    def _in_flight_point(self, index: int) -> CrashPoint | None:
        """The in-flight crash point armed on worker ``index``, if any."""
        armed = self._armed
        if armed is None or armed.worker != index or armed.point is None:
            return None
        return armed.point if armed.point.in_flight else None

    async def _crash(self, index: int) -> None:
        old = self.workers[index]
        if self._armed is not None and self._armed.worker == index:
            self._disarm()
        with self._on(old):
            await old.kill()
        self.crashes += 1
        new = self.workers[index] = self._new_worker(self._slots[index])
        with self._on(new):
            await new.start()

    async def restart(self, *, lose_disk: bool = False) -> None:
        """Stop every worker cleanly (everything is committed) and start them again, as after
        a deployment; with ``lose_disk`` their data dirs are emptied first, so the tables are
        rebuilt from their changelogs alone."""
        self._disarm()
        for worker in reversed(self.workers):
            await self._stop_worker(worker)
        if lose_disk:
            for slot in self._slots:
                shutil.rmtree(self._data_dir(slot) / self.app.id, ignore_errors=True)
        self.workers = [self._new_worker(slot) for slot in self._slots]
        for worker in self.workers:
            with self._on(worker):
                await worker.start()
        await self._until_idle()

    async def rebalance(self, workers: int) -> None:
        """Run the app on ``workers`` workers of its consumer group from now on (each on its
        own disk, as on its own machine), then process what is left.

        Workers leave cleanly (the last ones first: commit, hand over their tasks) or join
        (the lowest free disk first, so a worker that left comes back to its state). The group
        assigns as on Kafka: tasks balanced, kept where their state is, standby replicas with
        ``table_standby_replicas``; each task's state moves by its changelog. Timers run on
        every worker, as in a deployment."""
        if workers < 1:
            raise StreamflowError("rebalance: at least one worker")
        armed = self._armed
        if armed is not None and armed.point is not None and armed.point.waiting:
            # A revoke commits after the commit in flight: an in-flight crash fires first.
            await self._call(armed.worker, "commit")
        while len(self.workers) > workers:
            if self._armed is not None and self._armed.worker == len(self.workers) - 1:
                self._disarm()
            await self._stop_worker(self.workers.pop())
            self._slots.pop()
        while len(self.workers) < workers:
            slot = min(set(range(workers + len(self._slots))) - set(self._slots))
            worker = self._new_worker(slot)
            self.workers.append(worker)
            self._slots.append(slot)
            with self._on(worker):
                await worker.start()
        await self._until_idle()

    # -- input -----------------------------------------------------------------------------------
    async def send(self, topic: str, key: Any = None, value: Any = None, *,
                   timestamp: int | None = None, headers: Sequence[tuple[str, bytes]] | None = None,
                   partition: int | None = None) -> None:
        """Append one record (encoded with the topic's codecs) and process all it causes.
        ``timestamp`` is in milliseconds and defaults to the virtual clock."""
        self._append(topic, key, value, timestamp, headers, partition)
        await self._until_idle()

    async def send_many(self, records: Iterable[tuple[str, Any, Any, int | None]]) -> None:
        """Append ``(topic, key, value, timestamp_ms)`` records, then process them all."""
        for topic, key, value, ts in records:
            self._append(topic, key, value, ts, None, None)
        await self._until_idle()

    def append_raw(self, topic: str, partition: int, key: bytes | None, value: bytes | None,
                   timestamp: int, headers: Sequence[tuple[str, bytes]] = ()) -> None:
        """Append already-encoded bytes (replay of a recording). Call ``run()`` afterwards."""
        t = self._topic(topic)
        if partition >= self.worker.partition_count(t.name):
            raise StreamflowError(f"{topic} has {self.worker.partition_count(t.name)} partitions in "
                                  f"this app; the recording has partition {partition}")
        self.broker.append(t.name, partition, [(key, value, timestamp, tuple(headers))], timestamp)
        self._input_seqs.add(self.broker.topics[t.name][partition][-1].seq)

    async def run(self) -> None:
        """Process everything appended so far."""
        await self._until_idle()

    async def commit(self) -> None:
        """Commit every worker now (what ``commit_every_step`` does after each step); when an
        armed crash fires in there, commit again what the restart processed."""
        while True:
            crashes = self.crashes
            for index in range(len(self.workers)):
                await self._call(index, "commit")
            await self._until_idle()
            if self.crashes == crashes:
                return

    def _topic(self, name: str) -> Any:
        try:
            return self.app.topics[name]
        except KeyError:
            raise StreamflowError(f"app {self.app.id} declares no topic {name!r} (it has: "
                                  f"{', '.join(sorted(self.app.topics))})") from None

    def _append(self, topic: str, key: Any, value: Any, timestamp: int | None,
                headers: Sequence[tuple[str, bytes]] | None, partition: int | None) -> None:
        t = self._topic(topic)
        raw_key, raw_value = t.encode_key(key), t.encode_value(value)
        n = self.worker.partition_count(t.name)
        if partition is None:
            partition = 0 if raw_key is None else partition_for(raw_key, n)
        ts = self.clock.now_ms() if timestamp is None else int(timestamp)
        self.broker.append(t.name, partition, [(raw_key, raw_value, ts, tuple(headers or ()))], ts)
        self._input_seqs.add(self.broker.topics[t.name][partition][-1].seq)

    # -- time ------------------------------------------------------------------------------------
    async def advance(self, seconds: Duration) -> None:
        """Move virtual time forward (seconds or a timedelta), running due timers in order,
        processing what they cause.

        Windowed tables' stream time moves to the new virtual time too (never backwards), so
        windows whose end + grace it passes are emitted in final mode, as if a record with that
        timestamp had arrived; without ``advance``, as in Kafka Streams, only records move it.
        Stream time is kept per table partition (per task), as in Kafka Streams: a record of
        one partition never closes another partition's windows."""
        await self.clock.advance(to_seconds(seconds, "advance"), self._until_idle)
        for worker in self.workers:
            with self._on(worker):
                worker.tables.advance_windows(self.clock.now_ms())
        await self._until_idle()

    async def flush_windows(self) -> None:
        """The end of a bounded input: emit every window not emitted yet (final mode) and
        every stream-stream left/outer join record still waiting for a partner, unmatched.
        Stream time does not move; a record sent afterwards is processed as usual."""
        for worker in self.workers:
            with self._on(worker):
                worker.tables.flush_windows()
        await self._until_idle()

    # -- results ---------------------------------------------------------------------------------
    def outputs(self, topic: str) -> list[OutputRecord]:
        """Every record of ``topic`` in the order it was produced, decoded. Exactly-once: what
        a ``read_committed`` consumer reads (committed transactions only); at-least-once:
        everything written, duplicates included."""
        t = self._topic(topic)
        return [OutputRecord(t.name, None if r.key is None else t.key_codec.loads(r.key),
                             None if r.value is None else t.value_codec.loads(r.value),
                             r.timestamp, tuple(r.headers), r.partition, r.offset)
                for r in self._visible(t.name)]

    def _visible(self, topic: str) -> list[MemoryRecord]:
        records: list[MemoryRecord] = []
        for p, log in enumerate(self.broker.topics.get(topic, [])):
            records += self.broker.readable(TP(topic, p), 0, len(log))[0]
        return sorted(records, key=lambda r: r.seq)

    def produced(self) -> list[OutputRecord]:
        """Everything the app produced (not what the driver sent) on its non-internal topics,
        by topic, partition and offset: the order that is the same live and in replay."""
        out = []
        for name, t in sorted(self.app.topics.items()):
            if t.internal:
                continue
            seqs = [r.seq for r in self._visible(name)]
            out += [o for o, seq in zip(self.outputs(name), seqs, strict=True) if seq not in self._input_seqs]
        return sorted(out, key=lambda o: (o.topic, o.partition, o.offset))

    def table(self, name: str) -> dict[Any, Any]:
        """The current contents of table ``name`` over all workers (pending writes included)."""
        try:
            table = self.app.tables[name]
        except KeyError:
            raise StreamflowError(f"app {self.app.id} has no table {name!r}") from None
        contents: dict[Any, Any] = {}
        for worker in self.workers:
            with self._on(worker):
                contents.update(table.items())
        return contents

    # -- the engine ------------------------------------------------------------------------------
    async def _until_idle(self, max_rounds: int = 100_000) -> None:
        """Poll every worker, in order, until two rounds in a row fetch nothing (a round may
        only hand partitions over and restore them) and every task is parked; with
        ``commit_every_step``, commit between those two rounds."""
        empty = 0
        for _ in range(max_rounds):
            await self._settle()
            self._raise_failure()
            if await self._poll_round():
                empty = 0
                continue
            empty += 1
            if empty == 2:
                self._raise_failure()
                return
            if self.commit_every_step:
                for index in range(len(self.workers)):
                    if await self._call(index, "step") is None:
                        empty = 0  # crashed in the commit: the restart has work to do
        raise StreamflowError("the app did not become idle (an agent feeding itself?)")

    async def _poll_round(self) -> int:
        """Poll each worker once; how many records they fetched (a crash counts as work)."""
        fetched = 0
        for index in range(len(self.workers)):
            worker = self.workers[index]
            # A worker without a consumer still reads its global tables (timers may look them up).
            n = await self._call(index, "poll")
            if n is None:
                fetched += 1  # crashed and restarted
                continue
            fetched += n
            point = self._in_flight_point(index)
            if n and point is not None and point.waiting:  # later records processed: crash
                await self._call(index, "commit")
                fetched += 1
                continue
            armed = self._armed
            if (armed is not None and armed.worker == index and armed.after_records is not None
                    and worker.events_processed - armed.processed_at_arming >= armed.after_records):
                await self._crash(index)
                fetched += 1
        return fetched

    async def _call(self, index: int, what: str) -> int | None:
        """Poll, commit or flush worker ``index``; a crash armed at a commit phase fires in
        there, and the worker is killed and restarted (None is returned). ``step`` is the
        commit after a step: with an in-flight crash point armed and not reached yet, it
        begins the commit in the background (see :mod:`.crashes`)."""
        worker = self.workers[index]
        point = self._in_flight_point(index)
        try:
            with self._on(worker):
                if what == "poll":
                    return await worker.poll_once(0)
                if what == "step" and point is not None and not point.begun:
                    point.begun = True
                    await worker.begin_commit()
                elif what in ("step", "commit"):
                    if point is not None:
                        point.release()  # a commit in flight waiting at it crashes now
                    await worker.commit()
                else:
                    await worker.output.flush()
                return 0
        except SimulatedCrash:
            await self._crash(index)
            return None

    async def _settle(self) -> None:
        """Let every runnable task run until it waits on input or on the virtual clock."""
        for _ in range(20):
            await asyncio.sleep(0)

    def _raise_failure(self) -> None:
        for worker in self.workers:
            if worker.failure is not None:
                raise worker.failure
