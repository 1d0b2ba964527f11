"""Broker transports: one small interface, an embedded in-memory broker and aiokafka."""
from __future__ import annotations

from ...config import Settings
from .base import Transport


def transport_for(settings: Settings) -> Transport:
    """The transport named by ``settings.broker``'s scheme."""
    if settings.broker.startswith("memory://"):
        from .memory import MemoryTransport
        return MemoryTransport(settings)
    from .kafka import KafkaTransport
    return KafkaTransport(settings)
