"""A worker whose broker goes away logs a line every few seconds, not aiokafka's ~80 ERROR
lines a second (measured before the filter: 60-80 a second against a stopped broker)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from streamflow.testing.kafka_broker import KafkaBroker

from .kafka_helpers import WorkerProcess, unique, wait_until

SPEC = "tests.integration.apps.ops:app"
INTERVAL = 5.0  # BrokerDownFilter's default


async def test_a_stopped_broker_is_one_log_line_every_few_seconds(kafka_broker, tmp_path: Path) -> None:
    if not isinstance(kafka_broker, KafkaBroker):
        pytest.skip("STREAMFLOW_TEST_KAFKA: no local Kafka jars to start a broker to stop")
    broker = KafkaBroker(workdir=tmp_path / "broker", version=kafka_broker.version, heap="256m")
    broker.start(timeout=90, warm_up=False)
    worker = None
    try:
        worker = WorkerProcess(SPEC, {"IT_APP": unique("it-logs"), "IT_IN": unique("it-logs-in"),
                                      "IT_OUT": unique("it-logs-out"), "STREAMFLOW_BROKER": broker.url,
                                      "STREAMFLOW_DATA_DIR": str(tmp_path / "data")},
                               tmp_path / "worker.log")
        await worker.wait_assigned()
        before = len(worker.log().splitlines())
        broker.stop()
        # Three summary lines: at least two intervals of the broker being down.
        await wait_until(lambda: "\n".join(worker.log().splitlines()[before:]).count(
            "Kafka unreachable") >= 3, 90, "three 'Kafka unreachable' lines")
        after = worker.log().splitlines()[before:]
        times = [_seconds(line) for line in after if "Kafka unreachable" in line]
        span = times[-1] - times[0]
        assert span >= 2 * INTERVAL - 0.1, "\n".join(after)
        # Every line logged meanwhile, whoever logged it: a few, not 80 a second.
        during = [line for line in after if times[0] <= (_seconds(line) or times[0]) <= times[-1]]
        assert len(during) <= span / INTERVAL + 1 + 5, "\n".join(during)
        held = [int(m) for m in re.findall(r"\((\d+) more such messages", "\n".join(after))]
        assert held and max(held) > 10  # the flood is still there, only not shown
    finally:
        if worker is not None:
            worker.close()
        broker.stop()


_TIME = re.compile(r"^\d{4}-\d\d-\d\d (\d\d):(\d\d):(\d\d),(\d{3}) ")


def _seconds(line: str) -> float | None:
    """Seconds of day of a text log line (``2026-12-04 14:24:52,287 ERROR ...``); None for a
    line that is not one (a traceback's)."""
    m = _TIME.match(line)
    if m is None:
        return None
    h, mi, s, ms = (int(x) for x in m.groups())
    return h * 3600 + mi * 60 + s + ms / 1000
