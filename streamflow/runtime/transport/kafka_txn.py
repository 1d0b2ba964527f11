"""Offsets in a Kafka transaction, fenced by the consumer group's generation (KIP-447).

Exactly-once needs the input offsets committed in the same transaction as the output, and a
*zombie* (a worker the group already replaced, e.g. after a long pause) must not be able to
commit a transaction for partitions that moved on. Kafka does that check when the
``TxnOffsetCommit`` request carries the consumer's generation and member id (version 3+):
the group coordinator refuses a stale generation, so the zombie's transaction can only abort.

aiokafka 0.14 sends only version 0 of that request, which has no generation, so a worker
using it would be fenced by nothing but its ``transactional_id``. This module gives one
producer's sender a handler that sends version 3 with the group metadata the worker passes
at commit time, and turns the fencing answers into an *abortable* transaction error (the
worker aborts, rolls its local state back and goes on) instead of aiokafka's fatal error.
It also retries the transient answers aiokafka 0.14 does not (``NETWORK_EXCEPTION`` from
brokers with transaction partition verification, ``CONCURRENT_TRANSACTIONS``).

Only the producer instance given to :func:`install` is changed; aiokafka itself is not
patched. If the broker does not speak version 3, version 0 is sent (no generation fencing).
"""
from __future__ import annotations

import logging
import types
from dataclasses import dataclass
from typing import Any, Callable

from aiokafka import errors as Errors
from aiokafka.producer.sender import CoordinationType, TxnOffsetCommitHandler
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.transaction import TxnOffsetCommitRequest_v0
from aiokafka.protocol.types import (CompactArray, CompactString, Int16, Int32, Int64, Schema,
                                     TaggedFields)
from aiokafka.structs import TopicPartition

log = logging.getLogger("streamflow.kafka")

# Answers meaning "this worker is no longer the partitions' owner": abort, do not retry.
# ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID.
FENCING_CODES = {22: "ILLEGAL_GENERATION", 25: "UNKNOWN_MEMBER_ID", 27: "REBALANCE_IN_PROGRESS",
                 82: "FENCED_INSTANCE_ID"}
# Transient answers aiokafka 0.14 does not retry: NETWORK_EXCEPTION (which aiokafka maps to
# another name; brokers with transaction partition verification send it) and
# CONCURRENT_TRANSACTIONS.
RETRY_CODES = {13, 51}


class GroupFenced(Errors.KafkaError):
    """The group coordinator refused the transaction's offsets: the group moved on."""

    retriable = False


@dataclass(frozen=True)
class GroupMetadata:
    """What the group coordinator checks before accepting offsets in a transaction."""

    group_id: str
    generation_id: int = -1
    member_id: str = ""
    group_instance_id: str | None = None


class TxnOffsetCommitResponse_v3(Response):
    """TxnOffsetCommit v3's response (an error code per partition)."""

    API_KEY = 28
    API_VERSION = 3
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("errors", CompactArray(
            ("topic", CompactString("utf-8")),
            ("partition_errors", CompactArray(
                ("partition", Int32),
                ("error_code", Int16),
                ("tags", TaggedFields))),
            ("tags", TaggedFields))),
        ("tags", TaggedFields),
    )


class TxnOffsetCommitRequest_v3(RequestStruct):
    """TxnOffsetCommit v3, which carries the group's generation and member id (KIP-447) so that
    the coordinator fences a zombie's offsets; aiokafka sends only v0."""

    FLEXIBLE_VERSION = True
    API_KEY = 28
    API_VERSION = 3
    RESPONSE_TYPE = TxnOffsetCommitResponse_v3
    SCHEMA = Schema(
        ("transactional_id", CompactString("utf-8")),
        ("group_id", CompactString("utf-8")),
        ("producer_id", Int64),
        ("producer_epoch", Int16),
        ("generation_id", Int32),
        ("member_id", CompactString("utf-8")),
        ("group_instance_id", CompactString("utf-8")),
        ("topics", CompactArray(
            ("name", CompactString("utf-8")),
            ("partitions", CompactArray(
                ("partition_index", Int32),
                ("committed_offset", Int64),
                ("committed_leader_epoch", Int32),
                ("committed_metadata", CompactString("utf-8")),
                ("tags", TaggedFields))),
            ("tags", TaggedFields))),
        ("tags", TaggedFields),
    )


class FencedTxnOffsetCommitRequest(Request[TxnOffsetCommitRequest_v0 | TxnOffsetCommitRequest_v3]):
    """Version 3 (with the group's generation) when the broker has it, else version 0."""

    API_KEY = 28

    def __init__(self, transactional_id: str, producer_id: int, producer_epoch: int,
                 group: GroupMetadata, offsets: dict[str, list[tuple[int, int, str]]]) -> None:
        self._args = (transactional_id, producer_id, producer_epoch, group, offsets)

    def build(self, request_struct_class: Any) -> Any:
        transactional_id, producer_id, producer_epoch, group, offsets = self._args
        if request_struct_class is TxnOffsetCommitRequest_v0:
            return TxnOffsetCommitRequest_v0(transactional_id, group.group_id, producer_id,
                                             producer_epoch, list(offsets.items()))
        topics: list[tuple[str, list[tuple[int, int, int, str, dict]], dict]] = [
            (topic, [(p, offset, -1, metadata, {}) for p, offset, metadata in parts], {})
            for topic, parts in offsets.items()]
        return TxnOffsetCommitRequest_v3(transactional_id, group.group_id, producer_id,
                                         producer_epoch, group.generation_id, group.member_id,
                                         group.group_instance_id, topics, {})


class _FencedOffsetCommitHandler(TxnOffsetCommitHandler):
    def __init__(self, sender: Any, offsets: Any, group: GroupMetadata) -> None:
        super().__init__(sender, offsets, group.group_id)
        self._group = group

    def create_request(self) -> FencedTxnOffsetCommitRequest:
        txn = self._sender._txn_manager
        by_topic: dict[str, list[tuple[int, int, str]]] = {}
        for tp, meta in sorted(self._offsets.items()):
            by_topic.setdefault(tp.topic, []).append((tp.partition, meta.offset, meta.metadata))
        return FencedTxnOffsetCommitRequest(txn.transactional_id, txn.producer_id,
                                            txn.producer_epoch, self._group, by_topic)

    def handle_response(self, resp: Any) -> float | None:
        txn = self._sender._txn_manager
        for topic, partitions, *_ in resp.errors:  # v3 entries end with tagged fields
            for partition, error_code, *_ in partitions:
                if error_code == 0:
                    tp = TopicPartition(topic, partition)
                    txn.offset_committed(tp, self._offsets[tp].offset, self._group_id)
                    continue
                if error_code in FENCING_CODES:
                    txn.error_transaction(GroupFenced(
                        f"group {self._group_id} refused the offsets of {topic}[{partition}] "
                        f"in the transaction ({FENCING_CODES[error_code]}, generation "
                        f"{self._group.generation_id}): the group rebalanced and the partition "
                        f"may have another owner"))
                    return None
                if error_code in RETRY_CODES:
                    return self._default_backoff
                return super().handle_response(_OnePartition(topic, partition, error_code))
        return None


class _OnePartition:
    """A response holding one partition's error, for aiokafka's own handling of the rest."""

    def __init__(self, topic: str, partition: int, error_code: int) -> None:
        self.errors = [(topic, [(partition, error_code)])]


def install(producer: Any, group_metadata: Callable[[], GroupMetadata | None]) -> None:
    """Make ``producer`` (an ``AIOKafkaProducer`` with a ``transactional_id``) send its
    transactional offset commits with the group metadata ``group_metadata()`` returns."""
    sender = producer._sender
    original = sender._do_txn_offset_commit

    async def do_txn_offset_commit(self: Any, offsets: Any, group_id: str) -> None:
        group = group_metadata()
        if group is None or group.group_id != group_id:
            return await original(offsets, group_id)
        if not offsets:
            return None
        try:
            node_id = await self._find_coordinator(CoordinationType.GROUP, group_id)
        except Errors.GroupAuthorizationFailedError as exc:
            self._txn_manager.error_transaction(exc)
            return None
        return await _FencedOffsetCommitHandler(self, offsets, group).do(node_id)

    sender._do_txn_offset_commit = types.MethodType(do_txn_offset_commit, sender)
