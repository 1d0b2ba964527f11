"""``kafka://``: the transport over aiokafka.

Batches in, batches out: the consumer hands back everything ``getmany`` fetched, the producer
fills aiokafka ``BatchBuilder``s per partition (``create_batch``/``send_batch``), which costs a
third of a per-message ``send()``. Offsets are only ever committed explicitly by the worker.

The clients are in their own modules: ``kafka_consumer.py`` (the group consumer),
``kafka_producer.py``, ``kafka_readers.py`` (group-less readers), ``kafka_client.py`` (the
options they share); this module has the transport that makes them and the topics.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from ...config import Settings
from ...exceptions import BrokerUnavailable
from .base import RebalanceCallback, TopicSpec
from .assignor import Task
from .kafka_diagnosis import connect_failure_cause
from .kafka_client import client_options, isolation_level
from .kafka_consumer import KafkaConsumer
from .kafka_producer import KafkaProducer
from .kafka_readers import KafkaBroadcastReader, KafkaChangelogReader

if TYPE_CHECKING:
    from .kafka_admin import KafkaAdmin

__all__ = ["KafkaTransport", "KafkaConsumer", "KafkaProducer", "KafkaChangelogReader",
           "KafkaBroadcastReader", "client_options", "isolation_level"]

if TYPE_CHECKING:
    from .kafka_admin import KafkaAdmin

log = logging.getLogger("streamflow.kafka")


class KafkaTransport:
    """``kafka://host:port[,host:port]``: aiokafka clients configured from the settings
    (security included)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.extra: dict[str, Any] = {}
        self._admin: AIOKafkaAdminClient | None = None

    async def start(self) -> None:
        options = client_options(self.settings)
        admin = AIOKafkaAdminClient(request_timeout_ms=int(self.settings.broker_timeout * 1000),
                                    **options)
        try:
            await asyncio.wait_for(admin.start(), self.settings.broker_timeout)
        except (TimeoutError, KafkaError, OSError) as exc:
            await _quietly(admin.close())
            cause = await connect_failure_cause(self.settings, options, self.settings.broker_timeout)
            if cause is not None:
                raise BrokerUnavailable(f"cannot connect to Kafka at {self.settings.bootstrap_servers}: "
                                        f"{cause}") from None
            raise BrokerUnavailable(
                f"cannot reach Kafka at {self.settings.bootstrap_servers} within "
                f"{self.settings.broker_timeout:g}s ({type(exc).__name__}: {exc or 'timeout'}); "
                "check --broker and that the broker is running") from None
        self._admin = admin

    async def stop(self) -> None:
        if self._admin is not None:
            await _quietly(self._admin.close())
            self._admin = None

    async def ensure_topics(self, specs: list[TopicSpec]) -> None:
        assert self._admin is not None
        existing = set(await self._admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return
        resp = await self._admin.create_topics([
            NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=dict(s.config))
            for s in missing])
        for name, code, *rest in resp.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                message = rest[0] if rest else ""
                raise BrokerUnavailable(f"cannot create topic {name!r}: error {code} {message}")
        for spec in missing:
            log.info("created topic %s (%d partitions%s)", spec.name, spec.partitions,
                     f", {spec.config}" if spec.config else "")
        # Wait until metadata shows every new topic with its partitions.
        names = [s.name for s in missing]
        for _ in range(100):
            counts = await self._partition_counts(names)
            if all(counts.get(n) for n in names):
                return
            await asyncio.sleep(0.1)

    async def _partition_counts(self, topics: list[str]) -> dict[str, int]:
        assert self._admin is not None
        out: dict[str, int] = {}
        for t in await self._admin.describe_topics(topics):
            if t.get("error_code", 0) == 0 and t.get("partitions"):
                out[t["topic"]] = len(t["partitions"])
        return out

    async def partition_count(self, topic: str) -> int | None:
        return (await self._partition_counts([topic])).get(topic)

    def consumer(self, group: str, topics: list[str], on_revoked: RebalanceCallback,
                 on_assigned: RebalanceCallback,
                 holdings: Callable[[], tuple[set[Task], set[Task]]] | None = None,
                 on_standby: Callable[[set[Task]], None] | None = None, *,
                 endpoint: Callable[[], str | None] | None = None,
                 on_owners: Callable[[dict[Task, str]], None] | None = None) -> KafkaConsumer:
        return KafkaConsumer(self.settings, group, topics, on_revoked, on_assigned, holdings,
                             on_standby, endpoint=endpoint, on_owners=on_owners)

    def producer(self, transactional_id: str | None = None) -> KafkaProducer:
        return KafkaProducer(self.settings, transactional_id)

    def changelog_reader(self) -> KafkaChangelogReader:
        return KafkaChangelogReader(self.settings)

    def broadcast_reader(self, topic: str, partitions: int) -> KafkaBroadcastReader:
        return KafkaBroadcastReader(self.settings, topic, partitions)

    def admin(self) -> "KafkaAdmin":
        from .kafka_admin import KafkaAdmin
        return KafkaAdmin(self.settings, client_options(self.settings))

    def describe(self) -> str:
        return f"Kafka at {self.settings.bootstrap_servers}"


async def _quietly(aw: Awaitable[Any]) -> None:
    try:
        await aw
    except Exception:  # noqa: BLE001 - closing after a failure; the first error is what matters
        pass
