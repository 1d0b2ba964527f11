"""Integration tests against a real Apache Kafka broker.

One broker (streamflow.testing.kafka_broker.KafkaBroker, KRaft, loopback) is started lazily for
the whole session by the ``kafka_broker`` fixture and stopped at the end. Set
``STREAMFLOW_TEST_KAFKA=host:port`` to run against an already running broker instead (for
example one started with ``scripts/kafka start``); it needs the same settings as the throwaway
broker for the timing-sensitive tests (see docs/kafka-dev-broker.md).
``STREAMFLOW_TEST_KAFKA_VERSION`` picks another Apache Kafka version for the throwaway broker.

The throwaway broker also has a SASL_PLAINTEXT and a SASL_SSL listener (``kafka_sasl``) for the
security tests; against an external broker those tests are skipped.

Every test collected under tests/integration gets the ``kafka`` marker, so
``pytest -m "not kafka"`` skips them all.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from streamflow.testing.kafka_broker import DEFAULT_VERSION, KafkaBroker

_HERE = Path(__file__).resolve().parent


SASL_USERS = {"streamflow-it": "it-secret-1", "other-user": "other-secret"}


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
    broker = KafkaBroker(workdir=tmp_path_factory.mktemp("kafka-broker"), version=version,
                         sasl_users=SASL_USERS, ssl=shutil.which("keytool") is not None)
    broker.start(timeout=90)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_url(kafka_broker: KafkaBroker | ExternalKafka) -> str:
    """``kafka://host:port`` of the session's broker."""
    return kafka_broker.url


@dataclass(frozen=True)
class SaslListeners:
    """Where the session broker authenticates clients, and who may log in."""

    sasl_plaintext: str
    sasl_ssl: str | None  # None when no keytool was found to make a certificate
    ssl_cafile: str | None
    users: dict[str, str]


@pytest.fixture(scope="session")
def kafka_sasl(kafka_broker: KafkaBroker | ExternalKafka) -> SaslListeners:
    """The session broker's SASL listeners (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)."""
    if not isinstance(kafka_broker, KafkaBroker):
        pytest.skip("STREAMFLOW_TEST_KAFKA: an external broker has no known SASL listener")
    return SaslListeners(kafka_broker.sasl_bootstrap,
                         kafka_broker.sasl_ssl_bootstrap if kafka_broker.ssl else None,
                         str(kafka_broker.ssl_cafile) if kafka_broker.ssl else None,
                         dict(SASL_USERS))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(item.path).resolve()
        if _HERE in path.parents:
            item.add_marker(pytest.mark.kafka)
