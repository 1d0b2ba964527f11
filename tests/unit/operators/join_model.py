"""Brute-force reference models of the joins, recomputed from the whole input history.

Each model takes the complete list of inputs and returns, per input, the results it must
produce. Nothing is buffered, indexed or expired: every answer is found by scanning the
history up to that input and applying the rules of docs/semantics.md (plus the documented decisions
in ``streamflow/operators/joins``) as literally as they are written. Slow and obviously right
is the point; the processors must agree with these exactly.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from streamflow.operators.joins import JoinResult, pair


class In(NamedTuple):
    """One input record: which side, key (bytes or None), value (None: null/delete), ts."""

    side: str  # "left" | "right"
    key: bytes | None
    value: Any
    ts: int


# -- stream-table ------------------------------------------------------------------------------

def stream_table_model(kind: str, key: bytes | None, value: Any, ts: int, table_value: Any,
                       joiner=pair) -> list[JoinResult]:
    if value is None:
        return []
    if kind == "inner":
        if key is None or table_value is None:
            return []
        return [JoinResult(key, joiner(value, table_value), ts)]
    right = None if key is None else table_value
    return [JoinResult(key, joiner(value, right), ts)]


# -- stream-stream -----------------------------------------------------------------------------

def stream_stream_model(inputs: list[In], before: int, after: int, grace: int, kind: str,
                        joiner=pair) -> list[list[JoinResult]]:
    """Results per input of a windowed stream-stream join (rules 1-5 of stream_stream.py).

    A pair joins when the later one arrives, if in the window and the earlier one is still
    retained by its side's time. A record of an unmatched side with no partner on arrival is
    emitted at once if already past its deadline, else at the first check (an in-order
    joinable input) after stream time passes the deadline, unless something joined it first.
    """
    n = len(inputs)
    unmatched_sides = {"inner": set(), "left": {"left"}, "outer": {"left", "right"}}[kind]
    lookahead = {"left": after, "right": before}

    def joinable(i: int) -> bool:
        return inputs[i].key is not None and inputs[i].value is not None

    # stream_time[i]: the stream time before input i (None before the first); every input
    # counts, null key or value included.
    stream_time: list[int | None] = [None]
    for record in inputs:
        stream_time.append(record.ts if stream_time[-1] is None
                           else max(stream_time[-1], record.ts))

    def side_time(i: int, side: str) -> int | None:
        """Largest timestamp of the joinable inputs of ``side`` before input i."""
        seen = [inputs[j].ts for j in range(i) if joinable(j) and inputs[j].side == side]
        return max(seen) if seen else None

    side_times = [{side: side_time(i, side) for side in ("left", "right")} for i in range(n)]

    def in_window(a: int, b: int) -> bool:
        left, right = (inputs[a], inputs[b]) if inputs[a].side == "left" else (inputs[b],
                                                                              inputs[a])
        return left.ts - before <= right.ts <= left.ts + after

    def still_joinable(p: int, i: int) -> bool:
        """Input p (earlier) is retained when input i arrives."""
        return inputs[p].ts + before + after + grace >= side_times[i][inputs[p].side]

    def partners_of(i: int) -> list[int]:
        """Earlier inputs that input i joins with, in timestamp then arrival order."""
        if not joinable(i):
            return []
        found = [p for p in range(i) if joinable(p) and inputs[p].side != inputs[i].side
                 and inputs[p].key == inputs[i].key and in_window(p, i)
                 and still_joinable(p, i)]
        return sorted(found, key=lambda p: (inputs[p].ts, p))

    partners = [partners_of(i) for i in range(n)]

    def deadline(p: int) -> int:
        return inputs[p].ts + lookahead[inputs[p].side] + grace

    def late_on_arrival(p: int) -> bool:
        return deadline(p) < stream_time[p + 1]

    def matched_between(p: int, i: int) -> bool:
        """Some input after p and before i joined with p."""
        return any(p in partners[q] for q in range(p + 1, i))

    def unmatched(record: In) -> Any:
        return joiner(record.value, None) if record.side == "left" else joiner(None,
                                                                               record.value)

    side_order = {"right": 0, "left": 1}
    emitted_unmatched: set[int] = set()
    results: list[list[JoinResult]] = []
    for i, record in enumerate(inputs):
        out: list[JoinResult] = []
        now = stream_time[i + 1]
        if record.value is None:
            results.append(out)
            continue
        if record.key is None:
            if record.side in unmatched_sides:
                out.append(JoinResult(None, unmatched(record), record.ts))
            results.append(out)
            continue
        if stream_time[i] is None or record.ts >= stream_time[i]:
            due = [p for p in range(i)
                   if joinable(p) and inputs[p].side in unmatched_sides
                   and p not in emitted_unmatched and not partners[p]
                   and not late_on_arrival(p) and not matched_between(p, i)
                   and deadline(p) < now]
            due.sort(key=lambda p: (inputs[p].ts, side_order[inputs[p].side], inputs[p].key, p))
            for p in due:
                out.append(JoinResult(inputs[p].key, unmatched(inputs[p]), inputs[p].ts))
                emitted_unmatched.add(p)
        mine = partners[i]
        for p in mine:
            left, right = (record, inputs[p]) if record.side == "left" else (inputs[p], record)
            out.append(JoinResult(record.key, joiner(left.value, right.value),
                                  max(record.ts, inputs[p].ts)))
        if not mine and record.side in unmatched_sides and late_on_arrival(i):
            out.append(JoinResult(record.key, unmatched(record), record.ts))
        results.append(out)
    assert len(results) == n
    return results


# -- table-table -------------------------------------------------------------------------------

def table_table_model(inputs: list[In], kind: str, joiner=pair) -> list[list[JoinResult]]:
    """Results per update of a table-table join: the joined row's change, if it changes."""

    def row(side: str, key: bytes, upto: int) -> tuple[Any, int] | None:
        """The side's current (value, ts) for key after the first ``upto`` updates."""
        current = None
        for record in inputs[:upto]:
            if record.side == side and record.key == key:
                current = None if record.value is None else (record.value, record.ts)
        return current

    def exists(left: Any, right: Any) -> bool:
        return {"inner": left is not None and right is not None,
                "left": left is not None,
                "outer": left is not None or right is not None}[kind]

    results = []
    for i, record in enumerate(inputs):
        if record.key is None:
            results.append([])
            continue
        other_side = "right" if record.side == "left" else "left"
        mine_before = row(record.side, record.key, i)
        other = row(other_side, record.key, i)
        if record.value is None and mine_before is None:
            results.append([])  # deleting what does not exist changes nothing
            continue
        mine_after = row(record.side, record.key, i + 1)
        if record.side == "left":
            was, now = exists(mine_before, other), exists(mine_after, other)
            left, right = mine_after, other
        else:
            was, now = exists(other, mine_before), exists(other, mine_after)
            left, right = other, mine_after
        ts = record.ts if other is None else max(record.ts, other[1])
        if now:
            left_value = None if left is None else left[0]
            right_value = None if right is None else right[0]
            results.append([JoinResult(record.key, joiner(left_value, right_value), ts)])
        elif was:
            results.append([JoinResult(record.key, None, ts)])
        else:
            results.append([])
    return results


# -- foreign key -------------------------------------------------------------------------------

def foreign_key_model(inputs: list[In], kind: str, extract_fk, joiner=pair
                      ) -> list[list[JoinResult]]:
    """Results per update of a foreign-key join (left rows name right rows by key)."""

    def table(side: str, upto: int) -> dict[bytes, tuple[Any, int]]:
        rows: dict[bytes, tuple[Any, int]] = {}
        for record in inputs[:upto]:
            if record.side == side and record.key is not None:
                if record.value is None:
                    rows.pop(record.key, None)
                else:
                    rows[record.key] = (record.value, record.ts)
        return rows

    results = []
    for i, record in enumerate(inputs):
        lefts, rights = table("left", i), table("right", i)
        out: list[JoinResult] = []
        if record.key is None:
            pass
        elif record.side == "left":
            old = lefts.get(record.key)
            old_fk = None if old is None else extract_fk(old[0])
            def stamped_by(fk):  # a left-triggered result: max of left and the answering right
                return record.ts if fk not in rights else max(record.ts, rights[fk][1])

            if record.value is None:
                if old is not None:  # deleting a row that exists
                    if kind == "left":
                        out.append(JoinResult(record.key, None, record.ts))
                    elif old_fk is not None:  # inner: the old FK's side answers
                        out.append(JoinResult(record.key, None, stamped_by(old_fk)))
            else:
                new_fk = extract_fk(record.value)
                right = None if new_fk is None else rights.get(new_fk)
                if right is not None:
                    out.append(JoinResult(record.key, joiner(record.value, right[0]),
                                          max(record.ts, right[1])))
                elif kind == "left":
                    out.append(JoinResult(record.key, joiner(record.value, None), record.ts))
                elif old is not None and old_fk is not None and new_fk is None:
                    # inner: FK set to None, a tombstone answered by the old FK's side
                    out.append(JoinResult(record.key, None, stamped_by(old_fk)))
                elif old is not None and old_fk is not None and new_fk != old_fk:
                    # inner: an FK change emits exactly one record, here a tombstone
                    out.append(JoinResult(record.key, None, record.ts))
        else:
            if record.value is not None or record.key in rights:
                pointing = sorted(k for k, (v, _) in lefts.items()
                                  if extract_fk(v) == record.key)
                for left_key in pointing:
                    left_value = lefts[left_key][0]
                    if record.value is not None:
                        value = joiner(left_value, record.value)
                    else:
                        value = joiner(left_value, None) if kind == "left" else None
                    out.append(JoinResult(left_key, value, record.ts))
        results.append(out)
    return results
