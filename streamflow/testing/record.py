"""``streamflow record``: read a real topic into a recording file."""
from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from ..app import App
from ..exceptions import StreamflowError
from .recording import RecordedRecord, encode_line


async def record_topic(app: App, topic: str, out: str | Path, *, from_beginning: bool = False,
                       since_ms: int | None = None, limit: int | None = None,
                       idle_timeout: float | None = None) -> int:
    """Write records of ``topic`` to ``out``. With ``from_beginning``/``since_ms`` it stops at the
    end offsets seen at start; otherwise it follows new records until ``limit``, Ctrl-C, or
    ``idle_timeout`` seconds without a record."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from ..runtime.transport.kafka import KafkaTransport, client_options
    if not app.settings.broker.startswith("kafka://"):
        raise StreamflowError("streamflow record reads from Kafka: pass --broker kafka://host:port")
    consumed = app.source_topics()
    if topic not in consumed:
        raise StreamflowError(f"app {app.id} does not consume {topic!r} (it consumes: "
                              f"{', '.join(sorted(consumed)) or 'nothing'}); a recording of it "
                              "could not be replayed through this app")
    transport = KafkaTransport(app.settings)
    await transport.start()
    try:
        partitions = await transport.partition_count(topic)
    finally:
        await transport.stop()
    if partitions is None:
        raise StreamflowError(f"topic {topic!r} does not exist on {app.settings.bootstrap_servers}")
    consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, **client_options(app.settings))
    await consumer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (RuntimeError, NotImplementedError):
            pass
    written = 0
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        bounded = from_beginning or since_ms is not None
        ends = await consumer.end_offsets(tps)
        if since_ms is not None:
            found = await consumer.offsets_for_times({tp: since_ms for tp in tps})
            for tp in tps:
                consumer.seek(tp, found[tp].offset if found.get(tp) else ends[tp])
        elif from_beginning:
            # Explicit offsets: seek_to_beginning() was seen to land on the end offsets against
            # Kafka 4.1 when the records' timestamps are old.
            starts = await consumer.beginning_offsets(tps)
            for tp in tps:
                consumer.seek(tp, starts[tp])
        else:
            for tp in tps:
                consumer.seek(tp, ends[tp])
        # Our own positions: aiokafka's position() moves when it prefetches, before we see records.
        done = {tp: await consumer.position(tp) for tp in tps}
        last_record = time.monotonic()
        with open(out, "wb") as f:  # noqa: ASYNC230 - buffered writes; nothing else runs on this loop
            while not stop.is_set() and (limit is None or written < limit):
                if bounded and all(done[tp] >= ends[tp] for tp in tps):
                    break
                if idle_timeout is not None and time.monotonic() - last_record > idle_timeout:
                    break
                batch = await consumer.getmany(timeout_ms=200)
                for tp, records in sorted(batch.items()):
                    if records:
                        done[tp] = records[-1].offset + 1
                    for r in records:
                        if bounded and r.offset >= ends[TopicPartition(r.topic, r.partition)]:
                            continue
                        f.write(encode_line(RecordedRecord(r.topic, r.partition, r.offset, r.timestamp,
                                                           r.key, r.value, tuple(r.headers or ()))) + b"\n")
                        written += 1
                        last_record = time.monotonic()
                        if limit is not None and written >= limit:
                            break
                    if limit is not None and written >= limit:
                        break
    finally:
        await consumer.stop()
    return written


__all__ = ["record_topic"]
