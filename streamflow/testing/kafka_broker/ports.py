"""Loopback ports for the broker's listeners: picking free ones, checking one is free, and
whether something answers on one."""
from __future__ import annotations

import socket

HOST = "127.0.0.1"  # the broker listens on loopback only


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def free_port_except(taken: set[int]) -> int:
    """A free port that is none of ``taken`` (ports picked but not bound yet)."""
    port = free_port()
    while port in taken:
        port = free_port()
    return port


def port_is_free(port: int) -> bool:
    """Whether the broker could listen on ``port`` now. Binds with SO_REUSEADDR, as Kafka's
    own listeners do: without it, the connections of a broker just stopped on this port
    (in TIME_WAIT for a minute) would make a restart on the same port look refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def tcp_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts a TCP connection on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
