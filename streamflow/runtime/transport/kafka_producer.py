"""The producer on Kafka: fills aiokafka ``BatchBuilder``s per partition (a third of the cost
of a per-message ``send()``); with a transactional id, every record sent between two commits
is in one transaction, committed with the input offsets (exactly-once)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.errors import ProducerFenced as KafkaProducerFenced

from ...config import Settings
from ...exceptions import ProducerFenced, StreamflowError
from ...types import TP
from . import kafka_txn
from .base import OutRecord, TransactionAborted
from .kafka_client import client_options

log = logging.getLogger("streamflow.kafka")


class KafkaProducer:
    """Batches to aiokafka; with a ``transactional_id``, every send belongs to the open
    transaction (begun on the first send after a commit) until :meth:`commit_transaction`."""

    def __init__(self, settings: Settings, transactional_id: str | None = None) -> None:
        extra: dict[str, Any] = {}
        if transactional_id is not None:
            extra = {"transactional_id": transactional_id,
                     "transaction_timeout_ms": settings.transaction_timeout_ms}
        self._producer = AIOKafkaProducer(
            acks="all",
            linger_ms=settings.linger_ms,
            max_batch_size=settings.max_batch_bytes,
            max_request_size=max(settings.max_batch_bytes, 1048576),
            compression_type=settings.compression_type,
            enable_idempotence=True,
            **client_options(settings),
            **extra,
        )
        self.transactional_id = transactional_id
        self._in_transaction = False
        self._txn_partitions: set[TopicPartition] = set()
        self._group: kafka_txn.GroupMetadata | None = None
        if transactional_id is not None:
            kafka_txn.install(self._producer, lambda: self._group)

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaProducerFenced:
            raise self._fenced() from None

    async def stop(self) -> None:
        await self._producer.stop()

    # -- transactions (exactly-once) -------------------------------------------------------
    def _fenced(self) -> ProducerFenced:
        return ProducerFenced(
            f"transactional id {self.transactional_id} was taken over by another producer: "
            "another worker runs with this worker's identity (two live workers with the same "
            "worker_id, or on the same host with the same data_dir?); "
            "this one stops without committing")

    async def _begin(self) -> None:
        await self._producer.begin_transaction()
        self._in_transaction = True

    async def commit_transaction(self, offsets: dict[TP, int], group: kafka_txn.GroupMetadata) -> None:
        producer = self._producer
        # Every partition written is in the transaction by now (the worker waited for the
        # acknowledgements): remember them for abort_transaction (see there).
        self._txn_partitions = set(producer._txn_manager.txn_partitions)
        try:
            if not self._in_transaction:
                if not offsets:
                    return
                await self._begin()
            if offsets and (group.generation_id < 0 or not group.member_id):
                # Not a member (it was evicted and has not rejoined): Kafka would accept
                # offsets without a generation unchecked, so refuse them here.
                raise kafka_txn.GroupFenced(f"this worker is not a member of group "
                                            f"{group.group_id} right now (it was evicted)")
            if offsets:
                self._group = group
                await producer.send_offsets_to_transaction(
                    {TopicPartition(tp.topic, tp.partition): off for tp, off in offsets.items()},
                    group.group_id)
            await producer.commit_transaction()
        except KafkaProducerFenced:
            raise self._fenced() from None
        except (KafkaError, kafka_txn.GroupFenced) as exc:
            txn_manager = producer._txn_manager
            if txn_manager is not None and txn_manager.is_fatal_error():
                # The producer cannot go on (its sender failed): stop rather than retry.
                self._in_transaction = False
                raise StreamflowError(f"the transactional producer {self.transactional_id} failed "
                                      f"and cannot continue: {type(exc).__name__}: {exc}") from exc
            await self._abort_after(exc)
            raise TransactionAborted(f"{type(exc).__name__}: {exc}") from exc
        self._in_transaction = False
        self._txn_partitions = set()

    async def abort_transaction(self) -> None:
        if not self._in_transaction:
            return
        txn_manager = self._producer._txn_manager
        # aiokafka forgets the transaction's partitions when a request fails with an abortable
        # error, and then skips EndTxn(ABORT) as if the transaction were empty: the broker
        # would keep it open and a later commit of this producer would commit its records.
        # Give the partitions back so that the abort reaches the broker.
        if not txn_manager.txn_partitions and self._txn_partitions:
            txn_manager.txn_partitions.update(self._txn_partitions)
        waiter = txn_manager._transaction_waiter
        if waiter is not None and waiter.done() and not waiter.cancelled():
            waiter.exception()  # the error was reported by the failed call already
        try:
            await self._producer.abort_transaction()
        except KafkaProducerFenced:
            raise self._fenced() from None
        finally:
            self._in_transaction = False
            self._txn_partitions = set()

    async def _abort_after(self, exc: BaseException) -> None:
        try:
            await self.abort_transaction()
        except ProducerFenced:
            raise
        except Exception as abort_exc:  # noqa: BLE001 - the first error is the one to report
            log.warning("aborting the transaction after %s failed too: %s", exc, abort_exc)

    async def send_batch(self, topic: str, partition: int,
                         records: list[OutRecord]) -> list[Awaitable[int]]:
        producer = self._producer
        if self.transactional_id is not None and not self._in_transaction:
            await self._begin()
        futures: list[Awaitable[int]] = []
        batch = producer.create_batch()
        for key, value, ts, headers in records:
            hdrs = list(headers) if headers else []
            if batch.append(key=key, value=value, timestamp=ts, headers=hdrs) is None:
                futures.append(await self._submit(batch, topic, partition))
                batch = producer.create_batch()
                if batch.append(key=key, value=value, timestamp=ts, headers=hdrs) is None:
                    raise ValueError(f"record for {topic}[{partition}] is larger than max_batch_bytes")
        if batch.record_count():
            futures.append(await self._submit(batch, topic, partition))
        return futures

    async def _submit(self, batch: Any, topic: str, partition: int) -> Awaitable[int]:
        count = batch.record_count()
        batch.close()
        fut = await self._producer.send_batch(batch, topic, partition=partition)
        loop = asyncio.get_running_loop()
        last: asyncio.Future = loop.create_future()

        def done(f: asyncio.Future) -> None:
            if last.done():
                return
            if f.cancelled():
                last.cancel()
            elif f.exception() is not None:
                last.set_exception(f.exception())  # type: ignore[arg-type]
            else:
                last.set_result(f.result().offset + count - 1)
        fut.add_done_callback(done)
        return last
