"""Output buffering: records gathered per topic partition and handed to the producer in batches.

``add`` is what ``Topic.send`` calls on the hot path: it routes the key to its partition with
Kafka's partitioner (cached) and appends to a list. ``flush`` gives each partition's list to
the producer in one call; ``wait_acks`` waits for the broker to acknowledge everything handed
over so far, and returns the last acknowledged offset per partition (changelog offsets for the
state stores come from there). The commit path calls flush, then wait_acks, and only then
commits input offsets: that ordering is the at-least-once guarantee.

A commit in flight (``runtime.commits``) takes the acknowledgements it covers with
:meth:`OutputBuffer.take_inflight` and waits for them on its own while processing goes on;
with exactly-once it sets :attr:`OutputBuffer.held` until its transaction commits, so that
what is produced meanwhile stays here and goes into the next transaction.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Sequence

from ..partitioner import Partitioner
from ..types import TP
from .transport.base import OutRecord, Producer


class OutputBuffer:
    """Records to send, per topic partition, until they are flushed to the producer (see
    the module docstring)."""

    def __init__(self, producer: Producer, partition_count: Callable[[str], int],
                 flush_at: int = 10_000) -> None:
        self.producer = producer
        self.partition_count = partition_count
        self.flush_at = flush_at
        # Kafka's partition of a key, cached; read inline (by_count) on the hot loops.
        self.partition_of = Partitioner()
        self._by_count = self.partition_of.by_count
        self._pending: dict[str, dict[int, list[OutRecord]]] = {}  # topic -> partition -> records
        self._count = 0
        self._inflight: list[tuple[TP, Awaitable[int]]] = []
        self._round_robin = 0
        self.sent = 0
        self.sent_per_topic: dict[str, int] = {}  # for the metrics
        self._stages: list[Callable[[], None]] = []
        self.staged = False  # set by a stage holding records: drained before anything else
        #: Exactly-once, while a commit's transaction is in flight: flush() keeps the records
        #: (they belong to the next transaction). Past ``hold_limit`` of them the worker waits
        #: for the commit before it processes more (a few MB of encoded records: at one
        #: output per event, a commit interval's worth at tens of thousands of events/s).
        self.held = False
        self.hold_limit = 4 * flush_at
        # One flush at a time: a commit completing in the background may flush (changelog
        # rewrites) while processing does, and each partition's records keep their order.
        self._flushing = asyncio.Lock()

    def add_stage(self, drain: Callable[[], None]) -> None:
        """Register an agent's sink stage (see :mod:`streamflow.runtime.sink`). Whenever
        ``staged`` is set, ``drain`` is called before any other record is added and before a
        flush, so records reach the producer in the order they were produced."""
        self._stages.append(drain)

    def remove_stage(self, drain: Callable[[], None]) -> None:
        """Unregister a sink stage (its agent ended)."""
        if drain in self._stages:
            self._stages.remove(drain)

    def drain_stages(self) -> None:
        """Route what every sink stage holds into the buffer."""
        self.staged = False
        for drain in self._stages:
            drain()

    def add_records(self, topic: str, records: list[OutRecord]) -> None:
        """Add records routed by key (the default partitioner), in one loop: the per-batch
        form of ``add_nowait`` that a sink stage uses."""
        n = self.partition_count(topic)
        cache = self.partition_of.cache_for(n)
        by_partition = self._pending.get(topic)
        if by_partition is None:
            by_partition = self._pending[topic] = {}
        get_partition, get_records = cache.get, by_partition.get
        partition: int | None  # a bare annotation: no code runs for it
        for record in records:
            key = record[0]
            if key is None:
                partition = self._round_robin % n
            else:
                partition = get_partition(key)
                if partition is None:
                    partition = self.partition_of(key, n)
            batch = get_records(partition)
            if batch is None:
                batch = by_partition[partition] = []
            batch.append(record)
        self._count += len(records)

    def add_nowait(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None,
                   timestamp: int | None, headers: Sequence[tuple[str, bytes]] | None) -> int:
        """Buffer one record (``partition`` None: Kafka's partition for ``key``, round
        robin without one); returns the partition."""
        if self.staged:
            self.drain_stages()
        if partition is None:
            n = self.partition_count(topic)
            if key is None:
                partition = self._round_robin % n
            else:
                cache = self._by_count.get(n)
                partition = None if cache is None else cache.get(key)
                if partition is None:
                    partition = self.partition_of(key, n)
        by_partition = self._pending.get(topic)
        if by_partition is None:
            by_partition = self._pending[topic] = {}
        records = by_partition.get(partition)
        if records is None:
            records = by_partition[partition] = []
        records.append((key, value, timestamp, headers))
        self._count += 1
        return partition

    async def add(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None,
                  timestamp: int | None, headers: Sequence[tuple[str, bytes]] | None) -> None:
        """``add_nowait``, then flush once ``flush_at`` records are buffered."""
        self.add_nowait(topic, key, value, partition, timestamp, headers)
        if self._count >= self.flush_at:
            await self.flush()

    @property
    def pending(self) -> int:
        """Records buffered and not flushed yet."""
        return self._count

    async def flush(self) -> None:
        """Hand every buffered record to the producer (does not wait for acknowledgements);
        nothing while :attr:`held`."""
        if self.staged:
            self.drain_stages()
        if not self._pending or self.held:
            return
        async with self._flushing:
            await self._flush()

    async def _flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending, self._count = self._pending, {}, 0
        self._round_robin += 1
        per_topic = self.sent_per_topic
        for topic, by_partition in pending.items():
            for partition, records in by_partition.items():
                futures = await self.producer.send_batch(topic, partition, records)
                self.sent += len(records)
                per_topic[topic] = per_topic.get(topic, 0) + len(records)
                tp = TP(topic, partition)
                self._inflight.extend((tp, f) for f in futures)

    def discard(self) -> None:
        """Forget buffered and in-flight records (their transaction aborted: never visible)."""
        for _, future in self._inflight:
            if isinstance(future, asyncio.Future):  # whatever it ends with is of no interest
                future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending, self._count, self._inflight = {}, 0, []

    async def wait_acks(self) -> dict[TP, int]:
        """Flush, then wait until the broker acknowledged everything; last offset per partition."""
        await self.flush()
        return await self.acks(self.take_inflight())

    def take_inflight(self) -> list[tuple[TP, Awaitable[int]]]:
        """The sends handed to the producer so far and not taken yet (what a commit covers);
        later flushes start a new list."""
        inflight, self._inflight = self._inflight, []
        return inflight

    async def acks_so_far(self) -> dict[TP, int]:
        """Flush, then wait for everything handed over so far, leaving it for the next
        :meth:`take_inflight` (awaiting a send twice is harmless)."""
        await self.flush()
        return await self.acks(list(self._inflight))

    async def acks(self, inflight: list[tuple[TP, Awaitable[int]]]) -> dict[TP, int]:
        """Wait for ``inflight`` sends; the last acknowledged offset per partition. A failed
        send raises."""
        if not inflight:
            return {}
        offsets = await asyncio.gather(*(f for _, f in inflight))
        last: dict[TP, int] = {}
        for (tp, _), offset in zip(inflight, offsets, strict=True):
            if offset > last.get(tp, -1):
                last[tp] = offset
        return last
