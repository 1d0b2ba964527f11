"""Why a Kafka client could not start, in words a user can act on.

aiokafka reports a refused SASL login, a failed TLS handshake and an unreachable host alike as
``KafkaConnectionError: Unable to bootstrap from [...]`` (the cause only goes to its log). When
the worker's first client fails, one connection is opened here with the same settings to find
the cause: the error then says "the broker refused user X's SCRAM-SHA-512 login" instead of
"is the broker running?".
"""
from __future__ import annotations

import asyncio
import ssl
from typing import Any

from aiokafka.conn import create_conn
from aiokafka.errors import (IllegalSaslStateError, KafkaError, SaslAuthenticationFailed,
                             UnsupportedSaslMechanismError)

from ...config import Settings


async def connect_failure_cause(settings: Settings, options: dict[str, Any],
                                timeout: float) -> str | None:
    """The reason the first reachable bootstrap server refuses us, or None if it is not about
    credentials or TLS (then the original error stands). ``options``: the client's options
    (``client_options``)."""
    for address in settings.bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            continue
        try:
            conn = await asyncio.wait_for(create_conn(
                host, int(port), client_id=options.get("client_id", "streamflow"),
                request_timeout_ms=int(timeout * 1000),
                ssl_context=options.get("ssl_context"),
                security_protocol=options.get("security_protocol", "PLAINTEXT"),
                sasl_mechanism=options.get("sasl_mechanism"),
                sasl_plain_username=options.get("sasl_plain_username"),
                sasl_plain_password=options.get("sasl_plain_password")), timeout)
        except (SaslAuthenticationFailed, IllegalSaslStateError) as exc:
            return (f"SASL authentication of user {settings.sasl_username!r} with "
                    f"{settings.sasl_mechanism} was refused by {address} ({_message(exc)}); "
                    "check sasl_username, sasl_password and sasl_mechanism")
        except UnsupportedSaslMechanismError as exc:
            return (f"{address} does not accept SASL mechanism {settings.sasl_mechanism} "
                    f"({_message(exc)}); check sasl_mechanism")
        except ssl.SSLError as exc:
            return (f"TLS handshake with {address} failed ({exc.reason or exc}); check "
                    "security_protocol and ssl_cafile (the CA that signed the broker's certificate)")
        except (TimeoutError, OSError, KafkaError):
            continue  # unreachable: try the next server; the caller's message covers it
        else:
            conn.close()
    return None


def _message(exc: BaseException) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if text.startswith("[Error") and ": " in text else text
