"""The worker: the one run loop. Fetch a batch, decode it, hand it to the agents, wait until
they processed it, and every ``commit_interval`` commit.

The worker decides when to commit and owns step 1; ``runtime.commits`` does the rest, in this
order (the spine that tables and exactly-once hang on):

1. quiesce: every agent has processed what it was given (``take`` buffers flushed);
2. state: each participant (table partitions) turns its per-commit batch into changelog
   records in the output buffer;
3. output: flush everything to the broker and wait for its acknowledgements;
4. state: write each store's batch together with the changelog offset it reached;
5. offsets: commit the input offsets of what was processed.

With exactly-once (``processing_guarantee="exactly_once"``), every record sent between two
commits (agents' output, changelog records) belongs to one Kafka transaction, 5 adds the
offsets to it and commits it, and 4 follows the commit. If the transaction aborts (the group
rebalanced and refused its offsets), the state batches are dropped and the partitions
rewound to their committed offsets: the stores only ever hold committed state, so nothing
else needs undoing. Readers of the output topics and of the changelogs read committed data
only. See docs/exactly-once.md.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import socket
import time
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..context import WorkerOfTask
from ..exceptions import AgentError, ConfigError, CopartitioningError, DecodeError
from ..state import StoreCorrupted, StoreWriteFailed
from ..streams import FLUSH
from ..topology.discovery import repartition_topic
from ..types import TP, Event
from .clock import WallClock
from .channel import Channel
from .global_feed import GlobalFeed, timestamp_at
from .ordering import Delivery, InputOrder
from .output import OutputBuffer
from .repartition import forward
from .runners import AgentRunner, TaskRunner, TimerRunner
from .global_tables import GlobalTables
from .restore import ChangelogRestorer, SharedReader
from .standbys import StandbyTables
from .tables import TableManager, check_copartitioning
from .transport import transport_for
from .commits import AtLeastOnceCommit, CommitParticipant, ExactlyOnceCommit, Failure, Offsets
from .failures import AgentFailures, DeadLetters, KeyFunctionFailed, find_cause
from .store_failures import StoreRepair, disk_full
from .transport.base import Consumer, RawRecord, TopicSpec, Transport

if TYPE_CHECKING:
    from ..app import App
    from ..topics import Topic

log = logging.getLogger("streamflow.worker")


class Worker:
    """Runs an app against a broker until stopped."""

    def __init__(self, app: "App", transport: Transport | None = None,
                 clock: WallClock | None = None, *, settings: Settings | None = None,
                 share_app: bool = False) -> None:
        """``settings`` default to the app's; ``share_app`` lets several workers run ``app``
        in this process (the test driver's ``rebalance``), each task reaching its own worker
        through :data:`streamflow.context.current_worker`."""
        self.app = app
        self.settings = settings or app.settings
        self.shares_app = share_app
        self.transport = transport or transport_for(self.settings)
        self.clock = clock or WallClock()
        self.output: OutputBuffer = None  # type: ignore[assignment]  # set in start()
        self.consumer: Consumer | None = None
        self.participants: list[CommitParticipant] = []
        # The tables: stores per partition (the commit participant), their restore from the
        # changelogs, standby copies and global tables; one changelog reader shared.
        self._changelogs = SharedReader(self.transport.changelog_reader)
        self.tables = TableManager(list(app.tables.values()), self.settings, app.id, self._changelogs)
        self.restorer = ChangelogRestorer(self.tables, self._changelogs, self._committed,
                                          self.settings.auto_offset_reset)
        self.standbys = StandbyTables(self.tables, self.transport.changelog_reader, self._on_failure)
        self.global_tables = GlobalTables(self.tables, self._changelogs)
        self._partitions: dict[str, int] = {}
        self._runners: list[AgentRunner] = []
        self._by_topic: dict[str, list[Channel]] = {}
        self._background: list[Any] = []
        self._pending_topics: list[Any] = []
        self._join_errors: list[CopartitioningError] = []
        self.offsets = Offsets()
        self._ready: set[TP] = set()  # assigned and restored: its records may be processed
        self._standby_tasks: set[tuple[int, int]] = set()
        self._to_restore: set[TP] = set()
        self._logged_held: set[TP] = set()  # waiting for an open transaction (logged once)
        self._restoring: set[TP] = set()  # being restored now; a revoke takes them out
        self._feed: GlobalFeed | None = None   # global tables' and FK right sides' topics
        self._order: InputOrder | None = None  # the processing order of what was fetched
        self._shared_fetched = 0
        self._regrouped: set[Any] = set()  # channels whose events an agent re-keys (group_by)
        self._assigned_once = False  # the group gave this worker its tasks (maybe none)
        self.exactly_once = self.settings.processing_guarantee == "exactly_once"
        self.transactional_id: str | None = None
        self._lock = asyncio.Lock()
        self._stop_requested = False
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._stopped = asyncio.Event()
        self._fatal: BaseException | None = None
        self._failure = Failure.PARTIAL  # what the fatal error, once set, left behind
        self._fatal_event: asyncio.Event | None = None
        self._producer = None
        self._started = False
        self.events_processed = 0
        self.decode_errors_skipped = 0
        self.dead_lettered = 0
        self._dead_letters: str | None = None
        self.dead_letters: DeadLetters | None = None
        self.store_repair = StoreRepair(self.tables, self.restorer, lambda: self._commit_path,
                                        self._quiesce)
        self.failures = AgentFailures(self.settings, lambda: self.dead_letters, self._on_failure,
                                      self._stop_with, self.store_repair.found)
        self._commit_path: AtLeastOnceCommit | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def partition_count(self, topic: str) -> int:
        try:
            return self._partitions[topic]
        except KeyError:
            raise ConfigError(f"unknown topic {topic!r}: declare it with app.topic({topic!r})") from None

    def request_stop(self) -> None:
        """Ask the loop to stop after the batch in progress (signal handlers call this)."""
        self._stop_requested = True
        self._restoring.clear()
        self.restorer.interrupt(None, "worker stopping")
        if self._fatal_event is not None:
            self._fatal_event.set()

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
            # The loop itself failed (a send, a commit, the broker, a cancel mid-batch): what
            # it was doing is unknown, so the shutdown commits nothing more.
            if self._fatal is None:
                self._fatal, self._failure = exc, Failure.BROKEN
            raise
        finally:
            await self.shutdown()
        if self._fatal is not None:
            raise self._fatal

    async def start(self) -> None:
        app = self.app
        WorkerOfTask.attach(app, self)  # "already running in this process" unless shared
        self._fatal_event = asyncio.Event()
        self._event_loop = asyncio.get_running_loop()
        self._dead_letters = self._dead_letter_topic()
        if self._dead_letters is not None:
            self.dead_letters = DeadLetters(self._dead_letters, lambda: self.output,
                                            self.partition_count, self.transport)
        await self.transport.start()
        await self._ensure_topics()
        for check in app._start_checks:
            check(self)
        if self.exactly_once:
            self.transactional_id = f"{app.id}-{self._worker_id()}"
        self._producer = self.transport.producer(self.transactional_id)
        await self._producer.start()
        self.output = OutputBuffer(self._producer, self.partition_count)
        consumer = lambda: self.consumer  # noqa: E731 - created later, when agents are wired
        task_of = lambda tp: (self.partition_count(tp.topic), tp.partition)  # noqa: E731
        if self.exactly_once:
            self._commit_path = ExactlyOnceCommit(self.output, self.participants, self.offsets,
                                                  consumer, task_of, self._on_rewind,
                                                  self._producer)
        else:
            # A rollback (a damaged store) rewinds partitions too: what was queued is dropped.
            self._commit_path = AtLeastOnceCommit(self.output, self.participants, self.offsets,
                                                  consumer, task_of, self._on_rewind)
        for spec in app.agents:
            runner = AgentRunner(spec, self._on_failure, lambda: self.output, self.failures)
            runner.channel._repartitioner = self._repartitioner(runner)
            consumed = list(spec.topic_names)  # merge() adds to it
            runner.channel.join_checker = self._join_checker(consumed)
            runner.channel._subscriber = self._subscriber(runner, consumed)
            self._runners.append(runner)
            for topic in spec.topic_names:
                self._by_topic.setdefault(topic, []).append(runner.channel)
            runner.start()
        await self._wait_agents_parked()
        if self._join_errors:
            raise self._join_errors[0]
        await self._ensure_topics()  # repartition topics declared by group_by
        sources = sorted(self._by_topic)
        check_copartitioning(self.tables.tables, {t: self.partition_count(t) for t in sources})
        self.participants.append(self.tables)
        await self.global_tables.start()
        await self._start_feed(sources)
        if sources:
            self.consumer = self.transport.consumer(app.id, sources, self._on_revoked,
                                                    self._on_assigned, self._holdings,
                                                    self._on_standby)
            await self.consumer.start()
        for timer in app.timers:
            self._background.append(TimerRunner(timer, self.clock, self._on_failure))
        for task in app.tasks:
            self._background.append(TaskRunner(task, self._on_failure))
        for runner in self._background:
            runner.start()
        self._started = True
        log.info("worker %s started on %s: %d agent(s) consuming %s; %d timer(s), %d task(s)",
                 app.id, self.transport.describe(), len(self._runners), ", ".join(sources) or "nothing",
                 len(app.timers), len(app.tasks))

    # -- what tests (and the test driver) may look at ------------------------------------------
    @property
    def started(self) -> bool:
        """Started and not shut down (or killed) since."""
        return self._started

    @property
    def failure(self) -> BaseException | None:
        """What stopped the worker abnormally (an agent's error, an undecodable record, a
        failed restore), or None; ``run`` re-raises it."""
        return self._fatal

    @property
    def ready_partitions(self) -> set[TP]:
        """Assigned partitions whose state is restored: their records are being processed."""
        return set(self._ready)

    @property
    def producer(self) -> Any:
        """The producer everything this worker sends goes through (transactional with
        exactly-once); None before ``start``."""
        return self._producer

    @property
    def standby_tasks(self) -> set[tuple[int, int]]:
        """Tasks (partition count, partition) the group gave this worker as warm standbys."""
        return set(self._standby_tasks)

    async def kill(self) -> None:
        """Stop as a killed process stops (a test hook: the test driver's ``crash``).

        Nothing is committed or flushed: the tables' pending writes are dropped and their
        stores closed as they are (an in-memory store is gone, a RocksDB one keeps what its
        last commit wrote), buffered output is never sent, uncommitted input offsets are
        forgotten and an open transaction stays open until the next producer with this
        worker's transactional id fences it. The worker leaves its group at once, as if its
        session had timed out, without the revoke callback's commit."""
        self._stop_requested = True
        self._started = False  # the revoke callback commits only while started
        for runner in [*self._background, *self._runners]:
            await runner.stop()
        if self.output is not None:
            self.output.discard()
        try:
            if self.consumer is not None:
                await self.consumer.stop()
        finally:
            if self._feed is not None:
                await self._feed.stop()
            await self._close_tables()
            WorkerOfTask.detach(self.app, self)
            self._stopped.set()
            log.info("worker %s killed: %d events processed, %d commits", self.app.id,
                     self.events_processed, self.commits)

    @property
    def commits(self) -> int:
        """Offset commits (transactions, with exactly-once) that moved some input offset."""
        return self._commit_path.commits if self._commit_path is not None else 0

    @property
    def aborted_transactions(self) -> int:
        return self._commit_path.aborted if self._commit_path is not None else 0

    def _dead_letter_topic(self) -> str | None:
        """Declare the dead-letter topic when ``on_decode_error`` or ``on_agent_error`` is
        ``dead_letter``."""
        if "dead_letter" not in (self.settings.on_decode_error, self.settings.on_agent_error):
            return None
        name = self.settings.dead_letter_topic or f"{self.app.id}-dead-letters"
        topic = self.app.topic(name, key_type=bytes, value_type=bytes)
        topic.internal = True
        return name

    def _worker_id(self) -> str:
        """This worker's identity across restarts, and across the loss of its data dir
        (exactly-once: the transactional id is ``{app id}-{worker id}``). A restarted worker
        that takes over its predecessor's transactional id fences the old process and aborts
        the transaction it left open at once, instead of after ``transaction_timeout_ms``,
        during which ``read_committed`` readers of its partitions wait. The ``worker_id``
        setting, or the host name and the data dir's absolute path: two live workers never
        share those (they would not share a data dir), a restart on the same host and path
        does, with or without the data dir's contents. See docs/exactly-once.md."""
        if self.settings.worker_id:
            return self.settings.worker_id
        path = os.path.abspath(self.settings.data_dir)
        digest = hashlib.sha1(path.encode()).hexdigest()[:10]
        host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname())[:100] or "host"
        return f"{host}-{digest}"

    async def _ensure_topics(self) -> None:
        specs = [TopicSpec(t.name, t.declared_partitions or self.settings.topic_partitions,
                           self.settings.replication_factor, t.config)
                 for t in self.app.topics.values()]
        known = {spec.name for spec in specs}
        specs += [spec for spec in self._extra_topic_specs() if spec.name not in known]
        await self.transport.ensure_topics(specs)
        for spec in specs:
            count = await self.transport.partition_count(spec.name)
            if count is None:
                raise ConfigError(f"topic {spec.name!r} does not exist and could not be created")
            self._partitions[spec.name] = count

    async def _wait_agents_parked(self, timeout: float = 10.0) -> None:
        """Let every agent run up to its first wait for input, so that the repartition topics
        its ``group_by`` calls declare exist before the consumer subscribes."""
        deadline = time.monotonic() + timeout
        while not all(r.ready for r in self._runners):
            if time.monotonic() > deadline:
                slow = ", ".join(r.name for r in self._runners if not r.ready)
                log.warning("agent(s) %s did not start iterating within %.0fs; a group_by they "
                            "call later will fail", slow, timeout)
                return
            await asyncio.sleep(0.001)

    def _join_checker(self, topics: list[str]) -> Any:
        """Stream-table joins need the table co-partitioned with every topic of the stream.
        Problems are collected while agents start and raised by ``start``."""
        def check(table: Any) -> None:
            from ..tables import GlobalTable
            if isinstance(table, GlobalTable):
                return
            for topic in topics:
                n = self._partitions.get(topic) or self.partition_count(topic)
                if n != table.partitions:
                    self._join_errors.append(CopartitioningError(
                        f"cannot join {topic} ({n} partitions) with table {table.name} (changelog "
                        f"{table.changelog.name if table.changelog else '-'}, {table.partitions} "
                        f"partitions): a stream-table join looks a key up in the table partition "
                        f"of the event, so both need the same partition count and the same key. "
                        f"Re-key the stream with stream.group_by(key_fn, name=..., "
                        f"partitions={table.partitions}), declare the table (or, for a table fed from a "
                        f"topic, that topic) with partitions={n}, "
                        f"or use a global table"))
                problem = table.key_format_problem(topic, "is joined with")
                if problem is not None:
                    self._join_errors.append(CopartitioningError(problem))
        return check

    def _repartitioner(self, runner: AgentRunner) -> Any:
        """``group_by`` (to an internal repartition topic) and ``through`` (to ``topic``): a
        forwarder task sends the upstream's items there, a new channel consumes it back."""
        def repartition(upstream: Any, key_fn: Any, name: str, partitions: int | None,
                        value_type: Any, *, key_type: Any = None, topic: Any = None) -> Channel:
            if name in runner.regrouped:
                # The agent function runs again after a failure it skipped: its group_by
                # (through) topic and forwarder exist already.
                return runner.regrouped[name]
            what = f"group_by({name!r})" if topic is None else f"through({name!r})"
            if self.consumer is not None:
                raise ConfigError(f"agent {runner.name}: {what} must be called before the agent "
                                  "starts iterating its stream")
            if topic is None:
                planned = repartition_topic(self.app, runner.spec, name, partitions, value_type,
                                            key_type)
                topic = self.app.topic(planned.name, key_type=planned.key_type,
                                       value_type=planned.value_type, partitions=planned.partitions)
                topic.internal = True
                topic.declared_by = f"group_by(..., name={name!r}, key_type=...)"
            self._declare_late(topic)
            consumed = [topic.name]
            self._regrouped.add(upstream._source)  # its topics' tasks get mixed: see ordering
            channel = Channel(runner.ctx, self._repartitioner(runner))
            channel.join_checker = self._join_checker(consumed)
            channel._subscriber = self._subscriber(runner, consumed)
            runner.channels.append(channel)
            runner.regrouped[name] = channel
            self._by_topic.setdefault(topic.name, []).append(channel)
            where = f"{what} of agent {runner.name}"
            key_failed = lambda failed: self.failures.key_failed(where, runner.name, failed)  # noqa: E731
            task = asyncio.create_task(forward(upstream, key_fn, topic, lambda: self.output,
                                               key_failed), name=f"{what}:{runner.name}")
            task.add_done_callback(lambda t: t.cancelled() or t.exception() is None or
                                   self._forwarder_failed(where, t.exception(), runner,
                                                          upstream._source))
            runner.helpers.append(task)
            return channel
        return repartition

    def _subscriber(self, runner: AgentRunner, consumed: list[str]) -> Any:
        """``stream.merge(topic)``: ``topic``'s records go to the channel too."""
        def subscribe(topic: Any, channel: Channel) -> None:
            if channel in self._by_topic.get(topic.name, ()):
                return  # the agent function runs again after a failure it skipped
            if self.consumer is not None:
                raise ConfigError(f"agent {runner.name}: merge({topic.name!r}) must be called "
                                  "before the agent starts iterating its stream")
            self._declare_late(topic)
            consumed.append(topic.name)
            self._by_topic.setdefault(topic.name, []).append(channel)
        return subscribe

    def _declare_late(self, topic: Any) -> None:
        """A topic an agent declared as it started: created with the repartition topics."""
        if topic.name not in self._partitions:
            self._partitions[topic.name] = topic.declared_partitions or self.settings.topic_partitions
            self._pending_topics.append(topic)

    def _extra_topic_specs(self) -> list[TopicSpec]:
        """Internal topics declared while agents started (repartition topics)."""
        specs = [TopicSpec(t.name, t.declared_partitions or self.settings.topic_partitions,
                           self.settings.replication_factor, t.config) for t in self._pending_topics]
        self._pending_topics = []
        return specs

    def _holdings(self) -> tuple[set, set]:
        """Tasks whose state this worker holds (for the sticky assignor)."""
        return self.tables.holdings()

    async def _close_tables(self) -> None:
        await self.standbys.stop()
        await self.tables.stop()
        await self._changelogs.stop()

    async def _committed(self, tp: TP) -> int | None:
        """The app's committed offset of ``tp`` (None: none, or no consumer yet)."""
        return await self.consumer.committed(tp) if self.consumer is not None else None

    def _task_of(self, tp: TP) -> tuple[int, int]:
        return self.partition_count(tp.topic), tp.partition

    def _remaining_tasks(self, revoked: set[TP]) -> set[tuple[int, int]]:
        """The tasks still assigned once ``revoked`` are gone."""
        assigned = self.consumer.assignment() if self.consumer is not None else set()
        return {self._task_of(tp) for tp in assigned - revoked}

    def _held_stores(self) -> dict[tuple[str, int], Any]:
        """Every table partition this worker holds, standbys included."""
        return {**self.standbys.partitions, **self.tables.active}

    async def shutdown(self) -> None:
        """Stop timers, drain, flush, commit, leave the group. Safe to call twice."""
        if not self._started and not WorkerOfTask.holds(self.app, self):
            return
        for runner in self._background:
            await runner.stop()
        try:
            if self._started and self._producer is not None:
                async with self._lock:
                    if self._fatal is None:
                        await self._commit(final=True)
                    else:
                        await self._fail()
        except Exception as exc:  # noqa: BLE001
            log.error("final commit failed: %s", exc)
            if self._fatal is None:
                self._fatal = exc
        try:
            if self.consumer is not None:
                await self.consumer.stop()
        finally:
            for runner in self._runners:
                await runner.stop()
            if self._feed is not None:
                await self._feed.stop()
            if self.dead_letters is not None:
                await self.dead_letters.stop()
            await self._close_tables()
            if self._producer is not None:
                try:
                    await self._producer.stop()
                except Exception as exc:  # noqa: BLE001
                    log.error("producer did not stop cleanly: %s", exc)
            await self.transport.stop()
            self._started = False
            WorkerOfTask.detach(self.app, self)
            self._stopped.set()
            log.info("worker %s stopped: %d events processed, %d commits", self.app.id,
                     self.events_processed, self.commits)

    # -- failures ------------------------------------------------------------------------------
    def _on_failure(self, where: str, exc: BaseException, event: Event | None) -> None:
        full = find_cause(exc, StoreWriteFailed)
        if full is not None:  # not a bug: one line, no traceback
            self._stop_with(disk_full(full, self._held_stores()))
            return
        at = f" while processing {event.coordinates}" if event is not None else ""
        log.error("%s raised %s%s: %s", where if " " in where else f"agent {where}",
                  type(exc).__name__, at, exc, exc_info=exc,
                  extra=_where(event) if event is not None else None)
        if self._fatal is None:
            err = AgentError(f"{where if ' ' in where else 'agent ' + where} failed{at}: "
                             f"{type(exc).__name__}: {exc}")
            err.__cause__ = exc
            self._fatal = err
        if self._failure is Failure.CLEAN:
            self._failure = Failure.PARTIAL  # e.g. failed on what it held after a decode error
        self.request_stop()

    def _forwarder_failed(self, where: str, exc: BaseException, runner: AgentRunner,
                          source: Any) -> None:
        """A group_by's forwarder ended on ``exc``: the worker stops, and the batches it was
        given are released (unprocessed, so not committed) for the batch in progress to end."""
        if isinstance(exc, KeyFunctionFailed):  # its key function, on the event it names
            self._on_failure(where, exc.cause, exc.event)
        else:
            self._on_failure(where, exc, runner.ctx.event)
        if isinstance(source, Channel):
            source.fail_pending()

    def _stop_with(self, error: StreamflowError) -> None:
        """Stop on ``error``, already logged in one line (no traceback: it is not a bug)."""
        if self._fatal is None:
            self._fatal = error
        if self._failure is Failure.CLEAN:
            self._failure = Failure.PARTIAL  # raised in an agent: its batch is half done
        self.request_stop()

    async def _fail(self) -> None:
        """Instead of the final commit after a fatal error: abort (exactly-once) or commit
        only what the failure cannot have left half done (see ``commits.Failure``)."""
        assert self._commit_path is not None and self._fatal is not None
        if self._failure is Failure.CLEAN:
            await self._quiesce()  # the agents are fine: let them hand back what they hold
        reason = f"stopping after {type(self._fatal).__name__}"
        await self._commit_path.fail(self._failure, reason)

    def _check_fatal(self) -> None:
        if self._fatal is not None:
            self._stop_requested = True

    # -- the loop -----------------------------------------------------------------------------
    async def _loop(self) -> None:
        interval = self.settings.commit_interval
        next_commit = time.monotonic() + interval
        consumer = self.consumer
        while not self._stop_requested:
            if consumer is None:
                await self._wait_or_stop(min(interval, 0.2 if self._feed is None else 0.05))
                await self.poll_once(0)
            else:
                await self.poll_once(max(0.0, min(next_commit - time.monotonic(), 0.2)))
            if time.monotonic() >= next_commit and not self._stop_requested:
                await self.commit()
                next_commit = time.monotonic() + interval

    async def poll_once(self, timeout: float) -> int:
        """Fetch once (waiting up to ``timeout`` s), process what may be processed, flush the
        output. Returns how many records were fetched, or if none, processed (0: nothing
        happened). The run loop and the test driver use it."""
        await self._restore_pending()
        order = self._order
        records: dict[Any, list[RawRecord]] = {}
        if self.consumer is not None:
            if order is not None:
                deadline = order.next_deadline()  # a task stops waiting for an idle partition
                if deadline is not None:
                    timeout = min(timeout, max(0.0, (deadline - self.clock.now_ms()) / 1000))
            records = await self.consumer.getmany(timeout, self.settings.batch_size)
            if self._to_restore:
                await self._restore_pending()  # assigned during this fetch (memory://)
        if self._stop_requested:
            return 0  # fetched but not processed, so not committed: they come again
        async with self._lock:
            fetched = sum(len(r) for r in records.values())
            processed = await self._process(records)
            if self.store_repair.pending:
                await self.store_repair.repair()
            await self.output.flush()
        return fetched + self._shared_fetched or processed

    async def _start_feed(self, sources: list[str]) -> None:
        """Readers for the topics every worker reads in full (global tables' topics, foreign-key
        joins' right sides), and the processing order that merges them with the sources."""
        by_name = {r.name: r for r in self._runners}
        feed = GlobalFeed(self.transport, self.global_tables, self.tables, self.partition_count,
                          self._decode)
        by_topic: dict[str, list[Any]] = {}
        for table in self.global_tables.global_tables:
            by_topic.setdefault(table.source.name, []).append(table)
        for topic, tables in sorted(by_topic.items()):
            feed.add_tables(topic, tables)
        for spec in self.app._broadcasts:
            feed.add_join(spec, by_name[spec.agent_name].channel)
        if feed.inputs:
            await feed.start()
            self._feed = feed
        limit = max(self.settings.batch_size, 1)
        regrouped = {t for t, channels in self._by_topic.items()
                     if any(c in self._regrouped for c in channels)}
        self._order = InputOrder(sources, self.partition_count, self._by_topic,
                                 feed.names() if feed.inputs else [],
                                 self.settings.max_task_idle_ms, limit, regrouped)

    async def commit(self) -> None:
        """Commit now (see the module docstring for what a commit does)."""
        async with self._lock:
            if not self._stop_requested:
                await self._commit()

    async def _wait_or_stop(self, seconds: float) -> None:
        assert self._fatal_event is not None
        try:
            await asyncio.wait_for(self._fatal_event.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _process(self, records: dict[Any, list[RawRecord]]) -> int:
        """Decode what was fetched and process what may be processed now, in order (see
        ``runtime.ordering``). Returns how many records were processed."""
        order = self._order
        assert order is not None
        assigned = self.consumer.assignment() if self.consumer is not None else set()
        direct: dict[Channel, list[Event]] = {}  # tasks of one input partition: as fetched
        direct_positions: dict[TP, int] = {}
        direct_count = 0
        decode_failure: DecodeError | None = None
        for tp, recs in records.items():
            if tp not in assigned or not recs:
                continue
            if tp not in self._ready:
                # Fetched while its state was being restored (aiokafka fetches as soon as it
                # is assigned): not processed now, fetched again once the partition is ready.
                self.consumer.seek(TP(tp.topic, tp.partition), recs[0].offset)  # type: ignore[union-attr]
                continue
            self.offsets.fetched(tp, recs[0].offset)
            events, failure = self._decode(tp, recs)
            if failure is not None and decode_failure is None:
                decode_failure = failure
            end = failure.offset if failure is not None else recs[-1].offset + 1
            if order.queues(tp.topic):
                order.add(TP(tp.topic, tp.partition), events, end,
                          None if failure is None else timestamp_at(recs, failure.offset))
                continue
            for channel in self._by_topic.get(tp.topic, ()):
                direct.setdefault(channel, []).extend(events)
            direct_positions[TP(tp.topic, tp.partition)] = end
            direct_count += len(events)
        self._shared_fetched = 0
        steps: list[Any] = []
        if order.active:
            if self._feed is not None:
                self._shared_fetched, failure = await self._feed.poll(order, order.limit)
                decode_failure = decode_failure or failure
            steps = self._plan(order)
        if direct:
            if steps and isinstance(steps[0], Delivery):
                first = steps[0]
                for channel, batch in direct.items():
                    first.batches[channel] = batch + first.batches.get(channel, [])
                first.positions.update(direct_positions)
                steps[0] = first._replace(count=first.count + direct_count)
            else:
                steps.insert(0, Delivery(direct, direct_positions, direct_count))
        processed = await self._run_steps(steps)
        if decode_failure is not None and self._fatal is None:
            self._fatal, self._failure = decode_failure, Failure.CLEAN
            self.request_stop()
        return processed

    def _plan(self, order: InputOrder) -> list[Any]:
        """What may be processed now (after pausing the partitions whose queue is full, so
        that the others get fetched, and resuming those that were taken from)."""
        consumer, feed = self.consumer, self._feed
        for name in order.to_pause():
            if isinstance(name, TP):
                consumer.pause({name})  # type: ignore[union-attr]
            else:
                feed.pause(name)  # type: ignore[union-attr]
        now = self.clock.now_ms()
        order.observe(consumer.lag if consumer is not None else (lambda tp: 0),
                      feed.lag if feed is not None else (lambda name: 0), now)
        # Before the group assigned this worker its tasks, or while some are restored, their
        # records are not known: no global update may go before them.
        hold = consumer is not None and (not self._assigned_once
                                         or not consumer.assignment() <= self._ready)
        steps = order.plan(now, hold_shared=hold)
        for name in order.to_resume():
            if isinstance(name, TP):
                consumer.resume({name})  # type: ignore[union-attr]
            else:
                feed.resume(name)  # type: ignore[union-attr]
        return steps

    async def _run_steps(self, steps: list[Any]) -> int:
        """Hand out the steps one after the other; a step's input positions count as
        processed once all of it was."""
        processed = 0
        for step in steps:
            if isinstance(step, Delivery):
                await self._deliver(step.batches)
                if self._fatal is not None or self.store_repair.pending:
                    # An agent failed on this step (or read a damaged store): not committed.
                    return processed
                self.offsets.processed(step.positions)
                self.events_processed += step.count
                processed += step.count
            else:
                assert self._feed is not None
                try:
                    batches = self._feed.apply(step.records)
                except (StoreWriteFailed, StoreCorrupted) as exc:  # a global table's store
                    self._on_failure("global tables", exc, None)
                    return processed
                if batches:
                    await self._deliver(batches)
                    if self._fatal is not None or self.store_repair.pending:
                        return processed
                processed += len(step.records)
        return processed

    async def _deliver(self, per_channel: dict[Channel, list]) -> None:
        if len(per_channel) == 1:  # runs of one agent: the common case when agents alternate
            for channel, batch in per_channel.items():
                await channel.deliver(batch)
            return
        futures = [channel.deliver(batch) for channel, batch in per_channel.items()]
        if futures:
            await asyncio.gather(*futures)

    def _decode(self, tp: TP, recs: list[RawRecord]) -> tuple[list[Event], DecodeError | None]:
        topic = self.app.topics.get(tp.topic)
        if topic is None:
            raise ConfigError(f"records from undeclared topic {tp.topic}")
        kloads, vloads = topic.key_codec.loads, topic.value_codec.loads
        name, partition = tp.topic, tp.partition
        try:
            # Plain tuples laid out like Event (see ProcessingContext.current): a tuple subclass
            # costs a type call per record. The walrus reads each record attribute once.
            return [(name, partition, r.offset, r.timestamp,
                     None if (k := r.key) is None else kloads(k),
                     None if (v := r.value) is None else vloads(v),
                     r.headers, k) for r in recs], None
        except Exception:  # noqa: BLE001 - find the bad record(s) below, one by one
            pass
        events: list[Event] = []
        for r in recs:
            try:
                key = None if r.key is None else kloads(r.key)
            except Exception as exc:  # noqa: BLE001
                failure = DecodeError(name, partition, r.offset, "key", _reason(exc))
            else:
                try:
                    value = None if r.value is None else vloads(r.value)
                except Exception as exc:  # noqa: BLE001
                    failure = DecodeError(name, partition, r.offset, "value", _reason(exc))
                else:
                    events.append((name, partition, r.offset, r.timestamp, key, value, r.headers, r.key))
                    continue
            if self.settings.on_decode_error == "skip":
                self.decode_errors_skipped += 1
                log.error("%s; skipped (on_decode_error=skip)", failure, extra=_where(failure))
                continue
            if self._dead_letters is not None:
                self._dead_letter(r, failure)
                continue
            log.error("%s; stopping (on_decode_error=stop: fix the producer or set "
                      "on_decode_error=skip or dead_letter)", failure, extra=_where(failure))
            return events, failure
        return events, None

    def _dead_letter(self, record: RawRecord, failure: DecodeError) -> None:
        """Send an undecodable record as it came, with where it came from and why, to the
        dead-letter topic. It is flushed and acknowledged (exactly-once: committed) before
        its offset is, like any output, so it cannot be lost."""
        assert self.dead_letters is not None
        partition = self.dead_letters.send(
            record, (failure.topic, failure.partition, failure.offset), str(failure))
        self.dead_lettered += 1
        log.error("%s; sent to %s[%d] (on_decode_error=dead_letter)", failure,
                  self.dead_letters.topic, partition, extra=_where(failure))

    # -- commits ------------------------------------------------------------------------------
    async def _quiesce(self) -> None:
        """Make every agent hand back what it holds (``take`` buffers) before a commit."""
        live = [r for r in self._runners if r.task is not None and not r.task.done()]
        # Upstream channels first: a forwarder's flush may produce into a later channel, which
        # is fine, those records are acknowledged before offsets are committed.
        futures = [c.deliver(FLUSH) for r in live for c in r.channels]
        if futures:
            await asyncio.gather(*futures)

    async def _commit(self, final: bool = False) -> None:
        await self._quiesce()
        if self._fatal is not None:
            return  # an agent failed handing back what it held: the shutdown's _fail() decides
        assert self._commit_path is not None
        if not self.store_repair.pending:
            try:
                await self._commit_path.commit(final)
            except StoreCorrupted as damage:  # read turning the writes into changelog records
                if not self.store_repair.found(damage):
                    raise
            except StoreWriteFailed as full:  # the changelog holds what the store could not
                self._stop_with(disk_full(full, self._held_stores()))
                return
        if self.store_repair.pending:  # nothing is committed past a damaged read
            await self.store_repair.repair()

    def _on_rewind(self) -> None:
        """After an aborted transaction: what was fetched and not processed is dropped and
        read again from the rewound positions; foreign-key right sides from what the rolled
        back state still needs."""
        consumer, order = self.consumer, self._order
        if consumer is not None and order is not None:
            dropped = order.drop(order.queued())
            for tp, next_offset in dropped.items():
                position = self.offsets.positions.get(tp, next_offset)
                if position is not None:
                    consumer.seek(tp, position)
            consumer.resume(set(dropped))  # some were paused for a full queue
            order.ready(set(dropped))
        self._reseek_broadcasts()

    def _reseek_broadcasts(self) -> None:
        """Read foreign-key right sides again from what the (restored or rolled back) tables hold."""
        if self._feed is not None:
            self._feed.reseek_joins(self._order)

    async def _on_revoked(self, tps: set[TP]) -> None:
        self._ready -= tps
        self._to_restore -= tps
        # A restore in progress holds the lock: tell it to give these partitions up now rather
        # than wait for it to read them to the end (see ChangelogRestorer.interrupt).
        self._restoring -= tps
        self.restorer.interrupt({p.changelog_tp for p in self.tables.released(self._remaining_tasks(tps))
                                 if p.changelog_tp is not None}, "partition revoked")
        async with self._lock:
            if self._started and self._fatal is None:
                await self._commit(final=True)
            gone = self.tables.release(self._remaining_tasks(tps))
            self.restorer.forget(part.changelog_tp for part in gone)
            self.offsets.forget(tps)
            if self._order is not None:
                self._order.drop(tps)
        if tps:
            log.info("partitions revoked: %s", _fmt_tps(tps))

    def _on_standby(self, tasks: set[tuple[int, int]]) -> None:
        self._standby_tasks = tasks

    async def _on_assigned(self, tps: set[TP]) -> None:
        """Pause ``tps`` until their state is restored; the run loop restores it.

        Restoring here would block aiokafka's group coordinator (and its heartbeats) for as
        long as recovery takes, so the group would evict the worker and rebalance again and
        again. Kept short on purpose.
        """
        assert self.consumer is not None
        self.consumer.pause(tps)
        self._to_restore |= tps
        self._assigned_once = True
        log.info("partitions assigned: %s", _fmt_tps(tps) or "none")

    async def _held_by_open_transactions(self) -> set[TP]:
        """Exactly-once: the partitions to restore whose task has committed offsets held by a
        transaction still open (KIP-447). A previous owner that stalled or died between
        sending its offsets and committing may still commit them: restoring the task's
        tables and starting from its offsets before that transaction ends would miss its
        table changes, or process its records twice. The broker ends it within
        ``transaction_timeout_ms`` at the latest."""
        assert self.consumer is not None
        tps = self._to_restore & self.consumer.assignment()
        held = await self.consumer.unstable(tps)
        if held is None:
            held = tps  # the coordinator cannot tell now: ask again on the next poll
        tasks = {(self.partition_count(tp.topic), tp.partition) for tp in held}
        waiting = {tp for tp in tps if (self.partition_count(tp.topic), tp.partition) in tasks}
        if waiting and not waiting <= self._logged_held:
            log.warning("partitions %s: their committed offsets are held by a transaction still "
                        "open (a previous owner stalled or died while committing); waiting for "
                        "it to commit or abort before restoring and processing them",
                        _fmt_tps(waiting))
        self._logged_held = waiting
        return waiting

    async def _restore_pending(self) -> None:
        """Restore the state of newly assigned partitions, then let their events through."""
        if not self._to_restore or self._stop_requested:
            return
        assert self.consumer is not None
        held = await self._held_by_open_transactions() if self.exactly_once else set()
        if held >= self._to_restore:
            return
        async with self._lock:
            tps, self._to_restore = self._to_restore - held, self._to_restore & held
            tps &= self.consumer.assignment()
            self._restoring = set(tps)
            try:
                parts = self.tables.open_tasks({self._task_of(tp) for tp in tps}, self.standbys.take)
                await self.restorer.restore(parts)
                await self.standbys.assign(self._standby_tasks)
            except Exception as exc:  # noqa: BLE001
                self._on_failure("restoring state", exc, None)
                return
            finally:
                # Revoked (or stopping) while restoring: the restore of those was cut short,
                # so they are not ready; the revoke callback, waiting for this lock, drops them.
                tps = set() if self._stop_requested else tps & self._restoring
                self._restoring = set()
            self._ready |= tps
            if self._order is not None:
                self._order.ready(tps)
            self.consumer.resume(tps)
            # Newly restored state may be behind the broadcast readers: read again from there.
            self._reseek_broadcasts()
        if tps:
            log.info("partitions ready: %s", _fmt_tps(tps))


def _where(at: Any) -> dict[str, Any]:
    """Log ``extra`` fields naming a record (an Event or a DecodeError): JSON logs show them."""
    return {"topic": at.topic, "partition": at.partition, "offset": at.offset}


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


def _fmt_tps(tps: set[TP]) -> str:
    by_topic: dict[str, list[int]] = {}
    for tp in tps:
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    return "; ".join(f"{t}{sorted(ps)}" for t, ps in sorted(by_topic.items()))


__all__ = ["Worker", "CommitParticipant"]
