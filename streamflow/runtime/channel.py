"""The hand-off between the worker and one agent: batches in, "processed" signals out.

The worker ``deliver``s a batch and gets a future that completes when the agent asks for the
batch after it, i.e. when every event of the batch went through the agent's loop body. One
future per batch, not per event.

A channel is the :class:`streamflow.streams.BatchSource` of one stretch of an agent (its own
input, or what a ``group_by`` reads back); what the agent declares on it (``group_by``,
``merge``) is answered by the worker's wiring (``runtime.wiring``), from the topology.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Callable

from ..context import ProcessingContext
from ..streams import FLUSH
from ..types import EventTuple


Repartitioner = Callable[..., "Channel"]


class Channel:
    """Batches for one agent task, and the futures that say they were processed."""

    def __init__(self, ctx: ProcessingContext, repartitioner: Repartitioner | None = None) -> None:
        self.ctx = ctx
        self._repartitioner = repartitioner
        self._subscriber: Callable[[Any, "Channel"], None] | None = None
        self._queue: deque[tuple[list[EventTuple], asyncio.Future]] = deque()
        self._waiter: asyncio.Future | None = None
        self._current: asyncio.Future | None = None
        self.handed: list[EventTuple] | None = None  # the batch being processed, as delivered
        self.reader: asyncio.Task | None = None  # the task that asked for it
        # Whether the worker may leave values undecoded (LazyEvent) in batches for this
        # channel: its stream iterates events() (``reads_values``), and it is no group_by's
        # source (``runtime.wiring``: the forwarder encodes items as they are).
        self.may_defer_values = True
        self.defers_values = False
        #: Whether a batch of LazyEvents may have been handed to it (see ``Stream.batches``).
        self.deferred_values = False

    def reads_values(self, values: bool) -> None:
        """The stream reading this channel iterates values (True) or events() (False)."""
        self.defers_values = not values and self.may_defer_values
        self.deferred_values = self.deferred_values or self.defers_values

    def deliver(self, batch: list[EventTuple]) -> asyncio.Future:
        """Queue ``batch``; the future completes once the agent asked for the next one."""
        done = asyncio.get_running_loop().create_future()
        self._queue.append((batch, done))
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return done

    def _finish_current(self) -> None:
        if self._current is not None:
            if not self._current.done():
                self._current.set_result(None)
            self._current = None
        self.handed = None

    async def next_batch(self, timeout: float | None = None) -> list[EventTuple] | None:
        """The next batch, marking the one before processed (None after ``timeout`` s)."""
        before_next = self.ctx.before_next
        if before_next is not None:
            before_next()
        self._finish_current()
        while not self._queue:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                if timeout is None:
                    await self._waiter
                else:
                    try:
                        await asyncio.wait_for(self._waiter, timeout)
                    except TimeoutError:
                        return None
            finally:
                self._waiter = None
        batch, self._current = self._queue.popleft()
        self.handed, self.reader = batch, asyncio.current_task()
        return batch

    def hand_over_again(self, batches: list[list[EventTuple]]) -> None:
        """The agent failed on the batch it was given and starts again: hand it ``batches``
        (what it had not processed) first. The failed batch counts as processed, and a
        ``FLUSH`` it was given is given again, only once those are, so that the worker does
        not commit past an event the agent has not seen."""
        handed, done = self.handed, self._current
        self.handed = self._current = None
        loop = asyncio.get_running_loop()
        again = [(batch, loop.create_future()) for batch in batches if batch]
        if done is not None:
            again.append((handed if handed is FLUSH else [], done))
        self._queue.extendleft(reversed(again))

    def fail_pending(self) -> None:
        """The agent is gone: release everything waiting on it."""
        self._finish_current()
        while self._queue:
            _, done = self._queue.popleft()
            if not done.done():
                done.set_result(None)

    def repartition(self, upstream: Any, key_fn: Callable[[Any], Any] | None, name: str,
                    partitions: int | None, value_type: Any, *, key_type: Any = None,
                    topic: Any = None) -> "Channel":
        """``group_by``/``through`` of this channel's stream (see ``streams.BatchSource``)."""
        if self._repartitioner is None:
            raise RuntimeError("this stream cannot be re-keyed")
        return self._repartitioner(upstream, key_fn, name, partitions, value_type,
                                   key_type=key_type, topic=topic)

    def subscribe(self, topic: Any) -> None:
        """``merge(topic)`` on this channel's stream."""
        if self._subscriber is None:
            raise RuntimeError("this stream cannot merge topics")
        self._subscriber(topic, self)

    def check_join(self, table: Any, kind: str = "inner", key: Any = None) -> None:
        """``stream.join(table, kind=, key=)`` was called on this channel's stream: nothing to
        do, the worker checked co-partitioning from the topology before starting the agent."""
