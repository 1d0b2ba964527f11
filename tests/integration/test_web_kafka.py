"""The worker's HTTP server against the real broker: metric values after a known workload,
/health around a restore and a rebalance (worker processes, as Kubernetes would probe them)."""
from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import orjson

import streamflow
from streamflow.partitioner import partition_for

from ..conftest import running
from ..metrics_helpers import by_label, samples, value
from .kafka_helpers import WorkerProcess, create_topic, produce, unique, wait_until
from .test_restore_rebalance_kafka import PARTITIONS, fill_changelog

SPEC = "tests.integration.apps.counter:app"


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, allow_redirects=False) as response:
            return response.status, await response.text()


def url_of(worker: WorkerProcess) -> str | None:
    match = re.search(r"HTTP server on (http://127\.0\.0\.1:\d+)", worker.log())
    return match.group(1) if match else None


async def test_metric_values_after_a_known_workload(kafka_broker, tmp_path) -> None:
    topic, out = unique("it-web-in"), unique("it-web-out")
    app = streamflow.App(unique("it-web"), broker=kafka_broker.url, data_dir=str(tmp_path),
                         commit_interval=0.2, on_decode_error="dead_letter", web_port=0)
    source = app.topic(topic, partitions=2)
    large = app.topic(out, partitions=2)
    totals = app.table("totals", default=int, partitions=2)

    @app.agent(source)
    async def route(stream):
        async for order in stream:
            totals[order["customer"]] += order["amount"]
            if order["amount"] > 100:
                await large.send(key=order["customer"], value=order)

    orders = [(f"c{i % 5}", {"customer": f"c{i % 5}", "amount": i * 10}) for i in range(40)]
    await create_topic(kafka_broker.bootstrap, topic, 2)
    await produce(kafka_broker.bootstrap, topic, orders)
    bad = partition_for(b"c9", 2)
    await _produce_raw(kafka_broker.bootstrap, topic, bad, b"c9", b"{not json")
    expected = {p: sum(1 for c, _ in orders if partition_for(c.encode(), 2) == p) for p in (0, 1)}
    async with running(app) as worker:
        url = worker.web.url

        async def settled() -> dict | None:
            got = samples((await get(url + "/metrics"))[1])
            offsets = by_label(got, "streamflow_committed_offset", "partition")
            done = {str(p): expected[p] + (p == bad) for p in (0, 1)}
            lags = by_label(got, "streamflow_consumer_lag_records", "partition")
            return got if offsets == done and lags == {"0": 0, "1": 0} else None

        got = await wait_until(settled, 60, "every offset committed and no lag")
    assert by_label(got, "streamflow_events_consumed_total", "partition") == {
        str(p): n for p, n in expected.items()}
    assert value(got, "streamflow_agent_events_total", agent="route") == len(orders)
    assert value(got, "streamflow_events_produced_total", topic=out) == sum(
        1 for _, o in orders if o["amount"] > 100)
    assert value(got, "streamflow_decode_errors_total", topic=topic) == 1
    assert value(got, "streamflow_dead_letters_total", topic=topic) == 1
    assert value(got, "streamflow_events_produced_total", topic=f"{app.id}-dead-letters") == 1
    assert value(got, "streamflow_commits_total") >= 1
    assert value(got, "streamflow_commit_duration_seconds_count") >= 1
    assert value(got, "streamflow_commit_failures_total") == 0
    assert value(got, "streamflow_assigned_tasks") == 2
    assert value(got, "streamflow_rebalances_total") >= 1
    assert value(got, "streamflow_worker_ready") == 1


async def _produce_raw(bootstrap: str, topic: str, partition: int, key: bytes, raw: bytes) -> None:
    from aiokafka import AIOKafkaProducer
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, raw, key=key, partition=partition)
    finally:
        await producer.stop()


class HealthWatch:
    """Polls a worker's /health (and /metrics while it is not ready) every 10 ms, keeping
    every answer, as a readiness probe would see them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[tuple[float, int, dict]] = []
        self.metrics_while_restoring: list[str] = []
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(self.url + "/health") as response:
                        self.answers.append((time.monotonic(), response.status,
                                             orjson.loads(await response.read())))
                    if self.answers[-1][2]["status"] == "restoring":
                        async with session.get(self.url + "/metrics") as response:
                            self.metrics_while_restoring.append(await response.text())
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.01)

    def statuses(self, since: float = 0.0) -> list[str]:
        out: list[str] = []
        for at, _, body in self.answers:
            if at >= since and (not out or out[-1] != body["status"]):
                out.append(body["status"])
        return out

    def ready(self) -> bool:
        return bool(self.answers) and self.answers[-1][1] == 200

    def stop(self) -> None:
        self._task.cancel()


async def test_health_follows_a_restore_and_a_rebalance(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    app_id = unique("it-health")
    env = {"IT_APP": app_id, "IT_IN": unique("it-clicks"), "IT_PARTITIONS": str(PARTITIONS),
           "STREAMFLOW_BROKER": kafka_broker.url, "STREAMFLOW_COMMIT_INTERVAL": "0.2",
           "STREAMFLOW_WEB_PORT": "0", "IT_SLOW_MS": "200"}
    users = [f"user-{i}" for i in range(40)]
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    changelog = f"{app_id}-counts-changelog"
    await create_topic(bootstrap, changelog, PARTITIONS, {"cleanup.policy": "compact"})
    filler = 100_000
    await fill_changelog(bootstrap, changelog, filler, {u: 1 for u in users})
    started: list[WorkerProcess] = []
    watches: list[HealthWatch] = []
    feeding: asyncio.Task | None = None
    try:
        # 1. a restores 400,040 changelog records: /health says so (503), then 200
        a = WorkerProcess(SPEC, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "a")},
                          tmp_path / "worker-a.log")
        started.append(a)
        a_url = await wait_until(lambda: url_of(a), 60, "a's HTTP address")
        watches.append(watch_a := HealthWatch(a_url))
        await wait_until(watch_a.ready, 120, "a ready")
        assert watch_a.answers[0][1] == 503
        seen = watch_a.statuses()
        assert seen[-1] == "ready" and "restoring" in seen, seen
        assert seen.index("restoring") < seen.index("ready")
        restoring = next(body for _, status, body in watch_a.answers if body["status"] == "restoring")
        assert re.fullmatch(r"\d of 4 assigned partitions are not restored yet: .*it-clicks-\w+\[\d\].*",
                            restoring["reason"]), restoring
        # /metrics meanwhile: offsets left to restore, and seconds once there is a rate
        assert any(sum(by_label(m, "streamflow_restore_remaining_records", "partition").values()) > 0
                   and sum(by_label(m, "streamflow_restore_remaining_seconds", "partition").values()) > 0
                   for m in watch_a.metrics_while_restoring), watch_a.metrics_while_restoring[-1:]
        _, text = await get(a_url + "/metrics")
        assert sum(by_label(text, "streamflow_restored_records_total", "partition").values()) == \
            PARTITIONS * filler + len(users)
        assert set(by_label(text, "streamflow_restore_remaining_records", "partition").values()) == {0}

        # 2. b joins while clicks flow (a's agent takes 200 ms a chunk, so its commit before
        # giving partitions up takes a while): a is not ready during the rebalance, then is
        # again with half of the tasks; b restores its half (503 "restoring"), then is ready
        feeding = asyncio.create_task(_feed(bootstrap, env["IT_IN"], users))
        joined = time.monotonic()
        b = WorkerProcess(SPEC, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "b")},
                          tmp_path / "worker-b.log")
        started.append(b)
        b_url = await wait_until(lambda: url_of(b), 60, "b's HTTP address")
        watches.append(watch_b := HealthWatch(b_url))
        await wait_until(lambda: watch_b.ready() and watch_a.ready()
                         and watch_a.statuses(joined)[-1:] == ["ready"]
                         and len(watch_a.statuses(joined)) > 1, 120, "a and b ready after the rebalance")
        assert set(watch_a.statuses(joined)) - {"ready"} <= {"rebalancing", "restoring"}
        assert "rebalancing" in watch_a.statuses(joined), watch_a.statuses(joined)
        assert "restoring" in watch_b.statuses(), watch_b.statuses()
        tasks = [value((await get(u + "/metrics"))[1], "streamflow_assigned_tasks") for u in (a_url, b_url)]
        assert tasks == [2, 2]
    finally:
        if feeding is not None:
            feeding.cancel()
        for w in watches:
            w.stop()
        for w in started:
            w.close()


async def _feed(bootstrap: str, topic: str, users: list[str]) -> None:
    """A few clicks every 50 ms, until cancelled."""
    i = 0
    while True:
        await produce(bootstrap, topic, [(users[(i + j) % len(users)], {"user": users[(i + j) % len(users)]})
                                         for j in range(8)])
        i += 8
        await asyncio.sleep(0.05)


async def test_table_queries_answered_by_the_owner_and_redirected_by_the_other(kafka_broker,
                                                                               tmp_path) -> None:
    """Two workers, each advertising its address through the group's assignment: the owner
    of a key's partition answers with its committed count, the other redirects there."""
    bootstrap = kafka_broker.bootstrap
    app_id = unique("it-query")
    env = {"IT_APP": app_id, "IT_IN": unique("it-clicks"), "IT_PARTITIONS": str(PARTITIONS),
           "STREAMFLOW_BROKER": kafka_broker.url, "STREAMFLOW_COMMIT_INTERVAL": "0.2",
           "STREAMFLOW_WEB_PORT": "0"}
    users = [f"user-{i}" for i in range(24)]
    clicks = [(u, {"user": u}) for i in range(3) for u in users[: 8 * (i + 1)]]
    expected = {u: sum(1 for c, _ in clicks if c == u) for u in users}
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    await produce(bootstrap, env["IT_IN"], clicks)
    workers = [WorkerProcess(SPEC, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / disk)},
                             tmp_path / f"worker-{disk}.log") for disk in ("a", "b")]
    try:
        a_url, b_url = [await wait_until(lambda w=w: url_of(w), 60, "HTTP address") for w in workers]

        async def both_ready_with_two_tasks() -> bool:
            for url in (a_url, b_url):
                status, text = await get(url + "/metrics")
                if status != 200 or value(text, "streamflow_worker_ready") != 1 \
                        or value(text, "streamflow_assigned_tasks") != 2:
                    return False
            return True

        await wait_until(both_ready_with_two_tasks, 120, "two ready workers with two tasks each")

        async def counts_through(url: str) -> dict[str, tuple[int, int, str | None]]:
            out = {}
            async with aiohttp.ClientSession() as session:
                for user in users:
                    async with session.get(f"{url}/tables/counts/{user}", allow_redirects=False) as r:
                        body = orjson.loads(await r.read())
                        out[user] = (r.status, body.get("value"), r.headers.get("Location"))
            return out

        async def all_counted() -> dict | None:
            answers = await counts_through(a_url)
            followed = {}
            for user, (status, count, location) in answers.items():
                if status == 307:
                    status, text = await get(location)
                    count = orjson.loads(text).get("value") if status == 200 else None
                followed[user] = count
            return answers if followed == expected else None

        answers = await wait_until(all_counted, 60, "every count committed and answered")
        owned_by_a = {u for u, (status, _, _) in answers.items() if status == 200}
        redirected = {u: location for u, (status, _, location) in answers.items() if status == 307}
        assert owned_by_a and redirected and owned_by_a | set(redirected) == set(users)
        assert all(location == f"{b_url}/tables/counts/{u}" for u, location in redirected.items())
        # b answers what a redirected, and redirects what a answered, to a
        from_b = await counts_through(b_url)
        assert {u for u, (status, _, _) in from_b.items() if status == 200} == set(redirected)
        assert all(location == f"{a_url}/tables/counts/{u}"
                   for u, (status, _, location) in from_b.items() if status == 307)
    finally:
        for w in workers:
            w.close()
