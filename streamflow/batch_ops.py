"""The batch operators behind ``Stream``'s methods: functions over a whole fetched batch.

Each operator takes the two aligned lists a stream moves, the events and the items derived
from them, and returns the two lists after it (or an awaitable of them, when the user's
function is async). One call per batch, a loop inside: no task switch and no generator step
per event. Operators whose function has side effects (``peek``, a ``branch`` target, and
``foreach``) set the processing context's current event for each item, so that tables and
``Topic.send`` called from them see the event the item came from, as they do in the agent's
own loop.
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Literal

from .context import ProcessingContext
from .operators.joins import stream_table_join
from .runtime_api import running_worker
from .types import KEY, RAW_KEY, TIMESTAMP, TOPIC, Event, Message

if TYPE_CHECKING:
    from .topics import Topic

Lists = tuple[list, list]
Op = Callable[[list, list], "Lists | Awaitable[Lists]"]


def map_op(fn: Callable[[Any], Any]) -> Op:
    """``stream.map(fn)``: each item replaced by ``fn(item)`` (awaited when ``fn`` is async)."""
    if inspect.iscoroutinefunction(fn):
        async def amap(events: list, items: list) -> Lists:
            return events, [await fn(x) for x in items]
        return amap
    return lambda events, items: (events, [fn(x) for x in items])


def filter_op(predicate: Callable[[Any], Any]) -> Op:
    """``stream.filter(predicate)``: the items (and their events) for which it is true."""
    if inspect.iscoroutinefunction(predicate):
        async def afilter(events: list, items: list) -> Lists:
            keep = [bool(await predicate(x)) for x in items]
            return ([e for e, k in zip(events, keep, strict=True) if k],
                    [x for x, k in zip(items, keep, strict=True) if k])
        return afilter

    def filter_(events: list, items: list) -> Lists:
        keep = [i for i, x in enumerate(items) if predicate(x)]
        if len(keep) == len(items):
            return events, items
        return [events[i] for i in keep], [items[i] for i in keep]
    return filter_


def flat_map_op(fn: Callable[[Any], Iterable[Any]]) -> Op:
    """``stream.flat_map(fn)``: each item replaced by the items ``fn`` returns, each keeping
    its event."""
    def flat_map(events: list, items: list) -> Lists:
        out_events: list = []
        out_items: list = []
        for e, x in zip(events, items, strict=True):
            for y in fn(x):
                out_events.append(e)
                out_items.append(y)
        return out_events, out_items
    return flat_map


def join_op(lookup: Callable[[Any, Any], Any], key: Callable[[Any], Any] | None,
            kind: Literal["inner", "left"], combine: Callable[[Any, Any], Any]) -> Op:
    """``stream.join(table)``: the items with the rows ``lookup(k, event)`` finds, ``k`` being
    the event's key or ``key(item)``, as :func:`~streamflow.operators.joins.stream_table_join`
    (the function the Kafka Streams comparison checks) decides, over the whole batch."""
    def join(events: list, items: list) -> Lists:
        if key is None:
            keys = [e[KEY] for e in events]
        else:
            keys = [None if x is None else key(x) for x in items]
        # The results' events keep their key and timestamp: the join's outputs carry them.
        return stream_table_join(kind, zip(keys, items, events, strict=True), lookup, combine)
    return join


def enumerate_op(start: int) -> Op:
    """``stream.enumerate(start)``: each item as ``(n, item)``, counting on across batches."""
    counter = [start]

    def enumerate_(events: list, items: list) -> Lists:
        first = counter[0]
        counter[0] = first + len(items)
        return events, list(enumerate(items, first))
    return enumerate_


def each(ctx: ProcessingContext, fn: Callable[[Any], Any]) -> Callable[[list, list], Any]:
    """Call ``fn`` on every item with the context on its event; a coroutine when ``fn`` is
    async (then awaited item by item, in order)."""
    if inspect.iscoroutinefunction(fn):
        async def acall(events: list, items: list) -> None:
            for ctx.current, x in zip(events, items, strict=True):
                await fn(x)
        return acall

    def call(events: list, items: list) -> None:
        for ctx.current, x in zip(events, items, strict=True):
            fn(x)
    return call


def peek_op(ctx: ProcessingContext, fn: Callable[[Any], Any]) -> Op:
    """``stream.peek(fn)``: ``fn`` called on each item for its side effects, the batch unchanged."""
    call = each(ctx, fn)
    if inspect.iscoroutinefunction(fn):
        async def apeek(events: list, items: list) -> Lists:
            await call(events, items)
            return events, items
        return apeek

    def peek(events: list, items: list) -> Lists:
        call(events, items)
        return events, items
    return peek


def branch_op(ctx: ProcessingContext, predicate: Callable[[Any], Any],
              target: Callable[[list, list], Any]) -> Op:
    """Items ``predicate`` takes go to ``target`` (a batch function: a topic's sender or
    :func:`each` of a callable); the others stay in the stream."""
    def split(events: list, items: list, taken: list[bool]) -> tuple[Lists, Lists]:
        if not any(taken):
            return ([], []), (events, items)
        if all(taken):
            return (events, items), ([], [])
        take_e, take_i, keep_e, keep_i = [], [], [], []
        for e, x, t in zip(events, items, taken, strict=True):
            if t:
                take_e.append(e)
                take_i.append(x)
            else:
                keep_e.append(e)
                keep_i.append(x)
        return (take_e, take_i), (keep_e, keep_i)

    if inspect.iscoroutinefunction(predicate) or inspect.iscoroutinefunction(target):
        async def abranch(events: list, items: list) -> Lists:
            taken = []
            for x in items:
                t = predicate(x)
                taken.append(bool(await t if inspect.isawaitable(t) else t))
            (take_e, take_i), kept = split(events, items, taken)
            if take_i:
                done = target(take_e, take_i)
                if inspect.isawaitable(done):
                    await done
            return kept
        return abranch

    def branch(events: list, items: list) -> Lists:
        (take_e, take_i), kept = split(events, items, [bool(predicate(x)) for x in items])
        if take_i:
            target(take_e, take_i)
        return kept
    return branch


def merge_op(upstream_ops: tuple[Op, ...], merged: frozenset[str]) -> Op:
    """The first operator of a merged stream: the events of the ``merged`` topics skip the
    operators chained before ``merge`` (``upstream_ops``), the others go through them; both
    come out in the order the batch had them (each partition's order is kept)."""
    async def merge(events: list, items: list) -> Lists:
        mine_e, mine_i, theirs_e, theirs_i = [], [], [], []
        for e, x in zip(events, items, strict=True):
            if e[TOPIC] in merged:
                theirs_e.append(e)
                theirs_i.append(x)
            else:
                mine_e.append(e)
                mine_i.append(x)
        if mine_e:
            for op in upstream_ops:
                result = op(mine_e, mine_i)
                if inspect.isawaitable(result):
                    result = await result
                mine_e, mine_i = result
        if not theirs_e:
            return mine_e, mine_i
        if not mine_e:
            return theirs_e, theirs_i
        position = {id(e): i for i, e in enumerate(events)}
        pairs = sorted(zip(mine_e + theirs_e, mine_i + theirs_i, strict=True), key=lambda p: position[id(p[0])])
        return [p[0] for p in pairs], [p[1] for p in pairs]
    return merge


def sender(topic: "Topic") -> Callable[[list, list], None]:
    """A batch function that adds the items to ``topic``'s output, each keyed and timestamped
    like its event (the key's bytes reused when the event's topic encodes keys as ``topic``
    does); a :class:`Message` item chooses its own key, headers and timestamp, an
    :class:`Event` item (``stream.events()``) is forwarded with its value and headers."""
    app = topic.app
    same_key: dict[str, bool] = {}
    encode_key, encode_value, name = topic.encode_key, topic.encode_value, topic.name

    def records(events: list, items: list) -> list:
        out = []
        for e, x in zip(events, items, strict=True):
            cls = x.__class__
            if cls is Message:
                out.append((encode_key(x.key), encode_value(x.value),
                            e[TIMESTAMP] if x.timestamp is None else x.timestamp, x.headers))
                continue
            source = e[TOPIC]
            same = same_key.get(source)
            if same is None:
                declared = app.topics.get(source)
                same = same_key[source] = (declared is not None
                                           and declared.key_codec is topic.key_codec)
            raw = e[RAW_KEY] if same and e[RAW_KEY] is not None else encode_key(e[KEY])
            if cls is Event:
                out.append((raw, encode_value(x.value), e[TIMESTAMP], x.headers or None))
            else:
                out.append((raw, encode_value(x), e[TIMESTAMP], None))
        return out

    def send(events: list, items: list) -> None:
        output = running_worker(app, f"{name}: sending from a stream").output
        if output.staged:
            output.drain_stages()  # what an agent yielded before goes first
        output.add_records(name, records(events, items))
    return send


__all__ = ["branch_op", "each", "enumerate_op", "filter_op", "flat_map_op", "join_op",
           "map_op", "merge_op", "peek_op", "sender"]
