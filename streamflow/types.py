"""Small value types shared across the package."""
from __future__ import annotations

from typing import Any, NamedTuple


class TP(NamedTuple):
    """A topic partition."""

    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


# Where each field of an event sits. The worker hands agents plain tuples laid out like
# :class:`Event` (a tuple subclass costs a type call per record on the hot path), and the
# runtime and the DSL read them by these indices: ``event[KEY]``, never ``event[4]``. They
# hold for an :class:`Event` too (tests/unit/test_event_fields.py).
TOPIC, PARTITION, OFFSET, TIMESTAMP, KEY, VALUE, HEADERS, RAW_KEY = range(8)

# The type of those plain tuples (an Event is one too): what the worker's batches hold.
EventTuple = tuple[str, int, int, int, Any, Any, Any, bytes | None]


class Event(NamedTuple):
    """One record as an agent sees it: decoded key and value plus where it came from.

    ``timestamp`` is the record's timestamp in milliseconds since the epoch (event time);
    ``raw_key`` is the key's bytes as they were on the topic. A tuple, because the worker
    builds one per record on the hot path and a tuple is the cheapest object to build.
    """

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: Any
    value: Any
    headers: Any = ()
    raw_key: bytes | None = None

    @property
    def coordinates(self) -> str:
        """``topic[partition]@offset``: how logs and errors name this event."""
        return f"{self.topic}[{self.partition}]@{self.offset}"

    def __repr__(self) -> str:
        return (f"Event({self.coordinates}, ts={self.timestamp}, key={self.key!r}, "
                f"value={self.value!r})")


class Message(NamedTuple):
    """What an agent may ``yield`` to its sink to choose the key, headers or timestamp itself."""

    value: Any
    key: Any = None
    headers: tuple[tuple[str, bytes], ...] | None = None
    timestamp: int | None = None
