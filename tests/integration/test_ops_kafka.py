"""The operations commands against a real broker, as an operator runs them: ``streamflow
send``, ``topics`` and ``reset`` in subprocesses next to ``streamflow worker`` processes."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import orjson
import pytest

from streamflow.partitioner import partition_for

from .kafka_helpers import (ROOT, WorkerProcess, committed, end_offsets, produce, read_all,
                            unique, wait_until)

SPEC = "tests.integration.apps.ops:app"


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streamflow", *args], cwd=ROOT, input=stdin,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(kafka_url):
    return {"IT_APP": unique("it-ops"), "IT_IN": unique("it-ops-in"), "IT_OUT": unique("it-ops-out"),
            "IT_PARTITIONS": "2", "STREAMFLOW_BROKER": kafka_url, "STREAMFLOW_COMMIT_INTERVAL": "0.2"}


@pytest.fixture
def start_worker(tmp_path, env):
    started: list[WorkerProcess] = []

    def start(data: str = "data", **extra: str) -> WorkerProcess:
        w = WorkerProcess(SPEC, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / data), **extra},
                          tmp_path / f"worker-{len(started)}.log")
        started.append(w)
        return w

    yield start
    for w in started:
        w.close()


async def test_send_topics_and_reset_next_to_a_worker(kafka_broker, env, start_worker) -> None:
    bootstrap = kafka_broker.bootstrap
    worker = start_worker()
    await worker.wait_assigned()

    # send: one record from flags, three from JSON Lines on stdin, partitioned by key
    now = int(time.time() * 1000)
    one = cli(env, "send", SPEC, env["IT_IN"], "--key", "s1", "--value",
              '{"sensor": "s1", "value": 1.5}', "--timestamp", str(now - 60_000))
    assert one.returncode == 0, one.stderr
    s1 = partition_for(b"s1", 2)   # text keys, the default
    assert one.stdout.strip() == f"sent 1 record to {env['IT_IN']}[{s1}]@0"
    lines = "".join(orjson.dumps({"key": f"s{i}", "value": {"sensor": f"s{i}", "value": i},
                                  "timestamp": now, "headers": {"via": "stdin"}}).decode() + "\n"
                    for i in (2, 3, 4))
    many = cli(env, "send", SPEC, env["IT_IN"], stdin=lines)
    assert many.returncode == 0, many.stderr
    assert many.stdout.startswith(f"sent 3 records to {env['IT_IN']}: ")
    out = await read_all(bootstrap, env["IT_OUT"], 4)
    assert sorted(orjson.loads(r.value)["value"] for r in out) == [1.5, 2.0, 3.0, 4.0]
    for r in out:
        sensor = orjson.loads(r.value)["sensor"]
        assert r.partition == partition_for(sensor.encode(), 2)

    # a bad value is one line, and nothing is sent
    bad = cli(env, "send", SPEC, env["IT_IN"], "--key", "s9", "--value", '{"sensor": "s9", "value": "x"}')
    assert bad.returncode == 1
    assert bad.stderr.strip() == (f"Error: value does not fit topic {env['IT_IN']} (Reading): "
                                  "Reading.value: expected a number, got str 'x'")

    # topics: declared, changelog, and the group's lag (zero once the worker committed)
    def topics_report() -> str | None:
        result = cli(env, "topics", SPEC)
        assert result.returncode == 0, result.stderr
        return result.stdout if result.stdout.rstrip().endswith(": 0") else None
    report = await wait_until(topics_report, 60, "zero lag")
    rows = [line.split() for line in report.splitlines()[2:-1]]
    assert {(r[0], r[1]) for r in rows} == {(env["IT_IN"], "input"), (env["IT_OUT"], "topic"),
                                           (f"{env['IT_APP']}-totals-changelog", "changelog")}
    inputs = {int(r[2]): r for r in rows if r[0] == env["IT_IN"]}
    assert sum(int(r[4]) for r in inputs.values()) == 4             # end offsets
    assert all(r[5] == r[4] and r[6] == "0" for r in inputs.values())  # committed == end

    # reset: refused while the worker runs, effective once it stopped
    refused = cli(env, "reset", SPEC, "--to-earliest")
    assert refused.returncode == 1
    assert "refusing to reset: consumer group" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert await worker.terminate() == 0
    at = cli(env, "reset", SPEC, "--to-datetime", str(now), "--dry-run")
    assert at.returncode == 0, at.stderr
    assert f"{env['IT_IN']}[{s1}]: " in at.stdout and "would move" in at.stdout
    moved = {line.split(":")[0]: line.split("-> ")[1] for line in at.stdout.splitlines()[:-1]}
    assert moved[f"{env['IT_IN']}[{s1}]"] == "1"  # the record of a minute ago is skipped
    done = cli(env, "reset", SPEC, "--to-earliest")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "moved 2 of 2 partitions"
    again = start_worker()
    out = await read_all(bootstrap, env["IT_OUT"], 8)
    assert len(out) == 8  # every input processed a second time
    assert await again.terminate() == 0



async def test_a_poison_record_is_dead_lettered_and_redriven_once_never_twice(
        kafka_broker, env, start_worker) -> None:
    bootstrap = kafka_broker.bootstrap
    env = {**env, "STREAMFLOW_ON_DECODE_ERROR": "dead_letter"}
    dead = f"{env['IT_APP']}-dead-letters"
    strict = start_worker(STREAMFLOW_ON_DECODE_ERROR="dead_letter")
    await strict.wait_assigned()
    good = cli(env, "send", SPEC, env["IT_IN"], "--key", "s1", "--value", '{"sensor": "s1", "value": 1}')
    assert good.returncode == 0, good.stderr
    # A producer that does not go through streamflow writes a number as a string.
    await produce(bootstrap, env["IT_IN"], [("s2", {"sensor": "s2", "value": "12.5"})])
    await read_all(bootstrap, dead, 1)
    listed = cli(env, "dead-letters", SPEC)
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    letter = orjson.loads(line)
    # text keys, the default: s1 and s2 share a partition, where s1 came first
    assert partition_for(b"s1", 2) == partition_for(b"s2", 2)
    assert letter["topic"] == env["IT_IN"] and letter["offset"] == 1 and letter["pending"]
    assert letter["partition"] == partition_for(b"s2", 2)
    assert "Reading.value: expected a number, got str '12.5'" in letter["error"]
    assert orjson.loads(letter["value"]) == {"sensor": "s2", "value": "12.5"}
    assert listed.stderr.strip() == "1 dead letter(s), 1 pending"
    assert await strict.terminate() == 0

    fixed = start_worker(STREAMFLOW_ON_DECODE_ERROR="dead_letter", IT_LENIENT="1")
    await fixed.wait_assigned()
    first = cli(env, "dead-letters", SPEC, "--redrive")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"re-sent {dead}[") and first.stderr.strip() == "re-drove 1 dead letter(s)"
    second = cli(env, "dead-letters", SPEC, "--redrive")
    assert second.returncode == 0 and second.stdout == ""
    assert second.stderr.strip() == "re-drove 0 dead letter(s)"

    async def caught_up() -> bool:
        ins = await end_offsets(bootstrap, env["IT_IN"], 2)
        done = await committed(bootstrap, env["IT_APP"], env["IT_IN"], 2)
        return sum(ins.values()) == 3 and all((done[p] or 0) == ins[p] for p in ins)
    await wait_until(caught_up, 60, "the re-driven record processed and committed")
    echoed = await read_all(bootstrap, env["IT_OUT"], sum((await end_offsets(bootstrap, env["IT_OUT"], 2)).values()))
    assert sorted((orjson.loads(r.value)["sensor"], orjson.loads(r.value)["value"]) for r in echoed) == [
        ("s1", 1.0), ("s2", 12.5)]
    pending = cli(env, "dead-letters", SPEC, "--pending")
    assert pending.stdout == "" and pending.stderr.strip() == "0 dead letter(s), 0 pending"
    assert await fixed.terminate() == 0


async def test_tables_marks_partitions_another_worker_updated_since_as_stale(
        kafka_broker, env, start_worker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap

    async def caught_up(n: int) -> bool:
        ins = await end_offsets(bootstrap, env["IT_IN"], 2)
        done = await committed(bootstrap, env["IT_APP"], env["IT_IN"], 2)
        return sum(ins.values()) == n and all((done[p] or 0) == ins[p] for p in ins)

    first = start_worker("first")
    await first.wait_assigned()
    assert cli(env, "send", SPEC, env["IT_IN"], "--key", "s1", "--value",
               '{"sensor": "s1", "value": 1}').returncode == 0
    await wait_until(lambda: caught_up(1), 60, "the first reading committed")
    assert await first.terminate() == 0
    second = start_worker("second")  # the failover: the partition moves to another machine
    await second.wait_assigned()
    assert cli(env, "send", SPEC, env["IT_IN"], "--key", "s1", "--value",
               '{"sensor": "s1", "value": 2}').returncode == 0
    await wait_until(lambda: caught_up(2), 60, "the second reading committed")

    old = cli(env, "tables", SPEC, "--data-dir", str(tmp_path / "first"), "--dump", "totals")
    assert old.returncode == 0, old.stderr
    assert [orjson.loads(line) for line in old.stdout.splitlines()] == [
        {"key": "s1", "value": 1.0, "stale": True}]
    p = partition_for(b"s1", 2)
    assert f"warning: totals[{p}] is stale: this data dir has it up to changelog offset 0, but its " \
           "changelog goes on to 2" in old.stderr
    listing = cli(env, "tables", SPEC, "--data-dir", str(tmp_path / "first"))
    states = {int(line.split()[1]): line.split()[-1] for line in listing.stdout.splitlines()[1:]
              if line.startswith("totals")}
    assert states[p] == "STALE" and states[1 - p] == "current"
    new = cli(env, "tables", SPEC, "--data-dir", str(tmp_path / "second"), "--dump", "totals")
    assert new.returncode == 0, new.stderr
    assert [orjson.loads(line) for line in new.stdout.splitlines()] == [{"key": "s1", "value": 3.0}]
    assert new.stderr == ""
    assert await second.terminate() == 0
