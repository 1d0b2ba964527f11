"""Streams: what an agent iterates.

A stream moves *batches*. Its source hands over a list of events per fetch; ``map``, ``filter``
and ``flat_map`` are applied to the whole list at once (a list comprehension, no task switch per
event) and only the final loop yields events one by one to the agent's ``async for``. Asking for
the item after the last one of a batch tells the source that the batch is processed, which is
what the worker waits for before it commits offsets.

Operators keep two aligned lists, the events and the items derived from them, so that the
current event (its partition, its timestamp) is known for every item the agent sees: tables
and ``Topic.send`` rely on it.
"""
from __future__ import annotations

import inspect
import time
from typing import Any, AsyncIterator, Callable, Iterable, Protocol

from .context import ProcessingContext
from .durations import Duration, seconds
from .types import Event


_new_tuple = tuple.__new__


class FlushBatch(list):
    """An empty batch the worker sends before a commit: ``take`` emits what it holds."""


FLUSH = FlushBatch()


class BatchSource(Protocol):
    """Where a stream's batches come from (the worker's per-agent channel)."""

    ctx: ProcessingContext

    async def next_batch(self, timeout: float | None = None) -> list[Event] | None:
        """The next batch (marking the previous one processed), or None on timeout."""

    def repartition(self, upstream: "Stream", key_fn: Callable[[Any], Any], name: str,
                    partitions: int | None, value_type: Any) -> "BatchSource":
        """Re-key ``upstream`` through an internal topic; the source of the re-keyed events."""


_Op = Callable[[list, list], Any]


class Stream:
    """An async-iterable, chainable stream of values (or of events after ``events()``)."""

    def __init__(self, source: BatchSource, ops: tuple[_Op, ...] = (), events: bool = False,
                 name: str = "stream") -> None:
        self._source = source
        self._ops = ops
        self._events = events
        self.name = name

    # -- operators -----------------------------------------------------------------------
    def _with(self, op: _Op) -> "Stream":
        return Stream(self._source, self._ops + (op,), self._events, self.name)

    def events(self) -> "Stream":
        """Iterate whole :class:`Event` objects (key, value, headers, timestamp, coordinates)."""
        if self._ops:
            raise TypeError("call events() on the agent's stream before map/filter/flat_map")
        return Stream(self._source, (), True, self.name)

    def map(self, fn: Callable[[Any], Any]) -> "Stream":
        """Apply ``fn`` to every item (``fn`` may be async)."""
        if inspect.iscoroutinefunction(fn):
            async def amap(events: list, items: list) -> tuple[list, list]:
                return events, [await fn(x) for x in items]
            return self._with(amap)
        return self._with(lambda events, items: (events, [fn(x) for x in items]))

    def filter(self, predicate: Callable[[Any], Any]) -> "Stream":
        """Keep the items for which ``predicate`` is true (``predicate`` may be async)."""
        if inspect.iscoroutinefunction(predicate):
            async def afilter(events: list, items: list) -> tuple[list, list]:
                keep = [bool(await predicate(x)) for x in items]
                return ([e for e, k in zip(events, keep) if k], [x for x, k in zip(items, keep) if k])
            return self._with(afilter)

        def filter_op(events: list, items: list) -> tuple[list, list]:
            keep = [i for i, x in enumerate(items) if predicate(x)]
            if len(keep) == len(items):
                return events, items
            return [events[i] for i in keep], [items[i] for i in keep]
        return self._with(filter_op)

    def flat_map(self, fn: Callable[[Any], Iterable[Any]]) -> "Stream":
        """Replace every item by the items of the iterable ``fn`` returns."""
        def flat_map_op(events: list, items: list) -> tuple[list, list]:
            out_events: list = []
            out_items: list = []
            for e, x in zip(events, items):
                for y in fn(x):
                    out_events.append(e)
                    out_items.append(y)
            return out_events, out_items
        return self._with(flat_map_op)

    def group_by(self, key_fn: Callable[[Any], Any], *, name: str, partitions: int | None = None,
                 value_type: Any = None) -> "Stream":
        """Re-key the stream by ``key_fn(item)`` through the topic ``{app}-{name}-repartition``.

        Events are sent to that topic keyed by the new key (so they land on the partition a
        table keyed that way uses) with their original timestamp and headers; the returned
        stream consumes it. ``partitions`` defaults to the app's ``topic_partitions``, the
        same default as tables, so a table updated from the re-keyed stream is co-partitioned
        with it. Source offsets are committed only once the re-keyed events are acknowledged.
        Call it before iterating, at the top of the agent.
        """
        source = self._source.repartition(self, key_fn, name, partitions, value_type)
        return Stream(source, (), self._events, f"{self.name}.group_by({name})")

    def join(self, table: Any, *, kind: str = "inner", key: Callable[[Any], Any] | None = None,
             joiner: Callable[[Any, Any], Any] | None = None) -> "Stream":
        """Enrich every item with ``table``'s current value (a stream-table join).

        The lookup key is the event's key, or ``key(item)`` (needed for global tables keyed by a
        field). ``inner`` drops items without a match, ``left`` passes ``None``; items whose
        value is None are dropped; with a None lookup key ``left`` passes ``None`` for the table
        side. The result is ``joiner(item, table_value)``, by default the pair. Only stream
        events produce results; table updates never do. A non-global table must be
        co-partitioned with the stream (checked when the agent starts).
        """
        if kind not in ("inner", "left"):
            raise ValueError(f"stream-table join kind must be 'inner' or 'left', not {kind!r}")
        check = getattr(self._source, "check_join", None)
        if check is not None:
            check(table)
        combine = joiner or (lambda item, row: (item, row))
        lookup = table.lookup
        left = kind == "left"

        def join_op(events: list, items: list) -> tuple[list, list]:
            out_events: list = []
            out_items: list = []
            for e, x in zip(events, items):
                if x is None:
                    continue
                k = e[4] if key is None else key(x)  # [4]: the event's key
                row = None if k is None else lookup(k, e)
                if row is None and not left:
                    continue
                out_events.append(e)
                out_items.append(combine(x, row))
            return out_events, out_items
        return self._with(join_op)

    def take(self, n: int, within: Duration | None = None) -> "BatchedStream":
        """Yield lists of up to ``n`` items; a partial list after ``within`` (seconds or a
        timedelta)."""
        if n < 1:
            raise ValueError("take(n): n must be >= 1")
        return BatchedStream(self, n, None if within is None else seconds(within, "take(within=)"))

    # -- iteration -----------------------------------------------------------------------
    async def batches(self, timeout: float | None = None) -> AsyncIterator[tuple[list, list]]:
        """Internal: (events, items) per source batch after the operators; flush batches pass
        through as ``(FLUSH, [])``. With ``timeout``, yields ``(None, None)`` when no batch came."""
        source, ops, as_events = self._source, self._ops, self._events
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
            else:
                events, items = batch, [e[5] for e in batch]  # [5]: the value
            for op in ops:
                res = op(events, items)
                if inspect.isawaitable(res):
                    res = await res
                events, items = res
            yield events, items

    async def __aiter__(self) -> AsyncIterator[Any]:
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
            for ctx.current, item in zip(events, items):
                yield item
        # (never ends: the source never does; the worker cancels the agent at shutdown)


class BatchedStream:
    """``stream.take(n, within)``: lists of items instead of single items."""

    def __init__(self, upstream: Stream, n: int, within: float | None) -> None:
        self.upstream, self.n, self.within = upstream, n, within

    async def __aiter__(self) -> AsyncIterator[list[Any]]:
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
