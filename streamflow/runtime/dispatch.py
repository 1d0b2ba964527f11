"""Dispatching what was fetched: decode it, put it in processing order, hand it to the agents.

Per poll, the records of each ready partition are decoded (``runtime.decoding``). A task with
one input partition hands them to its agents' channels as fetched (the hot path: one list per
channel); the others go through the processing order (``runtime.ordering``), merged by
timestamp with each other and with the shared inputs (``runtime.global_feed``: global tables'
topics, foreign-key right sides). What may be processed now comes back as steps, handed out
one after the other; a step's input positions count as processed (and may be committed) once
every agent processed all of it.
"""
from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..exceptions import DecodeError
from ..state import StoreCorrupted, StoreWriteFailed
from ..types import TP, EventTuple
from .global_feed import GlobalFeed, timestamp_at
from .ordering import Delivery, InputOrder

if TYPE_CHECKING:
    from ..config import Settings
    from .channel import Channel
    from .clock import Clock
    from .commits import Offsets
    from .decoding import Decoder
    from .metrics import WorkerMetrics
    from .run_state import RunState
    from .store_failures import StoreRepair
    from .tasks import TaskManager
    from .transport.base import Consumer, RawRecord


class Dispatcher:
    """Hands one worker's fetched records to its agents (see the module docstring).
    ``consumer()`` is None until the worker subscribes; the processing order and the shared
    inputs' feed are made by :meth:`start`."""

    def __init__(self, *, consumer: Callable[[], "Consumer | None"], decoder: "Decoder",
                 tasks: "TaskManager", offsets: "Offsets", run: "RunState",
                 store_repair: "StoreRepair", clock: "Clock",
                 metrics: "WorkerMetrics") -> None:
        self._consumer, self._decoder, self._tasks = consumer, decoder, tasks
        self._metrics = metrics  # told once per fetched partition batch and per agent batch
        self._offsets, self._run, self._repair, self._clock = offsets, run, store_repair, clock
        self.order: InputOrder | None = None
        self.feed: GlobalFeed | None = None
        self.routes: dict[str, list["Channel"]] = {}
        #: Records processed since the worker started (the test driver's crash hooks count).
        self.events_processed = 0
        #: Shared-input records fetched by the last poll.
        self.shared_fetched = 0

    async def start(self, feed: GlobalFeed, routes: dict[str, list["Channel"]],
                    partition_count: Callable[[str], int], regrouped: set[str],
                    settings: "Settings") -> None:
        """Start ``feed`` if it has inputs, and make the processing order of ``routes``'
        topics (``regrouped``: those an agent re-keys, whose tasks are merged into one)."""
        if feed.inputs:
            await feed.start()
            self.feed = feed
        self.routes = routes
        limit = max(settings.batch_size, 1)
        self.order = InputOrder(sorted(routes), partition_count, routes,
                                feed.names() if feed.inputs else [],
                                settings.max_task_idle_ms, limit, regrouped)

    def fetch_timeout(self, timeout: float) -> float:
        """``timeout``, shortened to when a task stops waiting for an idle partition."""
        deadline = self.order.next_deadline() if self.order is not None else None
        if deadline is None:
            return timeout
        return min(timeout, max(0.0, (deadline - self._clock.now_ms()) / 1000))

    async def process(self, records: Mapping[Any, Sequence["RawRecord"]]) -> int:
        """Decode what was fetched and process what may be processed now, in order (see
        ``runtime.ordering``). Returns how many records were processed."""
        order = self.order
        assert order is not None
        consumer = self._consumer()
        assigned = consumer.assignment() if consumer is not None else set()
        ready = self._tasks.ready
        direct: dict["Channel", list[EventTuple]] = {}  # tasks of one input partition: as fetched
        direct_positions: dict[TP, int] = {}
        direct_count = 0
        decode_failure: DecodeError | None = None
        for tp, recs in records.items():
            if tp not in assigned or not recs:
                continue
            if tp not in ready:
                # Fetched while its state was being restored (aiokafka fetches as soon as it
                # is assigned): not processed now, fetched again once the partition is ready.
                consumer.seek(TP(tp.topic, tp.partition), recs[0].offset)  # type: ignore[union-attr]
                continue
            self._offsets.fetched(tp, recs[0].offset)
            events, failure = self._decoder.decode(tp, recs, self._defers_values(tp.topic))
            self._metrics.consumed(tp, len(events))
            if failure is not None and decode_failure is None:
                decode_failure = failure
            end = failure.offset if failure is not None else recs[-1].offset + 1
            if order.queues(tp.topic):
                order.add(TP(tp.topic, tp.partition), events, end,
                          None if failure is None else timestamp_at(recs, failure.offset))
                continue
            for channel in self.routes.get(tp.topic, ()):
                direct.setdefault(channel, []).extend(events)
            direct_positions[TP(tp.topic, tp.partition)] = end
            direct_count += len(events)
        self.shared_fetched = 0
        steps: list[Any] = []
        if order.active:
            if self.feed is not None:
                self.shared_fetched, failure = await self.feed.poll(order, order.limit)
                decode_failure = decode_failure or failure
            steps = self._plan(order, consumer)
        if direct:
            if steps and isinstance(steps[0], Delivery):
                first = steps[0]
                for channel, batch in direct.items():
                    first.batches[channel] = batch + first.batches.get(channel, [])
                first.positions.update(direct_positions)
                steps[0] = first._replace(event_count=first.event_count + direct_count)
            else:
                steps.insert(0, Delivery(direct, direct_positions, direct_count))
        processed = await self._run_steps(steps)
        if decode_failure is not None:
            self._run.decode_failed(decode_failure)
        return processed

    def _defers_values(self, topic: str) -> bool:
        """Whether ``topic``'s values may be left undecoded: every agent reading it iterates
        events() and so decodes a value when it reads it (``streamflow.lazy_events``)."""
        channels = self.routes.get(topic)
        if not channels:
            return False
        for channel in channels:
            if not channel.defers_values:
                return False
        return True

    def _plan(self, order: InputOrder, consumer: "Consumer | None") -> list[Any]:
        """What may be processed now (after pausing the partitions whose queue is full, so
        that the others get fetched, and resuming those that were taken from)."""
        feed = self.feed
        for name in order.to_pause():
            if isinstance(name, TP):
                consumer.pause({name})  # type: ignore[union-attr]
            else:
                feed.pause(name)  # type: ignore[union-attr]
        now = self._clock.now_ms()
        order.observe(consumer.lag if consumer is not None else (lambda tp: 0),
                      feed.lag if feed is not None else (lambda name: 0), now)
        # Before the group assigned this worker its tasks, or while some are restored, their
        # records are not known: no global update may go before them.
        hold = consumer is not None and not self._tasks.all_ready(consumer.assignment())
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
        run, repair = self._run, self._repair
        for step in steps:
            if isinstance(step, Delivery):
                await self._deliver(step.batches)
                if run.error is not None or repair.pending:
                    # An agent failed on this step (or read a damaged store): not committed.
                    return processed
                self._offsets.processed(step.positions)
                self.events_processed += step.event_count
                processed += step.event_count
            else:
                assert self.feed is not None
                try:
                    batches = self.feed.apply(step.records)
                except (StoreWriteFailed, StoreCorrupted) as exc:  # a global table's store
                    run.failed("global tables", exc, None)
                    return processed
                if batches:
                    await self._deliver(batches)
                    if run.error is not None or repair.pending:
                        return processed
                processed += len(step.records)
        return processed

    async def _deliver(self, per_channel: dict["Channel", list]) -> None:
        """Hand each agent its batch and wait until all processed theirs, timing each."""
        took = self._metrics.agent_batch
        if len(per_channel) == 1:  # runs of one agent: the common case when agents alternate
            for channel, batch in per_channel.items():
                began = time.perf_counter()
                await channel.deliver(batch)
                took(channel.ctx.agent, len(batch), time.perf_counter() - began)
            return
        began = time.perf_counter()

        def timed(agent: str, n: int) -> Callable[[Any], None]:
            return lambda _: took(agent, n, time.perf_counter() - began)
        futures = []
        for channel, batch in per_channel.items():
            future = channel.deliver(batch)
            future.add_done_callback(timed(channel.ctx.agent, len(batch)))
            futures.append(future)
        if futures:
            await asyncio.gather(*futures)

    def rewind(self) -> None:
        """After an aborted transaction (or a rollback): what was fetched and not processed is
        dropped and read again from the rewound positions; foreign-key right sides from what
        the rolled back state still needs."""
        consumer, order = self._consumer(), self.order
        if consumer is not None and order is not None:
            dropped = order.drop(order.queued())
            for tp, next_offset in dropped.items():
                position = self._offsets.positions.get(tp, next_offset)
                if position is not None:
                    consumer.seek(tp, position)
            consumer.resume(set(dropped))  # some were paused for a full queue
            order.ready(set(dropped))
        self.reseek_shared()

    def reseek_shared(self) -> None:
        """Read foreign-key right sides again from what the (restored or rolled back) tables hold."""
        if self.feed is not None:
            self.feed.reseek_joins(self.order)

    @property
    def queued(self) -> int:
        """Records fetched and waiting for their turn in the processing order."""
        return 0 if self.order is None else self.order.queued_records()

    async def stop(self) -> None:
        """Stop reading the shared inputs."""
        if self.feed is not None:
            await self.feed.stop()


__all__ = ["Dispatcher"]
