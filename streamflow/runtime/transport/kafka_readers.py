"""Group-less readers on Kafka: partitions by offset range (restoring tables, dead letters)
and every partition of one topic (global tables, foreign-key joins' right sides)."""
from __future__ import annotations

from typing import Any, AsyncGenerator

from aiokafka import AIOKafkaConsumer, TopicPartition

from ...config import Settings
from ...types import TP
from .kafka_client import client_options, fetched_lag, isolation_level


class KafkaChangelogReader:
    """Reads partitions by offset range with a group-less consumer (state recovery)."""

    def __init__(self, settings: Settings) -> None:
        self._consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None,
                                          isolation_level=isolation_level(settings),
                                          max_poll_records=50_000, fetch_max_wait_ms=50,
                                          fetch_max_bytes=64 * 1024 * 1024,
                                          max_partition_fetch_bytes=16 * 1024 * 1024,
                                          **client_options(settings))
        self._started = False
        self._assigned: set[TP] = set()

    async def _start(self) -> None:
        if not self._started:
            await self._consumer.start()
            self._started = True

    async def end_offsets(self, tps: list[TP]) -> dict[TP, int]:
        await self._start()
        ends = await self._consumer.end_offsets([TopicPartition(*tp) for tp in tps])
        return {TP(tp.topic, tp.partition): off for tp, off in ends.items()}

    async def read(self, tp: TP, start: int, end: int, max_records: int) -> list[Any]:
        await self._start()
        ktp = TopicPartition(*tp)
        if tp not in self._assigned:
            self._assigned.add(tp)
            self._consumer.assign([TopicPartition(*t) for t in self._assigned])
        self._consumer.seek(ktp, start)
        out: list[Any] = []
        while not out:
            batch = await self._consumer.getmany(ktp, timeout_ms=1000, max_records=max_records)
            out = [r for r in batch.get(ktp, []) if r.offset < end]
            if not out and await self._consumer.position(ktp) >= end:
                break
        return out

    async def read_many(self, ranges: dict[TP, tuple[int, int]],
                        max_records: int) -> "AsyncGenerator[tuple[TP, list[Any]], None]":
        """Records of several partitions, each from its start to its end offset, fetched
        together (one fetch request covers every partition still behind)."""
        await self._start()
        pending = {tp: rng for tp, rng in ranges.items() if rng[0] < rng[1]}
        if not pending:
            return
        self._assigned |= set(pending)
        self._consumer.assign([TopicPartition(*t) for t in self._assigned])
        for tp, (start, _) in pending.items():
            self._consumer.seek(TopicPartition(*tp), start)
        while pending:
            batch = await self._consumer.getmany(*(TopicPartition(*tp) for tp in pending),
                                                 timeout_ms=1000, max_records=max_records)
            for ktp, records in batch.items():
                tp = TP(ktp.topic, ktp.partition)
                if tp not in pending:
                    continue
                end = pending[tp][1]
                records = [r for r in records if r.offset < end]
                if records:
                    yield tp, records
            for tp in list(pending):
                if await self._consumer.position(TopicPartition(*tp)) >= pending[tp][1]:
                    del pending[tp]

    async def stop(self) -> None:
        if self._started:
            await self._consumer.stop()


class KafkaBroadcastReader:
    """All partitions of a topic through a group-less consumer; ``poll`` takes what was
    prefetched."""

    def __init__(self, settings: Settings, topic: str, partitions: int) -> None:
        self.topic, self.partitions = topic, partitions
        self._consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None,
                                          auto_offset_reset="earliest", fetch_max_wait_ms=50,
                                          isolation_level=isolation_level(settings),
                                          **client_options(settings))
        self._committed_only = isolation_level(settings) == "read_committed"

    async def start(self) -> None:
        await self._consumer.start()
        tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
        self._consumer.assign(tps)
        starts = await self._consumer.beginning_offsets(tps)
        for tp in tps:
            self._consumer.seek(tp, starts[tp])

    async def poll(self, max_records: int) -> list[Any]:
        batch = await self._consumer.getmany(timeout_ms=0, max_records=max_records)
        return [r for tp in sorted(batch) for r in batch[tp]]

    def seek(self, partition: int, offset: int) -> None:
        self._consumer.seek(TopicPartition(self.topic, partition), offset)

    def lag(self, partition: int) -> int | None:
        return fetched_lag(self._consumer, TopicPartition(self.topic, partition), self._committed_only)

    def pause(self, partition: int) -> None:
        self._consumer.pause(TopicPartition(self.topic, partition))

    def resume(self, partition: int) -> None:
        self._consumer.resume(TopicPartition(self.topic, partition))

    async def stop(self) -> None:
        await self._consumer.stop()
