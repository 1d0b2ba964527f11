"""The order in which a task's records are processed: Kafka Streams' ``PartitionGroup``.

A *task* is one partition number across the source topics that have the same partition count.
Its records are processed one partition head at a time: the next record is the head with the
smallest timestamp across the task's partitions, each partition in offset order. Ties go to
the partition with the lower *rank* (a fixed number per input partition: global inputs first,
then the task's topics by name).

Computed here in a way that moves batches. A record's *merge key* is its partition time: the
largest timestamp of its partition up to and including it. Taking heads by timestamp gives the
same order as a stable merge by (merge key, rank): once a record with timestamp m is taken,
every later record of its partition with a timestamp <= m is the smallest head too, so it
follows at once; a record only waits for the other partitions when it raises its partition's
time. That gives two things a head-by-head loop does not: each partition is cut with one
bisect, and a partition that may still receive records bounds the others at its partition
time (whatever it adds later sorts at or after that key), so they need not stop at its first
missing record.

Whether a partition may still receive records is Kafka's ``max.task.idle.ms`` rule (KIP-353,
KIP-695): ``idle_ms == 0`` waits for records known to be on the broker but not fetched (lag >
0, or lag not known yet) and never for records not produced yet; ``idle_ms > 0`` also waits
that long for a caught-up partition; ``idle_ms == -1`` never waits.

Pure: no event loop, no consumer. Items are event tuples laid out like ``streamflow.Event``
(read by the indices of ``streamflow.types``); the caller feeds fetched records, lags and the time.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any, Hashable, Iterable, Sequence

from ..types import OFFSET, TIMESTAMP

__all__ = ["NO_RECORD_YET", "Limit", "PartitionQueue", "PartitionGroup", "interleave", "tighter"]

NO_RECORD_YET = float("-inf")  # the partition time of a partition that showed no record yet

# (merge key, rank): the records sorting below it may be processed. None: no limit.
Limit = tuple[float, int] | None


def tighter(a: Limit, b: Limit) -> Limit:
    """The smaller of two limits (None is no limit)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if a <= b else b


class PartitionQueue:
    """The fetched, not yet processed records of one input partition, in offset order."""

    __slots__ = ("name", "rank", "items", "keys", "head", "time", "end", "lag",
                 "caught_up_at", "stopped")

    def __init__(self, name: Hashable, rank: int) -> None:
        self.name = name
        self.rank = rank
        self.items: list[Any] = []
        self.keys: list[float] = []   # merge key of each item
        self.head = 0                 # index of the first item not taken yet
        self.time: float = NO_RECORD_YET   # partition time: largest timestamp added so far
        self.end: int | None = None   # offset after the last record added (skipped ones too)
        self.lag: int | None = None   # records on the broker not fetched yet; None: unknown
        self.caught_up_at: float | None = None  # when lag was first seen 0 since the last add
        # The timestamp of a record that follows the queue and cannot be processed (it did
        # not decode: the worker stops there), or None.
        self.stopped: float | None = None

    def __len__(self) -> int:
        return len(self.items) - self.head

    def add(self, items: Sequence[Any], end: int) -> None:
        """Append fetched records (``end``: the offset after the last one fetched)."""
        time = self.time
        append = self.keys.append
        for item in items:
            ts = item[TIMESTAMP]
            if ts > time:
                time = ts
            append(time)
        self.time = time
        self.items += items
        self.end = end
        if items:
            self.caught_up_at = None

    def observe(self, lag: int | None, now: float) -> None:
        """What the consumer knows of the records not fetched yet, at ``now`` (ms)."""
        self.lag = lag
        if lag == 0:
            if self.caught_up_at is None:
                self.caught_up_at = now
        else:
            self.caught_up_at = None

    def bound(self, now: float, idle_ms: int) -> float | None:
        """The merge key below which this partition will add no record, or None when it will
        add none that the others must wait for (see the module docstring)."""
        if self.stopped is not None:
            return self.time if self.time > self.stopped else self.stopped
        if idle_ms < 0:
            return None
        if self.lag is None or self.lag > 0:
            return self.time
        if idle_ms == 0 or (self.caught_up_at is not None and now >= self.caught_up_at + idle_ms):
            return None
        return self.time

    def idle_deadline(self, idle_ms: int) -> float | None:
        """When a caught-up partition stops holding the others back (None: it does not)."""
        if idle_ms <= 0 or self.stopped is not None or self.lag != 0 or self.caught_up_at is None:
            return None
        return self.caught_up_at + idle_ms

    def head_key(self) -> Limit:
        """The merge key of the next record (its partition time, then rank)."""
        return (self.keys[self.head], self.rank) if self.head < len(self.items) else None

    def next_offset(self) -> int | None:
        """The offset of the first record not taken (the position to commit)."""
        return self.items[self.head][OFFSET] if self.head < len(self.items) else self.end

    def cut(self, limit: Limit) -> int:
        """Index after the last item sorting below ``limit``."""
        if limit is None:
            return len(self.items)
        key, rank = limit
        # Items of lower (or the limiting partition's own) rank pass at an equal key.
        if self.rank <= rank:
            return bisect_right(self.keys, key, self.head)
        return bisect_left(self.keys, key, self.head)

    def advance(self, to: int) -> None:
        """Take the records before index ``to`` off the queue."""
        self.head = to
        if to >= 4096 and to * 2 >= len(self.items):  # drop what was taken, now and then
            del self.items[:to]
            del self.keys[:to]
            self.head = 0

    def clear(self) -> None:
        """Forget everything (the partition is read again from elsewhere)."""
        self.items, self.keys, self.head = [], [], 0
        self.time, self.end, self.lag, self.caught_up_at = NO_RECORD_YET, None, None, None
        self.stopped = None


class PartitionGroup:
    """The partitions merged into one order: a task's, or the shared (global) inputs'."""

    def __init__(self, queues: Iterable[PartitionQueue] = ()) -> None:
        self.queues = sorted(queues, key=lambda q: q.rank)
        self.advanced: list[PartitionQueue] = []  # the queues the last take() took from

    def add_queue(self, queue: PartitionQueue) -> None:
        """Merge ``queue``'s partition into this task."""
        self.queues = sorted([*self.queues, queue], key=lambda q: q.rank)

    def remove(self, name: Hashable) -> None:
        """Stop merging partition ``name`` (revoked, or read again from elsewhere)."""
        self.queues = [q for q in self.queues if q.name != name]

    def __len__(self) -> int:
        return sum(len(q) for q in self.queues)

    def limit(self, now: float, idle_ms: int) -> Limit:
        """Records sorting below this may be processed: nothing any partition adds later
        sorts before them."""
        out = None
        for q in self.queues:
            bound = q.bound(now, idle_ms)
            if bound is not None:
                out = tighter(out, (bound, q.rank))
        return out

    def head_key(self) -> Limit:
        """The merge key of the next record in order (None: nothing queued)."""
        out = None
        for q in self.queues:
            key = q.head_key()
            if key is not None:
                out = tighter(out, key)
        return out

    def take(self, limit: Limit) -> list[Any]:
        """Remove and return the queued records sorting below ``limit``, in merged order."""
        slices = []
        for q in self.queues:
            hi = q.cut(limit)
            if hi > q.head:
                slices.append((q, q.head, hi))
        self.advanced = [q for q, _, _ in slices]
        if not slices:
            return []
        if len(slices) == 1:
            q, lo, hi = slices[0]
            out = q.items[lo:hi]
        else:
            keys: list[float] = []
            items: list[Any] = []
            for q, lo, hi in slices:   # in rank order: the stable sort keeps ties so
                keys += q.keys[lo:hi]
                items += q.items[lo:hi]
            out = [items[i] for i in sorted(range(len(keys)), key=keys.__getitem__)]
        for q, _, hi in slices:
            q.advance(hi)
        return out


def interleave(tasks: Sequence[PartitionGroup], shared: PartitionGroup | None, now: float,
               idle_ms: int, hold_shared: bool = False) -> list[tuple[str, Any]]:
    """What may be processed now, as steps in order: ``("tasks", {group: (records, queues
    taken from)})`` (each task's records in its merged order; tasks are independent of each
    other) and ``("shared", records)`` (the shared inputs, merged with *every* task: a task
    record sorts after each shared record whose key is not larger, and before every later
    one). ``hold_shared``: tasks not known yet may still come (no shared record is taken)."""
    limits = {id(t): t.limit(now, idle_ms) for t in tasks}
    shared_limit = shared.limit(now, idle_ms) if shared is not None else None
    held = (NO_RECORD_YET, -1) if hold_shared else None
    steps: list[tuple[str, Any]] = []
    while True:
        progressed = False
        upto = tighter(shared_limit, shared.head_key()) if shared is not None else None
        batch = {}
        for task in tasks:
            records = task.take(tighter(upto, limits[id(task)]))
            if records:
                batch[task] = (records, task.advanced)
        if batch:
            steps.append(("tasks", batch))
            progressed = True
        if shared is None:
            break
        upto = tighter(shared_limit, held)
        for task in tasks:
            upto = tighter(upto, tighter(limits[id(task)], task.head_key()))
        records = shared.take(upto)
        if records:
            steps.append(("shared", records))
            progressed = True
        if not progressed:
            break
    return steps
