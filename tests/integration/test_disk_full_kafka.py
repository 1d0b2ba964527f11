"""A full disk under a worker's table stores, for real: the worker's data dir is a 1 MiB tmpfs
mounted in a private mount namespace (``unshare``: no root needed where user namespaces are
enabled, and nothing outside the worker's namespace sees it; the test is skipped where that is
not possible). The worker must stop with one line naming the table partition and its path, no
traceback, leave the consumer group, and commit no input offset past state it could not write:
a worker on a roomy disk then ends with every click stored."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from .kafka_helpers import (ROOT, committed, create_topic, end_offsets, produce, read_committed,
                            unique, wait_until, worker_processes)

PARTITIONS = 2
SPEC = "tests.integration.apps.hoard:app"
CLICKS = 1_500  # ~3 MB of payloads: three times the disk


def _can_mount_a_private_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs {where} && touch {where}/x"],
                           capture_output=True)
    return probe.returncode == 0


def start_on_small_disk(env: dict[str, str], disk: Path, log_path: Path) -> subprocess.Popen:
    """``streamflow worker`` whose data dir is a 1 MiB tmpfs only it can see."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMFLOW_LOG_LEVEL": "INFO",
                "STREAMFLOW_SESSION_TIMEOUT_MS": "3000", "STREAMFLOW_HEARTBEAT_INTERVAL_MS": "500",
                **env, "STREAMFLOW_DATA_DIR": str(disk)}
    script = (f"mount -t tmpfs -o size=1m tmpfs {disk} && exec {sys.executable} -m streamflow "
              f"worker {SPEC}")
    log = open(log_path, "ab")
    return subprocess.Popen(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)


async def group_members(bootstrap: str, group: str) -> list:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        members = []
        for response in await admin.describe_consumer_groups([group]):
            for entry in response.groups:
                if entry[1] == group:
                    members += list(entry[5])
        return members
    finally:
        await admin.close()


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_a_full_disk_stops_the_worker_in_one_line_and_loses_nothing(
        kafka_broker, tmp_path, guarantee) -> None:
    disk = tmp_path / "small-disk"
    if not _can_mount_a_private_tmpfs(disk):
        pytest.skip("cannot mount a private tmpfs here (unshare or user namespaces unavailable)")
    bootstrap = kafka_broker.bootstrap
    env = {"IT_APP": unique("it-full"), "IT_IN": unique("it-full-in"),
           "IT_PARTITIONS": str(PARTITIONS), "STREAMFLOW_BROKER": kafka_broker.url,
           "STREAMFLOW_COMMIT_INTERVAL": "0.2", "STREAMFLOW_PROCESSING_GUARANTEE": guarantee,
           "STREAMFLOW_TRANSACTION_TIMEOUT_MS": "20000", "STREAMFLOW_ROCKSDB_MEMORY_MB": "16"}
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    clicks = [(f"c{i}", {"id": f"c{i}", "payload": os.urandom(1_000).hex()}) for i in range(CLICKS)]
    await produce(bootstrap, env["IT_IN"], clicks)

    log_path = tmp_path / "full.log"
    proc = start_on_small_disk(env, disk, log_path)
    try:
        await wait_until(lambda: proc.poll() is not None, 120, "the worker on the full disk to stop")
    finally:
        if proc.poll() is None:
            proc.kill()
    log = log_path.read_text(errors="replace")
    assert proc.returncode == 1, log[-3000:]
    assert "Traceback" not in log, log[-5000:]
    errors = [line for line in log.splitlines() if " ERROR " in line]
    full = [line for line in errors if "No space left on device" in line]
    assert full and all(f"table payloads[" in line and str(disk) in line for line in full), errors
    stopping = [line for line in full if "stopping without committing" in line]
    assert len(stopping) == 1, errors
    assert "final commit failed" not in log
    # It left the group (no member waits out its session timeout).
    assert await group_members(bootstrap, env["IT_APP"]) == []

    # Nothing lost: a worker on a roomy disk resumes from the committed offsets and the
    # changelog, and ends with every click stored.
    with worker_processes(SPEC, tmp_path) as start:
        worker = start(env, "roomy-disk")
        await worker.wait_assigned()
        await wait_until(lambda: _all_committed(bootstrap, env), 120, "every click committed")
        assert await worker.terminate() == 0
    changelog = f"{env['IT_APP']}-payloads-changelog"
    total = sum((await end_offsets(bootstrap, changelog, PARTITIONS)).values())
    assert total
    stored = {r.key.decode(): orjson.loads(r.value) for r in sorted(
        await read_committed(bootstrap, changelog, PARTITIONS), key=lambda r: (r.partition, r.offset))}
    assert stored == {key: value["payload"] for key, value in clicks}


async def _all_committed(bootstrap: str, env: dict) -> bool:
    return (await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
            == await end_offsets(bootstrap, env["IT_IN"], PARTITIONS))

