"""The worker's HTTP server: off by default, on loopback only by default, /metrics and
/health over HTTP, one readable line for a port in use; and the done-when of issue 13 through
the real ``streamflow worker`` process."""
from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

import streamflow
from streamflow.exceptions import ConfigError

from ..conftest import running, wait_until
from ..metrics_helpers import by_label, value

ROOT = Path(__file__).resolve().parents[2]


def counting_app(**settings) -> streamflow.App:
    app = streamflow.App("web-test", commit_interval=0.05, store="memory", **settings)
    clicks = app.topic("clicks", partitions=2)

    @app.agent(clicks)
    async def count(stream):
        async for _ in stream:
            pass

    return app


async def get(url: str) -> tuple[int, dict, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, allow_redirects=False) as response:
            return response.status, dict(response.headers), await response.text()


async def test_the_server_is_off_unless_web_port_is_set(tmp_path) -> None:
    async with running(counting_app(data_dir=str(tmp_path))) as worker:
        assert worker.web is None


async def test_metrics_and_health_over_http(tmp_path) -> None:
    app = counting_app(data_dir=str(tmp_path), web_port=0)
    async with running(app) as worker:
        for i in range(20):
            await app.topics["clicks"].send(key=f"u{i % 4}", value=i)
        await wait_until(lambda: worker.events_processed == 20, what="20 events")
        status, headers, text = await get(worker.web.url + "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert sum(by_label(text, "streamflow_events_consumed_total", "partition").values()) == 20
        assert value(text, "streamflow_agent_events_total", agent="count") == 20
        status, _, body = await get(worker.web.url + "/health")
        assert status == 200 and '"status":"ready"' in body and '"assigned_partitions":2' in body
        status, _, body = await get(worker.web.url + "/health/live")
        assert (status, body) == (200, '{"status":"alive"}')


def non_loopback_address() -> str | None:
    """An IPv4 address of this machine that is not loopback, or None: the source address of
    a route to a documentation network (a UDP "connect" sends no packet), else one the host
    name resolves to."""
    for target in ("198.51.100.1", "10.255.255.254", "203.0.113.1"):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.connect((target, 9))
            address = probe.getsockname()[0]
        except OSError:
            continue
        finally:
            probe.close()
        if not address.startswith("127.") and address != "0.0.0.0":
            return address
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    found = [i[4][0] for i in infos if not i[4][0].startswith("127.")]
    return found[0] if found else None


def connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=5):
            return True
    except ConnectionRefusedError:
        return False


async def test_not_reachable_on_a_non_loopback_address_by_default(tmp_path) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    async with running(counting_app(data_dir=str(tmp_path), web_port=0)) as worker:
        host, port = worker.web.bound
        assert host == "127.0.0.1"
        assert connects("127.0.0.1", port)
        assert not await asyncio.to_thread(connects, address, port), \
            f"the HTTP server answered on {address}:{port}"
    # the same check sees a server that binds every interface
    async with running(counting_app(data_dir=str(tmp_path), web_port=0, web_host="0.0.0.0")) as worker:
        assert await asyncio.to_thread(connects, address, worker.web.bound[1])


async def test_a_port_in_use_stops_the_worker_with_one_line(tmp_path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        app = counting_app(data_dir=str(tmp_path), web_port=taken.getsockname()[1])
        with pytest.raises(ConfigError, match=r"cannot serve HTTP on 127\.0\.0\.1:\d+: .*"
                                              r"\(web_host, web_port\)"):
            await app.run()
    finally:
        taken.close()


@pytest.mark.parametrize("settings, message", [
    ({"web_port": 70000}, "web_port 70000"),
    ({"web_port": -1}, "web_port -1"),
    ({"web_host": ""}, "web_host must be an address"),
    ({"web_advertised_url": "worker-1:6066"}, "web_advertised_url 'worker-1:6066'"),
])
def test_web_settings_are_checked(settings, message) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        streamflow.App("web-settings", **settings)


def test_web_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("STREAMFLOW_WEB_PORT", "6066")
    monkeypatch.setenv("STREAMFLOW_WEB_ADVERTISED_URL", "http://10.0.0.7:6066")
    settings = streamflow.App("web-env").settings
    assert (settings.web_port, settings.web_host, settings.web_advertised_url) == (
        6066, "127.0.0.1", "http://10.0.0.7:6066")


async def test_streamflow_worker_with_web_port_shows_event_counters_within_seconds(tmp_path) -> None:
    """Issue 13's done-when: ``streamflow worker examples.orders:app --web-port ...`` shows
    non-zero streamflow_ event counters on /metrics within seconds (port 0: a free one)."""
    log_path = tmp_path / "worker.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMFLOW_DATA_DIR": str(tmp_path / "data")}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamflow", "worker", "examples.orders:app",
                                 "--web-port", "0"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        started = time.monotonic()
        url = await wait_until(lambda: _url_in(log_path.read_text()), timeout=60,
                               what="the HTTP server's address in the log")

        async def consumed() -> float:
            _, _, text = await get(url + "/metrics")
            return sum(by_label(text, "streamflow_events_consumed_total", "partition").values())

        await wait_until(consumed, timeout=30, what="non-zero streamflow_events_consumed_total")
        assert time.monotonic() - started < 60
        _, _, text = await get(url + "/metrics")
        assert value(text, "streamflow_agent_events_total", agent="flag_large") > 0
        assert sum(by_label(text, "streamflow_events_produced_total", "topic").values()) > 0
    finally:
        proc.terminate()
        assert proc.wait(30) == 0, log_path.read_text()[-3000:]


def _url_in(log: str) -> str | None:
    match = re.search(r"HTTP server on (http://127\.0\.0\.1:\d+)", log)
    return match.group(1) if match else None
