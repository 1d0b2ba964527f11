"""``kafka://``: the transport over aiokafka.

Batches in, batches out: the consumer hands back everything ``getmany`` fetched, the producer
fills aiokafka ``BatchBuilder``s per partition (``create_batch``/``send_batch``), which costs a
third of a per-message ``send()``. Offsets are only ever committed explicitly by the worker.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError, TopicAlreadyExistsError
from aiokafka.errors import ProducerFenced as KafkaProducerFenced
from aiokafka.helpers import create_ssl_context

from ...config import Settings
from ...exceptions import BrokerUnavailable, ProducerFenced, StreamflowError
from ...types import TP
from . import kafka_lease, kafka_offsets, kafka_txn
from .base import CommitFailed, OutRecord, RebalanceCallback, TopicSpec, TransactionAborted
from .assignor import Task, assignor_for
from .kafka_diagnosis import connect_failure_cause

log = logging.getLogger("streamflow.kafka")


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection and security options shared by every aiokafka client (SASL/SSL pass through)."""
    opts: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
        "client_id": "streamflow",
    }
    if settings.sasl_mechanism:
        opts["sasl_mechanism"] = settings.sasl_mechanism
        opts["sasl_plain_username"] = settings.sasl_username
        opts["sasl_plain_password"] = settings.sasl_password
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        opts["ssl_context"] = create_ssl_context(cafile=settings.ssl_cafile,
                                                 certfile=settings.ssl_certfile,
                                                 keyfile=settings.ssl_keyfile)
    return opts


def isolation_level(settings: Settings) -> str:
    """Exactly-once reads only committed transactions: what an aborted transaction wrote
    (output or changelog) is never processed nor restored."""
    return "read_committed" if settings.processing_guarantee == "exactly_once" else "read_uncommitted"


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
            fetch_max_bytes=16 * 1024 * 1024,
            max_partition_fetch_bytes=4 * 1024 * 1024,
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
        return _lag(self._consumer, TopicPartition(*tp), self._committed_only)

    def group_metadata(self) -> kafka_txn.GroupMetadata:
        coordinator = self._consumer._coordinator  # aiokafka keeps the generation there
        return kafka_txn.GroupMetadata(self._consumer._group_id, coordinator.generation,
                                       coordinator.member_id)


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
                        max_records: int) -> "AsyncIterator[tuple[TP, list[Any]]]":
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
        return _lag(self._consumer, TopicPartition(self.topic, partition), self._committed_only)

    def pause(self, partition: int) -> None:
        self._consumer.pause(TopicPartition(self.topic, partition))

    def resume(self, partition: int) -> None:
        self._consumer.resume(TopicPartition(self.topic, partition))

    async def stop(self) -> None:
        await self._consumer.stop()


def _lag(consumer: AIOKafkaConsumer, tp: TopicPartition, committed_only: bool) -> int | None:
    """End offset (the last stable offset for read_committed) minus position, from what the
    last fetch response said; None before the first response. aiokafka keeps both in its
    subscription state; its public ``position()`` is a coroutine that may wait for a reset."""
    subscription = consumer._subscription.subscription
    assignment = subscription.assignment if subscription is not None else None
    state = assignment.state_value(tp) if assignment is not None else None
    if state is None:
        return None
    end = state.lso if committed_only else state.highwater
    if end is None or end < 0 or not state.has_valid_position:
        return None
    return max(0, end - state.position)


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
        except (KafkaError, OSError, asyncio.TimeoutError) as exc:
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
