"""``memory://``: an embedded broker with Kafka's semantics, in this process.

It keeps partitions as append-only lists with offsets, routes keys with Kafka's murmur2
partitioner (the runtime does that before it gets here), runs consumer groups with committed
offsets and rebalances when members join or leave, and wakes waiting consumers when data
arrives. A group assigns with the Kafka transport's assignor (``assign_tasks`` and
``assign_standbys``): tasks, stickiness to the member holding their state, standby tasks, so
several workers of one app in one process behave as on Kafka. Every ``memory://NAME`` URL is
one broker shared by all apps in the process, so a test can feed one app's output into another.
Nothing is ever deleted (no retention, no compaction).

Transactions (exactly-once) behave as Kafka's do for a ``read_committed`` reader, which every
reader here is: a transaction's records take their offsets when sent, no reader reads past
the first offset of a transaction still open on a partition (the last stable offset), and an
aborted transaction's records are skipped. A new producer with the same transactional id
fences the old one and aborts what it left open; a commit whose offsets the group no longer
assigns to the committing member is refused and aborted. A transaction's offsets are pending
from the moment they are sent until it ends, and a consumer assigned their partitions waits
for it, as Kafka's ``require_stable`` offset fetch does (KIP-447).

The broker's log and transactions are in ``memory_broker.py``, its consumer groups (and
their consumers) in ``memory_group.py``; this module has the other clients (producer,
readers) and the transport the worker is given.
"""
from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any, AsyncGenerator, Awaitable, Callable

from ...config import Settings
from ..clock import WallClock
from ...types import TP
from .base import OutRecord, RebalanceCallback, TopicSpec, TransactionAborted
from .memory_broker import MemoryBroker, MemoryRecord, broker_for, reset_brokers
from .memory_group import MemoryConsumer, MemoryGroup

if TYPE_CHECKING:
    from .memory_admin import MemoryAdmin

__all__ = ["MemoryTransport", "MemoryProducer", "MemoryConsumer", "MemoryChangelogReader",
           "MemoryBroadcastReader", "MemoryBroker", "MemoryGroup", "MemoryRecord", "broker_for",
           "reset_brokers"]


class MemoryProducer:
    """Appends to a ``memory://`` broker's logs; with a transactional id, in
    transactions that readers see only once committed."""

    def __init__(self, transport: "MemoryTransport", transactional_id: str | None = None) -> None:
        self.transport = transport
        self.transactional_id = transactional_id
        self._epoch = 0
        self._in_transaction = False
        # Called between sending the offsets and ending the transaction: tests stall a
        # worker there (a zombie between TxnOffsetCommit and EndTxn).
        self.before_end: Callable[[], Awaitable[None]] | None = None

    async def start(self) -> None:
        if self.transactional_id is not None:
            self._epoch = self.transport.broker.init_transactions(self.transactional_id)

    async def stop(self) -> None:
        pass

    async def send_batch(self, topic: str, partition: int,
                         records: list[OutRecord]) -> list[Awaitable[int]]:
        broker, now = self.transport.broker, self.transport.now_ms()
        if self.transactional_id is None:
            last = broker.append(topic, partition, records, now)
        else:
            self._in_transaction = True
            last = broker.append_transactional(self.transactional_id, self._epoch, topic, partition,
                                               records, now)
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(last)
        return [fut]

    async def commit_transaction(self, offsets: dict[TP, int], group: MemoryConsumer) -> None:
        assert self.transactional_id is not None
        broker = self.transport.broker
        broker.check_epoch(self.transactional_id, self._epoch)
        if offsets and not group.owns(offsets):
            broker.end_transaction(self.transactional_id, commit=False)
            self._in_transaction = False
            raise TransactionAborted(f"group {group.group_name} refused the offsets: the group "
                                     "rebalanced and the partitions have another owner")
        if offsets:
            broker.add_offsets(self.transactional_id, group.group_name, offsets)
            if self.before_end is not None:
                await self.before_end()
            broker.check_epoch(self.transactional_id, self._epoch)  # EndTxn: fenced by epoch only
        broker.end_transaction(self.transactional_id, commit=True)
        self._in_transaction = False

    async def abort_transaction(self) -> None:
        if self.transactional_id is not None and self._in_transaction:
            broker = self.transport.broker
            broker.check_epoch(self.transactional_id, self._epoch)
            broker.end_transaction(self.transactional_id, commit=False)
        self._in_transaction = False


class MemoryChangelogReader:
    """Reads ``memory://`` partitions without a group (restores, dead letters)."""

    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker

    async def end_offsets(self, tps: list[TP]) -> dict[TP, int]:
        return {tp: self.broker.stable_offset(tp) for tp in tps}

    async def read(self, tp: TP, start: int, end: int, max_records: int) -> list[MemoryRecord]:
        while start < end:
            records, position = self.broker.readable(tp, start, min(max_records, end - start))
            if records or position == start:
                return records
            start = position  # only aborted records here: look further
        return []

    async def read_many(self, ranges: dict[TP, tuple[int, int]],
                        max_records: int) -> AsyncGenerator[tuple[TP, list[MemoryRecord]], None]:
        for tp, (start, end) in ranges.items():
            while start < end:
                records, position = self.broker.readable(tp, start, min(max_records, end - start))
                if position == start:
                    break
                if records:
                    yield tp, records
                start = position

    async def stop(self) -> None:
        pass


class MemoryBroadcastReader:
    """Reads every partition of one ``memory://`` topic without a group."""

    def __init__(self, broker: MemoryBroker, topic: str, partitions: int) -> None:
        self.broker, self.topic = broker, topic
        self.positions = {p: 0 for p in range(partitions)}
        self.paused: set[int] = set()

    async def start(self) -> None:
        pass

    async def poll(self, max_records: int) -> list[MemoryRecord]:
        out: list[MemoryRecord] = []
        for p, pos in sorted(self.positions.items()):
            if p in self.paused:
                continue
            chunk, self.positions[p] = self.broker.readable(TP(self.topic, p), pos,
                                                            max_records - len(out))
            out.extend(chunk)
            if len(out) >= max_records:
                break
        return out

    def seek(self, partition: int, offset: int) -> None:
        self.positions[partition] = offset

    def lag(self, partition: int) -> int | None:
        return max(0, self.broker.stable_offset(TP(self.topic, partition)) - self.positions[partition])

    def pause(self, partition: int) -> None:
        self.paused.add(partition)

    def resume(self, partition: int) -> None:
        self.paused.discard(partition)

    async def stop(self) -> None:
        pass


class MemoryTransport:
    """The in-process broker behind ``memory://``."""

    _ids = itertools.count()

    def __init__(self, settings: Settings, now_ms: Any = None) -> None:
        self.settings = settings
        self.broker = broker_for(settings.broker)
        self.extra: dict[str, Any] = {}
        self.now_ms = now_ms or WallClock().now_ms

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def ensure_topics(self, specs: list[TopicSpec]) -> None:
        for spec in specs:
            self.broker.create_topic(spec.name, spec.partitions, spec.config)

    async def partition_count(self, topic: str) -> int | None:
        parts = self.broker.topics.get(topic)
        return None if parts is None else len(parts)

    def consumer(self, group: str, topics: list[str], on_revoked: RebalanceCallback,
                 on_assigned: RebalanceCallback, holdings: Any = None,
                 on_standby: Any = None, *, endpoint: Any = None,
                 on_owners: Any = None) -> MemoryConsumer:
        return MemoryConsumer(self.broker, group, topics, self.settings, on_revoked, on_assigned,
                              holdings, on_standby, endpoint=endpoint, on_owners=on_owners)

    def producer(self, transactional_id: str | None = None) -> MemoryProducer:
        return MemoryProducer(self, transactional_id)

    def changelog_reader(self) -> MemoryChangelogReader:
        return MemoryChangelogReader(self.broker)

    def broadcast_reader(self, topic: str, partitions: int) -> MemoryBroadcastReader:
        return MemoryBroadcastReader(self.broker, topic, partitions)

    def admin(self) -> "MemoryAdmin":
        from .memory_admin import MemoryAdmin
        return MemoryAdmin(self.broker)

    def describe(self) -> str:
        return f"embedded broker {self.settings.broker}"
