"""The dev broker's free-port pre-check: a port whose last connections are in TIME_WAIT is free
to a listener that sets SO_REUSEADDR (as Kafka's does), so a stop and a start on the same port
must not be refused by our own check."""
from __future__ import annotations

import socket

from streamflow.testing.kafka_broker.ports import port_is_free


def _port_left_in_time_wait() -> int:
    """A port whose listener is gone and whose only connection was closed by the server side
    first (so the server's end of it sits in TIME_WAIT), as after a broker stop."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Java's server sockets (Kafka's listeners) set SO_REUSEADDR; Linux lets a new bind
    # reuse a TIME_WAIT port only when both the old and the new socket set it.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    server_side, _ = listener.accept()
    listener.close()
    server_side.close()  # the server closes first: its end goes to FIN_WAIT/TIME_WAIT
    client.recv(1)       # read the FIN ...
    client.close()       # ... and answer it, so the server's end reaches TIME_WAIT
    return port


def test_a_port_in_time_wait_is_free_to_restart_on() -> None:
    port = _port_left_in_time_wait()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as plain:
        try:
            plain.bind(("127.0.0.1", port))
            in_time_wait = False
        except OSError:
            in_time_wait = True
    assert in_time_wait, "the test did not manage to leave the port in TIME_WAIT"
    assert port_is_free(port)


def test_a_port_someone_listens_on_is_not_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        assert not port_is_free(listener.getsockname()[1])
