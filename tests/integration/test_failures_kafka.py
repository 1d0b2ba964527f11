"""Each failure on a real broker, with either guarantee: nothing is ever lost; with
exactly-once nothing is duplicated and the tables are exact, as ``read_committed`` readers see
the output and the changelog. (test_exactly_once_kafka.py has the SIGKILL and the zombie that
stalls before sending its offsets.)"""
from __future__ import annotations

import asyncio
import collections
import os
import shutil
import signal

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from .kafka_helpers import (committed, create_topic, key_bytes, produce, unique, wait_until,
                            worker_processes)
from .test_exactly_once_kafka import (PARTITIONS, all_committed, assert_exactly_once, clicks,
                                      read_committed)

SPEC = "tests.integration.apps.eos_counter:app"
GUARANTEES = ["at_least_once", "exactly_once"]


@pytest.fixture
def env(kafka_broker):
    return {"IT_APP": unique("it-fail"), "IT_IN": unique("it-fail-in"),
            "IT_OUT": unique("it-fail-out"), "IT_PARTITIONS": str(PARTITIONS),
            "STREAMFLOW_BROKER": kafka_broker.url, "STREAMFLOW_COMMIT_INTERVAL": "0.2",
            "STREAMFLOW_TRANSACTION_TIMEOUT_MS": "30000"}


@pytest.fixture
def workers(tmp_path):
    with worker_processes(SPEC, tmp_path) as start:
        yield start


async def assert_nothing_lost(bootstrap: str, env: dict, data: list[tuple[str, dict]],
                              exact_table: bool) -> None:
    """At-least-once: every click has an output and no count is below the truth (exactly the
    truth when ``exact_table``)."""
    ids = {orjson.loads(r.value)["id"] for r in await read_committed(bootstrap, env["IT_OUT"])}
    missing = sorted({v["id"] for _, v in data} - ids)
    assert not missing, f"{len(missing)} clicks without output, e.g. {missing[:5]}"
    table: dict[str, int] = {}
    for r in sorted(await read_committed(bootstrap, f"{env['IT_APP']}-counts-changelog"),
                    key=lambda r: (r.partition, r.offset)):
        table[r.key.decode()] = orjson.loads(r.value)
    truth = collections.Counter(v["user"] for _, v in data)
    lost = {u: (table.get(u, 0), n) for u, n in truth.items() if table.get(u, 0) < n}
    assert not lost, f"counts lost (table, truth): {lost}"
    if exact_table:
        assert table == dict(truth)


async def check(bootstrap: str, env: dict, data: list, guarantee: str, exact_table: bool = True) -> None:
    if guarantee == "exactly_once":
        await assert_exactly_once(bootstrap, env, data)
    else:
        await assert_nothing_lost(bootstrap, env, data, exact_table)


class Feeder:
    """Clicks at ~2,000/s in the background until stopped; ``data`` is all that was sent."""

    def __init__(self, bootstrap: str, topic: str, data: list | None = None) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.data: list[tuple[str, dict]] = [] if data is None else data  # appended to
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "Feeder":
        self._producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5, acks="all")
        await self._producer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while not self._stop.is_set():
            batch = clicks(len(self.data), 100)
            self.data.extend(batch)
            await asyncio.gather(*[await self._producer.send(self.topic, key=key_bytes(k),
                                                             value=orjson.dumps(v))
                                   for k, v in batch])
            await asyncio.sleep(0.05)

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task
        await self._producer.stop()


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_an_agent_error_commits_nothing_of_the_failed_batch(
        kafka_broker, env, workers, guarantee) -> None:
    """The agent raises on click 12,000, after counting it and sending its output. The
    restart must neither count nor (exactly-once) emit any click twice."""
    bootstrap = kafka_broker.bootstrap
    env = {**env, "IT_GUARANTEE": guarantee}
    data = clicks(0, 20_000)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await produce(bootstrap, env["IT_IN"], data)
    failing = workers({**env, "IT_FAIL_ON_ID": "12000"}, "disk-a")
    await wait_until(lambda: failing.proc.poll() is not None, 120, "the failing worker to stop")
    assert failing.proc.returncode == 1 and "IT-FAIL on click 12000" in failing.log()
    restarted = workers(env, "disk-a")  # fixed, on the same disk
    await wait_until(lambda: all_committed(bootstrap, env), 120, "all clicks committed")
    await check(bootstrap, env, data, guarantee)
    assert await restarted.terminate() == 0


async def test_a_zombie_stalled_between_its_offsets_and_its_commit_is_waited_for(
        kafka_broker, env, workers) -> None:
    """The zombie stops itself after TxnOffsetCommit, before EndTxn, for longer than the
    session timeout; the group gives its partitions to the survivor. When it resumes, its
    EndTxn commits (nothing fences it but its epoch): the survivor must have waited for that
    (KIP-447's stable offset fetch) instead of starting from the offsets before it."""
    bootstrap = kafka_broker.bootstrap
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    zombie = workers({**env, "IT_STALL_AT": "end_txn", "IT_STALL_AFTER": "3"}, "disk-z")
    await zombie.wait_assigned()
    survivor = workers(env, "disk-s")
    await survivor.wait_assigned()
    await zombie.wait_for_log("partitions ready:", count=2)  # the rebalance is over
    async with Feeder(bootstrap, env["IT_IN"]) as feeder:
        await zombie.wait_for_log("IT-STALL", timeout=60)

        def waiting_or_started() -> bool:
            text = survivor.log()
            return "held by a transaction still open" in text or text.count("partitions ready:") >= 2
        await wait_until(waiting_or_started, 60, "the survivor to take the zombie's partitions")
        os.kill(zombie.proc.pid, signal.SIGCONT)
        await survivor.wait_for_log("partitions ready:", count=2, timeout=60)
        sent = len(feeder.data)
        await wait_until(lambda: len(feeder.data) >= sent + 2_000, 60, "more clicks")
    await wait_until(lambda: all_committed(bootstrap, env), 120, "all clicks committed")
    await assert_exactly_once(bootstrap, env, feeder.data)
    assert await zombie.terminate() == 0 and await survivor.terminate() == 0


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_a_worker_killed_mid_transaction_and_restarted_without_its_disk_holds_no_reader_up(
        kafka_broker, env, workers, tmp_path, guarantee) -> None:
    """Exactly-once: the worker is killed with a transaction open (its output, changelog
    records and offsets sent, not committed) and its data dir is lost. The restarted worker
    must take over its transactional id, which aborts that transaction at once: readers see
    the output go on well within the 60 s after which the broker would abort it."""
    bootstrap = kafka_broker.bootstrap
    env = {**env, "IT_GUARANTEE": guarantee, "STREAMFLOW_TRANSACTION_TIMEOUT_MS": "60000"}
    data = clicks(0, 10_000)
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await produce(bootstrap, env["IT_IN"], data)
    if guarantee == "exactly_once":
        lost = workers({**env, "IT_STALL_AT": "end_txn", "IT_STALL_AFTER": "1"}, "disk-a")
        await lost.wait_for_log("IT-STALL", timeout=60)
    else:
        lost = workers(env, "disk-a")

        async def some_progress() -> bool:
            done = await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
            return sum(v or 0 for v in done.values()) >= 2_000
        await wait_until(some_progress, 60, "2,000 clicks committed")
    lost.kill()
    shutil.rmtree(tmp_path / "disk-a")
    restarted = workers(env, "disk-a")
    await restarted.wait_assigned()  # (starting may take long on a loaded machine)

    async def all_visible() -> bool:
        if not await all_committed(bootstrap, env):
            return False
        seen = {orjson.loads(r.value)["id"] for r in await read_committed(bootstrap, env["IT_OUT"])}
        return len(seen) == len(data)
    await wait_until(all_visible, 25, "every click's output visible to read_committed readers")
    await check(bootstrap, env, data, guarantee, exact_table=False)
    assert await restarted.terminate() == 0


async def test_at_least_once_zombies_lose_no_count(kafka_broker, env, workers, tmp_path) -> None:
    """Two at-least-once workers count clicks per user while each in turn stops itself
    (SIGSTOP, longer than the session timeout) at the start of a commit, or with its
    changelog records prepared but not sent. The other takes over and commits everything;
    then the input pauses and the zombie resumes, with stale counts in hand: no count may be
    lost, in the tables nor in their changelogs (which hold the zombie's last word if it
    writes, as nothing else writes after it)."""
    bootstrap = kafka_broker.bootstrap
    env = {**env, "IT_GUARANTEE": "at_least_once"}
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    stall = {name: tmp_path / f"stall-{name}" for name in "ab"}
    procs = {}
    for name in "ab":
        procs[name] = workers({**env, "IT_STALL_FILE": str(stall[name])}, f"disk-{name}")
        await procs[name].wait_assigned()
    await procs["a"].wait_for_log("partitions ready:", count=2)  # the second one joined
    data: list[tuple[str, dict]] = []
    for name, point in [("a", "commit"), ("b", "changelog"), ("b", "commit"), ("a", "changelog")]:
        zombie, survivor = procs[name], procs["b" if name == "a" else "a"]
        stalls, taken = zombie.log().count("IT-STALL"), survivor.log().count("partitions ready:")
        async with Feeder(bootstrap, env["IT_IN"], data):
            stall[name].write_text(point)
            await wait_until(lambda: zombie.log().count("IT-STALL") > stalls, 60, f"{name} to stall")
        await survivor.wait_for_log("partitions ready:", count=taken + 1, timeout=60)
        await wait_until(lambda: all_committed(bootstrap, env), 60, "the survivor to commit all")
        rejoined = zombie.log().count("partitions ready:")
        os.kill(zombie.proc.pid, signal.SIGCONT)
        await zombie.wait_for_log("partitions ready:", count=rejoined + 1, timeout=60)
        await wait_until(lambda: all_committed(bootstrap, env), 60, "all clicks committed")
        await assert_nothing_lost(bootstrap, env, data, exact_table=False)
    assert await procs["a"].terminate() == 0 and await procs["b"].terminate() == 0
    await assert_nothing_lost(bootstrap, env, data, exact_table=False)
