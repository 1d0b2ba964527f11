"""What every join processor shares: the result type, the default joiner, key layout helpers.

Pure values and byte arithmetic only; no state is kept here.
"""
from __future__ import annotations

import struct
from typing import Any, Callable, Iterator, NamedTuple, Protocol

__all__ = ["JoinResult", "Joiner", "JoinState", "pair", "length_prefixed"]

Joiner = Callable[[Any, Any], Any]
"""``joiner(left, right) -> value``; the missing side of a left/outer result is ``None``."""

_LENGTH = struct.Struct(">I")


class JoinResult(NamedTuple):
    """One output record of a join. ``value`` None is a tombstone (the key has no result)."""

    key: bytes | None
    value: Any | None
    timestamp: int


def pair(left: Any, right: Any) -> tuple[Any, Any]:
    """The default joiner: both sides as a ``(left, right)`` tuple."""
    return (left, right)


class JoinState(Protocol):
    """What a join needs of a table partition's per-commit batch (``PartitionTransaction``).

    Keys are bytes, values Python objects that must encode to JSON (they reach a changelog).
    """

    def get(self, key: bytes, default: Any = None) -> Any: ...

    def contains(self, key: bytes) -> bool: ...

    def set(self, key: bytes, value: Any) -> None: ...

    def delete(self, key: bytes) -> None: ...

    def iter_range(self, begin: bytes | None, end: bytes | None,
                   reverse: bool = False) -> Iterator[tuple[bytes, Any]]: ...


def length_prefixed(key: bytes) -> bytes:
    """``key`` behind its 4-byte big-endian length, so what follows it can never be mistaken
    for more key (``b"a" + ts`` and ``b"a\\x00" + ts`` stay apart)."""
    return _LENGTH.pack(len(key)) + key
