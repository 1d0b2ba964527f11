"""Committed offsets that wait for open transactions (KIP-447's ``require_stable``).

A worker that stalls after its transaction's offsets reached the group coordinator
(``TxnOffsetCommit``) but before it commits the transaction (``EndTxn``) can still commit it
when it resumes: the producer is fenced by its transactional id only, and the generation
check happened with the offsets. If the group gave its partitions to another worker in the
meantime, and that worker fetched the committed offsets without waiting, it starts from the
offsets *before* that transaction and processes its records a second time.

Kafka's answer (KIP-447, which Kafka Streams relies on) is ``OffsetFetch`` with
``require_stable``: while a transaction holding offsets for a partition is open, the
coordinator answers ``UNSTABLE_OFFSET_COMMIT`` and the new owner asks again, until the
transaction commits (it then starts after it) or aborts (it starts before it). That needs
request version 7; aiokafka 0.14 sends at most version 3. This module sends version 7
itself, for one consumer instance: :func:`install` makes that consumer's group coordinator
fetch committed offsets this way (its positions on assignment), and :func:`unstable` tells
the worker which partitions are still held, before it restores their tables. aiokafka itself
is not patched. A broker without version 7 (older than 2.5) gets version 3: no waiting.
"""
from __future__ import annotations

import collections
import logging
import types
from typing import Any, Iterable

from aiokafka import errors as Errors
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.commit import OffsetFetchRequest_v3
from aiokafka.protocol.types import (Boolean, CompactArray, CompactString, Int16, Int32, Int64,
                                     Schema, TaggedFields)
from aiokafka.structs import OffsetAndMetadata, TopicPartition

log = logging.getLogger("streamflow.kafka")

UNSTABLE_OFFSET_COMMIT = 88
UNKNOWN_OFFSET = -1


class UnstableOffsets(Errors.KafkaError):
    """Offsets of these partitions belong to a transaction that is still open."""

    retriable = True  # aiokafka's coordinator asks again after retry_backoff_ms


class OffsetFetchResponse_v7(Response):
    """OffsetFetch v7's response (per group and partition: committed offset or error)."""

    API_KEY = 9
    API_VERSION = 7
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("topics", CompactArray(
            ("name", CompactString("utf-8")),
            ("partitions", CompactArray(
                ("partition_index", Int32),
                ("committed_offset", Int64),
                ("committed_leader_epoch", Int32),
                ("metadata", CompactString("utf-8")),
                ("error_code", Int16),
                ("tags", TaggedFields))),
            ("tags", TaggedFields))),
        ("error_code", Int16),
        ("tags", TaggedFields),
    )


class OffsetFetchRequest_v7(RequestStruct):
    """OffsetFetch v7 with ``require_stable`` (KIP-447); aiokafka sends at most v3."""

    FLEXIBLE_VERSION = True
    API_KEY = 9
    API_VERSION = 7
    RESPONSE_TYPE = OffsetFetchResponse_v7
    SCHEMA = Schema(
        ("group_id", CompactString("utf-8")),
        ("topics", CompactArray(
            ("name", CompactString("utf-8")),
            ("partition_indexes", CompactArray(Int32)),
            ("tags", TaggedFields))),
        ("require_stable", Boolean),
        ("tags", TaggedFields),
    )


class StableOffsetFetchRequest(Request[OffsetFetchRequest_v3 | OffsetFetchRequest_v7]):
    """Version 7 with ``require_stable`` when the broker has it, else version 3."""

    API_KEY = 9

    def __init__(self, group_id: str, partitions: list[tuple[str, list[int]]]) -> None:
        self._group_id, self._partitions = group_id, partitions

    def build(self, request_struct_class: Any) -> Any:
        if request_struct_class is OffsetFetchRequest_v3:
            return OffsetFetchRequest_v3(self._group_id, self._partitions)
        return OffsetFetchRequest_v7(self._group_id,
                                     [(t, ps, {}) for t, ps in self._partitions], True, {})


async def fetch(coordinator: Any, partitions: Iterable[TopicPartition]
                ) -> tuple[dict[TopicPartition, OffsetAndMetadata], set[TopicPartition]]:
    """(committed offsets, partitions whose offsets an open transaction holds) of
    ``partitions``, from ``coordinator`` (an aiokafka ``GroupCoordinator``). Other errors are
    handled as aiokafka's own fetch handles them."""
    by_topic: dict[str, list[int]] = collections.defaultdict(list)
    for tp in partitions:
        by_topic[tp.topic].append(tp.partition)
    response = await coordinator._send_req(
        StableOffsetFetchRequest(coordinator.group_id, sorted(by_topic.items())))
    top_error = getattr(response, "error_code", 0)
    if top_error:
        _raise(coordinator, Errors.for_code(top_error), None)
    offsets: dict[TopicPartition, OffsetAndMetadata] = {}
    unstable: set[TopicPartition] = set()
    for topic, topic_partitions, *_ in response.topics:
        for entry in topic_partitions:
            if response.API_VERSION >= 7:
                partition, offset, _epoch, metadata, error_code, _tags = entry
            else:
                partition, offset, metadata, error_code = entry
            tp = TopicPartition(topic, partition)
            if error_code == UNSTABLE_OFFSET_COMMIT:
                unstable.add(tp)
                continue
            if error_code:
                error_type = Errors.for_code(error_code)
                if error_type is Errors.UnknownTopicOrPartitionError:
                    log.warning("committed offsets of %s: unknown topic", topic)
                    continue
                _raise(coordinator, error_type, tp)
            if offset != UNKNOWN_OFFSET:
                offsets[tp] = OffsetAndMetadata(offset, metadata or "")
    return offsets, unstable


def _raise(coordinator: Any, error_type: Any, tp: TopicPartition | None) -> None:
    if error_type is Errors.NotCoordinatorForGroupError:
        coordinator.coordinator_dead()
    if error_type is Errors.GroupAuthorizationFailedError:
        raise error_type(coordinator.group_id)
    error = error_type()
    if getattr(error, "retriable", False) or error_type is Errors.GroupLoadInProgressError:
        raise error
    raise Errors.KafkaError(f"fetching committed offsets{f' of {tp}' if tp else ''}: {error!r}")


def install(consumer: Any) -> None:
    """Make ``consumer`` (a started ``AIOKafkaConsumer``) fetch committed offsets with
    ``require_stable``: its positions on assignment wait for open transactions to end."""
    coordinator = consumer._coordinator

    async def do_fetch_commit_offsets(self: Any, partitions: Any) -> dict:
        offsets, unstable = await fetch(self, partitions)
        if unstable:
            raise UnstableOffsets(f"{sorted(unstable)} are held by an open transaction")
        return offsets

    coordinator._do_fetch_commit_offsets = types.MethodType(do_fetch_commit_offsets, coordinator)


async def unstable(consumer: Any, partitions: Iterable[TopicPartition]) -> set[TopicPartition] | None:
    """Which of ``partitions`` have committed offsets held by an open transaction; None when
    the coordinator could not be asked now (ask again later)."""
    coordinator = consumer._coordinator
    try:
        await coordinator.ensure_coordinator_known()
        return (await fetch(coordinator, partitions))[1]
    except Errors.KafkaError as exc:
        log.debug("could not check for unstable offsets: %r", exc)
        return None
