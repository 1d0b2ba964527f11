"""Logs: JSON lines with the record's coordinates, aiokafka's broker-down flood thinned to a
line every few seconds, and restore progress handed to a listener (the CLI's progress bar).
The flood against a real stopped broker: tests/integration/test_logs_kafka.py."""
from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import orjson
import pytest

import streamflow
from streamflow.cli.progress import RestoreBar
from streamflow.logs import BrokerDownFilter, configure
from streamflow.runtime.restore_progress import RestoreProgress
from streamflow.runtime.transport.memory import broker_for

from ..conftest import running, wait_until


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


async def test_json_lines_carry_app_worker_and_the_bad_records_coordinates(restore_logging) -> None:
    out = io.StringIO()
    configure("INFO", "json", app="readings-app", worker="host-1:42", stream=out)
    app = streamflow.App("readings-app", on_decode_error="skip", commit_interval=0.05)
    readings = app.topic("readings", partitions=1)
    seen = []

    @app.agent(readings)
    async def collect(stream):
        async for value in stream:
            seen.append(value)

    async with running(app):
        broker_for(app.settings.broker).append("readings", 0, [(None, b"{not json", 0, None),
                                                               (None, b"1", 0, None)], 0)
        await wait_until(lambda: seen == [1], what="the good record")
    lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert all({"time", "level", "app", "worker", "logger", "message"} <= set(d) for d in lines)
    (bad,) = [d for d in lines if "skipped" in d["message"]]
    assert (bad["level"], bad["app"], bad["worker"], bad["logger"]) == (
        "ERROR", "readings-app", "host-1:42", "streamflow.worker")
    assert (bad["topic"], bad["partition"], bad["offset"]) == ("readings", 0, 0)
    assert bad["time"].endswith("+00:00")


def test_an_exception_is_one_field_of_its_json_line(restore_logging) -> None:
    out = io.StringIO()
    configure("INFO", "json", app="a", stream=out)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("streamflow.agent").exception("agent failed")
    (line,) = out.getvalue().splitlines()
    record = orjson.loads(line)
    assert record["message"] == "agent failed" and "ValueError: boom" in record["exception"]


def record(name: str, message: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, (), None)


def test_eighty_connection_errors_a_second_become_one_line_every_five_seconds() -> None:
    now = [0.0]
    flood = BrokerDownFilter(interval=5.0, clock=lambda: now[0])
    messages = ["Unable connect to node with id 1: [Errno 111] Connect call failed ('127.0.0.1', 9)",
                "Unable to update metadata from [1]",
                "Failed fetch messages from 1: NodeNotReadyError: Attempt to send a request to node",
                "Group Coordinator Request failed: NodeNotReadyError: node 1"]
    passed = []
    for i in range(800):  # ten seconds at 80 a second
        now[0] = i / 80
        r = record("aiokafka.conn" if i % 2 else "aiokafka.consumer.fetcher", messages[i % 4])
        if flood.filter(r):
            passed.append(r.getMessage())
    assert len(passed) == 2
    assert passed[0].startswith("Kafka unreachable: Unable connect to node")
    assert passed[1].endswith("(399 more such messages in the last 5s not shown)")
    # Everything else passes: our own errors, and aiokafka's other messages.
    assert flood.filter(record("streamflow.worker", "Unable connect to node 1"))
    assert flood.filter(record("aiokafka", "Topic orders not found in cluster metadata"))


def test_the_restore_bar_appears_only_for_a_restore_longer_than_a_few_seconds() -> None:
    from rich.console import Console
    out = io.StringIO()
    bar = RestoreBar(Console(file=out, force_terminal=True, width=120), after=3.0)
    bar(RestoreProgress(0, 20_000, 0.0, 4, False))
    bar(RestoreProgress(5_000, 20_000, 1.0, 4, False))
    assert not bar.shown and out.getvalue() == ""
    bar(RestoreProgress(15_000, 20_000, 3.5, 4, False))
    assert bar.shown
    bar(RestoreProgress(20_000, 20_000, 4.0, 4, True))
    assert not bar.shown
    assert "restoring 4 table partition(s)" in out.getvalue()
    assert "15000/20000" in out.getvalue() or "15,000/20,000" in out.getvalue()


async def test_a_restore_reports_its_progress_to_the_listener(tmp_path) -> None:
    app = streamflow.App("restorer", data_dir=str(tmp_path), commit_interval=0.05)
    src = app.topic("src", partitions=1)
    counts = app.table("counts", default=int, partitions=1)

    @app.agent(src)
    async def count(stream):
        async for event in stream.events():
            counts[event.key] += 1

    broker = broker_for(app.settings.broker)
    broker.create_topic("restorer-counts-changelog", 1)
    broker.append("restorer-counts-changelog", 0,
                  [(f'"k{i}"'.encode(), b"1", 0, None) for i in range(12_000)], 0)
    reports: list[RestoreProgress] = []
    from streamflow.runtime.worker import Worker
    worker = Worker(app)
    worker.restorer.listener = reports.append
    import asyncio
    task = asyncio.create_task(worker.run())
    await wait_until(lambda: reports and reports[-1].done, what="the restore")
    worker.request_stop()
    await asyncio.wait_for(task, 30)
    assert reports[0] == RestoreProgress(0, 12_000, 0.0, 1, False)
    assert [r.restored for r in reports] == sorted(r.restored for r in reports)
    assert len(reports) >= 3  # a report per chunk read, not one at the end only
    assert reports[-1].restored == 12_000 and reports[-1].done


def test_worker_log_format_json_from_the_command_line(tmp_path) -> None:
    (tmp_path / "ticking_json.py").write_text(textwrap.dedent("""
        import streamflow
        app = streamflow.App('ticking-json', commit_interval=0.1)
        t = app.topic('t')
        @app.timer(0.05)
        async def feed():
            await t.send(key='k', value=1)
        @app.agent(t)
        async def consume(stream):
            async for _ in stream:
                print('got', flush=True)
    """))
    proc = subprocess.Popen([sys.executable, "-m", "streamflow", "worker", "ticking_json:app",
                             "--log-format", "json"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        while "got" not in proc.stdout.readline():
            assert time.monotonic() < deadline and proc.poll() is None, "worker never consumed"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    lines = [orjson.loads(line) for line in err.splitlines()]
    assert {d["app"] for d in lines} == {"ticking-json"}
    assert any(d["message"].startswith("worker ticking-json started") for d in lines)
    assert any(d["message"] == "SIGTERM received: stopping after the batch in progress" for d in lines)


async def test_an_agent_failure_skipped_names_its_record_in_json(restore_logging) -> None:
    out = io.StringIO()
    configure("INFO", "json", app="fragile", stream=out)
    app = streamflow.App("fragile", on_agent_error="skip", commit_interval=0.05)
    numbers = app.topic("numbers", partitions=1)
    seen = []

    @app.agent(numbers)
    async def invert(stream):
        async for n in stream:
            seen.append(1 / n)

    async with running(app):
        broker_for(app.settings.broker).append("numbers", 0, [(None, b"0", 0, None),
                                                             (None, b"2", 0, None)], 0)
        await wait_until(lambda: seen == [0.5], what="the good record")
    lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    (skipped,) = [d for d in lines if "skipped" in d["message"]]
    assert (skipped["topic"], skipped["partition"], skipped["offset"]) == ("numbers", 0, 0)
