"""Streams: what an agent iterates.

A stream moves *batches*. Its source hands over a list of events per fetch; the operators
(``map``, ``filter``, ``branch``, ...; see :mod:`streamflow.batch_ops`) are applied to the whole
list at once (no task switch per event) and only the final loop yields items one by one to the
agent's ``async for`` (or calls ``foreach``'s function, or sends them ``to`` a topic). Asking for
the batch after the last one tells the source that the batch is processed, which is what the
worker waits for before it commits offsets.

Operators keep two aligned lists, the events and the items derived from them, so that the
current event (its partition, its timestamp) is known for every item the agent sees: tables
and ``Topic.send`` rely on it.
"""
from __future__ import annotations

import inspect
import time
from typing import (TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Generic, Iterable,
                    Protocol, TypeVar, overload)

from . import batch_ops
from .context import ProcessingContext
from .durations import Duration, seconds
from .table_kinds import lookup_table
from .types import VALUE, Event, EventTuple

if TYPE_CHECKING:
    from .table_kinds import LookupTable
    from .topics import Topic

T = TypeVar("T")
U = TypeVar("U")

# An Event from a plain tuple without NamedTuple's per-call overhead.
_new_tuple: Callable[[type[Event], EventTuple], Event] = tuple.__new__


class FlushBatch(list):
    """An empty batch the worker sends before a commit: ``take`` emits what it holds."""


FLUSH = FlushBatch()


class BatchSource(Protocol):
    """Where a stream's batches come from (the worker's per-agent channel)."""

    ctx: ProcessingContext

    async def next_batch(self, timeout: float | None = None) -> list[EventTuple] | None:
        """The next batch (marking the previous one processed), or None on timeout."""

    def repartition(self, upstream: "Stream[Any]", key_fn: Callable[[Any], Any] | None,
                    name: str, partitions: int | None, value_type: Any, *,
                    key_type: Any = None, topic: "Topic | None" = None) -> "BatchSource":
        """Send ``upstream``'s items to a topic, re-keyed by ``key_fn`` (None: keyed as they
        are) and consume it back: ``topic``, or the internal ``{app}-{name}-repartition``."""

    def subscribe(self, topic: "Topic") -> None:
        """Deliver ``topic``'s records to this source too (``merge``)."""


def _sends_to(source: BatchSource, topic: "Topic", how: str) -> None:
    """Tell a source that records of its stream go to ``topic`` (the topology's discovery
    listens; the worker's channels need not)."""
    note = getattr(source, "sends_to", None)
    if note is not None:
        note(topic, how)


class Stream(Generic[T]):
    """An async-iterable, chainable stream of items of type ``T``: the values of the agent's
    topics, ``Event`` objects after ``events()``, and what the operators make of them.

    Over twenty methods on purpose: this is the user-facing operator API (as Kafka Streams'
    ``KStream`` and Faust's ``Stream``); each operator is a few lines that append a batch
    function from :mod:`streamflow.batch_ops`, where the work is."""

    def __init__(self, source: BatchSource, ops: tuple[batch_ops.Op, ...] = (),
                 events: bool = False, name: str = "stream", *,
                 source_values: bool = True) -> None:
        self._source = source
        self._ops = ops
        self._events = events
        self.name = name
        # Whether the items are still the source topic's values (only filter/peek/branch so
        # far): a group_by then keeps the topic's value type; after map and the like the items
        # may be anything, so the repartition topic carries them as plain JSON.
        self._source_values = source_values and not events

    # -- operators -----------------------------------------------------------------------
    def _with(self, op: batch_ops.Op, *, keeps_items: bool = False) -> "Stream[Any]":
        return Stream(self._source, self._ops + (op,), self._events, self.name,
                      source_values=self._source_values and keeps_items)

    def events(self) -> "Stream[Event]":
        """Iterate whole :class:`Event` objects (key, value, headers, timestamp, coordinates)."""
        if self._ops:
            raise TypeError("call events() on the agent's stream before map/filter/flat_map")
        return Stream(self._source, (), True, self.name)

    @overload
    def map(self, fn: Callable[[T], Awaitable[U]]) -> "Stream[U]": ...

    @overload
    def map(self, fn: Callable[[T], U]) -> "Stream[U]": ...

    def map(self, fn: Callable[[T], Any]) -> "Stream[Any]":
        """Apply ``fn`` to every item (``fn`` may be async)."""
        return self._with(batch_ops.map_op(fn))

    def filter(self, predicate: Callable[[T], Any]) -> "Stream[T]":
        """Keep the items for which ``predicate`` is true (``predicate`` may be async)."""
        return self._with(batch_ops.filter_op(predicate), keeps_items=True)

    def flat_map(self, fn: Callable[[T], Iterable[U]]) -> "Stream[U]":
        """Replace every item by the items of the iterable ``fn`` returns."""
        return self._with(batch_ops.flat_map_op(fn))

    def peek(self, fn: Callable[[T], Any]) -> "Stream[T]":
        """Call ``fn`` on every item and pass the item on unchanged (logging, metrics, a side
        effect); ``fn`` may be async. Kafka Streams' ``peek``."""
        return self._with(batch_ops.peek_op(self._source.ctx, fn), keeps_items=True)

    def enumerate(self, start: int = 0) -> "Stream[tuple[int, T]]":
        """``(n, item)`` pairs, counting the items this stream passed since the agent started."""
        return self._with(batch_ops.enumerate_op(start))

    def branch(self, predicate: Callable[[T], Any],
               to: "Topic | Callable[[T], Any]") -> "Stream[T]":
        """Route the items ``predicate`` is true for ``to`` a topic (sent keyed and timestamped
        like their events) or a function (called with each, may be async), and go on with the
        others. Chained, the first branch that matches takes an item, as in Kafka Streams'
        ``split().branch(...)``; what is left is the default branch::

            await (stream.branch(lambda o: o.amount > 1000, large)
                         .branch(lambda o: o.country == "DE", german)
                         .to(others))
        """
        from .topics import Topic
        if isinstance(to, Topic):
            _sends_to(self._source, to, "branch")
        target = batch_ops.sender(to) if isinstance(to, Topic) else batch_ops.each(self._source.ctx, to)
        return self._with(batch_ops.branch_op(self._source.ctx, predicate, target),
                          keeps_items=True)

    def merge(self, *topics: "Topic") -> "Stream[Any]":
        """This stream and the values of ``topics`` as one stream (Kafka Streams' ``merge``):
        the operators chained before ``merge`` apply to this stream's items only, those after
        it to both. Each partition's order is kept. Call it at the top of the agent, before
        iterating (the topics are subscribed before the worker starts consuming)."""
        from .topics import Topic
        names = []
        for topic in topics:
            if not isinstance(topic, Topic):
                raise TypeError(f"merge() takes topics (app.topic(...)), not {topic!r}")
            self._source.subscribe(topic)
            names.append(topic.name)
        merged = batch_ops.merge_op(self._ops, frozenset(names))
        return Stream(self._source, (merged,), self._events, f"{self.name}.merge({', '.join(names)})",
                      source_values=False)

    def group_by(self, key_fn: Callable[[T], Any], *, name: str, partitions: int | None = None,
                 key_type: Any = None, value_type: Any = None) -> "Stream[T]":
        """Re-key the stream by ``key_fn(item)`` through the topic ``{app}-{name}-repartition``.

        Events are sent to that topic keyed by the new key (so they land on the partition a
        table keyed that way uses) with their original timestamp and headers; the returned
        stream consumes it. ``partitions`` defaults to the app's ``topic_partitions``, the
        same default as tables, so a table updated from the re-keyed stream is co-partitioned
        with it; ``key_type`` is the new key's type (default: the app's, text); ``value_type``
        the items' (default: the source topic's while only filter/peek/branch came before,
        else plain JSON). Source offsets
        are committed only once the re-keyed events are acknowledged. Call it before
        iterating, at the top of the agent.
        """
        if value_type is None and not self._source_values:
            value_type = Any  # mapped items: whatever JSON they encode to, not the topic's type
        source = self._source.repartition(self, key_fn, name, partitions, value_type,
                                          key_type=key_type)
        return Stream(source, (), self._events, f"{self.name}.group_by({name})")

    def through(self, topic: "Topic") -> "Stream[Any]":
        """Send every item to ``topic`` (keyed and timestamped like its event) and go on with
        the stream of that topic, as this agent's consumer reads it back (Faust's
        ``through``; Kafka Streams' ``repartition``/``through``). Source offsets are committed
        only once the records are acknowledged. Call it at the top of the agent."""
        source = self._source.repartition(self, None, topic.name, None, None, topic=topic)
        return Stream(source, (), self._events, f"{self.name}.through({topic.name})")

    @overload
    def join(self, table: "LookupTable", *, kind: str = ..., key: Callable[[T], Any] | None = ...,
             joiner: None = ...) -> "Stream[tuple[T, Any]]": ...

    @overload
    def join(self, table: "LookupTable", *, kind: str = ..., key: Callable[[T], Any] | None = ...,
             joiner: Callable[[T, Any], U]) -> "Stream[U]": ...

    def join(self, table: "LookupTable", *, kind: str = "inner",
             key: Callable[[T], Any] | None = None,
             joiner: Callable[[T, Any], Any] | None = None) -> "Stream[Any]":
        """Enrich every item with ``table``'s current value (a stream-table join).

        The lookup key is the event's key, or ``key(item)`` (needed for global tables keyed by a
        field). ``inner`` drops items without a match, ``left`` passes ``None``; items whose
        value is None are dropped; with a None lookup key ``left`` passes ``None`` for the table
        side. The result is ``joiner(item, table_value)``, by default the pair. Only stream
        events produce results; table updates never do. A non-global table must be
        co-partitioned with the stream (checked when the agent starts). A windowed table is
        refused: it has a value per key and window, not a row per key.
        """
        if kind not in ("inner", "left"):
            raise ValueError(f"stream-table join kind must be 'inner' or 'left', not {kind!r}")
        table = lookup_table(table, f"stream.join in agent {self.name}")
        check = getattr(self._source, "check_join", None)
        if check is not None:
            check(table, kind=kind, key=key)
        combine = joiner or (lambda item, row: (item, row))
        return self._with(batch_ops.join_op(table.lookup, key, kind, combine))  # type: ignore[arg-type]

    def take(self, n: int, within: Duration | None = None) -> "BatchedStream[T]":
        """Yield lists of up to ``n`` items; a partial list after ``within`` (seconds or a
        timedelta)."""
        if n < 1:
            raise ValueError("take(n): n must be >= 1")
        return BatchedStream(self, n, None if within is None else seconds(within, "take(within=)"))

    # -- ends of a chain -------------------------------------------------------------------
    async def foreach(self, fn: Callable[[T], Any]) -> None:
        """Call ``fn`` on every item, for as long as the agent runs (``fn`` may be async):
        ``await stream.foreach(handle)`` is ``async for x in stream: handle(x)`` without a
        generator step per item. Kafka Streams' ``foreach``."""
        call = batch_ops.each(self._source.ctx, fn)
        is_async = inspect.iscoroutinefunction(fn)
        async for events, items in self._guarded_batches():
            if items:
                if is_async:
                    await call(events, items)
                else:
                    call(events, items)

    async def to(self, topic: "Topic") -> None:
        """Send every item to ``topic``, keyed and timestamped like its event (yield-free
        forwarding; a :class:`streamflow.Message` item chooses its key, headers and timestamp),
        for as long as the agent runs. Kafka Streams' ``to``, Quix Streams' ``to_topic``."""
        _sends_to(self._source, topic, "to")
        send = batch_ops.sender(topic)
        ctx = self._source.ctx
        async for events, items in self._guarded_batches():
            if items:
                ctx.current = None  # a record that does not encode fails the batch, as an operator
                send(events, items)

    async def _guarded_batches(self) -> AsyncIterator[tuple[list, list]]:
        """``batches()``, telling the worker when an operator raised (no current event), as
        ``__aiter__`` does: see ``runtime.failures.locate``."""
        ctx = self._source.ctx
        batches = self.batches().__aiter__()
        while True:
            try:
                pair = await batches.__anext__()
            except BaseException:
                ctx.current = None
                raise
            yield pair

    # -- iteration -----------------------------------------------------------------------
    async def batches(self, timeout: float | None = None) -> AsyncIterator[tuple[list, list]]:
        """Internal: (events, items) per source batch after the operators; flush batches pass
        through as ``(FLUSH, [])``. With ``timeout``, yields ``(None, None)`` when no batch came."""
        source, ops, as_events = self._source, self._ops, self._events
        items: list[Any]  # what the operators see: values, or Events for events()
        # Tell the worker whether values must be decoded before they are handed over; an
        # events() stream decodes each on first read (streamflow.lazy_events).
        reads_values = getattr(source, "reads_values", None)
        if reads_values is not None:
            reads_values(not as_events)
        while True:
            batch = await source.next_batch(timeout)
            if batch is None:
                yield None, None  # type: ignore[misc]
                continue
            if batch is FLUSH or not batch:
                yield batch, []
                continue
            if as_events:  # the worker's plain tuples become Events only here
                events = items = [_new_tuple(Event, e) if e.__class__ is tuple else e for e in batch]
            elif getattr(source, "deferred_values", False):
                # Batches made while an events() stream read this channel may hold LazyEvents.
                events, items = batch, [e[VALUE] if e.__class__ is tuple else e.value  # type: ignore[attr-defined]
                                        for e in batch]
            else:
                events, items = batch, [e[VALUE] for e in batch]
            for op in ops:
                res = op(events, items)
                if inspect.isawaitable(res):
                    res = await res
                events, items = res
            yield events, items

    async def __aiter__(self) -> AsyncIterator[T]:
        ctx = self._source.ctx
        batches = self.batches().__aiter__()
        while True:
            try:
                events, items = await batches.__anext__()
            except BaseException:
                # An operator raised (or the agent is cancelled): no item of this batch is
                # being processed, which is how the worker tells this from the loop body.
                ctx.current = None
                raise
            for ctx.current, item in zip(events, items, strict=True):
                yield item
        # (never ends: the source never does; the worker cancels the agent at shutdown)


class BatchedStream(Generic[T]):
    """``stream.take(n, within)``: lists of items instead of single items."""

    def __init__(self, upstream: Stream[T], n: int, within: float | None) -> None:
        self.upstream, self.n, self.within = upstream, n, within

    async def __aiter__(self) -> AsyncIterator[list[T]]:
        ctx = self.upstream._source.ctx
        n, within = self.n, self.within
        # ctx.held is the buffer and ctx.chunk the chunk being processed: if the agent
        # raises, the worker knows which events failed and which it must hand over again.
        buf_events: list = []
        ctx.held = buf_events
        buf_items: list = []
        deadline = None
        it = self.upstream.batches(timeout=within).__aiter__()
        while True:
            try:
                events, items = await it.__anext__()
            except BaseException:
                ctx.current = None  # an operator raised: no chunk is being processed
                raise
            flush = events is FLUSH
            if events:
                if not buf_items and within is not None:
                    deadline = time.monotonic() + within
                buf_events.extend(events)
                buf_items.extend(items)
            while len(buf_items) >= n:
                chunk, buf_items = buf_items[:n], buf_items[n:]
                ctx.chunk, buf_events = buf_events[:n], buf_events[n:]
                ctx.current, ctx.held = ctx.chunk[-1], buf_events
                ctx.batch = True
                yield chunk
                ctx.batch = False
                deadline = time.monotonic() + within if (buf_items and within is not None) else None
            timed_out = deadline is not None and time.monotonic() >= deadline
            if buf_items and (flush or events is None or timed_out):
                ctx.current, ctx.chunk = buf_events[-1], buf_events
                chunk, buf_items, buf_events = buf_items, [], []
                ctx.held = buf_events
                deadline = None
                ctx.batch = True
                yield chunk
                ctx.batch = False


__all__ = ["Stream", "BatchedStream", "FLUSH", "FlushBatch", "BatchSource"]
