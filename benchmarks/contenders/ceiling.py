"""The ceiling: a minimal hand-written aiokafka loop per workload, no framework.

As fast as aiokafka allows: ``getmany`` batches, output built per partition with
``create_batch()``/``send_batch()``, acknowledgements awaited and one offset commit per fetched
batch (at-least-once, like the frameworks); windowed state is a plain dict without a changelog
(the windowed workloads' no-durability ceiling); the enrichment
table is read into a dict first. Exactly-once: one transaction per fetched batch, offsets sent
to the transaction. Restore: the changelog read into a rocksdict Rdict with WriteBatch.

    python -m benchmarks.contenders.ceiling stateless|windowed|windowed_ts|enrichment|eos|restore

Settings come from the environment (BENCH_BOOTSTRAP, BENCH_IN, BENCH_OUT, BENCH_GROUP,
BENCH_TABLE, BENCH_CHANGELOG, BENCH_DATA_DIR), set by ``benchmarks.run``.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streamflow.partitioner import Partitioner

ENV = os.environ
BOOTSTRAP = ENV.get("BENCH_BOOTSTRAP", "127.0.0.1:9092")
WINDOW_MS = 60_000
MAX_RECORDS = 10_000
PARTITIONS = int(ENV.get("BENCH_PARTITIONS", "8"))


def consumer(group: str | None, **kw) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False,
                            auto_offset_reset="earliest", max_poll_records=MAX_RECORDS,
                            fetch_max_bytes=16 << 20, max_partition_fetch_bytes=4 << 20, **kw)


async def send_all(producer: AIOKafkaProducer, topic: str, out: dict[int, list]) -> list:
    """One batch (or a few, when full) per output partition; returns the delivery futures."""
    futures = []
    for p, records in out.items():
        batch = producer.create_batch()
        for key, value, ts in records:
            if batch.append(key=key, value=value, timestamp=ts) is None:
                batch.close()
                futures.append(await producer.send_batch(batch, topic, partition=p))
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=ts)
        batch.close()
        futures.append(await producer.send_batch(batch, topic, partition=p))
    return futures


def make_stateless():
    loads, dumps = orjson.loads, orjson.dumps

    def process(records, emit):
        for r in records:
            v = loads(r.value)
            if v["amount"] < 50.0:
                v["amount_eur"] = v["amount"]   # the added field
                emit(r.key, dumps(v), r.timestamp)
    return process


def make_windowed():
    loads, dumps = orjson.loads, orjson.dumps
    counts: dict[tuple[bytes, int], int] = {}
    stream_time = [0]

    def process(records, emit):
        for r in records:
            ts = r.timestamp
            start = ts - ts % WINDOW_MS
            k = (r.key, start)
            c = counts[k] = counts.get(k, 0) + 1
            emit(r.key, dumps({"id": loads(r.key), "start": start, "count": c}), ts)
            if ts > stream_time[0]:
                stream_time[0] = ts
        if len(counts) > 200_000:  # drop closed windows (grace 0)
            horizon = stream_time[0] - WINDOW_MS
            for k in [k for k in counts if k[1] + WINDOW_MS <= horizon]:
                del counts[k]
    return process


def make_windowed_ts(grace_ms: int = 5_000):
    """Workload 2b: event time from the value's ``ts`` (so every value is decoded), text keys,
    a window dropped once its partition's stream time passes its end + grace (events for it
    from then on are late and skipped, as Kafka Streams does)."""
    loads, dumps = orjson.loads, orjson.dumps
    counts: dict[tuple[bytes, int], int] = {}
    stream_time: dict[int, int] = {}          # per partition, as in Kafka Streams

    def process(records, emit):
        if not records:
            return
        st = stream_time.get(records[0].partition, 0)
        for r in records:
            ts = loads(r.value)["ts"]
            if ts > st:
                st = ts
            start = ts - ts % WINDOW_MS
            if start + WINDOW_MS + grace_ms <= st:
                continue                      # late: its window is closed
            k = (r.key, start)
            c = counts[k] = counts.get(k, 0) + 1
            emit(r.key, dumps({"id": r.key.decode(), "start": start, "count": c}), ts)
        stream_time[records[0].partition] = st
        if len(counts) > 200_000:
            horizon = min(stream_time.values()) - WINDOW_MS - grace_ms
            for k in [k for k in counts if k[1] <= horizon]:
                del counts[k]
    return process


async def make_enrichment():
    table: dict[bytes, dict] = {}
    c = consumer(None)
    await c.start()
    topic = ENV["BENCH_TABLE"]
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    c.assign(tps)
    await c.seek_to_beginning(*tps)
    ends = await c.end_offsets(tps)
    remaining = {tp for tp in tps if ends[tp] > 0}
    while remaining:
        for tp, recs in (await c.getmany(timeout_ms=500)).items():
            for r in recs:
                table[r.key] = orjson.loads(r.value)
            if recs and recs[-1].offset >= ends[tp] - 1:
                remaining.discard(tp)
    await c.stop()
    loads, dumps = orjson.loads, orjson.dumps

    def process(records, emit):
        for r in records:
            v = loads(r.value)
            row = table.get(r.key)
            if row is not None:
                v["tier"], v["region"] = row["tier"], row["region"]
            emit(r.key, dumps(v), r.timestamp)
    return process


def run_batch(process, batches, partitioner, partitions: int) -> dict[int, list]:
    """One fetched batch through ``process``: its output per partition, as the loop sends it
    (also what ``benchmarks.hotpath`` times without a broker)."""
    out: dict[int, list] = {}

    def emit(key, value, ts):
        p = partitioner(key, partitions)
        lst = out.get(p)
        if lst is None:
            lst = out[p] = []
        lst.append((key, value, ts))
    for recs in batches.values():
        process(recs, emit)
    return out


async def run_loop(process, eos: bool = False) -> None:
    group, out_topic = ENV["BENCH_GROUP"], ENV["BENCH_OUT"]
    extra = {"transactional_id": f"{group}-ceiling"} if eos else {"enable_idempotence": True}
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", max_batch_size=1 << 20,
                                max_request_size=1 << 21, **extra)
    c = consumer(group, isolation_level="read_committed") if eos else consumer(group)
    await producer.start()
    await c.start()
    c.subscribe([ENV["BENCH_IN"]])
    partitions = PARTITIONS  # of the output topic, created by the harness
    partitioner = Partitioner()
    try:
        while True:
            batches = await c.getmany(timeout_ms=200, max_records=MAX_RECORDS)
            if not batches:
                continue
            out = run_batch(process, batches, partitioner, partitions)
            offsets = {tp: recs[-1].offset + 1 for tp, recs in batches.items()}
            if eos:
                async with producer.transaction():
                    await send_all(producer, out_topic, out)
                    await producer.send_offsets_to_transaction(offsets, group)
            else:
                await asyncio.gather(*await send_all(producer, out_topic, out))
                await c.commit(offsets)
    finally:
        await c.stop()
        await producer.stop()


async def restore() -> None:
    """Read the whole changelog into one Rdict per partition, WriteBatch per fetched batch."""
    from rocksdict import Options, Rdict, WriteBatch

    topic, data_dir = ENV["BENCH_CHANGELOG"], ENV["BENCH_DATA_DIR"]
    c = consumer(None)
    await c.start()
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    c.assign(tps)
    await c.seek_to_beginning(*tps)
    ends = await c.end_offsets(tps)
    dbs = {}
    for tp in tps:
        opts = Options(raw_mode=True)
        opts.create_if_missing(True)
        dbs[tp] = Rdict(os.path.join(data_dir, str(tp.partition)), opts)
    remaining = {tp for tp in tps if ends[tp] > 0}
    records, started = 0, None
    while remaining:
        for tp, recs in (await c.getmany(timeout_ms=500, max_records=50_000)).items():
            if started is None:
                started = time.time()
            wb = WriteBatch(raw_mode=True)
            for r in recs:
                if r.value is None:
                    wb.delete(r.key)
                else:
                    wb.put(r.key, r.value)
            dbs[tp].write(wb)
            records += len(recs)
            if recs and recs[-1].offset >= ends[tp] - 1:
                remaining.discard(tp)
    for db in dbs.values():
        db.flush()
        db.close()
    seconds = time.time() - (started or time.time())
    await c.stop()
    print("RESULT " + json.dumps({"records": records, "seconds": seconds, "first": started}), flush=True)


async def main(workload: str) -> None:
    if workload == "restore":
        await restore()
    elif workload == "stateless":
        await run_loop(make_stateless())
    elif workload == "windowed":
        await run_loop(make_windowed())
    elif workload == "windowed_ts":
        await run_loop(make_windowed_ts())
    elif workload == "eos":
        await run_loop(make_windowed(), eos=True)
    elif workload == "enrichment":
        await run_loop(await make_enrichment())
    else:
        sys.exit(f"unknown workload {workload!r}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
