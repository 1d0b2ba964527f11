"""``memory://``: an embedded broker with Kafka's semantics, in this process.

It keeps partitions as append-only lists with offsets, routes keys with Kafka's murmur2
partitioner (the runtime does that before it gets here), runs consumer groups with committed
offsets and rebalances when members join or leave, and wakes waiting consumers when data
arrives. Every ``memory://NAME`` URL is one broker shared by all apps in the process, so a test
can feed one app's output into another. Nothing is ever deleted (no retention, no compaction).
"""
from __future__ import annotations

import asyncio
import itertools
from typing import Any, Awaitable

from ...config import Settings
from ..clock import WallClock
from ...exceptions import ConfigError
from ...types import TP
from .base import OutRecord, RebalanceCallback, TopicSpec

_BROKERS: dict[str, "MemoryBroker"] = {}


def broker_for(url: str) -> "MemoryBroker":
    """The process-wide broker for ``url`` (created on first use)."""
    broker = _BROKERS.get(url)
    if broker is None:
        broker = _BROKERS[url] = MemoryBroker(url)
    return broker


def reset_brokers() -> None:
    """Forget every in-memory broker (test isolation)."""
    _BROKERS.clear()


class MemoryRecord:
    """A stored record. ``seq`` is its position in the broker's global append order, which
    the test driver uses to list outputs in the order they were produced."""

    __slots__ = ("topic", "partition", "offset", "timestamp", "key", "value", "headers", "seq")

    def __init__(self, topic: str, partition: int, offset: int, timestamp: int,
                 key: bytes | None, value: bytes | None, headers: Any, seq: int = 0) -> None:
        self.topic, self.partition, self.offset = topic, partition, offset
        self.timestamp, self.key, self.value, self.headers = timestamp, key, value, headers or ()
        self.seq = seq

    def __repr__(self) -> str:
        return f"MemoryRecord({self.topic}[{self.partition}]@{self.offset}, {self.key!r}, {self.value!r})"


class MemoryBroker:
    def __init__(self, url: str) -> None:
        self.url = url
        self.topics: dict[str, list[list[MemoryRecord]]] = {}
        self.configs: dict[str, dict[str, str]] = {}
        self.groups: dict[str, _Group] = {}
        self._waiters: list[asyncio.Future] = []
        self._seq = itertools.count()

    def create_topic(self, name: str, partitions: int, config: dict[str, str] | None = None) -> None:
        if name not in self.topics:
            self.topics[name] = [[] for _ in range(partitions)]
            self.configs[name] = dict(config or {})
            for group in self.groups.values():
                if name in group.subscribed_topics():
                    group.rebalance()

    def append(self, topic: str, partition: int, records: list[OutRecord], now_ms: int) -> int:
        try:
            log = self.topics[topic][partition]
        except KeyError:
            raise ConfigError(f"unknown topic {topic!r} on {self.url}: declare it with app.topic()") from None
        except IndexError:
            raise ConfigError(f"{topic} has no partition {partition}") from None
        base = len(log)
        for i, (key, value, ts, headers) in enumerate(records):
            log.append(MemoryRecord(topic, partition, base + i, now_ms if ts is None else ts,
                                    key, value, tuple(headers or ()), next(self._seq)))
        self._wake()
        return len(log) - 1

    def end_offset(self, tp: TP) -> int:
        return len(self.topics[tp.topic][tp.partition])

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    async def wait_for_data(self, timeout: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            pass


class _Group:
    """A consumer group: members, their assignment, committed offsets."""

    def __init__(self, broker: MemoryBroker, name: str) -> None:
        self.broker, self.name = broker, name
        self.members: list[MemoryConsumer] = []
        self.committed: dict[TP, int] = {}
        self.generation = 0
        self.assignment: dict[int, set[TP]] = {}

    def subscribed_topics(self) -> set[str]:
        return {t for m in self.members for t in m.topics}

    def rebalance(self) -> None:
        """Partition p of every topic goes to member p % n: co-partitioned topics stay together."""
        self.generation += 1
        self.assignment = {id(m): set() for m in self.members}
        if not self.members:
            return
        for member in self.members:
            for topic in member.topics:
                for p in range(len(self.broker.topics.get(topic, []))):
                    owner = self.members[p % len(self.members)]
                    if topic in owner.topics:
                        self.assignment[id(owner)].add(TP(topic, p))
                    else:
                        self.assignment[id(member)].add(TP(topic, p))
        self.broker._wake()


class MemoryConsumer:
    def __init__(self, broker: MemoryBroker, group: str, topics: list[str], settings: Settings,
                 on_revoked: RebalanceCallback, on_assigned: RebalanceCallback) -> None:
        self.broker, self.group_name, self.topics = broker, group, list(topics)
        self.settings = settings
        self.on_revoked, self.on_assigned = on_revoked, on_assigned
        self._assigned: set[TP] = set()
        self._generation = -1
        self._positions: dict[TP, int] = {}
        self._paused: set[TP] = set()
        self._group: _Group | None = None

    async def start(self) -> None:
        self._group = self.broker.groups.setdefault(self.group_name, _Group(self.broker, self.group_name))
        self._group.members.append(self)
        self._group.rebalance()

    async def stop(self) -> None:
        group = self._group
        if group is None:
            return
        if self._assigned:
            await self.on_revoked(set(self._assigned))
        group.members.remove(self)
        self._assigned = set()
        self._group = None
        group.rebalance()

    async def _maybe_rebalance(self) -> None:
        group = self._group
        assert group is not None
        while self._generation != group.generation:
            generation = group.generation
            if self._assigned:
                await self.on_revoked(set(self._assigned))
            self._assigned = set(group.assignment.get(id(self), set()))
            self._generation = generation
            self._positions = {}
            for tp in self._assigned:
                committed = group.committed.get(tp)
                if committed is None:
                    committed = 0 if self.settings.auto_offset_reset == "earliest" else self.broker.end_offset(tp)
                self._positions[tp] = committed
            self._paused &= self._assigned
            await self.on_assigned(set(self._assigned))

    async def getmany(self, timeout: float, max_records: int) -> dict[TP, list[MemoryRecord]]:
        await self._maybe_rebalance()
        out = self._collect(max_records)
        if not out and timeout > 0:
            await self.broker.wait_for_data(timeout)
            await self._maybe_rebalance()
            out = self._collect(max_records)
        return out

    def _collect(self, max_records: int) -> dict[TP, list[MemoryRecord]]:
        out: dict[TP, list[MemoryRecord]] = {}
        budget = max_records
        for tp in sorted(self._assigned - self._paused):
            if budget <= 0:
                break
            log = self.broker.topics[tp.topic][tp.partition]
            pos = self._positions[tp]
            if pos < len(log):
                chunk = log[pos:pos + budget]
                out[tp] = chunk
                self._positions[tp] = pos + len(chunk)
                budget -= len(chunk)
        return out

    async def commit(self, offsets: dict[TP, int]) -> None:
        assert self._group is not None
        for tp, offset in offsets.items():
            if tp in self._assigned:
                self._group.committed[tp] = offset

    async def committed(self, tp: TP) -> int | None:
        return self._group.committed.get(tp) if self._group else None

    def assignment(self) -> set[TP]:
        return set(self._assigned)

    def pause(self, tps: set[TP]) -> None:
        self._paused |= tps & self._assigned

    def resume(self, tps: set[TP]) -> None:
        self._paused -= tps

    def seek(self, tp: TP, offset: int) -> None:
        self._positions[tp] = offset


class MemoryProducer:
    def __init__(self, transport: "MemoryTransport") -> None:
        self.transport = transport

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send_batch(self, topic: str, partition: int,
                         records: list[OutRecord]) -> list[Awaitable[int]]:
        last = self.transport.broker.append(topic, partition, records, self.transport.now_ms())
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(last)
        return [fut]


class MemoryChangelogReader:
    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker

    async def end_offsets(self, tps: list[TP]) -> dict[TP, int]:
        return {tp: self.broker.end_offset(tp) for tp in tps}

    async def read(self, tp: TP, start: int, end: int, max_records: int) -> list[MemoryRecord]:
        log = self.broker.topics[tp.topic][tp.partition]
        return log[start:min(end, start + max_records)]

    async def read_many(self, ranges: dict[TP, tuple[int, int]], max_records: int) -> Any:
        for tp, (start, end) in ranges.items():
            while start < end:
                records = await self.read(tp, start, end, max_records)
                if not records:
                    break
                yield tp, records
                start = records[-1].offset + 1

    async def stop(self) -> None:
        pass


class MemoryBroadcastReader:
    def __init__(self, broker: MemoryBroker, topic: str, partitions: int) -> None:
        self.broker, self.topic = broker, topic
        self.positions = {p: 0 for p in range(partitions)}

    async def start(self) -> None:
        pass

    async def poll(self, max_records: int) -> list[MemoryRecord]:
        out: list[MemoryRecord] = []
        for p, pos in sorted(self.positions.items()):
            log = self.broker.topics[self.topic][p]
            chunk = log[pos:pos + max_records - len(out)]
            out.extend(chunk)
            self.positions[p] = pos + len(chunk)
            if len(out) >= max_records:
                break
        return out

    def seek(self, partition: int, offset: int) -> None:
        self.positions[partition] = offset

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
                 on_standby: Any = None) -> MemoryConsumer:
        return MemoryConsumer(self.broker, group, topics, self.settings, on_revoked, on_assigned)

    def producer(self) -> MemoryProducer:
        return MemoryProducer(self)

    def changelog_reader(self) -> MemoryChangelogReader:
        return MemoryChangelogReader(self.broker)

    def broadcast_reader(self, topic: str, partitions: int) -> MemoryBroadcastReader:
        return MemoryBroadcastReader(self.broker, topic, partitions)

    def describe(self) -> str:
        return f"embedded broker {self.settings.broker}"
