"""What every join processor shares: the result type, the default joiner, the state protocol.

Pure values only; no state is kept here. Key bytes are laid out by :mod:`streamflow.state.keys`.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, NamedTuple, Protocol

__all__ = ["JoinResult", "Joiner", "JoinState", "pair"]

Joiner = Callable[[Any, Any], Any]
"""``joiner(left, right) -> value``; the missing side of a left/outer result is ``None``."""


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
