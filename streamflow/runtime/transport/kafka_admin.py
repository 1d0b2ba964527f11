"""``kafka://`` operations from outside the app's group: topics, offsets, group members, and
committing a group's offsets while it is empty (``streamflow reset``).

The reset commits with a group-less identity (generation -1, no member id), which Kafka
accepts only while the group has no member: a worker that joins between our check and the
commit makes the broker refuse it, so a reset can never move offsets under a running worker.
"""
from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (CommitFailedError, IllegalGenerationError, KafkaError,
                             RebalanceInProgressError, UnknownMemberIdError, for_code)
from aiokafka.structs import OffsetAndMetadata

from ...config import Settings
from ...types import TP
from .base import GroupNotEmpty


class KafkaAdmin:
    """The operations commands' side of a Kafka broker (see ``base.Admin``)."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings, self._options = settings, options
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        self._admin = AIOKafkaAdminClient(
            request_timeout_ms=int(self.settings.broker_timeout * 1000), **self._options)
        await self._admin.start()
        self._consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, **self._options)
        await self._consumer.start()

    async def stop(self) -> None:
        for client in (self._consumer, self._admin):
            if client is not None:
                try:
                    await (client.stop() if isinstance(client, AIOKafkaConsumer) else client.close())
                except Exception:  # noqa: BLE001 - closing; nothing left to report
                    pass
        self._consumer = self._admin = None

    async def list_topics(self) -> list[str]:
        assert self._admin is not None
        return sorted(await self._admin.list_topics())

    async def offsets(self, tps: list[TP], which: str) -> dict[TP, int]:
        assert self._consumer is not None
        if not tps:
            return {}
        ktps = [TopicPartition(*tp) for tp in tps]
        found = await (self._consumer.beginning_offsets(ktps) if which == "earliest"
                       else self._consumer.end_offsets(ktps))
        return {TP(tp.topic, tp.partition): off for tp, off in found.items()}

    async def offsets_for_time(self, tps: list[TP], timestamp_ms: int) -> dict[TP, int]:
        assert self._consumer is not None
        if not tps:
            return {}
        ends = await self.offsets(tps, "latest")
        found = await self._consumer.offsets_for_times(
            {TopicPartition(*tp): timestamp_ms for tp in tps})
        return {tp: (found[TopicPartition(*tp)].offset if found.get(TopicPartition(*tp))
                     else ends[tp]) for tp in tps}

    async def committed_offsets(self, group: str) -> dict[TP, int]:
        assert self._admin is not None
        found = await self._admin.list_consumer_group_offsets(group)
        return {TP(tp.topic, tp.partition): meta.offset for tp, meta in found.items()
                if meta.offset >= 0}

    async def group_members(self, group: str) -> list[str]:
        assert self._admin is not None
        members = []
        for response in await self._admin.describe_consumer_groups([group]):
            for entry in response.groups:
                error_code, name, _state, _ptype, _protocol, group_members = entry[:6]
                if error_code:  # the group's own error is in the response, not raised
                    raise for_code(error_code)(f"describing consumer group {name}")
                if name == group:
                    members += [f"{m[1]}@{m[2].lstrip('/')}" for m in group_members]
        return members

    async def reset_offsets(self, group: str, offsets: dict[TP, int]) -> None:
        members = await self.group_members(group)
        if members:
            raise GroupNotEmpty(group, members)
        consumer = AIOKafkaConsumer(group_id=group, enable_auto_commit=False, **self._options)
        await consumer.start()
        try:
            ktps = {TopicPartition(*tp): OffsetAndMetadata(off, "") for tp, off in offsets.items()}
            consumer.assign(list(ktps))  # no subscribe: it never joins the group
            try:
                await consumer.commit(ktps)
            except (CommitFailedError, UnknownMemberIdError, IllegalGenerationError,
                    RebalanceInProgressError) as exc:
                # A worker joined since we looked: the broker refuses a group-less commit.
                raise GroupNotEmpty(group, await self.group_members(group) or
                                    [f"(joined meanwhile: {type(exc).__name__})"]) from None
        finally:
            try:
                await consumer.stop()
            except KafkaError:
                pass
