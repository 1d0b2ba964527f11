"""A worker killed (SIGKILL) while a commit is in flight, on a real broker (issue 14).

The run loop's commit completes in the background: the worker goes on processing while the
commit's acknowledgements, offsets (or transaction) and store writes complete. Here the worker
is killed right after a commit's offsets were committed and before its frozen table layers
were written, with clicks processed after the freeze (the input keeps coming): the restarted
worker (same disk, so the same transactional id) restores its tables from their changelogs
and processes the rest. Nothing is lost; with exactly-once nothing is doubled and the tables
are exact."""
from __future__ import annotations

import pytest

from .kafka_helpers import committed, create_topic, wait_until
from .test_exactly_once_kafka import PARTITIONS, all_committed
from .test_failures_kafka import GUARANTEES, Feeder, check, env, workers  # noqa: F401 (fixtures)


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_a_worker_killed_with_a_commit_in_flight_loses_and_doubles_nothing(
        kafka_broker, env, workers, tmp_path, guarantee) -> None:  # noqa: F811
    bootstrap = kafka_broker.bootstrap
    env = {**env, "IT_GUARANTEE": guarantee}
    stall = tmp_path / "stall"
    await create_topic(bootstrap, env["IT_IN"], PARTITIONS)
    a = workers({**env, "IT_STALL_FILE": str(stall)}, "disk-a")
    await a.wait_for_log("partitions ready:")
    data: list = []

    async def some_progress() -> bool:
        done = await committed(bootstrap, env["IT_APP"], env["IT_IN"], PARTITIONS)
        return sum(v or 0 for v in done.values()) >= 1_000
    async with Feeder(bootstrap, env["IT_IN"], data):
        await wait_until(some_progress, 60, "1,000 clicks committed")
        stall.write_text("in_flight")
        await a.wait_for_log("IT-STALL in_flight", timeout=60)
        a.kill()  # offsets committed, stores not written, later clicks in the tables' new layer
    assert ", 0 clicks processed since" not in a.log(), "nothing was processed meanwhile"
    restarted = workers(env, "disk-a")
    await wait_until(lambda: all_committed(bootstrap, env), 180, "all clicks committed")
    await restarted.wait_for_log("started on Kafka")
    assert await restarted.terminate() == 0
    await check(bootstrap, env, data, guarantee, exact_table=False)
