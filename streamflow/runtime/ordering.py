"""The worker's inputs in the order they are processed, handed out as steps.

Which records are merged (see :mod:`.partition_group` for how):

- a *task* is one partition number across the source topics with the same partition count
  (what the assignor assigns together). A task with one input partition needs no merge: its
  records go to their agents as fetched, with no per-record work (the hot path);
- a task with several input partitions (a join's two sides, or an agent's table that another
  agent reads) is a :class:`PartitionGroup`, merged by timestamp;
- the *shared* inputs, read in full by every worker (global tables' topics, foreign-key joins'
  right sides), are merged with every task: a record with timestamp t is processed after
  every shared record whose merge key is <= t and before every later one. When an app has
  shared inputs, every input partition is queued;
- a topic re-keyed by ``group_by`` sends the records of all its partitions to every partition
  of the repartition topic, which mixes tasks: all the partitions the worker holds of such a
  topic (and of every topic with its partition count) are merged into one order, so that a
  repartition partition receives them in timestamp order (from each worker).

Handing out: a task's merged records go out in maximal runs of consecutive records bound for
the same channels (agents), and a run is processed before the next one is handed out, so a
record's effects (table writes) are complete before the next record of its task is
processed, by any agent. Tasks are independent of each other, so round i of a step carries
the i-th run of every task at once: two agents whose records alternate cost one hand-off per
run and round, not per run and task.

Records fetched but not processed stay queued across polls; the positions a step reports are
the offsets of the next unprocessed records, which is what gets committed. Pure: channels are
opaque values; the worker does the fetching, the lags and the delivering.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, NamedTuple, cast

from ..types import OFFSET, PARTITION, TOPIC, TP
from .partition_group import PartitionGroup, PartitionQueue, interleave

__all__ = ["Delivery", "InputOrder", "SharedStep"]


class Delivery(NamedTuple):
    """Batches to hand to channels at once; ``positions`` are reached once all are processed."""

    batches: dict[Any, list]
    positions: dict[TP, int]
    event_count: int


class SharedStep(NamedTuple):
    """Shared-input records (global tables, foreign-key right sides) to apply, in order."""

    records: list


class InputOrder:
    """Queues, tasks and the merge for one worker. ``routes``: topic -> the channels that
    consume it; ``shared``: names of the shared inputs' partitions (they rank first, in this
    order); ``limit``: records queued per partition before its fetching is paused."""

    def __init__(self, sources: list[str], partition_count: Callable[[str], int],
                 routes: dict[str, list[Any]], shared: list[Hashable], idle_ms: int,
                 limit: int, regrouped: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.idle_ms = idle_ms
        self.limit = limit
        self._count = {t: partition_count(t) for t in sources}
        per_count: dict[int, int] = {}
        for n in self._count.values():
            per_count[n] = per_count.get(n, 0) + 1
        everything = bool(shared)
        # Partition counts whose tasks are fused into one (see the module docstring).
        self._fused = {self._count[t] for t in regrouped if t in self._count}
        self._queued_topics = {t for t, n in self._count.items()
                               if everything or per_count[n] > 1 or n in self._fused}
        # Ties go to the lower rank: shared inputs first, then source topics by name.
        self._rank = {t: len(shared) + i for i, t in enumerate(sorted(sources))}
        canon: dict[tuple[int, ...], tuple[Any, ...]] = {}
        self._route = {t: canon.setdefault(tuple(map(id, chs)), tuple(chs))
                       for t, chs in routes.items()}
        self._queues: dict[TP, PartitionQueue] = {}
        self._tasks: dict[tuple[int, int], PartitionGroup] = {}  # (count, partition or -1: fused)
        self._single_route: dict[int, bool] = {}  # id(task) -> all its topics go to one route
        self.shared = PartitionGroup(PartitionQueue(name, rank) for rank, name in enumerate(shared)) \
            if shared else None
        self._shared = {q.name: q for q in self.shared.queues} if self.shared is not None else {}
        self._paused: set[Hashable] = set()
        self._skipped: dict[TP, int] = {}  # positions reached without a record to process

    # -- layout ----------------------------------------------------------------------------
    def queues(self, topic: str) -> bool:
        """Whether records of ``topic`` are queued and merged (else: handed out as fetched)."""
        return topic in self._queued_topics

    @property
    def active(self) -> bool:
        """Whether anything goes through the order (queued partitions or shared inputs)."""
        return bool(self._queues) or self.shared is not None

    def ready(self, tps: set[TP]) -> None:
        """``tps`` are assigned and restored: their records may be processed."""
        for tp in sorted(tps):
            if tp.topic not in self._queued_topics or tp in self._queues:
                continue
            queue = self._queues[tp] = PartitionQueue(tp, self._rank[tp.topic])
            key = self._task(tp)
            task = self._tasks.get(key)
            if task is None:
                task = self._tasks[key] = PartitionGroup()
            task.add_queue(queue)
            self._single_route[id(task)] = len({self._route.get(cast(TP, q.name).topic) for q in task.queues}) == 1

    def drop(self, tps: set[TP]) -> dict[TP, int | None]:
        """Forget the queues of ``tps`` (revoked, or read again from elsewhere); returns the
        offset each one's next unprocessed record had."""
        out = {}
        for tp in tps:
            queue = self._queues.pop(tp, None)
            if queue is None:
                continue
            out[tp] = queue.next_offset()
            self._paused.discard(tp)
            self._skipped.pop(tp, None)
            key = self._task(tp)
            task = self._tasks[key]
            task.remove(tp)
            if not task.queues:
                del self._tasks[key]
                self._single_route.pop(id(task), None)
        return out

    def _task(self, tp: TP) -> tuple[int, int]:
        n = self._count[tp.topic]
        return (n, -1) if n in self._fused else (n, tp.partition)

    def queued(self) -> set[TP]:
        """The partitions whose records are queued."""
        return set(self._queues)

    def queued_records(self) -> int:
        """Records of the tasks' partitions fetched and waiting for their turn."""
        return sum(len(q) for q in self._queues.values())

    # -- input -----------------------------------------------------------------------------
    def add(self, tp: TP, events: list, end: int, stop_at: int | None = None) -> None:
        """Fetched records of ``tp`` (``end``: the offset after the last one fetched;
        ``stop_at``: the timestamp of the record at ``end``, which cannot be processed)."""
        queue = self._queues[tp]
        if queue.stopped is not None:
            return  # the worker stops at the record that did not decode: nothing passes it
        queue.add(events, end)
        queue.stopped = stop_at
        if not queue:  # everything fetched was skipped (undecodable): its offsets are done
            self._skipped[tp] = end

    def add_shared(self, name: Hashable, events: list, end: int, stop_at: int | None = None) -> None:
        """Fetched records of a shared input partition (see :meth:`add`)."""
        queue = self._shared[name]
        if queue.stopped is not None:
            return
        queue.add(events, end)
        queue.stopped = stop_at

    def clear_shared(self, name: Hashable) -> None:
        """The shared partition is read again from another offset."""
        self._shared[name].clear()
        self._paused.discard(name)

    def observe(self, lag: Callable[[TP], int | None], shared_lag: Callable[[Hashable], int | None],
                now: float) -> None:
        """Record each queued partition's lag (records on the broker not fetched yet)."""
        for tp, queue in self._queues.items():
            queue.observe(lag(tp), now)
        for name, queue in self._shared.items():
            queue.observe(shared_lag(name), now)

    def to_pause(self) -> list[Hashable]:
        """Partitions holding ``limit`` records or more: stop fetching them (the others then
        get fetched, which is what lets their task move on)."""
        out = [name for name, q in [*self._queues.items(), *self._shared.items()]
               if len(q) >= self.limit and name not in self._paused]
        self._paused.update(out)
        return out

    def to_resume(self) -> list[Hashable]:
        """Paused partitions whose queue went below ``limit``: fetch them again."""
        queues = self._queues | self._shared
        out = [name for name in self._paused if len(queues[name]) < self.limit]
        self._paused.difference_update(out)
        return out

    def next_deadline(self) -> float | None:
        """When a caught-up partition stops holding its task back (``max_task_idle_ms``)."""
        deadlines = [d for q in [*self._queues.values(), *self._shared.values()]
                     for d in [q.idle_deadline(self.idle_ms)] if d is not None]
        return min(deadlines, default=None)

    # -- the order -------------------------------------------------------------------------
    def plan(self, now: float, hold_shared: bool = False) -> list[Delivery | SharedStep]:
        """Everything that may be processed now, in order. ``hold_shared``: the worker does
        not know all its tasks yet (it has not joined its group, or is restoring some), so
        no shared record may go before their records."""
        steps: list[Delivery | SharedStep] = []
        for kind, what in interleave(list(self._tasks.values()), self.shared, now, self.idle_ms,
                                     hold_shared):
            if kind == "shared":
                steps.append(SharedStep(what))
                continue
            rounds: list[Delivery] = []
            for task, (records, advanced) in what.items():
                runs = ([(self._route[records[0][TOPIC]], records)] if self._single_route[id(task)]
                        else self._runs(records))
                last = len(runs) - 1
                for i, (route, run) in enumerate(runs):
                    if i == len(rounds):
                        rounds.append(Delivery({}, {}, 0))
                    batches, positions, _ = rounds[i]
                    for channel in route:
                        batch = batches.get(channel)
                        if batch is None:
                            batches[channel] = list(run)
                        else:
                            batch += run
                    if i < last:
                        positions.update({TP(e[TOPIC], e[PARTITION]): e[OFFSET] + 1 for e in run})
                    else:  # exact: includes records skipped as undecodable
                        positions.update({q.name: q.next_offset() for q in advanced})
                    rounds[i] = rounds[i]._replace(event_count=rounds[i].event_count + len(run))
            steps += rounds
        if self._skipped:
            steps.append(Delivery({}, self._skipped, 0))
            self._skipped = {}
        return steps

    def _runs(self, records: list) -> list[tuple[tuple[Any, ...], list]]:
        route = self._route
        runs = []
        start, current = 0, route[records[0][TOPIC]]
        for i in range(1, len(records)):
            r = route[records[i][TOPIC]]
            if r is not current:
                runs.append((current, records[start:i]))
                start, current = i, r
        runs.append((current, records[start:]))
        return runs
