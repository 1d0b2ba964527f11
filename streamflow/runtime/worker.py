"""The worker: the one run loop (Kafka Streams' ``StreamThread``). Fetch a batch, decode it,
hand it to the agents, wait until they processed it, and every ``commit_interval`` commit.

A commit happens in this order (the spine that tables and exactly-once hang on):

1. quiesce: every agent has processed what it was given (``take`` buffers flushed);
2. state: each participant (table partitions) freezes its per-commit batch (reads still see
   it; later writes go to a new layer) and turns it into changelog records in the output
   buffer;
3. output: flush everything to the broker, and take the sends this commit covers;
4. acknowledgements: wait for those sends (not for later ones);
5. offsets: commit the input offsets of what was processed up to 1;
6. state: write each frozen batch to its store with the changelog offset its records reached.

1-3 run under the worker's lock and are short; 4-6 run in the background while the loop
goes on processing (``runtime.committer``), at most one commit at a time: the next one waits
for it, and what it could not finish (a rollback, an error) is applied by the loop under the
lock before it processes anything else. Final commits (revoke, shutdown) and
:meth:`Worker.commit` run 1-6 to the end.

With exactly-once (``processing_guarantee="exactly_once"``), every record sent up to 3
(agents' output, changelog records) belongs to one Kafka transaction, 5 adds the offsets to
it and commits it, and 6 follows the commit; what is produced after 3 waits in the output
buffer for the next transaction (processing waits for the commit only if that grows past
the buffer's ``hold_limit``). If the transaction aborts (the group rebalanced and refused its
offsets), the state batches are dropped and the partitions rewound to their committed
offsets: the stores only ever hold committed state, so nothing else needs undoing. See
docs/exactly-once.md.

The worker composes the parts and owns the loop and the lifecycle; each part is given the few
functions it needs, never the worker (but the two that report on it, below):

- ``runtime.wiring``: the topics to create and read, agents' channels and the routes to them;
- ``runtime.dispatch``: decoding (``runtime.decoding``), the processing order, hand-off;
- ``runtime.tasks``: rebalances (assigned, restored and ready partitions; standby tasks);
- ``runtime.tables``: the table partitions held and their commit; ``runtime.restore``,
  ``runtime.standbys`` and ``runtime.global_tables`` for the rest of the tables' life;
- ``runtime.committer`` and ``runtime.commits``: the commit; ``runtime.run_state``: stopping;
- ``runtime.web``: the HTTP server, given the settings, the table queries and what /metrics
  and /health answer; ``runtime.metrics`` and ``runtime.health`` hold the worker, to read its
  parts' state when asked (a scrape, a probe), and never call into it.

The module is over 400 lines because the lifecycle (start, shutdown, kill) reaches every part
in an order that matters, and is kept in one place to be read in that order.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..config import Settings
from ..topology import build_topology_async
from ..types import TP
from .clock import Clock, WallClock
from .commits import AtLeastOnceCommit, CommitParticipant, ExactlyOnceCommit, Offsets
from .committer import Committer
from .dead_letters import DeadLetters, dead_letter_topic
from .decoding import Decoder
from .dispatch import Dispatcher
from .failures import AgentFailures
from .global_feed import GlobalFeed
from .global_tables import GlobalTables
from .health import Health
from .identity import worker_id
from .metrics import WorkerMetrics
from .output import OutputBuffer
from .restore import ChangelogRestorer, SharedReader
from .run_state import RunState
from .runners import TaskRunner, TimerRunner
from .standbys import StandbyTables
from .store_failures import StoreRepair, disk_full
from .tables import TableManager
from .tasks import TaskManager
from .transport import transport_for
from .web import TableQueries, WebServer
from .wiring import Wiring
from .worker_context import WorkerServices

if TYPE_CHECKING:
    from ..app import App
    from ..state import StoreWriteFailed
    from ..exceptions import StoreFailed
    from .transport.base import Consumer, RawRecord, Transport

log = logging.getLogger("streamflow.worker")


class Worker:
    """Runs an app against a broker until stopped.

    Over twenty methods, on purpose: ten are read-only properties that tests, the test driver
    and metrics read (``started``, ``failure``, ``ready_partitions``, ``commits``, ...), three
    are the narrow functions the parts are given; the work itself is the lifecycle
    (:meth:`start`, :meth:`shutdown`, :meth:`kill`) and the loop (:meth:`poll_once`,
    :meth:`commit`), and everything else is in the parts (see the module docstring)."""

    def __init__(self, app: "App", transport: "Transport | None" = None,
                 clock: Clock | None = None, *, settings: Settings | None = None,
                 share_app: bool = False) -> None:
        """``settings`` default to the app's; ``share_app`` lets several workers run ``app``
        in this process (the test driver's ``rebalance``), each task reaching its own worker
        through :data:`streamflow.runtime_api.current_worker`."""
        self.app = app
        self.settings = settings = settings or app.settings
        self.shares_app = share_app
        self.transport = transport = transport or transport_for(settings)
        self.clock = clock or WallClock()
        self.output: OutputBuffer = None  # type: ignore[assignment]  # set in start()
        self.consumer: Consumer | None = None
        self.participants: list[CommitParticipant] = []
        self.offsets = Offsets()
        self.exactly_once = settings.processing_guarantee == "exactly_once"
        self.transactional_id: str | None = None
        self._lock = asyncio.Lock()
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._producer: Any = None
        self._started = False
        self.run_state = run = RunState(self._disk_full)
        # The tables: stores per partition (the commit participant), their restore from the
        # changelogs, standby copies and global tables; one changelog reader shared.
        self._changelogs = SharedReader(transport.changelog_reader)
        self.tables = TableManager(list(app.tables.values()), settings, app.id, self._changelogs)
        self.restorer = ChangelogRestorer(self.tables, self._changelogs, self._committed,
                                          settings.auto_offset_reset)
        self.standbys = StandbyTables(self.tables, transport.changelog_reader, run.failed)
        self.global_tables = GlobalTables(self.tables, self._changelogs)
        self.dead_letters: DeadLetters | None = None
        # Operations: counted per batch (runtime.metrics), /health (runtime.health), the HTTP
        # server (runtime.web) when web_port is set.
        self.metrics = WorkerMetrics(self)
        self.health = Health(self)
        self.queries = TableQueries(app, active=lambda: self.tables.active,
                                    standby=lambda: self.standbys.partitions,
                                    ready=lambda: self.tasks.ready,
                                    partition_count=self.partition_count)
        self.web: WebServer | None = None
        self.store_repair = StoreRepair(self.tables, self.restorer, lambda: self.committer.path,
                                        lambda: self.committer.quiesce())
        self.committer = Committer(lambda: self.wiring.runners, run, self.store_repair,
                                   self._disk_full, self.metrics.commit_took)
        self.failures = AgentFailures(settings, lambda: self.dead_letters, run.failed,
                                      run.stop_with, self.store_repair.found,
                                      lambda topic, policy: self.decoder.counted(topic, policy))
        self.wiring = Wiring(app, settings, transport, lambda: self.output, self.failures,
                             run.failed)
        self.decoder = Decoder(app.topics, settings.on_decode_error, lambda: self.dead_letters)
        self.tasks = TaskManager(consumer=lambda: self.consumer, task_of=self._task_of,
                                 tables=self.tables, restorer=self.restorer, standbys=self.standbys,
                                 offsets=self.offsets, order=lambda: self.dispatcher.order,
                                 lock=self._lock, commit_final=self._commit_final,
                                 reseek=lambda: self.dispatcher.reseek_shared(), run=run,
                                 exactly_once=self.exactly_once)
        self.dispatcher = Dispatcher(consumer=lambda: self.consumer, decoder=self.decoder,
                                     tasks=self.tasks, offsets=self.offsets, run=run,
                                     store_repair=self.store_repair, clock=self.clock,
                                     metrics=self.metrics)
        self._background: list[Any] = []  # timers and start-up tasks
        self.context = WorkerServices(app, partition_count=self.partition_count,
                                      tables=self.tables, clock=self.clock,
                                      request_stop_threadsafe=self.request_stop_threadsafe,
                                      shared=share_app)

    def partition_count(self, topic: str) -> int:
        """The partition count of ``topic`` on the broker (declared topics only)."""
        return self.wiring.partition_count(topic)

    # -- lifecycle ---------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Ask the loop to stop after the batch in progress (signal handlers call this)."""
        self.run_state.request_stop()

    def request_stop_threadsafe(self) -> None:
        """``request_stop`` from any thread (``App.stop``): on the worker's own loop directly,
        from elsewhere through ``call_soon_threadsafe``."""
        loop = self._event_loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            self.request_stop()
        else:
            loop.call_soon_threadsafe(self.request_stop)

    async def run(self) -> None:
        """Start, loop until stopped, shut down cleanly. Re-raises what stopped it abnormally."""
        try:
            await self.start()
            await self._loop()
        except BaseException as exc:
            self.run_state.loop_failed(exc)
            raise
        finally:
            await self.shutdown()
        if self.run_state.error is not None:
            raise self.run_state.error

    async def start(self) -> None:
        """Create the topics, start the producer and the agents, open the tables, subscribe."""
        app, settings, wiring = self.app, self.settings, self.wiring
        # What the DSL objects it runs may ask of it; the tasks created from here on reach it.
        self.context.enter()  # "already running in this process" unless shared
        self.run_state.begin()
        self._event_loop = asyncio.get_running_loop()
        if settings.web_port is not None:  # before joining: the group learns its address
            self.web = WebServer(settings, self.queries, self.health, self.metrics.exposition)
            await self.web.start()
        name = dead_letter_topic(app, settings)
        if name is not None:
            self.dead_letters = DeadLetters(name, lambda: self.output, self.partition_count,
                                            self.transport)
        await self.transport.start()
        # The declared topics first: what an agent's top reads (a table's partition count)
        # is known to the discovery. Then what the app is made of, discovered once: the
        # worker runs this topology, whose internal topics (repartition) are created next.
        await wiring.ensure_topics()
        wiring.plan(await build_topology_async(app))
        await wiring.ensure_topics()
        for check in app._start_checks:
            check(self.context)
        if self.exactly_once:
            self.transactional_id = f"{app.id}-{worker_id(settings)}"
        self._producer = self.transport.producer(self.transactional_id)
        await self._producer.start()
        self.output = self.context.output = OutputBuffer(self._producer, self.partition_count)
        # A rollback (an abort, a damaged store) rewinds partitions: what was queued is dropped.
        common = (self.output, self.participants, self.offsets, lambda: self.consumer,
                  self._task_of, self.dispatcher.rewind)
        self.committer.path = (ExactlyOnceCommit(*common, self._producer) if self.exactly_once
                               else AtLeastOnceCommit(*common))
        wiring.check_joins()
        wiring.check_tables(self.tables.tables)
        wiring.start_agents()
        sources = wiring.sources
        self.participants.append(self.tables)
        await self.global_tables.start()
        feed = GlobalFeed(self.transport, self.global_tables, self.tables, self.partition_count,
                          self.decoder.decode)
        feed.add_global_tables(self.global_tables.global_tables)
        by_name = {r.name: r for r in wiring.runners}
        for spec in app._broadcasts:
            feed.add_join(spec, by_name[spec.agent_name].channel)
        await self.dispatcher.start(feed, wiring.routes, self.partition_count,
                                    wiring.regrouped_topics, settings)
        if sources:
            tasks = self.tasks
            self.consumer = self.transport.consumer(app.id, sources, tasks.on_revoked,
                                                    tasks.on_assigned, tasks.holdings,
                                                    tasks.on_standby,
                                                    endpoint=lambda: self.queries.url,
                                                    on_owners=self.queries.on_owners)
            await self.consumer.start()
        self._background = [TimerRunner(timer, self.clock, self.run_state.failed)
                            for timer in app.timers]
        self._background += [TaskRunner(task, self.run_state.failed) for task in app.tasks]
        for runner in self._background:
            runner.start()
        self._started = True
        log.info("worker %s started on %s: %d agent(s) consuming %s; %d timer(s), %d task(s)",
                 app.id, self.transport.describe(), len(wiring.runners),
                 ", ".join(sources) or "nothing", len(app.timers), len(app.tasks))

    async def kill(self) -> None:
        """Stop as a killed process stops (a test hook: the test driver's ``crash``).

        Nothing is committed or flushed: the tables' pending writes are dropped and their
        stores closed as they are (an in-memory store is gone, a RocksDB one keeps what its
        last commit wrote), buffered output is never sent, uncommitted input offsets are
        forgotten and an open transaction stays open until the next producer with this
        worker's transactional id fences it. The worker leaves its group at once, as if its
        session had timed out, without the revoke callback's commit."""
        self.run_state.stop_requested = True
        self._started = False  # the revoke callback commits only while started
        for runner in [*self._background, *self.wiring.runners]:
            await runner.stop()
        await self.committer.abandon()  # a commit in flight stops where it got
        if self.output is not None:
            self.output.discard()
        try:
            if self.consumer is not None:
                await self.consumer.stop()
        finally:
            await self._close_inputs_and_tables()
            if self.web is not None:
                await self.web.stop()
            self.context.leave()
            log.info("worker %s killed: %d events processed, %d commits", self.app.id,
                     self.events_processed, self.commits)

    async def shutdown(self) -> None:
        """Stop timers, drain, flush, commit, leave the group. Safe to call twice."""
        if not self._started and not self.context.attached:
            return
        for runner in self._background:
            await runner.stop()
        run = self.run_state
        try:
            if self._started and self._producer is not None:
                async with self._lock:
                    if run.error is None:
                        # What the commit in flight ended with first: if it stopped the worker
                        # (a full disk), the shutdown fails instead of committing, which, with
                        # exactly-once, aborts the transaction opened after it.
                        try:
                            await self.committer.settle()
                        except Exception as exc:  # noqa: BLE001 - it stops the worker
                            log.error("the commit in flight failed: %s", exc)
                            run.loop_failed(exc)
                    if run.error is None:
                        await self.committer.commit(final=True)
                    else:
                        await self.committer.fail()
        except Exception as exc:  # noqa: BLE001
            log.error("final commit failed: %s", exc)
            if run.error is None:
                run.error = exc
        try:
            if self.consumer is not None:
                await self.consumer.stop()
        finally:
            for agent in self.wiring.runners:
                await agent.stop()
            if self.dead_letters is not None:
                await self.dead_letters.stop()
            await self._close_inputs_and_tables()
            if self._producer is not None:
                try:
                    await self._producer.stop()
                except Exception as exc:  # noqa: BLE001
                    log.error("producer did not stop cleanly: %s", exc)
            await self.transport.stop()
            self._started = False
            if self.web is not None:  # last: it said "stopping" until now
                await self.web.stop()
            self.context.leave()
            log.info("worker %s stopped: %d events processed, %d commits", self.app.id,
                     self.events_processed, self.commits)

    async def _close_inputs_and_tables(self) -> None:
        await self.dispatcher.stop()
        await self.standbys.stop()
        await self.tables.stop()
        await self._changelogs.stop()

    # -- the loop -----------------------------------------------------------------------------
    async def _loop(self) -> None:
        interval = self.settings.commit_interval
        next_commit = time.monotonic() + interval
        consumer, run = self.consumer, self.run_state
        while not run.stop_requested:
            if consumer is None:
                await run.pause(min(interval, 0.2 if self.dispatcher.feed is None else 0.05))
                await self.poll_once(0)
            else:
                wait = next_commit - time.monotonic()
                if wait <= 0 and self.committer.running:
                    wait = 0.01  # a fetch without waiting would spin until it completes
                await self.poll_once(max(0.0, min(wait, 0.2)))
            # Due while the last commit is still in flight: processing goes on, and the next
            # commit begins once that one completed (waiting would stop processing whenever
            # a commit takes longer than the interval).
            if (time.monotonic() >= next_commit and not run.stop_requested
                    and not self.committer.running):
                await self.begin_commit()
                next_commit = time.monotonic() + interval

    async def poll_once(self, timeout: float) -> int:
        """Fetch once (waiting up to ``timeout`` s), process what may be processed, flush the
        output. Returns how many records were fetched, or if none, processed (0: nothing
        happened). The run loop and the test driver use it."""
        tasks, dispatcher = self.tasks, self.dispatcher
        self.health.polled()
        await tasks.restore_pending()
        records: Mapping[TP, Sequence[RawRecord]] = {}
        if self.consumer is not None:
            records = await self.consumer.getmany(dispatcher.fetch_timeout(timeout),
                                                  self.settings.batch_size)
            if tasks.pending:
                await tasks.restore_pending()  # assigned during this fetch (memory://)
        if self.run_state.stop_requested:
            return 0  # fetched but not processed, so not committed: they come again
        committer, output = self.committer, self.output
        if output.held and output.pending >= output.hold_limit:
            # Exactly-once: what was produced since the commit in flight froze waits for its
            # transaction; past hold_limit records, processing waits too (bounded memory).
            await committer.wait()
        async with self._lock:
            await committer.apply_done()  # what the commit in flight could not finish
            if self.stopping:  # a full disk found by it
                return 0
            fetched = sum(len(r) for r in records.values())
            processed = await dispatcher.process(records)
            if self.store_repair.pending:
                await committer.settle()  # no repair while a commit is in flight
                if self.store_repair.pending:
                    await self.store_repair.repair()
            await output.flush()
        return fetched + dispatcher.shared_fetched or processed

    async def commit(self) -> None:
        """Commit now, to the end, after the commit in flight (see the module docstring for
        what a commit does); the test driver and tests call it."""
        await self.committer.wait()  # outside the lock: the loop may hold it meanwhile
        async with self._lock:
            if not self.run_state.stop_requested:
                await self.committer.commit()

    async def begin_commit(self) -> None:
        """Start a commit whose acknowledgements, offsets and store writes complete in the
        background while processing goes on (the run loop's commit), after the one in
        flight; how long processing stops is the first half only."""
        await self.committer.wait()  # outside the lock: the loop may hold it meanwhile
        async with self._lock:
            if not self.run_state.stop_requested:
                await self.committer.begin()

    async def _commit_final(self) -> None:
        """The commit before partitions are revoked (the caller holds the lock)."""
        if self._started and self.run_state.error is None:
            await self.committer.commit(final=True)

    # -- narrow functions the parts are given ----------------------------------------------------
    async def _committed(self, tp: TP) -> int | None:
        """The app's committed offset of ``tp`` (None: none, or no consumer yet)."""
        return await self.consumer.committed(tp) if self.consumer is not None else None

    def _task_of(self, tp: TP) -> tuple[int, int]:
        return self.partition_count(tp.topic), tp.partition

    def _disk_full(self, full: "StoreWriteFailed") -> "StoreFailed":
        """The one-line error a full disk under any store held (standbys too) stops with."""
        return disk_full(full, {**self.standbys.partitions, **self.tables.active})

    # -- what tests (and the test driver) may look at ------------------------------------------
    @property
    def started(self) -> bool:
        """Started and not shut down (or killed) since."""
        return self._started

    @property
    def failure(self) -> BaseException | None:
        """What stopped the worker abnormally (an agent's error, an undecodable record, a
        failed restore), or None; ``run`` re-raises it."""
        return self.run_state.error

    @property
    def ready_partitions(self) -> set[TP]:
        """Assigned partitions whose state is restored: their records are being processed."""
        return set(self.tasks.ready)

    @property
    def stopping(self) -> bool:
        """Told to stop (a signal, ``app.stop()``, a failure): finishing up."""
        return self.run_state.stop_requested

    @property
    def standby_tasks(self) -> set[tuple[int, int]]:
        """Tasks (partition count, partition) the group gave this worker as warm standbys."""
        return set(self.tasks.standby)

    @property
    def producer(self) -> Any:
        """The producer everything this worker sends goes through (transactional with
        exactly-once); None before ``start``."""
        return self._producer

    @property
    def events_processed(self) -> int:
        """Records processed since the worker started."""
        return self.dispatcher.events_processed

    @property
    def decode_errors_skipped(self) -> int:
        """Records that did not decode, skipped (``on_decode_error=skip``)."""
        return self.decoder.skipped

    @property
    def dead_lettered(self) -> int:
        """Records that did not decode, sent to the dead-letter topic."""
        return self.decoder.dead_lettered

    @property
    def commits(self) -> int:
        """Offset commits (transactions, with exactly-once) that moved some input offset."""
        return self.committer.commits

    @property
    def aborted_transactions(self) -> int:
        """Exactly-once: transactions aborted (the group rebalanced, a coordinator error)."""
        return self.committer.aborted


__all__ = ["Worker", "CommitParticipant", "worker_id"]
