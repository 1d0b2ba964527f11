"""Aggregations for windowed tables: how a window's value starts, grows and (for sessions)
merges, and what is shown of it.

Each is four plain functions, so a user aggregation is as easy to write as these. Stored
aggregates must be JSON values (they go to the changelog), which is why ``mean`` keeps
``[sum, count]`` and ``reduce`` keeps ``[value]``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .operators.windowed.updates import count_adder, count_initializer


def _identity(x: Any) -> Any:
    return x


@dataclass(frozen=True)
class Aggregation:
    """How a window's value starts (``initializer``), takes an event's value (``adder``), merges
    with another window's (``merger``, sessions only) and is shown (``result``)."""

    initializer: Callable[[], Any]
    adder: Callable[[Any, Any], Any]
    merger: Callable[[Any, Any], Any] | None = None
    result: Callable[[Any], Any] = _identity


def count() -> Aggregation:
    """Number of events (the value is ignored)."""
    return Aggregation(count_initializer, count_adder, lambda a, b: a + b)


def sum(field: Callable[[Any], Any] | None = None) -> Aggregation:  # noqa: A001 - reads as streamflow.agg.sum
    """Sum of ``field(value)`` (default: the value itself)."""
    f = field or _identity
    return Aggregation(lambda: 0, lambda agg, v: agg + f(v), lambda a, b: a + b)


def _pick(better: Callable[[Any, Any], bool], field: Callable[[Any], Any] | None) -> Aggregation:
    f = field or _identity

    def add(agg: Any, v: Any) -> Any:
        x = f(v)
        return [x] if not agg or better(x, agg[0]) else agg

    def merge(a: Any, b: Any) -> Any:
        if not a:
            return b
        if not b:
            return a
        return b if better(b[0], a[0]) else a

    return Aggregation(list, add, merge, lambda agg: agg[0] if agg else None)


def min(field: Callable[[Any], Any] | None = None) -> Aggregation:  # noqa: A001
    """Smallest ``field(value)``."""
    return _pick(lambda x, cur: x < cur, field)


def max(field: Callable[[Any], Any] | None = None) -> Aggregation:  # noqa: A001
    """Largest ``field(value)``."""
    return _pick(lambda x, cur: x > cur, field)


def mean(field: Callable[[Any], Any] | None = None) -> Aggregation:
    """Arithmetic mean of ``field(value)``; stored as ``[sum, count]``."""
    f = field or _identity
    return Aggregation(lambda: [0, 0], lambda agg, v: [agg[0] + f(v), agg[1] + 1],
                       lambda a, b: [a[0] + b[0], a[1] + b[1]],
                       lambda agg: agg[0] / agg[1] if agg[1] else None)


def reduce(fn: Callable[[Any, Any], Any]) -> Aggregation:
    """``fn(accumulated, value)``, starting from the first value (Kafka Streams' ``reduce``);
    sessions merge with the same function."""
    def add(agg: Any, v: Any) -> Any:
        return [v] if not agg else [fn(agg[0], v)]

    def merge(a: Any, b: Any) -> Any:
        if not a:
            return b
        if not b:
            return a
        return [fn(a[0], b[0])]

    return Aggregation(list, add, merge, lambda agg: agg[0] if agg else None)


def aggregate(initial: Callable[[], Any], fn: Callable[[Any, Any], Any],
              merger: Callable[[Any, Any], Any] | None = None) -> Aggregation:
    """A user aggregation: ``initial()`` then ``fn(aggregate, value)``; sessions also need
    ``merger(a, b)``. Aggregates must be JSON values and must not be mutated in place."""
    return Aggregation(initial, fn, merger)


def add_default(default: Callable[[], Any]) -> Aggregation:
    """What ``table[key] += value`` means on ``app.table(default=...).tumbling(...)``."""
    return Aggregation(default, lambda agg, v: agg + v, lambda a, b: a + b)
