"""At-least-once and a worker the group replaced (memory://): the zombie writes no stale
changelog record and its stores keep nothing of the batch it could not commit; what a zombie
appended anyway is overwritten by the partition's owner before the owner commits or hands the
partition over."""
from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest

from streamflow.runtime.transport.memory import broker_for
from streamflow.runtime.worker import Worker
from streamflow.types import TP

from .test_commit_on_failure import USERS_PARTITION, failing_counter, truth
from .test_exactly_once_memory import committed_table, drain, send_clicks

CHANGELOG = TP("eos-counts-changelog", USERS_PARTITION)


def changelog_values() -> list[tuple[str, int]]:
    records, _ = broker_for("memory://").readable(CHANGELOG, 0, 10**9)
    return [(r.key.decode(), orjson.loads(r.value)) for r in records]


async def test_a_replaced_worker_writes_no_stale_changelog_and_keeps_nothing_it_did_not_commit(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    a = Worker(failing_counter(tmp_path / "a", "at_least_once"))
    b = Worker(failing_counter(tmp_path / "b", "at_least_once"))
    await a.start()
    try:
        send_clicks(0, 30)
        await drain(a)
        send_clicks(30, 30)
        await a.poll_once(0)  # counted, not committed
        broker_for("memory://").groups["eos"].evict(a.consumer)  # paused past its session
        await b.start()
        await drain(b)  # restores what a committed, counts clicks 30..59 itself
        assert committed_table() == truth(60)
        written = len(changelog_values())
        store = a.tables.active[("counts", USERS_PARTITION)].store
        stored = store.changelog_offset()
        with caplog.at_level(logging.WARNING, logger="streamflow.worker"):
            await a.commit()  # a resumes: it must not write its stale counts after b's
        assert "cannot prove it is still a member" in caplog.text
        assert len(changelog_values()) == written and committed_table() == truth(60)
        assert store.changelog_offset() == stored  # the batch it could not commit is gone
        send_clicks(60, 30)
        await drain(a, b)
        await drain(a, b)
        assert committed_table() == truth(90)
    finally:
        await b.shutdown()
        await a.shutdown()


@pytest.mark.parametrize("owner_writes_again", [True, False])
async def test_the_owner_overwrites_what_a_zombie_appended_to_its_changelog(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, owner_writes_again: bool) -> None:
    """The zombie's records landed although it checked its lease (they were on the wire when
    it paused): the owner finds them among its own at its next commit, or when it hands the
    partition over, and appends its own values over them."""
    a = Worker(failing_counter(tmp_path / "a", "at_least_once"))
    await a.start()
    try:
        send_clicks(0, 30)
        await drain(a)
        assert committed_table() == truth(30)
        broker_for("memory://").append(CHANGELOG.topic, CHANGELOG.partition,
                                       [(b"u0", b"3", None, None), (b"u1", b"10", None, None)], 0)
        assert committed_table() != truth(30)  # the zombie's stale word is the changelog's last
        with caplog.at_level(logging.WARNING, logger="streamflow.tables"):
            if owner_writes_again:
                send_clicks(30, 3)  # one more click of each user
                await drain(a)
                expected = truth(33)
            else:
                expected = truth(30)
    finally:
        with caplog.at_level(logging.WARNING, logger="streamflow.tables"):
            await a.shutdown()  # the final commit checks the changelogs' ends
    assert "hold records this worker did not write" in caplog.text
    assert committed_table() == expected
