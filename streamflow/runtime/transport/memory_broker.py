"""The log and the transactions of a ``memory://`` broker (see ``memory.py``).

Partitions are append-only lists with offsets; nothing is ever deleted (no retention, no
compaction). Transactions behave as Kafka's do for a ``read_committed`` reader, which every
reader here is: a transaction's records take their offsets when sent, no reader reads past
the first offset of a transaction still open on a partition (the last stable offset), and an
aborted transaction's records are skipped. A new producer with the same transactional id
fences the old one and aborts what it left open. A transaction's offsets are pending from the
moment they are sent until it ends (KIP-447's ``require_stable``: see :meth:`MemoryBroker.offsets_pending`).
"""
from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

from ...exceptions import ConfigError, ProducerFenced
from ...types import TP
from .base import OutRecord

if TYPE_CHECKING:
    from .memory_group import MemoryGroup

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
        self.groups: dict[str, "MemoryGroup"] = {}
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
        except TimeoutError:
            pass


class _Transaction:
    """One transactional id: its producer epoch and the records of its open transaction."""

    def __init__(self, transactional_id: str) -> None:
        self.transactional_id = transactional_id
        self.epoch = 0
        self.records: list[MemoryRecord] = []
        self.offsets: dict[TP, int] = {}  # sent to the group, committed with the transaction
        self.group = ""
