"""The worker's group consumer on Kafka: fetches batches, commits offsets only when told,
reports rebalances through the worker's callbacks and assigns with streamflow's assignor."""
from __future__ import annotations

import logging
from typing import Any, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from ...config import Settings
from ...types import TP
from . import kafka_lease, kafka_offsets, kafka_txn
from .base import CommitFailed, RebalanceCallback
from .assignor import Task, assignor_for
from .kafka_client import client_options, fetched_lag, isolation_level

log = logging.getLogger("streamflow.kafka")

#: What one fetch response may carry, and one partition of it: aiokafka holds the response in
#: use and one fetched ahead, which is this part of a worker's memory budget (docs/memory.md).
FETCH_MAX_BYTES = 16 * 1024 * 1024
PARTITION_FETCH_MAX_BYTES = 4 * 1024 * 1024


class _Listener(ConsumerRebalanceListener):
    def __init__(self, on_revoked: RebalanceCallback, on_assigned: RebalanceCallback) -> None:
        self._on_revoked, self._on_assigned = on_revoked, on_assigned

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._on_revoked({TP(tp.topic, tp.partition) for tp in revoked})

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self._on_assigned({TP(tp.topic, tp.partition) for tp in assigned})


class KafkaConsumer:
    """The worker's group consumer on Kafka (aiokafka), with the sticky assignor, the
    group lease (at-least-once) and stable-offset checks (exactly-once)."""

    def __init__(self, settings: Settings, group: str, topics: list[str],
                 on_revoked: RebalanceCallback, on_assigned: RebalanceCallback,
                 holdings: Callable[[], tuple[set[Task], set[Task]]] | None = None,
                 on_standby: Callable[[set[Task]], None] | None = None, *,
                 endpoint: Callable[[], str | None] | None = None,
                 on_owners: Callable[[dict[Task, str]], None] | None = None) -> None:
        self.settings, self.topics = settings, topics
        self._listener = _Listener(on_revoked, on_assigned)
        self._consumer = AIOKafkaConsumer(
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset=settings.auto_offset_reset,
            max_poll_records=settings.batch_size,
            session_timeout_ms=settings.session_timeout_ms,
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
            max_poll_interval_ms=settings.max_poll_interval_ms,
            fetch_max_bytes=FETCH_MAX_BYTES,
            max_partition_fetch_bytes=PARTITION_FETCH_MAX_BYTES,
            isolation_level=isolation_level(settings),
            partition_assignment_strategy=(assignor_for(holdings or (lambda: (set(), set())),
                                                        settings.table_standby_replicas,
                                                        on_standby, endpoint, on_owners),),
            **client_options(settings),
        )

        self._committed_only = isolation_level(settings) == "read_committed"

    async def start(self) -> None:
        await self._consumer.start()
        self._lease = kafka_lease.install(self._consumer)
        if isolation_level(self.settings) == "read_committed":
            # Positions on assignment wait for a previous owner's open transaction (KIP-447).
            kafka_offsets.install(self._consumer)
        self._consumer.subscribe(self.topics, listener=self._listener)

    async def stop(self) -> None:
        await self._consumer.stop()

    async def getmany(self, timeout: float, max_records: int) -> dict[TP, list[Any]]:
        return await self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records)

    async def commit(self, offsets: dict[TP, int]) -> None:
        try:
            await self._consumer.commit({TopicPartition(tp.topic, tp.partition): off
                                         for tp, off in offsets.items()})
        except (CommitFailedError, IllegalStateError) as exc:
            raise CommitFailed(str(exc).split("\n")[0]) from None

    async def committed(self, tp: TP) -> int | None:
        return await self._consumer.committed(TopicPartition(tp.topic, tp.partition))

    async def lease(self) -> float | None:
        return await kafka_lease.until(self._consumer, self._lease)

    async def unstable(self, tps: set[TP]) -> set[TP] | None:
        held = await kafka_offsets.unstable(self._consumer, [TopicPartition(*tp) for tp in tps])
        return None if held is None else {TP(tp.topic, tp.partition) for tp in held}

    def assignment(self) -> set[TP]:
        return {TP(tp.topic, tp.partition) for tp in self._consumer.assignment()}

    def pause(self, tps: set[TP]) -> None:
        self._consumer.pause(*(TopicPartition(*tp) for tp in tps))

    def resume(self, tps: set[TP]) -> None:
        self._consumer.resume(*(TopicPartition(*tp) for tp in tps))

    def seek(self, tp: TP, offset: int) -> None:
        self._consumer.seek(TopicPartition(*tp), offset)

    def lag(self, tp: TP) -> int | None:
        return fetched_lag(self._consumer, TopicPartition(*tp), self._committed_only)

    def group_metadata(self) -> kafka_txn.GroupMetadata:
        coordinator = self._consumer._coordinator  # aiokafka keeps the generation there
        return kafka_txn.GroupMetadata(self._consumer._group_id, coordinator.generation,
                                       coordinator.member_id)
