"""What every aiokafka client of the ``kafka://`` transport shares: the connection and
security options, the isolation level, and a partition's lag as the last fetch left it."""
from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.helpers import create_ssl_context

from ...config import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection and security options shared by every aiokafka client (SASL/SSL pass through)."""
    opts: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
        "client_id": "streamflow",
    }
    if settings.sasl_mechanism:
        opts["sasl_mechanism"] = settings.sasl_mechanism
        opts["sasl_plain_username"] = settings.sasl_username
        opts["sasl_plain_password"] = settings.sasl_password
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        opts["ssl_context"] = create_ssl_context(cafile=settings.ssl_cafile,
                                                 certfile=settings.ssl_certfile,
                                                 keyfile=settings.ssl_keyfile)
    return opts


def isolation_level(settings: Settings) -> str:
    """Exactly-once reads only committed transactions: what an aborted transaction wrote
    (output or changelog) is never processed nor restored."""
    return "read_committed" if settings.processing_guarantee == "exactly_once" else "read_uncommitted"


def fetched_lag(consumer: AIOKafkaConsumer, tp: TopicPartition, committed_only: bool) -> int | None:
    """End offset (the last stable offset for read_committed) minus position, from what the
    last fetch response said; None before the first response. aiokafka keeps both in its
    subscription state; its public ``position()`` is a coroutine that may wait for a reset."""
    subscription = consumer._subscription.subscription
    assignment = subscription.assignment if subscription is not None else None
    state = assignment.state_value(tp) if assignment is not None else None
    if state is None:
        return None
    end = state.lso if committed_only else state.highwater
    if end is None or end < 0 or not state.has_valid_position:
        return None
    return max(0, end - state.position)
