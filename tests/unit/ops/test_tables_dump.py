"""``streamflow tables --dump`` reads windowed tables and join state (it used to stop at
``cannot read the stores: unexpected character``) and says when it cannot tell whether the
partitions on disk are still current. Stale partitions on the real broker:
tests/integration/test_ops_kafka.py."""
from __future__ import annotations

import asyncio

import orjson
from click.testing import CliRunner

import streamflow
from streamflow.cli.main import main
from streamflow.inspection import dump_table, read_table

from ...conftest import running, wait_until

MODULE = '''
import os, streamflow
app = streamflow.App("dumps", topic_partitions=2, commit_interval=0.05,
                     data_dir=os.environ["DUMPS_DATA"])
views = app.topic("views", partitions=2)
per_minute = app.table("per-minute", default=int, partitions=2).tumbling(60, retention=3600)
sessions = app.table("sessions", partitions=2).session(30, retention=3600, agg=streamflow.agg.count())
seen = []

@app.agent(views)
async def count(stream):
    async for event in stream.events():
        per_minute[event.key] += 1
        sessions[event.key] += 1
        seen.append(event)

orders = app.topic("orders", partitions=2)
payments = app.topic("payments", partitions=2)
app.join_streams("paid", left=orders, right=payments, within=60, kind="left")
left_t = app.topic("left-t", partitions=2)
right_t = app.topic("right-t", partitions=2)
app.join_tables("both", left=left_t, right=right_t, kind="outer")
'''


def load(tmp_path, monkeypatch):
    monkeypatch.setenv("DUMPS_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "dumps_app.py").write_text(MODULE)
    import importlib
    import sys
    sys.modules.pop("dumps_app", None)
    return importlib.import_module("dumps_app")


async def fill(mod) -> None:
    async with running(mod.app) as worker:
        for ts, key in [(0, "home"), (10_000, "home"), (70_000, "home"), (5_000, "about")]:
            await mod.views.send(key=key, value=1, timestamp=ts)
        await mod.orders.send(key="o1", value={"amount": 5}, timestamp=1_000)
        await mod.payments.send(key="o2", value={"paid": 7}, timestamp=2_000)
        await mod.left_t.send(key="k", value="L", timestamp=3_000)
        await mod.right_t.send(key="k", value="R", timestamp=4_000)
        await wait_until(lambda: len(mod.seen) == 4 and worker.output.sent >= 10, what="processed")
        await worker.commit()


async def test_windows_and_join_state_are_dumped_readably(tmp_path, monkeypatch) -> None:
    mod = load(tmp_path, monkeypatch)
    await fill(mod)
    rows = sorted((r["key"], r["start"], r["end"], r["value"])
                  for _, r in dump_table(mod.app, "per-minute"))
    assert rows == [("about", 0, 60_000, 1), ("home", 0, 60_000, 2), ("home", 60_000, 120_000, 1)]
    assert read_table(mod.app, "per-minute")[("home", 0, 60_000)] == 2
    sessions = sorted((r["key"], r["start"], r["end"], r["value"])
                      for _, r in dump_table(mod.app, "sessions"))
    assert sessions == [("about", 5_000, 5_000, 1), ("home", 0, 10_000, 2),
                        ("home", 70_000, 70_000, 1)]
    buffered = sorted((r["buffered"], r["key"], r["timestamp"], orjson.dumps(r["value"]))
                      for _, r in dump_table(mod.app, "paid-join-state") if "buffered" in r)
    assert buffered == [("left", "o1", 1_000, b'{"amount":5}'), ("right", "o2", 2_000, b'{"paid":7}')]
    waiting = [r for _, r in dump_table(mod.app, "paid-join-state") if "waiting_unmatched" in r]
    assert [(r["waiting_unmatched"], r["key"]) for r in waiting] == [("left", "o1")]
    both = sorted((r["side"], r["key"], r["value"], r["timestamp"])
                  for _, r in dump_table(mod.app, "both-join-state"))
    assert both == [("left", "k", "L", 3_000), ("right", "k", "R", 4_000)]


def test_cli_dump_prints_windows_and_says_it_cannot_check_memory(tmp_path, monkeypatch) -> None:
    mod = load(tmp_path, monkeypatch)
    asyncio.run(fill(mod))
    result = CliRunner().invoke(main, ["tables", "dumps_app:app", "--dump", "per-minute"])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert {"key": "home", "start": 60_000, "end": 120_000, "value": 1} in lines
    assert "cannot read the stores" not in result.output
    assert "note: not checked against the changelogs: the app's broker is memory://" in result.stderr
    listing = CliRunner().invoke(main, ["tables", "dumps_app:app"])
    assert listing.exit_code == 0, listing.output
    row = next(line for line in listing.stdout.splitlines() if line.startswith("per-minute"))
    assert row.split()[-1] == "?"  # not checked


def test_an_unreachable_broker_is_a_note_not_a_failure(tmp_path, monkeypatch) -> None:
    mod = load(tmp_path, monkeypatch)
    asyncio.run(fill(mod))
    result = CliRunner().invoke(main, ["tables", "dumps_app:app", "--dump", "per-minute",
                                       "--broker", "kafka://127.0.0.1:1"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3
    assert "note: not checked against the changelogs: cannot reach Kafka at 127.0.0.1:1" in result.stderr
