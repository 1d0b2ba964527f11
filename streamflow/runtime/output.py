"""Output buffering: records gathered per topic partition and handed to the producer in batches.

``add`` is what ``Topic.send`` calls on the hot path: it routes the key to its partition with
Kafka's partitioner (cached) and appends to a list. ``flush`` gives each partition's list to
the producer in one call; ``wait_acks`` waits for the broker to acknowledge everything handed
over so far, and returns the last acknowledged offset per partition (changelog offsets for the
state stores come from there). The commit path calls flush, then wait_acks, and only then
commits input offsets: that ordering is the at-least-once guarantee.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Sequence

from ..partitioner import Partitioner
from ..types import TP
from .transport.base import OutRecord, Producer


class OutputBuffer:
    def __init__(self, producer: Producer, partition_count: Callable[[str], int],
                 flush_at: int = 10_000) -> None:
        self.producer = producer
        self.partition_count = partition_count
        self.flush_at = flush_at
        self._partitioner = Partitioner()
        self._pending: dict[TP, list[OutRecord]] = {}
        self._count = 0
        self._inflight: list[tuple[TP, Awaitable[int]]] = []
        self._round_robin = 0
        self.sent = 0

    def add_nowait(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None,
                   timestamp: int | None, headers: Sequence[tuple[str, bytes]] | None) -> TP:
        if partition is None:
            n = self.partition_count(topic)
            if key is None:
                partition = self._round_robin % n
            else:
                partition = self._partitioner(key, n)
        tp = TP(topic, partition)
        records = self._pending.get(tp)
        if records is None:
            records = self._pending[tp] = []
        records.append((key, value, timestamp, headers))
        self._count += 1
        return tp

    async def add(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None,
                  timestamp: int | None, headers: Sequence[tuple[str, bytes]] | None) -> None:
        self.add_nowait(topic, key, value, partition, timestamp, headers)
        if self._count >= self.flush_at:
            await self.flush()

    @property
    def pending(self) -> int:
        return self._count

    async def flush(self) -> None:
        """Hand every buffered record to the producer (does not wait for acknowledgements)."""
        if not self._pending:
            return
        pending, self._pending, self._count = self._pending, {}, 0
        self._round_robin += 1
        for tp, records in pending.items():
            futures = await self.producer.send_batch(tp.topic, tp.partition, records)
            self.sent += len(records)
            self._inflight.extend((tp, f) for f in futures)

    async def wait_acks(self) -> dict[TP, int]:
        """Flush, then wait until the broker acknowledged everything; last offset per partition."""
        await self.flush()
        inflight, self._inflight = self._inflight, []
        if not inflight:
            return {}
        offsets = await asyncio.gather(*(f for _, f in inflight))
        last: dict[TP, int] = {}
        for (tp, _), offset in zip(inflight, offsets):
            if offset > last.get(tp, -1):
                last[tp] = offset
        return last
