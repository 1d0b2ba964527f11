"""Log output for workers: text or one JSON object per line, and no flood while Kafka is down.

``configure`` is what ``streamflow worker`` calls; a program that runs ``app.run()`` itself may
call it too, or install :class:`JsonFormatter` and :class:`BrokerDownFilter` on its own
handlers. The runtime only logs (``extra={"topic", "partition", "offset"}`` where a record is
about one); how that looks is decided here.

While the broker is unreachable, aiokafka logs every failed connection, metadata refresh,
fetch and heartbeat at ERROR: about 80 lines a second against one stopped broker (measured:
60-80/s, four kinds of message). :class:`BrokerDownFilter` lets one of them through every
``interval`` seconds, saying how many it held back.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime
from typing import Any, Callable

import orjson

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
COORDINATES = ("topic", "partition", "offset")

# aiokafka's messages about a broker it cannot reach (conn, client, fetcher, coordinator).
_UNREACHABLE = ("Unable connect to node", "Unable to update metadata", "NodeNotReadyError",
                "Connect call failed", "KafkaConnectionError", "Marking the coordinator dead",
                "Heartbeat send request failed", "Unable to request metadata",
                "Coordinator Request failed", "RequestTimedOutError")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, app, worker, logger, message,
    topic/partition/offset when the record has them, and the traceback if there is one."""

    def __init__(self, app: str | None = None, worker: str | None = None) -> None:
        super().__init__()
        self.app, self.worker = app, worker

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "app": self.app,
            "worker": self.worker,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in COORDINATES:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


class BrokerDownFilter(logging.Filter):
    """Thin out aiokafka's "cannot reach the broker" errors to one line per ``interval`` s.

    The line that passes says how many were held back since the last one; other aiokafka
    messages, and everything else, pass untouched. Put it on a handler (a logger's filter would
    not see records of its child loggers)."""

    def __init__(self, interval: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval, self.clock = interval, clock
        self._last: float | None = None
        self.held_back = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("aiokafka") or record.levelno < logging.WARNING:
            return True
        message = record.getMessage()
        if not any(marker in message for marker in _UNREACHABLE):
            return True
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self.held_back += 1
            return False
        held, self.held_back = self.held_back, 0
        since = "" if self._last is None else f" in the last {now - self._last:.0f}s"
        self._last = now
        record.msg = (f"Kafka unreachable: {message}"
                      + (f" ({held} more such messages{since} not shown)" if held else ""))
        record.args = ()
        return True


def worker_name() -> str:
    """How logs name this process: the host and the process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def configure(level: str = "INFO", fmt: str = "text", *, app: str | None = None,
              worker: str | None = None, stream: Any = None,
              broker_down_interval: float = 5.0) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as text or JSON; returns the handler."""
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: use one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(app, worker or worker_name()) if fmt == "json"
                         else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(BrokerDownFilter(broker_down_interval))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    return handler


__all__ = ["BrokerDownFilter", "JsonFormatter", "configure", "worker_name"]
