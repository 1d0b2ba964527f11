"""Small value types shared across the package."""
from __future__ import annotations

from typing import Any, NamedTuple


class TP(NamedTuple):
    """A topic partition."""

    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


class Event:
    """One record as an agent sees it: decoded key and value plus where it came from.

    ``timestamp`` is the record's timestamp in milliseconds since the epoch (event time).
    """

    __slots__ = ("topic", "partition", "offset", "timestamp", "key", "value", "headers", "raw_key")

    def __init__(self, topic: str, partition: int, offset: int, timestamp: int, key: Any,
                 value: Any, headers: tuple[tuple[str, bytes], ...] = (),
                 raw_key: bytes | None = None) -> None:
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
        self.raw_key = raw_key

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
