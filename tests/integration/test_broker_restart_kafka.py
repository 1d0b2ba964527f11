"""``KafkaBroker`` (and so ``scripts/kafka``) restarts on the same ports right after a stop,
while the connections of the stopped broker are still in TIME_WAIT."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from streamflow.testing.kafka_broker import KafkaBroker
from streamflow.testing.kafka_broker.ports import free_port


def test_stop_and_start_again_on_the_same_ports(kafka_broker: object, tmp_path: Path) -> None:
    if not isinstance(kafka_broker, KafkaBroker):
        pytest.skip("STREAMFLOW_TEST_KAFKA: no local Kafka jars to start a second broker with")
    port, controller_port = free_port(), free_port()
    while controller_port == port:
        controller_port = free_port()
    broker = KafkaBroker(workdir=tmp_path / "broker", version=kafka_broker.version, port=port,
                         controller_port=controller_port, heap="256m")
    broker.start(timeout=90, warm_up=False)
    try:
        # A client still connected when the broker stops: the broker closes the connection
        # first, so its end of it lingers on the broker's port (FIN_WAIT/TIME_WAIT).
        client = socket.create_connection(("127.0.0.1", port))
        broker.stop()
        client.settimeout(10)
        client.recv(1)
        client.close()
        broker.start(timeout=90, warm_up=False)
        assert (broker.port, broker.controller_port) == (port, controller_port)
        assert broker.probe()
    finally:
        broker.stop()
