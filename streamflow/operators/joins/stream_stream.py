"""Stream-stream windowed join (inner, left, outer) of one partition, exact and replayable.

Owns the join's state in one table partition: both sides' buffered records, the records still
waiting to be emitted unmatched, and the stream time shared by both inputs. It never reads a
clock: the same inputs always give the same outputs. Semantics: docs/semantics.md,
"Stream-stream windowed join"; where that text is silent we do what Kafka Streams 4.1's
``KStreamKStreamJoin`` does. The decisions, in order of a record's processing:

1. Stream time = the largest timestamp of any record handed to either side, null key or
   null value included (Kafka advances it before dropping those). Only a non-null value
   with a non-null key is joined or buffered; a null key on a left/outer side is emitted at
   once unmatched (KIP-962), on any other side dropped.
2. Unmatched records are emitted when stream time *strictly* passes their deadline,
   ``ts + after + grace`` for left records and ``ts + before + grace`` for right records
   (Kafka keeps the window open while ``ts + lookback + grace >= stream_time``). The check
   runs when a joinable record that is not out of order (``ts >= stream time``) arrives,
   before that record is joined, as Kafka does; a deadline passed only through a null
   record waits for the next such record. Several are emitted in Kafka's outer-store order:
   timestamp, then right before left, then key bytes, then arrival.
3. Matches of the arriving record come next, one per buffered record of the other side in
   timestamp then arrival order, stamped with the larger timestamp. A buffered record that
   matches is no longer waiting to be emitted unmatched.
4. An arriving record with no match waits for its deadline, or is emitted at once if stream
   time has already passed it. Kafka 4.1 skips the grace period in that test
   (``ts + after < stream_time``) and so may emit a record unmatched that a record arriving
   within grace then matches; docs/semantics.md says "that late" (grace included): we follow it.
   A record emitted at once is still buffered (rule 5), so a yet later record of the other
   side may join it and both results stand, as in Kafka: docs/semantics.md asks for the
   immediate emission and for every match, and only a record that was *waiting* is
   guaranteed never to be emitted unmatched once matched.
5. The record is then buffered for later matches on its own side. As in Kafka's join window
   stores, a side's buffer ages by that side's own stream time: a record stays joinable
   while ``ts + before + after + grace >= max timestamp seen on its side``. That keeps every
   partner of a record that is not late, and lets a late record still join whatever the
   other side has retained. Kafka's store drops a record one millisecond earlier (at
   ``==``), which loses matches the inclusive window promises (with ``before = after =
   grace = 0`` Kafka 4.1.1 joins nothing at all); we keep it.

Kafka also throttles the unmatched check by wall-clock time (1 s by default), and skips the
check while ``minTime + after + grace >= stream_time``, where ``minTime`` is the timestamp of
the last record its previous scan looked at (not the oldest one left) and ``after`` is the
arriving side's; so it often emits an unmatched record several inputs after it is due, or not
before the input ends. Both are performance shortcuts, not semantics: we emit at the first
check after the deadline (rule 2). ``tests/unit/operators/join_model_kafka.py`` transcribes
Kafka's join and recorded traces; the tests there show that rules 2, 4 and 5 are the only
differences.

State layout (one partition; ``lp(k)`` = 4-byte length + key, ``i64`` order-preserving):
  ``00``                                   [stream_time, left_time, right_time, next_seq,
                                            3 lower bounds of the timestamps below]
  ``01|02`` lp(key) i64(ts) u64(seq)       left | right buffered value
  ``03|04`` i64(ts) lp(key) u64(seq)       0: the same records by time, for expiry
  ``05`` i64(ts) side lp(key) u64(seq)     value waiting to be emitted unmatched
                                           (side: 00 right, 01 left)
``seq`` numbers records in arrival order, so duplicates at one timestamp are all kept.
"""
from __future__ import annotations

from typing import Any, Literal

from streamflow.exceptions import InvalidTimestamp
from streamflow.state.keys import (decode_i64, encode_i64, encode_u64, length_prefixed,
                                   read_length_prefixed)

from ._common import JoinResult, Joiner, JoinState, pair

__all__ = ["StreamStreamJoin", "describe_state"]

LEFT, RIGHT = "left", "right"
_OTHER = {LEFT: RIGHT, RIGHT: LEFT}
_META = b"\x00"
_BUFFER = {LEFT: b"\x01", RIGHT: b"\x02"}
_BY_TIME = {LEFT: b"\x03", RIGHT: b"\x04"}
_UNMATCHED = b"\x05"
_SIDE_BYTE = {RIGHT: b"\x00", LEFT: b"\x01"}
_SIDE_OF_BYTE = {0: RIGHT, 1: LEFT}
# Slots of the meta record. The floors are lower bounds of the timestamps stored in a
# namespace (None: nothing stored yet), so that expiry scans run only when they may find.
_STREAM_TIME, _NEXT_SEQ, _WAITING_FLOOR = 0, 3, 4
_SIDE_TIME = {LEFT: 1, RIGHT: 2}
_BUFFER_FLOOR = {LEFT: 5, RIGHT: 6}
_UNMATCHED_SIDES = {"inner": (), "left": (LEFT,), "outer": (LEFT, RIGHT)}
# A stream time past every deadline, still an i64 once the window is subtracted.
_END_OF_TIME = 2 ** 62


def describe_state(key: bytes, value: Any) -> dict[str, Any] | None:
    """One row of the state in words (``streamflow tables --dump``): a buffered record or one
    waiting to be emitted unmatched; None for the time indexes and the meta record. ``key``
    in the result is the join key's bytes."""
    ns = key[:1]
    if ns in (_BUFFER[LEFT], _BUFFER[RIGHT]):
        join_key, at = read_length_prefixed(key, 1)
        return {"buffered": LEFT if ns == _BUFFER[LEFT] else RIGHT, "key": join_key,
                "timestamp": decode_i64(key[at:at + 8]), "value": value}
    if ns == _UNMATCHED:
        join_key, _ = read_length_prefixed(key, 10)
        return {"waiting_unmatched": _SIDE_OF_BYTE[key[9]], "key": join_key,
                "timestamp": decode_i64(key[1:9]), "value": value}
    return None


def _lower(floor: int | None, ts: int) -> int:
    return ts if floor is None or ts < floor else floor


class StreamStreamJoin:
    """Joins two co-partitioned streams on key within ``left.ts - before <= right.ts <=
    left.ts + after`` (inclusive), keeping late records up to ``grace`` after the window.

    ``process_left``/``process_right`` take one record each and return its results in the
    order Kafka Streams emits them; all state lives in the ``txn`` passed in.
    """

    def __init__(self, before: int, after: int, grace: int = 0,
                 kind: Literal["inner", "left", "outer"] = "inner",
                 joiner: Joiner = pair) -> None:
        for name, value in (("before", before), ("after", after), ("grace", grace)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int of milliseconds, got {value!r}")
        if before + after < 0:
            raise ValueError(f"join window is empty: before ({before}) + after ({after}) < 0")
        if grace < 0:
            raise ValueError(f"grace must not be negative, got {grace}")
        if kind not in _UNMATCHED_SIDES:
            raise ValueError(f"stream-stream join kind must be 'inner', 'left' or 'outer', "
                             f"not {kind!r}")
        self.before, self.after, self.grace, self.kind = before, after, grace, kind
        self.joiner = joiner
        self._unmatched_sides = _UNMATCHED_SIDES[kind]
        # How far each side's window reaches into the future: its unmatched deadline.
        self._lookahead = {LEFT: after, RIGHT: before}
        # Window reach of an arriving record into the other side's timestamps.
        self._reach = {LEFT: (before, after), RIGHT: (after, before)}
        self._retention = before + after + grace

    def process_left(self, txn: JoinState, key: bytes | None, value: Any,
                     ts: int) -> list[JoinResult]:
        return self._process(LEFT, txn, key, value, ts)

    def process_right(self, txn: JoinState, key: bytes | None, value: Any,
                      ts: int) -> list[JoinResult]:
        return self._process(RIGHT, txn, key, value, ts)

    # -- one record ---------------------------------------------------------------------------

    def _process(self, side: str, txn: JoinState, key: bytes | None, value: Any,
                 ts: int) -> list[JoinResult]:
        if ts.__class__ is not int or ts < 0:
            # Checked before stream time moves: a -1 (Kafka's "no timestamp") would match
            # records around 0 and drag every later window check.
            raise InvalidTimestamp(f"record timestamp {ts!r} is not an event time "
                                   f"(stream-stream joins need ints >= 0 ms)")
        meta = txn.get(_META)
        meta = [None, None, None, 0, None, None, None] if meta is None else list(meta)
        previous = meta[_STREAM_TIME]
        stream_time = ts if previous is None or ts > previous else previous
        meta[_STREAM_TIME] = stream_time
        out: list[JoinResult] = []
        if value is None or key is None:
            if value is not None and side in self._unmatched_sides:
                out.append(JoinResult(None, self._unmatched(side, value), ts))
            if stream_time != previous:
                txn.set(_META, meta)
            return out

        if self._unmatched_sides and (previous is None or ts >= previous):
            self._emit_expired(txn, meta, stream_time, out)

        seq = encode_u64(meta[_NEXT_SEQ])
        meta[_NEXT_SEQ] += 1
        kp = length_prefixed(key)
        matched = self._match(side, txn, key, kp, value, ts, out)
        if not matched and side in self._unmatched_sides:
            if ts + self._lookahead[side] + self.grace < stream_time:
                out.append(JoinResult(key, self._unmatched(side, value), ts))
            else:
                txn.set(_UNMATCHED + encode_i64(ts) + _SIDE_BYTE[side] + kp + seq, value)
                meta[_WAITING_FLOOR] = _lower(meta[_WAITING_FLOOR], ts)

        slot = _SIDE_TIME[side]
        side_previous = meta[slot]
        side_time = ts if side_previous is None or ts > side_previous else side_previous
        meta[slot] = side_time
        if ts + self._retention >= side_time:
            txn.set(_BUFFER[side] + kp + encode_i64(ts) + seq, value)
            txn.set(_BY_TIME[side] + encode_i64(ts) + kp + seq, 0)
            meta[_BUFFER_FLOOR[side]] = _lower(meta[_BUFFER_FLOOR[side]], ts)
        floor = meta[_BUFFER_FLOOR[side]]
        if floor is not None and floor < side_time - self._retention:
            meta[_BUFFER_FLOOR[side]] = self._expire(txn, side, floor,
                                                      side_time - self._retention)
        txn.set(_META, meta)
        return out

    def _match(self, side: str, txn: JoinState, key: bytes, kp: bytes, value: Any, ts: int,
               out: list[JoinResult]) -> bool:
        other = _OTHER[side]
        reach_back, reach_ahead = self._reach[side]
        prefix = _BUFFER[other] + kp
        begin = prefix + encode_i64(ts - reach_back)
        end = prefix + encode_i64(ts + reach_ahead + 1)
        found = list(txn.iter_range(begin, end))
        at = len(prefix)
        other_waits = other in self._unmatched_sides
        joiner = self.joiner
        for buffered_key, other_value in found:
            other_ts = decode_i64(buffered_key[at:at + 8])
            joined = (joiner(value, other_value) if side == LEFT
                      else joiner(other_value, value))
            out.append(JoinResult(key, joined, ts if ts > other_ts else other_ts))
            if other_waits:
                waiting = (_UNMATCHED + buffered_key[at:at + 8] + _SIDE_BYTE[other] + kp
                           + buffered_key[at + 8:])
                if txn.contains(waiting):
                    txn.delete(waiting)
        return bool(found)

    def flush(self, txn: JoinState) -> list[JoinResult]:
        """Emit, unmatched, every record still waiting for its window to close (left/outer):
        the end of a bounded input, after which no record can match them. Stream time does
        not move; a record arriving later is joined as usual, so a buffered record it matches
        gives a match too (as a record emitted at once under rule 4 does)."""
        meta = txn.get(_META)
        if meta is None or not self._unmatched_sides or meta[_WAITING_FLOOR] is None:
            return []
        meta = list(meta)
        out: list[JoinResult] = []
        self._emit_expired(txn, meta, _END_OF_TIME, out)
        meta[_WAITING_FLOOR] = None  # nothing waits any more
        txn.set(_META, meta)
        return out

    # -- time ---------------------------------------------------------------------------------

    def _emit_expired(self, txn: JoinState, meta: list, stream_time: int,
                      out: list[JoinResult]) -> None:
        """Emit, unmatched, every waiting record whose deadline stream time has passed."""
        cutoff = {side: stream_time - self._lookahead[side] - self.grace
                  for side in self._unmatched_sides}  # expired iff ts < cutoff
        last_cutoff = max(cutoff.values())
        floor = meta[_WAITING_FLOOR]  # no waiting record is older: skip the scan if we can
        if floor is None or floor >= last_cutoff:
            return
        # Scan only from the floor to what may be due: a transaction materialises the pending
        # part of a scan, deleted keys included. Whatever lies beyond is not older than the
        # last cutoff.
        begin, end = _UNMATCHED + encode_i64(floor), _UNMATCHED + encode_i64(last_cutoff)
        expired, floor = [], last_cutoff
        for waiting, value in txn.iter_range(begin, end):
            ts = decode_i64(waiting[1:9])
            side = _SIDE_OF_BYTE[waiting[9]]
            if ts >= cutoff[side]:
                floor = _lower(floor, ts)
                continue
            key, at = read_length_prefixed(waiting, 10)
            expired.append((ts, waiting[9], key, waiting[at:], side, waiting, value))
        meta[_WAITING_FLOOR] = floor
        expired.sort(key=lambda item: item[:4])  # Kafka's order: ts, right first, key, arrival
        for ts, _, key, _, side, waiting, value in expired:
            out.append(JoinResult(key, self._unmatched(side, value), ts))
            txn.delete(waiting)

    def _expire(self, txn: JoinState, side: str, floor: int, cutoff: int) -> int:
        """Forget the buffered records of ``side`` older than ``cutoff``, which no later record
        may join; return the new floor of the side's timestamps."""
        buffer, index = _BUFFER[side], _BY_TIME[side]
        # Key by key, not delete_range: the keys are at hand, and a transaction's pending
        # range deletes slow every later read of the commit interval.
        for indexed, _ in txn.iter_range(index + encode_i64(floor), index + encode_i64(cutoff)):
            _, at = read_length_prefixed(indexed, 9)  # indexed: ns i64(ts) lp(key) u64(seq)
            txn.delete(buffer + indexed[9:at] + indexed[1:9] + indexed[at:])
            txn.delete(indexed)
        return cutoff

    def _unmatched(self, side: str, value: Any) -> Any:
        return self.joiner(value, None) if side == LEFT else self.joiner(None, value)
