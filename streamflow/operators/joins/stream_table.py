"""Stream-table join: stream records against the table's row at processing time.

A pure function over a batch of stream records, the form the worker runs (``stream.join``
hands it each fetched batch); :func:`stream_table_join_one` is the same decision for one
record whose table row is at hand, the form the tests and the Kafka Streams comparison read
best. The caller looks rows up (and keeps the table up to date from its own updates, which
never emit). The rules are Kafka Streams' KStream-KTable join's; the comparison with Kafka
Streams' own output checks them (docs/testing-against-kafka-streams.md).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Literal, TypeVar

from ._common import JoinResult, Joiner, pair

__all__ = ["stream_table_join", "stream_table_join_one"]

C = TypeVar("C")


def stream_table_join(kind: Literal["inner", "left"], records: Iterable[tuple[Any, Any, C]],
                      lookup: Callable[[Any, C], Any],
                      joiner: Joiner = pair) -> tuple[list[C], list[Any]]:
    """Join stream records, in order, with the table's rows.

    ``records`` are ``(key, value, context)`` per stream record: the lookup key, the stream
    value, and whatever the caller needs to place a result (the worker: the event; it gives
    the result its key and timestamp). ``lookup(key, context)`` is the table's row for
    ``key``, None when it has none. A null stream value is dropped. A null key is dropped by
    ``inner`` and joined with None by ``left``; neither looks the table up for it. Returns
    the contexts of the records that give a result and the results' values, aligned.
    """
    if kind not in ("inner", "left"):
        raise ValueError(f"stream-table join kind must be 'inner' or 'left', not {kind!r}")
    left = kind == "left"
    contexts: list[C] = []
    values: list[Any] = []
    for key, value, context in records:
        if value is None:
            continue
        row = None if key is None else lookup(key, context)
        if row is None:
            if left:
                contexts.append(context)
                values.append(joiner(value, None))
            continue
        contexts.append(context)
        values.append(joiner(value, row))
    return contexts, values


def stream_table_join_one(kind: Literal["inner", "left"], key: bytes | None, value: Any, ts: int,
                          table_value: Any, joiner: Joiner = pair) -> list[JoinResult]:
    """:func:`stream_table_join` of one record, whose table row (None: no row) is
    ``table_value``: its output records, carrying the stream record's key and timestamp."""
    _, values = stream_table_join(kind, ((key, value, None),), lambda _key, _ctx: table_value,
                                  joiner)
    return [JoinResult(key, joined, ts) for joined in values]
