"""Helpers for tests against the real broker: produce, read back, run worker processes."""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[2]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def create_topic(bootstrap: str, name: str, partitions: int, config: dict | None = None) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1, topic_configs=config or {})])
    finally:
        await admin.close()


def key_bytes(key: Any) -> bytes | None:
    """A key as streamflow writes it: a str as text (the default key type), anything else as
    JSON (topics that declare key_type=int, dict, ...)."""
    if key is None or isinstance(key, bytes):
        return key
    return key.encode() if isinstance(key, str) else orjson.dumps(key)


async def produce(bootstrap: str, topic: str, records: list[tuple[Any, Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        futures = [await producer.send(topic, key=key_bytes(k), value=orjson.dumps(v))
                   for k, v in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 60.0,
                   settle: Callable[[list], bool] | None = None) -> list[Any]:
    """Read ``topic`` from the beginning until at least ``expected`` records (or timeout)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    out: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                out.extend(records)
    finally:
        await consumer.stop()
    return out


async def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}
    finally:
        await consumer.stop()


async def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return {tp.partition: off for tp, off in ends.items()}
    finally:
        await consumer.stop()


class WorkerProcess:
    """``streamflow worker`` in a subprocess, its log in a file the test can wait on."""

    def __init__(self, spec: str, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.log_path = log_path
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMFLOW_LOG_LEVEL": "INFO",
                    "STREAMFLOW_SESSION_TIMEOUT_MS": "3000",
                    "STREAMFLOW_HEARTBEAT_INTERVAL_MS": "500", **env}
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "streamflow", "worker", spec, *args],
                                     cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_for_log(self, text: str, timeout: float = 60.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.log().count(text) < count:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode} before logging "
                                     f"{text!r}:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {text!r} in worker log:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.05)

    async def wait_assigned(self, timeout: float = 60.0) -> None:
        await self.wait_for_log("partitions ready:", timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    async def terminate(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"worker did not stop on SIGTERM:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.05)
        return self.proc.returncode

    def close(self) -> None:
        self.kill()
        self._log.close()


@contextlib.contextmanager
def worker_processes(spec: str, tmp_path: Path) -> Iterator[Callable[[dict[str, str], str], WorkerProcess]]:
    """``start(env, data_dir)`` runs a worker of ``spec`` with its data dir and log under
    ``tmp_path``; every worker started is killed at the end (stopped ones too)."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], data_dir: str) -> WorkerProcess:
        w = WorkerProcess(spec, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / data_dir)},
                          tmp_path / f"worker-{len(started)}-{data_dir}.log")
        started.append(w)
        return w

    try:
        yield start
    finally:
        for w in started:
            w.close()


async def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


async def read_committed(bootstrap: str, topic: str, partitions: int, timeout: float = 60.0) -> list:
    """Everything a read_committed consumer reads from ``topic`` (to its last stable offset)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                isolation_level="read_committed")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        for tp in tps:
            consumer.seek(tp, starts[tp])
        out: list = []
        deadline = time.monotonic() + timeout
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            assert time.monotonic() < deadline, f"timed out reading {topic}"
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                out.extend(records)
        return out
    finally:
        await consumer.stop()
