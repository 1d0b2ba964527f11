"""``streamflow tables`` says why it could not tell whether partitions are current: a broker
that accepts connections but never answers is reported as a timeout, not as an empty reason."""
from __future__ import annotations

import socket
from pathlib import Path

import streamflow
from streamflow.inspection import PartitionInfo
from streamflow.ops import table_freshness


async def test_a_broker_that_never_answers_is_reported_as_a_timeout(monkeypatch, tmp_path: Path) -> None:
    with socket.socket() as silent:                   # accepts (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        app = streamflow.App("fresh", broker=f"kafka://127.0.0.1:{port}")
        app.table("counts", default=int)
        monkeypatch.setattr(table_freshness, "CHECK_TIMEOUT", 0.5)
        info = PartitionInfo("counts", 0, tmp_path, 0, 0, changelog_offset=None)
        reason = await table_freshness.check_freshness(app, [info])
    assert reason == "the broker did not answer (TimeoutError: timeout)"
    assert info.stale is None
