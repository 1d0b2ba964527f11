"""``memory://``: an embedded broker with Kafka's semantics, in this process.

It keeps partitions as append-only lists with offsets, routes keys with Kafka's murmur2
partitioner (the runtime does that before it gets here), runs consumer groups with committed
offsets and rebalances when members join or leave, and wakes waiting consumers when data
arrives. A group assigns with the Kafka transport's assignor (``assign_tasks`` and
``assign_standbys``): tasks, stickiness to the member holding their state, standby tasks, so
several workers of one app in one process behave as on Kafka. Every ``memory://NAME`` URL is one broker shared by all apps in the process, so a test
can feed one app's output into another. Nothing is ever deleted (no retention, no compaction).

Transactions (exactly-once) behave as Kafka's do for a ``read_committed`` reader, which every
reader here is: a transaction's records take their offsets when sent, no reader reads past
the first offset of a transaction still open on a partition (the last stable offset), and an
aborted transaction's records are skipped. A new producer with the same transactional id
fences the old one and aborts what it left open; a commit whose offsets the group no longer
assigns to the committing member is refused and aborted. A transaction's offsets are pending
from the moment they are sent until it ends, and a consumer assigned their partitions waits
for it, as Kafka's ``require_stable`` offset fetch does (KIP-447).
"""
from __future__ import annotations

import asyncio
import itertools
import math
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from ...config import Settings
from ..clock import WallClock
from ...exceptions import ConfigError, ProducerFenced
from ...types import TP
from .assignor import Task, assign_standbys, assign_tasks, hosts_of, owners_from
from .base import CommitFailed, OutRecord, RebalanceCallback, TopicSpec, TransactionAborted

if TYPE_CHECKING:
    from .memory_admin import MemoryAdmin

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

    __slots__ = ("topic", "partition", "offset", "timestamp", "key", "value", "headers", "seq",
                 "aborted")

    def __init__(self, topic: str, partition: int, offset: int, timestamp: int,
                 key: bytes | None, value: bytes | None, headers: Any, seq: int = 0) -> None:
        self.topic, self.partition, self.offset = topic, partition, offset
        self.timestamp, self.key, self.value, self.headers = timestamp, key, value, headers or ()
        self.seq = seq
        self.aborted = False  # written by a transaction that aborted: never read

    def __repr__(self) -> str:
        return f"MemoryRecord({self.topic}[{self.partition}]@{self.offset}, {self.key!r}, {self.value!r})"


class MemoryBroker:
    """Topics, consumer groups and transactions of one ``memory://`` URL, in this process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.topics: dict[str, list[list[MemoryRecord]]] = {}
        self.configs: dict[str, dict[str, str]] = {}
        self.groups: dict[str, _Group] = {}
        self._waiters: list[asyncio.Future] = []
        self._seq = itertools.count()
        self.transactions: dict[str, _Transaction] = {}  # transactional id -> its state
        self._open_at: dict[TP, dict[str, int]] = {}  # partition -> open txn id -> first offset

    def create_topic(self, name: str, partitions: int, config: dict[str, str] | None = None) -> None:
        if name not in self.topics:
            self.topics[name] = [[] for _ in range(partitions)]
            self.configs[name] = dict(config or {})
            for group in self.groups.values():
                if name in group.subscribed_topics():
                    group.rebalance()

    def append(self, topic: str, partition: int, records: list[OutRecord], now_ms: int,
               wake: bool = True) -> int:
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
        if wake:
            self._wake()
        return len(log) - 1

    def end_offset(self, tp: TP) -> int:
        return len(self.topics[tp.topic][tp.partition])

    def stable_offset(self, tp: TP) -> int:
        """The last stable offset: readers stop before the first open transaction's records."""
        open_at = self._open_at.get(tp)
        return min(open_at.values()) if open_at else len(self.topics[tp.topic][tp.partition])

    def readable(self, tp: TP, start: int, limit: int) -> tuple[list["MemoryRecord"], int]:
        """Up to ``limit`` records a ``read_committed`` reader gets from ``start``, and the
        position after them (aborted records are skipped but still advance it)."""
        log = self.topics[tp.topic][tp.partition]
        chunk = log[start:min(start + limit, self.stable_offset(tp))]
        end = start + len(chunk)
        if any(r.aborted for r in chunk):
            chunk = [r for r in chunk if not r.aborted]
        return chunk, end

    # -- transactions ----------------------------------------------------------------------
    def init_transactions(self, transactional_id: str) -> int:
        """Register a producer for ``transactional_id``; fences the previous one (its open
        transaction is aborted) and returns the new epoch."""
        txn = self.transactions.get(transactional_id)
        if txn is None:
            txn = self.transactions[transactional_id] = _Transaction(transactional_id)
        self.end_transaction(transactional_id, commit=False)
        txn.epoch += 1
        return txn.epoch

    def check_epoch(self, transactional_id: str, epoch: int) -> "_Transaction":
        txn = self.transactions[transactional_id]
        if txn.epoch != epoch:
            raise ProducerFenced(f"transactional id {transactional_id} was taken over by another "
                                 "producer: another worker runs with this worker's identity")
        return txn

    def append_transactional(self, transactional_id: str, epoch: int, topic: str, partition: int,
                             records: list[OutRecord], now_ms: int) -> int:
        txn = self.check_epoch(transactional_id, epoch)
        tp = TP(topic, partition)
        last = self.append(topic, partition, records, now_ms, wake=False)
        first = last - len(records) + 1
        self._open_at.setdefault(tp, {}).setdefault(transactional_id, first)
        txn.records.extend(self.topics[topic][partition][first:last + 1])
        return last

    def end_transaction(self, transactional_id: str, commit: bool) -> None:
        txn = self.transactions.get(transactional_id)
        if txn is None:
            return
        if not commit:
            for record in txn.records:
                record.aborted = True
        elif txn.offsets:
            self.groups[txn.group].committed.update(txn.offsets)
        txn.offsets, txn.group = {}, ""
        for tp in {TP(r.topic, r.partition) for r in txn.records}:
            open_at = self._open_at.get(tp)
            if open_at is not None:
                open_at.pop(transactional_id, None)
                if not open_at:
                    del self._open_at[tp]
        txn.records = []
        self._wake()

    def add_offsets(self, transactional_id: str, group: str, offsets: dict[TP, int]) -> None:
        """The transaction's input offsets reach the group (``TxnOffsetCommit``): pending
        until it commits."""
        txn = self.transactions[transactional_id]
        txn.offsets.update(offsets)
        txn.group = group

    def offsets_pending(self, group: str, tp: TP) -> bool:
        """Is a transaction holding offsets of ``tp`` for ``group`` still open?"""
        return any(t.group == group and tp in t.offsets for t in self.transactions.values())

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


class _Transaction:
    """One transactional id: its producer epoch and the records of its open transaction."""

    def __init__(self, transactional_id: str) -> None:
        self.transactional_id = transactional_id
        self.epoch = 0
        self.records: list[MemoryRecord] = []
        self.offsets: dict[TP, int] = {}  # sent to the group, committed with the transaction
        self.group = ""


class _Group:
    """A consumer group: members, their assignment, committed offsets."""

    def __init__(self, broker: MemoryBroker, name: str) -> None:
        self.broker, self.name = broker, name
        self.members: list[MemoryConsumer] = []
        self.committed: dict[TP, int] = {}
        self.generation = 0
        self.assignment: dict[int, set[TP]] = {}
        self.standbys: dict[int, set[Task]] = {}
        self.owners: dict[Task, str] = {}  # task -> its member's advertised HTTP address
        self._joined = itertools.count()

    def join(self, member: "MemoryConsumer") -> None:
        member.member_id = f"{self.name}-{next(self._joined):06d}"  # join order: deterministic
        self.members.append(member)
        self.rebalance()

    def evict(self, member: "MemoryConsumer") -> None:
        """Drop ``member`` as Kafka does when its session times out; it finds out, gives up
        its partitions and rejoins on its next fetch (tests use this to make a zombie)."""
        self.members.remove(member)
        self.rebalance()

    def subscribed_topics(self) -> set[str]:
        return {t for m in self.members for t in m.topics}

    def rebalance(self) -> None:
        """Assign as the Kafka transport's assignor does: a task (one partition number across
        the topics with the same partition count) goes to one member, balanced, staying with
        the member that holds its state (or a standby copy of it); then up to the largest
        ``table_standby_replicas`` of the members standby copies of each task elsewhere.
        Members report what they hold when the group rebalances, as in their join metadata."""
        self.generation += 1
        counts = {t: len(self.broker.topics[t]) for t in sorted(self.subscribed_topics())
                  if t in self.broker.topics}
        tasks = sorted({(n, p) for n in counts.values() for p in range(n)})
        holdings = {m.member_id: m.holdings() for m in self.members}
        plan = assign_tasks(holdings, tasks)
        replicas = max((m.settings.table_standby_replicas for m in self.members), default=0)
        standbys = assign_standbys(holdings, plan, replicas)
        self.owners = owners_from(hosts_of(plan, {m.member_id: m.endpoint() for m in self.members}))
        self.assignment, self.standbys = {}, {}
        for member in self.members:
            self.assignment[id(member)] = {
                TP(topic, p) for n, p in plan[member.member_id]
                for topic in member.topics if counts.get(topic) == n}
            self.standbys[id(member)] = set(standbys.get(member.member_id, ()))
        self.broker._wake()


class MemoryConsumer:
    """A member of a ``memory://`` consumer group (the real assignor assigns it)."""

    def __init__(self, broker: MemoryBroker, group: str, topics: list[str], settings: Settings,
                 on_revoked: RebalanceCallback, on_assigned: RebalanceCallback,
                 holdings: Callable[[], tuple[set[Task], set[Task]]] | None = None,
                 on_standby: Callable[[set[Task]], None] | None = None, *,
                 endpoint: Callable[[], str | None] | None = None,
                 on_owners: Callable[[dict[Task, str]], None] | None = None) -> None:
        self.broker, self.group_name, self.topics = broker, group, list(topics)
        self.settings = settings
        self.on_revoked, self.on_assigned = on_revoked, on_assigned
        self._holdings = holdings
        self._on_standby = on_standby
        self._endpoint = endpoint
        self._on_owners = on_owners
        self.member_id = ""
        self._assigned: set[TP] = set()
        self._generation = -1
        self._positions: dict[TP, int] = {}
        self._paused: set[TP] = set()
        self._group: _Group | None = None

    async def start(self) -> None:
        self._group = self.broker.groups.setdefault(self.group_name, _Group(self.broker, self.group_name))
        self._group.join(self)

    async def stop(self) -> None:
        group = self._group
        if group is None:
            return
        if self._assigned:
            await self.on_revoked(set(self._assigned))
        self._assigned = set()
        self._group = None
        if self in group.members:  # else evicted already: the group rebalanced then
            group.members.remove(self)
            group.rebalance()

    async def _maybe_rebalance(self) -> None:
        group = self._group
        assert group is not None
        if self not in group.members:
            # Evicted (what a missed session timeout does on Kafka): like aiokafka, give the
            # partitions up first (a commit attempted now is refused: not a member), then rejoin.
            if self._assigned:
                await self.on_revoked(set(self._assigned))
            self._assigned = set()
            group.join(self)
        while self._generation != group.generation:
            generation = group.generation
            if self._assigned:
                await self.on_revoked(set(self._assigned))
            self._assigned = set(group.assignment.get(id(self), set()))
            self._generation = generation
            self._positions = {}
            for tp in self._assigned:
                self._position_from_committed(tp)
            self._paused &= self._assigned
            if self._on_standby is not None:  # as the Kafka assignor's on_assignment: first
                self._on_standby(set(group.standbys.get(id(self), ())))
            if self._on_owners is not None:
                self._on_owners(dict(group.owners))
            await self.on_assigned(set(self._assigned))

    async def getmany(self, timeout: float, max_records: int) -> dict[TP, list[MemoryRecord]]:
        await self._maybe_rebalance()
        out = self._collect(max_records)
        if not out and timeout > 0:
            await self.broker.wait_for_data(timeout)
            await self._maybe_rebalance()
            out = self._collect(max_records)
        return out

    def _position_from_committed(self, tp: TP) -> None:
        """Start ``tp`` at its committed offset, once no open transaction holds it."""
        assert self._group is not None
        if self.broker.offsets_pending(self.group_name, tp):
            return  # no position yet: _collect asks again
        committed = self._group.committed.get(tp)
        if committed is None:
            committed = 0 if self.settings.auto_offset_reset == "earliest" else self.broker.end_offset(tp)
        self._positions[tp] = committed

    def _collect(self, max_records: int) -> dict[TP, list[MemoryRecord]]:
        out: dict[TP, list[MemoryRecord]] = {}
        budget = max_records
        for tp in sorted(self._assigned - self._paused):
            if budget <= 0:
                break
            if tp not in self._positions:
                self._position_from_committed(tp)
                if tp not in self._positions:
                    continue
            chunk, self._positions[tp] = self.broker.readable(tp, self._positions[tp], budget)
            if chunk:
                out[tp] = chunk
                budget -= len(chunk)
        return out

    async def commit(self, offsets: dict[TP, int]) -> None:
        assert self._group is not None
        if self not in self._group.members:
            raise CommitFailed(f"member of group {self.group_name} was evicted: the group "
                               "rebalanced and the partitions may have another owner")
        for tp, offset in offsets.items():
            if tp in self._assigned:
                self._group.committed[tp] = offset

    async def committed(self, tp: TP) -> int | None:
        return self._group.committed.get(tp) if self._group else None

    async def lease(self) -> float | None:
        """Forever while a member (the group takes partitions from a member only by
        evicting it or on its own next poll); None once evicted."""
        group = self._group
        return math.inf if group is not None and self in group.members else None

    async def unstable(self, tps: set[TP]) -> set[TP]:
        return {tp for tp in tps if self.broker.offsets_pending(self.group_name, tp)}

    def assignment(self) -> set[TP]:
        return set(self._assigned)

    def holdings(self) -> dict[str, set[Task]]:
        """What this member tells the assignor it holds (its join metadata on Kafka)."""
        if self._holdings is None:
            return {}
        active, standby = self._holdings()
        return {"active": set(active), "standby": set(standby)}

    def endpoint(self) -> str | None:
        """The HTTP address this member advertises (its join metadata on Kafka)."""
        return None if self._endpoint is None else self._endpoint()

    def pause(self, tps: set[TP]) -> None:
        self._paused |= tps & self._assigned

    def resume(self, tps: set[TP]) -> None:
        self._paused -= tps

    def seek(self, tp: TP, offset: int) -> None:
        self._positions[tp] = offset

    def lag(self, tp: TP) -> int | None:
        position = self._positions.get(tp)
        return None if position is None else max(0, self.broker.stable_offset(tp) - position)

    def group_metadata(self) -> "MemoryConsumer":
        return self

    def owns(self, tps: Any) -> bool:
        """Would the group accept offsets for ``tps`` from this member now?"""
        group = self._group
        return group is not None and self in group.members and set(tps) <= self._assigned


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

    async def read_many(self, ranges: dict[TP, tuple[int, int]], max_records: int) -> Any:
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
