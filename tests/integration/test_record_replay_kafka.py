"""Recording from real Kafka, replaying it, and live output equal to replayed output."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from streamflow.testing import read_recording

from .kafka_helpers import ROOT, WorkerProcess, create_topic, end_offsets, read_all, wait_until

RECORDING = ROOT / "examples" / "recordings" / "orders.jsonl"
GOLDEN = ROOT / "examples" / "recordings" / "orders.golden.jsonl"


async def produce_recording(bootstrap: str, path: Path) -> None:
    """The recorded bytes, partitions and timestamps, as they were."""
    from aiokafka import AIOKafkaProducer
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for r in read_recording(path):
            await producer.send_and_wait(r.topic, r.value, key=r.key, partition=r.partition,
                                         timestamp_ms=r.timestamp, headers=list(r.headers))
    finally:
        await producer.stop()


def streamflow_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streamflow", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(ROOT), **env})


async def test_live_output_equals_replayed_output_and_recordings_round_trip(kafka_broker, tmp_path) -> None:
    import os
    bootstrap = kafka_broker.bootstrap
    env = {**os.environ, "STREAMFLOW_BROKER": kafka_broker.url, "ORDERS_EXAMPLE_FEED": "0"}
    # The recording's timestamps are older than Kafka's default retention (7 days): keep them.
    for topic in ("orders", "large-orders"):
        await create_topic(bootstrap, topic, 4, {"retention.ms": "-1"})
    await produce_recording(bootstrap, RECORDING)
    golden = [orjson.loads(line) for line in GOLDEN.read_text().splitlines()]

    worker = WorkerProcess("examples.orders:app", {"ORDERS_EXAMPLE_FEED": "0",
                                                  "STREAMFLOW_BROKER": kafka_broker.url},
                           tmp_path / "worker.log")
    try:
        await wait_until(lambda: _count(bootstrap, "large-orders", len(golden)), 120, "live output")
        assert await worker.terminate() == 0
    finally:
        worker.close()

    # live output, as the replay driver reports it (offsets ignored)
    live = sorted((r for r in await read_all(bootstrap, "large-orders", len(golden))),
                  key=lambda r: (r.partition, r.offset))
    live_json = [{"topic": r.topic, "partition": r.partition, "timestamp": r.timestamp,
                  "key": r.key.decode(), "value": orjson.loads(r.value), "headers": []} for r in live]
    assert live_json == golden

    # record the input topic from Kafka, replay it, and get the golden output again
    recorded = tmp_path / "orders.jsonl"
    result = streamflow_cli("record", "examples.orders:app", "--topic", "orders", "--from-beginning",
                            "--out", str(recorded), env=env)
    assert result.returncode == 0, result.stderr
    assert "recorded 40 records of orders" in result.stderr
    assert sorted(read_recording(recorded), key=lambda r: (r.partition, r.offset)) == \
        sorted(read_recording(RECORDING), key=lambda r: (r.partition, r.offset))
    replayed = streamflow_cli("replay", "examples.orders:app", "--input", str(recorded),
                              "--expect", str(GOLDEN), env=env)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


async def test_recording_a_topic_the_app_does_not_consume_is_refused(kafka_broker, tmp_path) -> None:
    import os
    env = {**os.environ, "STREAMFLOW_BROKER": kafka_broker.url}
    result = streamflow_cli("record", "examples.orders:app", "--topic", "payments", "--from-beginning",
                            "--out", str(tmp_path / "x.jsonl"), env=env)
    assert result.returncode == 1
    assert "does not consume 'payments'" in result.stderr
    assert "Traceback" not in result.stderr


async def _count(bootstrap: str, topic: str, n: int) -> bool:
    try:
        return sum((await end_offsets(bootstrap, topic, 4)).values()) >= n
    except Exception:  # noqa: BLE001 - the topic is created by the worker
        return False
