"""Table-table join (inner, left, outer) of one partition: both tables' current rows.

Owns the latest value and timestamp of each side per key, and decides what an update means for
the joined table. Semantics: docs/semantics.md, "Table-table join". One rule covers every kind: an
update emits the new joined row if there is one, otherwise a tombstone if there was one before;
a delete of a row that does not exist changes nothing and emits nothing (Kafka 4.1 emits a
tombstone or a repeated row there, against its docs). Output timestamp: the larger of the
triggering record's and the other side's current row's (if any). Every update emits, even one
that repeats the same value, as in Kafka 4.1: deduplication belongs to the table upstream.

State layout: ``01`` key -> [left value, ts]; ``02`` key -> [right value, ts].
"""
from __future__ import annotations

from typing import Any, Literal

from ._common import JoinResult, Joiner, JoinState, pair

__all__ = ["TableTableJoin", "describe_state"]

_LEFT, _RIGHT = b"\x01", b"\x02"


def describe_state(key: bytes, value: Any) -> dict[str, Any] | None:
    """One row of the state in words (``streamflow tables --dump``); ``key``: the join key's
    bytes."""
    side = {_LEFT: "left", _RIGHT: "right"}.get(key[:1])
    if side is None:
        return None
    return {"side": side, "key": key[1:], "value": value[0], "timestamp": value[1]}


class TableTableJoin:
    """Joins two co-partitioned tables on key; ``update_left``/``update_right`` take one
    table update (``value`` None: delete) and return at most one result."""

    def __init__(self, kind: Literal["inner", "left", "outer"] = "inner",
                 joiner: Joiner = pair) -> None:
        if kind not in ("inner", "left", "outer"):
            raise ValueError(f"table-table join kind must be 'inner', 'left' or 'outer', "
                             f"not {kind!r}")
        self.kind = kind
        self.joiner = joiner

    def update_left(self, txn: JoinState, key: bytes | None, value: Any,
                    ts: int) -> list[JoinResult]:
        return self._update(True, txn, key, value, ts)

    def update_right(self, txn: JoinState, key: bytes | None, value: Any,
                     ts: int) -> list[JoinResult]:
        return self._update(False, txn, key, value, ts)

    def _update(self, is_left: bool, txn: JoinState, key: bytes | None, value: Any,
                ts: int) -> list[JoinResult]:
        if key is None:  # a table has no row without a key: Kafka drops these
            return []
        own_key = (_LEFT if is_left else _RIGHT) + key
        own = txn.get(own_key)
        other = txn.get((_RIGHT if is_left else _LEFT) + key)
        if value is None:
            if own is None:
                return []
            txn.delete(own_key)
        else:
            txn.set(own_key, [value, ts])
        other_exists = other is not None
        if is_left:
            was = self._exists(own is not None, other_exists)
            now = self._exists(value is not None, other_exists)
        else:
            was = self._exists(other_exists, own is not None)
            now = self._exists(other_exists, value is not None)
        out_ts = ts if other is None or ts >= other[1] else other[1]
        if now:
            other_value = None if other is None else other[0]
            joined = (self.joiner(value, other_value) if is_left
                      else self.joiner(other_value, value))
            return [JoinResult(key, joined, out_ts)]
        if was:
            return [JoinResult(key, None, out_ts)]
        return []

    def _exists(self, left: bool, right: bool) -> bool:
        """Whether the joined row exists when the left/right rows do."""
        if self.kind == "inner":
            return left and right
        if self.kind == "left":
            return left
        return left or right
