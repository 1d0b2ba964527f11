"""Stream-table join: one stream record against the table's value at processing time.

A pure function: the caller looks the table value up (and keeps the table up to date from its
own updates, which never emit). See SEMANTICS.md, "Stream-table join".
"""
from __future__ import annotations

from typing import Any, Literal

from ._common import JoinResult, Joiner, pair

__all__ = ["stream_table_join"]


def stream_table_join(kind: Literal["inner", "left"], key: bytes | None, value: Any, ts: int,
                      table_value: Any, joiner: Joiner = pair) -> list[JoinResult]:
    """Join one stream record with ``table_value`` (``None``: the table has no row for key).

    A null stream value is dropped. A null key is dropped by ``inner`` and emitted with
    ``None`` for the table side by ``left`` (no lookup is made for it). The output carries the
    stream record's key and timestamp.
    """
    if kind not in ("inner", "left"):
        raise ValueError(f"stream-table join kind must be 'inner' or 'left', not {kind!r}")
    if value is None:
        return []
    if key is None or table_value is None:
        return [JoinResult(key, joiner(value, None), ts)] if kind == "left" else []
    return [JoinResult(key, joiner(value, table_value), ts)]
