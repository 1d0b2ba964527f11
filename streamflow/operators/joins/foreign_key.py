"""Foreign-key table join (inner, left): each left row names a right row by its key.

Owns the left rows, the right rows and the reverse index (foreign key -> left keys) that lets a
right update reach every left row pointing at it. Semantics: docs/semantics.md, "Foreign-key table
join"; where it is silent we do what Kafka Streams 4.1's subscription protocol does:

- inner, a left row whose FK is None emits nothing, and so does deleting it; changing an FK
  from None to a value is an insert (a result only if the right row exists); an FK changing
  from one value to another emits exactly one record, a tombstone if the new right row is
  missing (even when the old FK did not join either: Kafka cannot tell, neither do we);
- left, every left insert, update or delete (of an existing row) emits exactly one record;
- deleting a row (left or right) that does not exist emits nothing (Kafka 4.1 answers a
  right delete of a missing row with a tombstone, or the repeated left-join row, for every
  left row pointing at it: the table-table rule of docs/semantics.md applies here too); every
  update emits, even one repeating the same value, as in Kafka;
- a right update emits one record per left row pointing at it, in left key byte order,
  stamped with the right record's timestamp; a left-triggered result is stamped with the
  larger of the left record's and the answering right row's, if any: the old FK's row when
  an inner join's left row is deleted or its FK set to None, none for a left join's delete,
  as in Kafka.

The two tables' state is kept apart so that it can live in different partitions: left rows in
``left_txn``; right rows and the reverse index in ``right_txn`` (the index is keyed by FK, so it
partitions with the right table, like Kafka's subscription store). Every call takes both; with
co-partitioned or global right tables they may be one transaction (the namespaces differ).
Here a right update reads the left rows it fans out to directly, so a result always reflects
the latest left value. A distributed version splits ``update_left`` at the right-table lookup
and ``update_right`` at the left-row lookup into messages between partitions, and must then
discard an answer computed for an older left value (Kafka sends a hash of it along).

State layout (``lp(k)`` = 4-byte length + key; the FK as latin-1 text, as JSON needs text):
  left_txn   ``01`` left key           -> [left value, FK or None]
  right_txn  ``02`` right key          -> [right value, ts]
  right_txn  ``03`` lp(FK) left key    -> 0     (a prefix scan per FK, in left key order)
"""
from __future__ import annotations

from typing import Any, Callable, Literal

from streamflow.state.keys import length_prefixed, prefix_end

from ._common import JoinResult, Joiner, JoinState, pair

__all__ = ["ForeignKeyJoin", "describe_state"]

_LEFT, _RIGHT, _INDEX = b"\x01", b"\x02", b"\x03"


def describe_state(key: bytes, value: Any) -> dict[str, Any] | None:
    """One row of the state in words (``streamflow tables --dump``): a left row with its
    foreign key, or a right row; None for the reverse index and bookkeeping."""
    if key[:1] == _LEFT:
        return {"side": "left", "key": key[1:], "value": value[0], "foreign_key": value[1]}
    if key[:1] == _RIGHT:
        return {"side": "right", "key": key[1:], "value": value[0], "timestamp": value[1]}
    return None


class ForeignKeyJoin:
    """Joins a left table to a right table through ``extract_fk(left value) -> right key``
    (bytes, or None for "no foreign key"). Output key: the left key."""

    def __init__(self, kind: Literal["inner", "left"], extract_fk: Callable[[Any], bytes | None],
                 joiner: Joiner = pair) -> None:
        if kind not in ("inner", "left"):
            raise ValueError(f"foreign-key join kind must be 'inner' or 'left', not {kind!r}")
        self.kind = kind
        self.extract_fk = extract_fk
        self.joiner = joiner

    def update_left(self, left_txn: JoinState, right_txn: JoinState, key: bytes | None,
                    value: Any, ts: int) -> list[JoinResult]:
        """Apply one left table update (``value`` None: delete); at most one result."""
        if key is None:
            return []
        old = left_txn.get(_LEFT + key)
        old_fk = None if old is None or old[1] is None else old[1].encode("latin-1")
        if value is None:
            if old is None:
                return []
            left_txn.delete(_LEFT + key)
            if old_fk is not None:
                right_txn.delete(_INDEX + length_prefixed(old_fk) + key)
            if self.kind == "left":  # Kafka answers a left join's delete without a lookup
                return [JoinResult(key, None, ts)]
            if old_fk is None:  # inner: this row never joined
                return []
            return [JoinResult(key, None, self._stamp(right_txn, old_fk, ts))]

        new_fk = self.extract_fk(value)
        if new_fk is not None and not isinstance(new_fk, bytes):
            raise TypeError(f"extract_fk must return bytes or None, got {type(new_fk).__name__} "
                            f"for left key {key!r}")
        left_txn.set(_LEFT + key, [value, None if new_fk is None else new_fk.decode("latin-1")])
        if new_fk != old_fk:
            if old_fk is not None:
                right_txn.delete(_INDEX + length_prefixed(old_fk) + key)
            if new_fk is not None:
                right_txn.set(_INDEX + length_prefixed(new_fk) + key, 0)

        right = None if new_fk is None else right_txn.get(_RIGHT + new_fk)
        if right is not None:
            right_value, right_ts = right
            return [JoinResult(key, self.joiner(value, right_value), max(ts, right_ts))]
        if self.kind == "left":
            return [JoinResult(key, self.joiner(value, None), ts)]
        if new_fk is None and old_fk is not None:  # FK set to None: answered by the old FK
            return [JoinResult(key, None, self._stamp(right_txn, old_fk, ts))]
        if old_fk is not None and new_fk != old_fk:  # FK changed: answered by the new FK
            return [JoinResult(key, None, ts)]
        return []

    @staticmethod
    def _stamp(right_txn: JoinState, fk: bytes, ts: int) -> int:
        """A left-triggered result's timestamp: the larger of the left record's and that of
        the right row that answers it (Kafka stamps the subscription's response so)."""
        right = right_txn.get(_RIGHT + fk)
        return ts if right is None else max(ts, right[1])

    def update_right(self, left_txn: JoinState, right_txn: JoinState, key: bytes | None,
                     value: Any, ts: int) -> list[JoinResult]:
        """Apply one right table update; one result per left row pointing at ``key``."""
        if key is None:
            return []
        if value is None:
            if not right_txn.contains(_RIGHT + key):
                return []
            right_txn.delete(_RIGHT + key)
        else:
            right_txn.set(_RIGHT + key, [value, ts])
        prefix = _INDEX + length_prefixed(key)
        at = len(prefix)
        out = []
        for indexed, _ in list(right_txn.iter_range(prefix, prefix_end(prefix))):
            left_key = indexed[at:]
            left = left_txn.get(_LEFT + left_key)
            if left is None:  # cannot happen while both txns commit together; be safe
                continue
            if value is not None:
                out.append(JoinResult(left_key, self.joiner(left[0], value), ts))
            elif self.kind == "left":
                out.append(JoinResult(left_key, self.joiner(left[0], None), ts))
            else:
                out.append(JoinResult(left_key, None, ts))
        return out
