"""Integration tests against a real Apache Kafka broker.

One broker (streamflow.testing.kafka_broker.KafkaBroker, KRaft, loopback) is started lazily for
the whole session by the ``kafka_broker`` fixture and stopped at the end. Set
``STREAMFLOW_TEST_KAFKA=host:port`` to run against an already running broker instead (for
example one started with ``scripts/kafka start``); it needs the same settings as the throwaway
broker for the timing-sensitive tests (see docs/kafka-dev-broker.md).
``STREAMFLOW_TEST_KAFKA_VERSION`` picks another Apache Kafka version for the throwaway broker.

Every test collected under tests/integration gets the ``kafka`` marker, so
``pytest -m "not kafka"`` skips them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from streamflow.testing.kafka_broker import DEFAULT_VERSION, KafkaBroker

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ExternalKafka:
    """A broker we did not start (``STREAMFLOW_TEST_KAFKA``): same address API as KafkaBroker."""

    host: str
    port: int

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"


def _external() -> ExternalKafka | None:
    value = os.environ.get("STREAMFLOW_TEST_KAFKA", "").strip()
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise pytest.UsageError(f"STREAMFLOW_TEST_KAFKA must be host:port, got {value!r}")
    return ExternalKafka(host=host, port=int(port))


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker | ExternalKafka]:
    """The session's Kafka broker: ``.bootstrap`` ("127.0.0.1:PORT") and ``.url``."""
    external = _external()
    if external is not None:
        yield external
        return
    version = os.environ.get("STREAMFLOW_TEST_KAFKA_VERSION") or DEFAULT_VERSION
    broker = KafkaBroker(workdir=tmp_path_factory.mktemp("kafka-broker"), version=version)
    broker.start(timeout=90)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_url(kafka_broker: KafkaBroker | ExternalKafka) -> str:
    """``kafka://host:port`` of the session's broker."""
    return kafka_broker.url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(item.path).resolve()
        if _HERE in path.parents:
            item.add_marker(pytest.mark.kafka)
