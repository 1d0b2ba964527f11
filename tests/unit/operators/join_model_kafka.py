"""Kafka Streams 4.1.1 as a reference: recorded join outputs, and a transcription of its
stream-stream join.

``KAFKA_TRACES`` holds random inputs and what Kafka Streams 4.1.1 emitted for each of them
(TopologyTestDriver, default RocksDB stores, record cache off, the outer-join emit interval
``__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`` set to 0 so that no
wall-clock throttling hides results), recorded with the oracle in ``scripts/ks-oracle``
(docs/testing-against-kafka-streams.md). Format, three lines per case::

    <ss|tt|fk|st|gt> <kind> <before> <after> <grace>
    <L|R><key>,<value>,<ts> ...          inputs; "-" is null (a null value: a tombstone)
    <input index>,<key>,<value>,<ts> ...  Kafka's output records, "." for none

``ss`` stream-stream, ``tt`` table-table, ``fk`` foreign-key (left values ``"<fk>:<n>"``, fk
``_``: null), ``st`` stream-table (L the stream, R the table), ``gt`` stream-global table
(the lookup key named by the stream value, as for ``fk``). Values are strings; the joiner
is ``"(" + left + "," + right + ")"`` with ``null`` for a missing side.

``kafka_stream_stream`` transcribes ``KStreamKStreamJoin`` (4.1.1) record for record: its
window stores (retention ``before + after + grace``, judged by each store's own time), the
shared outer-join store in ``<ts><right|left><key>`` order, the ``minTime`` shortcut and the
on-arrival test without grace. It reproduces every recorded trace exactly. Its three
switches turn off what streamflow deliberately does differently (see
``streamflow/operators/joins/stream_stream.py``); with all three on it must equal our
processor. So these two facts, both tested, pin down exactly where and why we differ from
Kafka. ``tests/ks_oracle`` checks both on fresh random inputs against Kafka Streams itself.

To record a case: run its scenario through the oracle and write it out with
``tests.ks_oracle.fixed_traces.join_trace_lines_of``.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from streamflow.operators.joins import JoinResult


class Trace(NamedTuple):
    type: str  # "ss" stream-stream, "tt" table-table, "fk" foreign-key
    kind: str
    before: int
    after: int
    grace: int
    inputs: list[tuple[str, str | None, str | None, int]]  # side "left"/"right", key, value, ts
    kafka: list[tuple[int, str | None, str | None, int]]  # input index, key, value, ts


def string_joiner(left: Any, right: Any) -> str:
    """The traces' joiner, as Java's string concatenation writes it."""
    return f"({'null' if left is None else left},{'null' if right is None else right})"


def _null(text: str) -> str | None:
    return None if text == "-" else text


def load_traces() -> list[Trace]:
    lines = KAFKA_TRACES.strip().splitlines()
    traces = []
    for head, inputs, outputs in zip(lines[0::3], lines[1::3], lines[2::3]):
        typ, kind, before, after, grace = head.split()
        parsed_inputs = []
        for item in inputs.split():
            key, value, ts = item[1:].split(",")
            parsed_inputs.append(("left" if item[0] == "L" else "right", _null(key),
                                  _null(value), int(ts)))
        parsed_outputs = []
        if outputs != ".":
            for item in outputs.split():
                # a value "(l1,r2)" holds a comma: split the key off the front, ts off the end
                index, key, rest = item.split(",", 2)
                value, ts = rest.rsplit(",", 1)
                parsed_outputs.append((int(index), _null(key), _null(value), int(ts)))
        traces.append(Trace(typ, kind, int(before), int(after), int(grace), parsed_inputs,
                            parsed_outputs))
    return traces


# -- Kafka's stream-stream join, transcribed ---------------------------------------------------

_NEVER = 2**63 - 1


def kafka_stream_stream(kind: str, before: int, after: int, grace: int,
                        inputs: list[tuple[str, bytes | None, Any, int]], joiner,
                        fix_grace: bool = False, fix_shortcut: bool = False,
                        fix_retention: bool = False) -> list[list[JoinResult]]:
    """Per input, what KStreamKStreamJoin (4.1.1, emit interval 0) forwards, in order.

    ``fix_grace``: the on-arrival test for an unmatched record includes the grace period.
    ``fix_shortcut``: no ``minTime`` shortcut; every due record is emitted at the first check.
    ``fix_retention``: a window store keeps a record while ``ts + retention >= its time``
    (Kafka: ``>``), so that the inclusive window holds at its edges.
    """
    retention = before + after + grace
    outer_side = {"left": kind in ("left", "outer"), "right": kind == "outer"}
    has_outer_store = kind in ("left", "outer")
    lookback = {"left": after, "right": before}  # how long a side's outer window stays open
    # Each side's processor fetches the other store in [ts - join_before, ts + join_after].
    reach = {"left": (before, after), "right": (after, before)}
    side_byte = {"left": 1, "right": 0}
    state = {"stream_time": -1, "min_time": _NEVER}
    stores: dict[str, list[tuple[bytes, int, int, Any]]] = {"left": [], "right": []}
    observed = {"left": -1, "right": -1}  # each window store's own stream time
    outer_store: dict[tuple[int, int, bytes], list[Any]] = defaultdict(list)
    results: list[list[JoinResult]] = []

    def unmatched(side: str, value: Any) -> Any:
        return joiner(value, None) if side == "left" else joiner(None, value)

    def emit_non_joined(side: str, out: list[JoinResult]) -> None:
        join_after = reach[side][1]
        now = state["stream_time"]
        if not fix_shortcut and state["min_time"] + join_after + grace >= now:
            return
        state["min_time"] = _NEVER
        left_open = right_open = False
        emitted = []
        for store_key in sorted(outer_store):  # <ts><0 right|1 left><key bytes>
            ts, flag, key = store_key
            record_side = "left" if flag == 1 else "right"
            stop = False
            for value in outer_store[store_key]:
                state["min_time"] = ts
                if left_open and right_open and not fix_shortcut:
                    stop = True
                    break
                if ts + lookback[record_side] + grace >= now:  # still open
                    if record_side == "left":
                        left_open = True
                    else:
                        right_open = True
                    continue
                out.append(JoinResult(key, unmatched(record_side, value), ts))
                if store_key not in emitted:
                    emitted.append(store_key)
            if stop:
                break
        for store_key in emitted:
            del outer_store[store_key]
        if fix_shortcut:
            state["min_time"] = min((k[0] for k in outer_store), default=_NEVER)

    for side, key, value, ts in inputs:
        out: list[JoinResult] = []
        results.append(out)
        other = "right" if side == "left" else "left"
        state["stream_time"] = max(state["stream_time"], ts)
        if outer_side[side] and key is None and value is not None:
            out.append(JoinResult(None, unmatched(side, value), ts))
            continue
        if key is None or value is None:
            continue
        if ts == state["stream_time"] and has_outer_store:
            emit_non_joined(side, out)
        join_before, join_after = reach[side]
        time_from, time_to = max(0, ts - join_before), max(0, ts + join_after)
        if fix_retention:
            def visible(record):
                return record[1] + retention >= observed[other]
        else:
            def visible(record):  # fetch from max(from, observed - retention + 1)
                return record[1] >= observed[other] - retention + 1
        found = sorted((r for r in stores[other]
                        if r[0] == key and time_from <= r[1] <= time_to and visible(r)),
                       key=lambda r: (r[1], r[2]))
        for _, other_ts, _, other_value in found:
            joined = joiner(value, other_value) if side == "left" else joiner(other_value, value)
            out.append(JoinResult(key, joined, max(ts, other_ts)))
            if has_outer_store:
                outer_store.pop((other_ts, side_byte[other], key), None)
        if not found and outer_side[side]:
            deadline = time_to + (grace if fix_grace else 0)
            if not has_outer_store or deadline < state["stream_time"]:
                out.append(JoinResult(key, unmatched(side, value), ts))
            else:
                state["min_time"] = min(state["min_time"], ts)
                outer_store[(ts, side_byte[side], key)].append(value)
        # KStreamJoinWindow forwards first, then puts the record into its own window store.
        observed[side] = max(observed[side], ts)
        stores[side].append((key, ts, len(stores["left"]) + len(stores["right"]), value))
    return results


KAFKA_TRACES = """
ss outer 5 1 2
Rb,r0,0 Rb,r1,4 Lb,l2,0 Ra,r3,0 Rb,r4,6 Ra,r5,12 Rb,r6,11 Lb,l7,14 L-,l8,0 La,l9,20 La,l10,20 Lb,l11,16 Rb,r12,22 Lb,l13,26 Ra,r14,29 Ra,r15,29
2,b,(l2,r0),0 5,a,(null,r3),0 5,b,(null,r1),4 7,b,(null,r4),6 7,b,(l7,r6),14 8,-,(l8,null),0 9,a,(null,r5),12 11,b,(l11,r6),16 13,a,(l9,null),20 13,a,(l10,null),20 13,b,(l13,r12),26
ss outer 5 3 5
La,l0,0 L-,l1,1 La,l2,2 Lb,-,6 L-,l4,8 Lb,l5,8 Lb,l6,0 Lab,l7,16 Ra,r8,12 Ra,r9,16 La,l10,0 La,l11,22 Lb,l12,27 Lb,l13,9 La,l14,27 Lab,l15,35 La,l16,36 R-,r17,41
1,-,(l1,null),1 4,-,(l4,null),8 6,b,(l6,null),0 7,a,(l0,null),0 7,a,(l2,null),2 10,a,(l10,null),0 11,b,(l5,null),8 12,a,(null,r8),12 12,a,(null,r9),16 12,ab,(l7,null),16 13,b,(l13,null),9 15,a,(l11,null),22 16,a,(l14,null),27 16,b,(l12,null),27 17,-,(null,r17),41
ss inner 4 3 6
L-,l0,1 Lb,l1,4 Rb,r2,1 Lb,l3,3 Ra,r4,9 Ra,r5,15 R-,r6,19 Lb,l7,20 Rb,r8,15
2,b,(l1,r2),4 3,b,(l3,r2),3
ss left 5 4 5
Lb,l0,0
.
ss left 4 6 0
Rab,r0,1 Lb,l1,0 La,l2,5
.
ss left 5 6 5
Rb,r0,0 Rb,r1,1 La,l2,2 R-,r3,3 Lb,l4,0
4,b,(l4,r0),0 4,b,(l4,r1),1
ss left 2 2 5
Lb,l0,0 Ra,-,2 Lab,l2,9 Lb,l3,11 Ra,r4,11 Ra,r5,7 Lb,l6,0 Ra,-,16 Rb,r8,11 Lab,l9,20 Ra,r10,23 Ra,r11,3 R-,r12,7 Ra,r13,22 Ra,r14,14
2,b,(l0,null),0 6,b,(l6,null),0 8,b,(l3,r8),11 9,ab,(l2,null),9
ss outer 5 6 4
Lb,-,0 Rb,r1,0 L-,l2,5 La,l3,8 La,l4,3 La,l5,10 Ra,r6,12 Ra,r7,3 Rb,r8,8 Ra,r9,9 Ra,r10,18 Ra,r11,18 Rb,r12,21 Ra,r13,21 Ra,r14,21
2,-,(l2,null),5 6,b,(null,r1),0 6,a,(l3,r6),12 6,a,(l5,r6),12 7,a,(l4,r7),3 7,a,(l3,r7),8 9,a,(l4,r9),9 9,a,(l3,r9),9 9,a,(l5,r9),10 10,b,(null,r8),8
ss inner 5 6 3
Lb,l0,0 Rab,r1,5 La,l2,6 Rb,r3,0 La,l4,8 Rb,-,16 L-,l6,15 Lb,l7,15 Rb,r8,19 Lb,l9,24 La,l10,23 Ra,r11,32 Lb,l12,25
3,b,(l0,r3),0 8,b,(l7,r8),19 9,b,(l9,r8),24
ss left 5 5 3
Lb,-,0 Ra,r1,1 La,l2,1 La,l3,0 La,l4,0 R-,r5,0 Ra,r6,5 Ra,r7,11 Lb,l8,7 La,l9,4 Rb,r10,12
2,a,(l2,r1),1 3,a,(l3,r1),1 4,a,(l4,r1),1 6,a,(l3,r6),5 6,a,(l4,r6),5 6,a,(l2,r6),5 9,a,(l9,r1),4 9,a,(l9,r6),5 10,b,(l8,r10),12
ss left 0 5 1
La,l0,0 Rab,r1,1
.
ss left 4 5 0
Rb,r0,4 Lb,l1,4 Ra,-,5 Rab,r3,0 Lb,l4,8 Rb,r5,0
1,b,(l1,r0),4 4,b,(l4,r0),8 5,b,(l1,r5),4
ss left 0 2 6
Lb,l0,0
.
ss inner 5 0 0
Rb,r0,0 La,l1,3 La,l2,6 Lb,l3,7 Rb,r4,13 La,l5,16 La,l6,20 Lb,l7,13 La,l8,6 Ra,r9,28 Rab,r10,31 La,l11,13 Lb,l12,37 Rb,-,30 Lb,l14,42 Ra,r15,46 R-,r16,37
7,b,(l7,r4),13
ss left 5 6 3
Ra,r0,4 Rab,r1,0 Lb,l2,6 La,l3,7 La,l4,8 Ra,r5,9 Lb,l6,9 Rb,r7,2 Ra,r8,14 La,l9,0 La,l10,14 La,l11,18 Ra,r12,15 La,l13,23
3,a,(l3,r0),7 4,a,(l4,r0),8 5,a,(l3,r5),9 5,a,(l4,r5),9 7,b,(l2,r7),6 8,a,(l4,r8),14 9,a,(l9,r0),4 10,a,(l10,r5),14 10,a,(l10,r8),14 11,a,(l11,r8),18 12,a,(l10,r12),15 12,a,(l11,r12),18 13,b,(l6,null),9
ss left 2 4 3
Ra,-,0 Rb,r1,7 Rb,r2,5 Ra,r3,2 Rb,r4,10 Rb,r5,10 Rb,r6,9 Lb,l7,9 Ra,r8,14 Lb,l9,0
7,b,(l7,r1),9 7,b,(l7,r6),9 7,b,(l7,r4),10 7,b,(l7,r5),10 9,b,(l9,null),0
ss inner 1 3 2
Ra,r0,0
.
ss left 3 5 0
La,l0,0 Ra,r1,0 La,l2,6 Lb,l3,7 Rb,r4,10 La,l5,14 La,l6,11 Rb,r7,19 Ra,r8,19 La,l9,19 L-,l10,19 La,l11,23 Lb,l12,23 Lb,l13,26 Ra,r14,29 Ra,r15,13 Lb,l16,24 Ra,r17,29
1,a,(l0,r1),0 4,b,(l3,r4),10 5,a,(l2,null),6 7,a,(l6,null),11 8,a,(l5,r8),19 9,a,(l9,r8),19 10,-,(l10,null),19 14,a,(l11,null),23 14,b,(l12,null),23
ss outer 2 1 4
Lb,l0,0 Lb,l1,0 Lab,l2,3 La,l3,0 Ra,r4,5 Rb,r5,11 La,l6,13 Rb,r7,13 Rb,r8,12 Ra,r9,0 Ra,-,17 Lb,l11,6 Ra,r12,26 Rb,r13,18 Ra,r14,28 Rb,-,32 La,l16,33
3,a,(l3,null),0 5,b,(l0,null),0 5,b,(l1,null),0 5,ab,(l2,null),3 6,a,(null,r4),5 9,a,(null,r9),0 11,b,(l11,null),6 12,b,(null,r5),11 12,b,(null,r8),12 12,b,(null,r7),13 12,a,(l6,null),13 13,b,(null,r13),18 16,a,(null,r12),26
ss inner 5 1 0
La,l0,1 Rb,r1,1 La,l2,3 Rb,r3,6 Ra,r4,0 L-,-,6 La,l6,0 Rb,r7,3 La,l8,12 Rb,-,0 Lb,l10,0 Ra,r11,18 Ra,r12,19 La,l13,23 Rb,r14,23
4,a,(l0,r4),1 4,a,(l2,r4),3 10,b,(l10,r1),1 13,a,(l13,r11),23 13,a,(l13,r12),23
ss inner 5 0 6
La,l0,0 La,l1,2 R-,r2,3 Lb,-,5 Ra,r4,8 Lb,l5,10 Rab,r6,9 Lb,l7,15 La,l8,18 Lab,-,18 Lab,l10,22 Rb,r11,8 La,l12,23 La,l13,8 Ra,r14,29 Rb,r15,28 Ra,r16,28 Lb,l17,40 Lb,l18,41
13,a,(l13,r4),8
ss outer 5 4 4
La,l0,4 Ra,r1,3 Rb,r2,5 L-,-,1 La,l4,0
1,a,(l0,r1),4 4,a,(l4,r1),3
ss left 4 2 2
La,l0,0 La,l1,0 Lb,l2,0 Lb,l3,7 Ra,r4,6 Rb,r5,9 Rb,r6,11 Rb,-,15
3,a,(l0,null),0 3,a,(l1,null),0 3,b,(l2,null),0 5,b,(l3,r5),9
ss left 2 6 4
Rb,-,0 Lb,l1,5 La,-,6 Lb,l3,1 Rb,r4,11 Ra,-,6 Rb,r6,17 Ra,r7,18 La,l8,20 Lb,l9,2 Lab,l10,22 Lab,l11,19 Ra,r12,10 Ra,r13,31 La,l14,15 Lb,l15,15 Ra,r16,38 Rab,r17,42
4,b,(l1,r4),11 6,b,(l3,null),1 8,a,(l8,r7),20 9,b,(l9,null),2 13,ab,(l11,null),19 14,a,(l14,null),15 15,b,(l15,null),15 16,ab,(l10,null),22
ss left 0 2 0
Lb,l0,0 Lb,l1,0 Ra,r2,4 Rb,-,3 Ra,r4,11 La,l5,11 Rb,r6,18 Ra,r7,20
2,b,(l0,null),0 2,b,(l1,null),0 5,a,(l5,r4),11
ss outer 5 4 1
Lab,l0,3 Lb,l1,4 Ra,r2,7 Ra,r3,6 La,l4,3 Rb,r5,16 Rb,-,0 Lb,l7,19 Rb,r8,22 La,l9,26 L-,-,10 Lb,l11,22 Ra,r12,33 Ra,r13,36 La,l14,38
4,a,(l4,r3),6 4,a,(l4,r2),7 5,ab,(l0,null),3 5,b,(l1,null),4 7,b,(l7,r5),19 8,b,(l7,r8),22 11,b,(l11,r8),22 12,a,(l9,null),26 14,a,(l14,r12),38 14,a,(l14,r13),38
ss inner 6 2 1
Lb,l0,2 Ra,r1,4 Rb,r2,4 Rb,r3,5 Lab,l4,0 Lb,l5,8 Lb,l6,14 Rb,r7,19 La,l8,2 Lb,l9,23 La,l10,25 Ra,r11,24 Ra,r12,28 R-,r13,29
2,b,(l0,r2),4 5,b,(l5,r2),8 5,b,(l5,r3),8 9,b,(l9,r7),23 11,a,(l10,r11),25
ss inner 2 0 6
La,l0,3 La,l1,6 Lb,l2,8 Lb,l3,12 Rb,r4,10 La,l5,0 La,l6,18 L-,l7,21 Ra,r8,24 Rb,r9,27
4,b,(l3,r4),12
ss outer 6 2 5
La,l0,0 Lb,l1,0 Ra,r2,2 Rb,r3,6 La,l4,6 Lb,l5,0
2,a,(l0,r2),2 4,a,(l4,r2),6 5,b,(l5,null),0
ss inner 6 4 1
Rb,r0,3 La,l1,0 Lb,l2,5 La,-,1 Ra,r4,8 La,l5,1 Lb,l6,3 Rb,r7,16 La,l8,16 Rb,r9,11 Lb,l10,18 Lb,l11,22 Ra,r12,22 La,l13,22 Lb,l14,24 Rb,r15,26 Ra,r16,29 Ra,r17,29 Lb,l18,29
2,b,(l2,r0),5 6,b,(l6,r0),3 10,b,(l10,r7),18 11,b,(l11,r7),22 13,a,(l13,r12),22 15,b,(l11,r15),26 15,b,(l14,r15),26 18,b,(l18,r15),29
ss outer 5 0 2
Ra,r0,1 Lb,l1,0 Ra,r2,1 Lb,l3,1 Lb,l4,1 La,l5,5 La,l6,7 La,l7,10 Ra,r8,11 Lb,l9,10 La,l10,13
1,b,(l1,null),0 5,b,(l3,null),1 5,b,(l4,null),1 5,a,(l5,r0),5 5,a,(l5,r2),5 7,a,(l6,null),7 9,b,(l9,null),10 10,a,(l7,null),10 10,a,(l10,r8),13
ss inner 2 4 4
Ra,r0,4 Ra,r1,8 Lb,l2,12 Rb,r3,16 La,l4,20 La,l5,14 L-,l6,23 Ra,r7,20 Rb,r8,26
3,b,(l2,r3),16 7,a,(l4,r7),20
ss inner 6 1 6
Lb,l0,0 Ra,r1,2 La,l2,0 Ra,r3,8 La,l4,0 Lb,l5,0 Lb,l6,5 L-,-,13 La,l8,17
.
ss inner 2 1 1
Lb,l0,1 Lab,l1,4 R-,r2,5
.
ss outer 4 2 6
La,l0,0 Rb,r1,0 Rb,r2,6 Lb,l3,7 Rb,r4,3
3,b,(l3,r2),7 4,b,(l3,r4),7
ss outer 5 4 4
Ra,r0,1 La,l1,3 Lb,l2,5 Rb,r3,8 La,l4,0 Ra,r5,13 Rb,r6,15
1,a,(l1,r0),3 3,b,(l2,r3),8 4,a,(l4,r0),1
ss left 2 1 2
La,l0,0 Lb,l1,2 Rb,r2,2 Lb,l3,0 La,l4,3 L-,l5,0 Rab,r6,0 La,l7,13 Ra,r8,16 L-,l9,21 Rb,r10,20 Ra,r11,24 Ra,r12,27 La,l13,29 Lb,l14,28 Lb,l15,32 La,l16,16 La,l17,36
2,b,(l1,r2),2 3,b,(l3,null),0 5,-,(l5,null),0 7,a,(l0,null),0 7,a,(l4,null),3 9,-,(l9,null),21 11,a,(l7,null),13 13,a,(l13,r12),29 15,b,(l14,null),28 16,a,(l16,null),16 17,b,(l15,null),32
ss outer 3 1 0
R-,r0,0 La,-,2 Lb,-,0 R-,r3,7 Lb,l4,10 R-,r5,13 Rb,r6,0 L-,l7,15
0,-,(null,r0),0 3,-,(null,r3),7 5,-,(null,r5),13 6,b,(null,r6),0 7,-,(l7,null),15
ss inner 2 1 3
Ra,r0,0 La,l1,0 Lb,l2,0 Rb,r3,5 Ra,r4,7 Ra,r5,0
1,a,(l1,r0),0 5,a,(l1,r5),0
ss inner 1 6 1
La,l0,0 La,l1,5 Lb,l2,6 La,l3,8 Lb,l4,8 La,l5,0 La,l6,15 Ra,r7,0 Rb,r8,20
.
ss outer 5 1 4
Rb,r0,3 La,l1,7 La,l2,0 L-,l3,10
2,a,(l2,null),0 3,-,(l3,null),10
ss left 5 5 1
Lb,l0,2 Lb,l1,0 La,l2,9 Lb,l3,3 Ra,r4,15 Lb,l5,0 La,l6,19 Ra,r7,21 Lb,l8,23 Rb,r9,8 Lb,l10,30 La,l11,33 Rb,r12,32 Rab,r13,17 La,l14,32 R-,r15,21 Rb,r16,23 La,l17,47 Rb,r18,39
2,b,(l1,null),0 2,b,(l0,null),2 3,b,(l3,null),3 5,b,(l5,null),0 6,a,(l2,null),9 6,a,(l6,r4),19 7,a,(l6,r7),21 10,b,(l8,null),23 12,b,(l10,r12),32 16,b,(l8,r16),23 17,a,(l14,null),32 17,a,(l11,null),33
ss left 1 3 0
Rb,r0,1 Lb,l1,2 Lb,l2,0 La,l3,0 Ra,-,0 La,l5,5 La,l6,4 Lb,l7,8 Lb,l8,0 La,l9,14 Lb,-,5 R-,-,14 La,l12,18 Lb,l13,19 La,l14,24 Lb,l15,24 Rb,-,19
1,b,(l1,r0),2 2,b,(l2,r0),1 5,a,(l3,null),0 7,a,(l6,null),4 8,b,(l8,r0),1 9,a,(l5,null),5 9,b,(l7,null),8 12,a,(l9,null),14 14,a,(l12,null),18 14,b,(l13,null),19
ss inner 2 5 2
Ra,r0,3
.
ss inner 3 6 0
Rb,r0,2 Lb,l1,3 Rb,r2,7 Rab,r3,11 La,l4,12 Lb,l5,17 Rb,r6,20
1,b,(l1,r0),3 2,b,(l1,r2),7 6,b,(l5,r6),20
ss inner 0 4 3
Lb,l0,0 Rab,r1,0 Rb,r2,7 Lb,-,8 Rb,r4,0 R-,r5,14 Rb,r6,12 Lb,l7,20 Ra,r8,5 Lb,l9,25
4,b,(l0,r4),0
ss outer 5 1 3
Ra,r0,0 Rb,r1,0 Ra,r2,0 R-,-,4 Rb,r4,6 Ra,r5,11 Rb,-,0
5,a,(null,r0),0 5,a,(null,r2),0 5,b,(null,r1),0
ss outer 0 2 6
Rb,r0,1 Rb,r1,0 Ra,r2,2 Ra,r3,3 La,l4,3 Rb,r5,6 Lb,l6,0 Ra,r7,8 Lb,l8,11 La,l9,13 Rb,-,18 Lb,l11,20 La,l12,21 La,l13,23 Lb,-,23 La,l15,24 L-,l16,19
1,b,(null,r1),0 4,a,(l4,r3),3 6,b,(l6,r1),0 6,b,(l6,r0),1 11,a,(null,r2),2 11,b,(null,r5),6 11,a,(null,r7),8 11,b,(l8,null),11 13,a,(l9,null),13 16,-,(l16,null),19
ss left 5 3 2
Lb,l0,0 Rb,r1,0 La,l2,0 Rb,r3,0 Ra,r4,5 La,l5,4 Lb,-,4 Lb,l7,9 Ra,r8,0 Lb,l9,13 Ra,r10,0 La,l11,17 R-,r12,18 Rb,r13,23 Rb,r14,25
1,b,(l0,r1),0 3,b,(l0,r3),0 5,a,(l5,r4),5 7,a,(l2,null),0 8,a,(l2,r8),0 8,a,(l5,r8),4 10,a,(l5,r10),4 11,b,(l7,null),9 13,b,(l9,null),13 13,a,(l11,null),17
ss outer 2 6 6
Ra,r0,1 L-,-,1 Lb,l2,0 Lb,l3,1 Rb,r4,0 La,l5,0
4,b,(l2,r4),0 4,b,(l3,r4),1 5,a,(l5,r0),1
ss left 4 6 0
Ra,r0,3 Ra,r1,5 Ra,r2,0 La,l3,3 Ra,r4,12 Lb,l5,6 R-,r6,0 Lb,l7,14 Ra,r8,19 Rab,r9,21 Lb,l10,12 La,-,17 Lb,l12,20 Ra,r13,25
3,a,(l3,r2),3 3,a,(l3,r0),3 3,a,(l3,r1),5 7,b,(l5,null),6 9,b,(l7,null),14 10,b,(l10,null),12
ss outer 3 3 3
La,l0,0 La,l1,2 La,-,0 Lb,l3,1 Lb,l4,7 La,l5,7 Rb,r6,0 La,l7,8 Lb,l8,10 Ra,r9,9 La,-,0
4,a,(l0,null),0 6,b,(l3,r6),1 8,a,(l1,null),2 9,a,(l5,r9),9 9,a,(l7,r9),9
ss outer 0 2 6
Ra,r0,0 Ra,-,0 Ra,r2,0 Rb,-,0 Lb,l4,0 La,l5,3 Lb,l6,2 Ra,-,0 La,l8,8 Lb,l9,10 La,l10,12 Ra,r11,12 Lb,l12,11 Lb,l13,16 La,l14,14 Lab,l15,16 Ra,r16,10 Lb,l17,13
9,a,(null,r0),0 9,a,(null,r2),0 9,b,(l4,null),0 11,a,(l10,r11),12 16,a,(null,r16),10 17,b,(l17,null),13
ss left 2 2 6
Lb,l0,0 Lb,l1,6 La,l2,8 Lb,l3,0 Ra,r4,8 La,l5,15 Rb,r6,18 Ra,r7,19 Rb,r8,15 Ra,r9,23 Ra,r10,27 Rb,r11,23 La,l12,29
3,b,(l3,null),0 4,a,(l2,r4),8 5,b,(l0,null),0 5,b,(l1,null),6 10,a,(l5,null),15 12,a,(l12,r10),29
ss inner 5 0 3
Rb,-,0 La,l1,2 Rb,r2,5 Rb,r3,8 Ra,r4,12 Ra,r5,8 Ra,r6,5
.
ss left 2 4 0
Ra,r0,3 Lb,l1,3 Ra,r2,4 Lb,l3,6 Rb,r4,2 Ra,r5,12 La,l6,14 Lb,l7,16 Rb,r8,12 Ra,r9,0 La,l10,19 Ra,r11,12
4,b,(l1,r4),3 5,b,(l3,null),6 6,a,(l6,r5),14 11,a,(l6,r11),14
ss left 0 5 5
Ra,r0,1 La,l1,4 Rb,r2,8 Ra,r3,11
.
ss outer 2 1 2
Rb,r0,4 La,-,0 La,l2,0 Ra,r3,11 Ra,r4,12 Ra,r5,12 La,l6,13 Ra,r7,10 Ra,r8,18
2,a,(l2,null),0 3,b,(null,r0),4 6,a,(l6,r3),13 6,a,(l6,r4),13 6,a,(l6,r5),13 7,a,(null,r7),10
ss left 6 4 3
Lb,l0,3 Lb,l1,4 Lb,l2,1 Lb,l3,5 La,l4,11 Lb,l5,12 Ra,r6,16 La,l7,17 La,l8,0
4,b,(l2,null),1 4,b,(l0,null),3 6,b,(l1,null),4 6,b,(l3,null),5 7,a,(l7,r6),17 8,a,(l8,null),0
ss inner 5 4 4
Rb,r0,0 La,-,1 Ra,r2,3 La,l3,4 La,-,9 Ra,r5,0
3,a,(l3,r2),4 5,a,(l3,r5),4
ss left 0 3 3
La,l0,3 La,l1,6 Lb,l2,0 Ra,r3,11 Lab,l4,14 Ra,r5,14 Lb,l6,23 Ra,r7,21 Ra,r8,27 Lb,l9,29 Rb,r10,12
2,b,(l2,null),0 3,a,(l0,null),3 4,a,(l1,null),6 6,ab,(l4,null),14
ss left 0 0 6
La,l0,1 Lb,l1,1 Lb,l2,2 Lb,l3,0 La,l4,2 Rb,r5,11
3,b,(l3,null),0 5,a,(l0,null),1 5,b,(l1,null),1 5,a,(l4,null),2 5,b,(l2,null),2
ss outer 0 6 2
Lb,l0,0 Lb,l1,0 Ra,r2,4
.
ss left 3 2 0
Lb,l0,4 La,l1,0 Lab,l2,0 La,l3,7 La,l4,12 La,l5,13 La,l6,0 Lb,l7,14 La,l8,23 La,l9,22 Lb,l10,28 Lb,l11,25 La,l12,26 La,l13,30
1,a,(l1,null),0 2,ab,(l2,null),0 3,b,(l0,null),4 4,a,(l3,null),7 6,a,(l6,null),0 8,a,(l4,null),12 8,a,(l5,null),13 8,b,(l7,null),14 10,a,(l9,null),22 10,a,(l8,null),23 11,b,(l11,null),25 13,a,(l12,null),26
ss left 4 5 4
Ra,r0,4 Lb,l1,4 Ra,r2,0
.
ss inner 6 6 0
Ra,r0,0 Lb,l1,0 Rb,r2,2 Rb,r3,0 Rab,r4,0 L-,l5,7 Ra,r6,9 Ra,-,4 Lb,l8,16 La,l9,12 Rb,r10,19 Rb,r11,21
2,b,(l1,r2),2 3,b,(l1,r3),0 9,a,(l9,r6),12 10,b,(l8,r10),19 11,b,(l8,r11),21
ss left 4 1 3
Lb,l0,0 Ra,r1,1 Ra,r2,1 La,l3,0 Rb,r4,0 La,l5,0 La,l6,0 Lb,l7,6 Ra,r8,15 Ra,r9,18 Rb,r10,18 La,l11,11 La,l12,23 Lab,-,24 Lb,l14,26
3,a,(l3,r1),1 3,a,(l3,r2),1 4,b,(l0,r4),0 5,a,(l5,r1),1 5,a,(l5,r2),1 6,a,(l6,r1),1 6,a,(l6,r2),1 8,b,(l7,null),6 11,a,(l11,null),11
ss outer 1 3 3
Ra,r0,0 Ra,-,2 Rb,r2,0 Lb,l3,0 Rb,r4,6 La,l5,7 Lb,l6,12 Lb,l7,12 Lb,l8,6 Ra,-,17 Lb,l10,17 Rb,r11,20 La,l12,23
2,b,(null,r2),0 3,b,(l3,r2),0 4,a,(null,r0),0 8,b,(l8,r4),6 10,a,(l5,null),7 11,b,(l6,null),12 11,b,(l7,null),12 11,b,(l10,r11),20
ss inner 2 2 1
La,l0,2
.
ss outer 5 2 2
Ra,r0,0 Lb,l1,4 R-,r2,0 La,l3,5 Lb,l4,7 Ra,r5,9 Lb,l6,6 Rb,r7,10 L-,l8,21 Rb,r9,22 Ra,r10,3 Lb,l11,3 Lb,l12,21 Lb,l13,27
2,-,(null,r2),0 3,a,(l3,r0),5 6,b,(l6,null),6 8,-,(l8,null),21 9,b,(l1,null),4 9,b,(l4,null),7 9,a,(null,r5),9 9,b,(null,r7),10 10,a,(l3,r10),5 11,b,(l11,null),3 12,b,(l12,r9),22 13,b,(l13,r9),27
ss outer 3 2 1
Lb,l0,0 Ra,r1,0 La,l2,6 Ra,r3,8 Ra,r4,12 La,l5,13 Rb,r6,15 La,l7,16 Lb,l8,0 Lb,l9,23 Ra,r10,5 Rab,r11,26 Rb,r12,19 Rb,r13,28 La,l14,32 L-,l15,34
2,a,(null,r1),0 2,b,(l0,null),0 3,a,(l2,r3),8 5,a,(l5,r4),13 8,b,(l8,null),0 9,b,(null,r6),15 9,a,(l7,null),16 10,a,(null,r10),5 12,b,(null,r12),19 13,b,(l9,null),23 14,ab,(null,r11),26 15,-,(l15,null),34
ss inner 3 5 6
La,l0,0 Ra,r1,3 Lb,l2,1
1,a,(l0,r1),3
ss outer 2 5 4
Rb,r0,0 La,l1,1 Rb,r2,0 L-,l3,2 Lab,l4,0 L-,l5,4
3,-,(l3,null),2 5,-,(l5,null),4
ss left 1 1 1
Lb,l0,4 Rab,r1,0 Lb,l2,8 La,l3,0 Ra,r4,9 Ra,r5,1 Rb,-,11 Lb,l7,11 Lb,l8,14 L-,l9,11 Ra,-,11 Rb,r11,19 Rb,-,19 Ra,r13,18 Lb,l14,24
2,b,(l0,null),4 3,a,(l3,null),0 7,b,(l2,null),8 8,b,(l7,null),11 9,-,(l9,null),11 11,b,(l8,null),14
ss left 1 2 0
Lb,-,2 La,l1,0 Ra,r2,7 Lb,l3,0 Rb,r4,11 Rb,r5,12
2,a,(l1,null),0 3,b,(l3,null),0
ss left 4 0 6
Rb,r0,2 L-,-,0 Rb,r2,0 Ra,-,2 La,l4,12 Lb,-,16
.
ss outer 2 6 5
Ra,r0,1 La,l1,5 Lb,l2,8
.
ss inner 0 2 3
Rb,r0,0 La,l1,1 Lb,l2,3 Ra,r3,1 Lb,l4,8
3,a,(l1,r3),1
ss inner 1 2 5
Lb,l0,0 Rb,r1,0 La,l2,3 L-,l3,7 La,l4,8 La,l5,11 La,-,13 Rb,r7,19 La,l8,0 R-,r9,13 Ra,r10,15 L-,l11,26 Ra,r12,25 Ra,r13,25 Lab,-,33 Rab,r15,36 La,l16,38 Lb,l17,38 La,l18,35 Ra,r19,45
1,b,(l0,r1),0
ss left 0 3 6
Ra,-,0 Rb,r1,0 Lb,l2,0 La,l3,10 Lb,l4,0 Ra,r5,14 Lb,l6,14 Lb,l7,18 L-,l8,10 Lb,l9,23 Rb,r10,23 Ra,r11,26 Ra,-,27 Ra,r13,23 Lb,l14,31 Ra,r15,33 Lb,l16,17
2,b,(l2,r1),0 4,b,(l4,r1),0 8,-,(l8,null),10 9,a,(l3,null),10 10,b,(l9,r10),23 11,b,(l6,null),14 14,b,(l7,null),18 16,b,(l16,null),17
ss left 5 5 6
Lb,l0,3 L-,l1,0 La,l2,6 La,l3,10 Rb,r4,5 Lb,l5,9 Rab,r6,22
1,-,(l1,null),0 4,b,(l0,r4),5 5,b,(l5,r4),9 6,a,(l2,null),6 6,a,(l3,null),10
ss outer 3 3 6
Ra,r0,0 La,l1,6 Ra,r2,3 Rb,r3,9 Rb,r4,6 La,-,14 Ra,r6,9 R-,r7,10 La,l8,22 La,l9,22 Lb,l10,24 La,l11,8 Rb,r12,23 Lb,-,24
2,a,(l1,r2),6 6,a,(l1,r6),9 7,-,(null,r7),10 8,a,(null,r0),0 8,b,(null,r4),6 8,b,(null,r3),9 11,a,(l11,r6),9 12,b,(l10,r12),24
ss inner 0 2 3
La,l0,0 Lb,l1,4 Ra,r2,6 Rb,r3,10 Lb,-,0 Lb,l5,8 La,l6,15 L-,l7,8 La,l8,0 Rb,r9,19 Ra,r10,19 La,l11,18 Lb,l12,29 Lb,l13,31 La,l14,13 Rb,r15,28 L-,l16,37
5,b,(l5,r3),10 11,a,(l11,r10),19
ss outer 5 4 3
Rb,r0,2 Ra,-,4 Rb,r2,3 Rb,r3,9 La,l4,10 Lb,l5,9 La,l6,10 Rb,r7,0 Lb,l8,15 Ra,r9,12 Ra,r10,16 Lb,l11,5 La,l12,9 L-,l13,30 Rb,r14,13 Lb,l15,24
5,b,(l5,r3),9 7,b,(null,r7),0 9,a,(l4,r9),12 9,a,(l6,r9),12 11,b,(l11,r3),9 12,a,(l12,r9),12 13,-,(l13,null),30 14,b,(l5,r14),13 14,b,(l8,r14),15 15,b,(l15,null),24
ss inner 3 6 0
R-,r0,0 Ra,r1,3 Lb,l2,0 Lb,l3,0 La,l4,2 Rb,r5,0 Rb,r6,9 Ra,r7,10 Rb,r8,15 Lb,l9,8
4,a,(l4,r1),3 5,b,(l2,r5),0 5,b,(l3,r5),0 9,b,(l9,r6),9
ss outer 3 4 1
Lb,l0,0 Ra,r1,2 Rb,r2,3 Ra,r3,6 Ra,r4,7 L-,l5,9 Lb,l6,4 Rb,r7,0 Rb,r8,11 R-,r9,20 Ra,r10,23 Ra,r11,21 Ra,r12,25 Rb,-,26 La,l14,32 Rb,r15,16 R-,r16,37 Lb,l17,21 Ra,r18,45
2,b,(l0,r2),3 4,a,(null,r1),2 5,-,(l5,null),9 6,b,(l6,r2),4 7,b,(l0,r7),0 8,a,(null,r3),6 9,-,(null,r9),20 10,a,(null,r4),7 10,b,(null,r8),11 14,a,(null,r11),21 14,a,(null,r10),23 14,a,(null,r12),25 15,b,(null,r15),16 16,-,(null,r16),37 17,b,(l17,null),21 18,a,(l14,null),32
ss inner 6 5 1
Rb,r0,3 La,l1,3 Ra,r2,2 Ra,r3,2 Lb,l4,0 La,l5,0 Ra,r6,5 La,l7,6 Lb,-,11
2,a,(l1,r2),3 3,a,(l1,r3),3 4,b,(l4,r0),3 5,a,(l5,r2),2 5,a,(l5,r3),2 6,a,(l5,r6),5 6,a,(l1,r6),5 7,a,(l7,r2),6 7,a,(l7,r3),6 7,a,(l7,r6),6
ss left 3 2 4
La,-,4 Rb,r1,7 Lb,l2,10 Rab,r3,13 R-,r4,13 L-,l5,14 La,l6,18 Ra,r7,15 Ra,r8,24 Ra,-,20
2,b,(l2,r1),10 5,-,(l5,null),14 7,a,(l6,r7),18
ss left 6 3 4
L-,-,2 La,l1,5 La,l2,0 Ra,r3,6 Lb,l4,6 Rab,r5,11 La,-,12 La,l7,7 Lb,-,13 Ra,r9,20 Lb,l10,20 Rab,r11,17 La,l12,22 Lb,l13,31 Rb,r14,12 La,l15,30 Ra,r16,36
2,a,(l2,null),0 3,a,(l1,r3),6 7,a,(l7,r3),7 9,b,(l4,null),6 12,a,(l12,r9),22 13,b,(l10,null),20
ss left 3 4 0
Rb,-,1 Lb,l1,0 Lb,l2,8 La,l3,3 La,l4,0 La,l5,4 Lb,l6,13 Lab,l7,16 La,l8,16 La,l9,14 La,l10,20 Lb,l11,22 Lab,-,23 Lb,l13,25 Rb,r14,28 Ra,r15,30 Rb,r16,13 L-,l17,14 La,-,33
2,b,(l1,null),0 3,a,(l3,null),3 4,a,(l4,null),0 6,a,(l5,null),4 6,b,(l2,null),8 10,b,(l6,null),13 10,a,(l9,null),14 11,a,(l8,null),16 11,ab,(l7,null),16 13,a,(l10,null),20 14,b,(l11,null),22 14,b,(l13,r14),28 17,-,(l17,null),14
ss inner 0 5 3
Ra,r0,0 La,l1,1 La,l2,0 La,l3,0 La,l4,0 Rb,r5,6 Ra,r6,10 La,l7,11 La,l8,11 Ra,r9,15 Rb,r10,6 Rb,r11,0 Ra,r12,19 Rb,r13,23 Ra,r14,23 Ra,r15,27 Ra,r16,29 Ra,r17,29 La,l18,37
2,a,(l2,r0),0 3,a,(l3,r0),0 4,a,(l4,r0),0 9,a,(l7,r9),15 9,a,(l8,r9),15
ss left 6 0 6
R-,r0,1 Rb,r1,0 La,l2,0 Lb,l3,2 Ra,r4,3
2,a,(l2,null),0 3,b,(l3,r1),2
ss outer 0 2 4
Rb,r0,2 Lb,l1,0 La,l2,0 Ra,r3,0 Ra,r4,1 R-,r5,5 Ra,r6,7 La,l7,0 Rab,r8,0 Ra,r9,0 Ra,r10,16 Ra,r11,16 La,l12,21 Lb,l13,24 Rb,-,24 Ra,r15,24 Ra,r16,7 Rb,r17,23 Ra,r18,29
1,b,(l1,r0),2 3,a,(l2,r3),0 4,a,(l2,r4),1 5,-,(null,r5),5 7,a,(l7,null),0 8,ab,(null,r8),0 9,a,(l2,r9),0 9,a,(l7,r9),0 10,a,(null,r6),7 13,a,(null,r10),16 13,a,(null,r11),16 16,a,(null,r16),7 17,b,(null,r17),23 18,a,(l12,null),21 18,a,(null,r15),24
ss outer 6 2 4
Lb,-,1 Ra,r1,0 La,l2,4 Lb,l3,7 Rb,r4,10 Ra,r5,12 Rb,r6,6 L-,l7,19
2,a,(l2,r1),4 6,b,(l3,r6),7 7,-,(l7,null),19
ss outer 3 2 5
Rab,r0,0 La,l1,0 Ra,r2,2 Ra,r3,6 Ra,r4,9 La,l5,14 Rb,r6,18 Rb,r7,20
2,a,(l1,r2),2 4,ab,(null,r0),0 6,a,(null,r3),6 6,a,(null,r4),9
ss inner 2 0 1
La,l0,0 Lb,l1,0 Ra,r2,2
.
ss inner 3 4 2
Rb,r0,0 Rb,r1,8 Rab,r2,2 Rb,r3,14 Rb,r4,5 Lb,l5,7 Lb,l6,20 Ra,r7,24 Rb,r8,25 Ra,r9,19 Ra,r10,32 La,l11,33 Ra,r12,26 Lb,l13,37 Lb,l14,36 Rb,r15,42 La,l16,37 Ra,r17,49 Rb,r18,49 Ra,r19,50
5,b,(l5,r1),8 11,a,(l11,r10),33
ss inner 5 3 0
Lab,l0,2 Rb,r1,0 Lb,l2,0 Ra,r3,13 La,l4,14 La,l5,17 Rb,r6,21 Lb,l7,22 Ra,r8,23
2,b,(l2,r1),0 4,a,(l4,r3),14 5,a,(l5,r3),17 7,b,(l7,r6),22
ss left 3 1 2
La,l0,0 Ra,r1,2 Rb,r2,3 Lb,l3,5 La,l4,7 Ra,r5,9 Rb,r6,11 La,l7,12 La,l8,7 Lab,l9,13 Ra,r10,12 Rb,r11,15 Ra,r12,19 Rb,r13,15 La,l14,3 Ra,r15,24
3,a,(l0,null),0 3,b,(l3,r2),5 7,a,(l4,null),7 7,a,(l7,r5),12 8,a,(l8,null),7 10,a,(l7,r10),12 12,ab,(l9,null),13 14,a,(l14,null),3
ss outer 0 0 3
La,l0,2 La,l1,1 La,l2,0 La,l3,0 Lb,l4,0 Lb,l5,8 Lab,l6,12 Lb,l7,16 Ra,r8,18 Ra,r9,22 La,l10,26 La,l11,6 Lab,l12,18
1,a,(l1,null),1 2,a,(l2,null),0 3,a,(l3,null),0 4,b,(l4,null),0 5,a,(l0,null),2 6,b,(l5,null),8 7,ab,(l6,null),12 9,b,(l7,null),16 9,a,(null,r8),18 10,a,(null,r9),22 11,a,(l11,null),6 12,ab,(l12,null),18
ss left 0 0 5
Rb,r0,0 Lb,-,5 Lab,l2,0 Lab,l3,8 Rb,r4,11 La,l5,0 Ra,r6,17 Lb,l7,21 Rb,-,23 R-,r9,26 Lb,l10,26 La,l11,23 R-,r12,28
2,ab,(l2,null),0 5,a,(l5,null),0 6,ab,(l3,null),8 11,a,(l11,null),23
ss left 3 6 2
La,l0,0 Ra,r1,2 Lb,l2,9 La,l3,13 Rb,r4,13
1,a,(l0,r1),2 4,b,(l2,r4),13
ss left 1 6 2
Rb,r0,3 Lb,l1,4 Ra,r2,5 Rb,r3,0 La,l4,0 Ra,r5,0 Rb,r6,8 Rab,r7,13
1,b,(l1,r0),4 4,a,(l4,r2),5 5,a,(l4,r5),0 6,b,(l1,r6),8
ss left 1 4 1
Rb,r0,4 Lb,l1,0 La,l2,0 Ra,r3,8 La,l4,0 La,l5,10 Rb,r6,18 Lb,l7,16 La,l8,16 Ra,r9,21 Ra,r10,17 Lb,l11,25 Lb,-,27 Ra,r13,33 La,l14,35 La,l15,37 Ra,r16,41 Rb,r17,47
1,b,(l1,r0),4 3,a,(l2,null),0 4,a,(l4,null),0 6,a,(l5,null),10 7,b,(l7,r6),18 10,a,(l8,r10),17 13,b,(l11,null),25 16,a,(l14,null),35 16,a,(l15,r16),41
ss left 3 5 1
Rb,r0,0 Lb,l1,4 Lb,l2,0 Ra,r3,1 Lb,l4,4 Ra,r5,9 R-,r6,13 L-,l7,0 Ra,r8,18 Ra,r9,18 Lab,l10,18 Lb,l11,13 Ra,r12,22
2,b,(l2,r0),0 7,-,(l7,null),0 8,b,(l1,null),4 8,b,(l4,null),4 12,b,(l11,null),13
ss inner 2 4 0
Rb,r0,0 R-,r1,6 Lb,l2,10 Rb,-,13 Ra,r4,6 Rb,r5,0 Rb,r6,21 Lb,l7,4 Rab,r8,5 Rb,r9,27 Rb,r10,24
.
ss left 2 2 1
L-,l0,3 Rb,r1,2 La,l2,1 Rb,r3,1 La,l4,9 Lb,l5,0 La,l6,13 Ra,r7,12 Lb,-,7 L-,l9,0
0,-,(l0,null),3 4,a,(l2,null),1 5,b,(l5,r3),1 5,b,(l5,r1),2 6,a,(l4,null),9 7,a,(l6,r7),13 9,-,(l9,null),0
ss left 6 1 4
Ra,r0,0 Ra,r1,1 Lb,-,0 Ra,r3,7 Ra,r4,8 Lb,l5,12 Ra,r6,3 Rb,r7,12 La,l8,12 La,l9,16 La,l10,14 Rb,r11,9 Rb,r12,14
7,b,(l5,r7),12 8,a,(l8,r3),12 8,a,(l8,r4),12 10,a,(l10,r4),14 11,b,(l5,r11),12
ss outer 3 2 2
Lb,l0,0 Ra,r1,0 Ra,-,3 Ra,r3,5 Ra,r4,6 Ra,r5,6
4,a,(null,r1),0 4,b,(l0,null),0
ss outer 1 6 3
La,l0,1 La,l1,1 Lb,l2,3 R-,r3,0 Ra,r4,9 L-,l5,8 Rb,r6,16 Rb,r7,15 La,l8,18 Ra,r9,20 L-,l10,20 Lb,l11,22 Ra,r12,25 La,l13,19 R-,r14,29 La,l15,32 Rb,r16,35 La,l17,37 Lb,l18,37 La,l19,37
3,-,(null,r3),0 5,-,(l5,null),8 6,a,(l0,null),1 6,a,(l1,null),1 6,b,(l2,null),3 6,a,(null,r4),9 9,b,(null,r7),15 9,a,(l8,r9),20 10,-,(l10,null),20 12,b,(null,r6),16 13,a,(l13,r9),20 13,a,(l13,r12),25 14,-,(null,r14),29 15,b,(l11,null),22
ss inner 4 2 6
La,l0,0 La,l1,0 Ra,r2,9 Lb,l3,10 Ra,-,10 La,-,16 Rb,-,16 Ra,r7,20 Ra,r8,3 Rb,r9,24 Ra,r10,25 Rb,r11,20
.
ss left 4 5 3
Rb,r0,1 L-,l1,3 Ra,r2,0 Lb,l3,0 Lb,l4,13 Ra,r5,13 Lb,l6,12 Rb,r7,17 Rb,r8,16 Lb,l9,16 La,-,21 Lab,l11,25
1,-,(l1,null),3 3,b,(l3,r0),1 7,b,(l6,r7),17 7,b,(l4,r7),17 8,b,(l6,r8),16 8,b,(l4,r8),16 9,b,(l9,r8),16 9,b,(l9,r7),17
ss outer 5 6 5
L-,l0,0 Rb,r1,1 La,l2,5 Ra,r3,6 Lb,l4,0 R-,r5,0 Ra,r6,9 Rb,r7,4
0,-,(l0,null),0 3,a,(l2,r3),6 4,b,(l4,r1),1 5,-,(null,r5),0 6,a,(l2,r6),9 7,b,(l4,r7),4
ss outer 2 4 2
Ra,r0,0 Ra,r1,0 Ra,r2,0
.
ss left 3 3 3
Rb,-,0 Lb,l1,7 Ra,r2,8 La,l3,9
3,a,(l3,r2),9
ss inner 5 6 6
Ra,r0,0 La,l1,3 La,l2,0 Ra,r3,7 La,-,0 Ra,r5,8 Rb,-,0 La,-,10 Rb,r8,12 Rb,-,9 Ra,r10,20 Rb,r11,2 La,l12,25 Rab,r13,20 Rb,r14,20 Rb,-,25
1,a,(l1,r0),3 2,a,(l2,r0),0 3,a,(l1,r3),7 5,a,(l1,r5),8 12,a,(l12,r10),25
ss outer 5 4 5
Lab,l0,0 Rb,r1,4 La,l2,5 R-,r3,1 La,l4,0 Rb,r5,7 Rb,r6,14 Rb,r7,14 Ra,r8,14 Lab,l9,13 Lb,l10,14 Ra,r11,15 La,l12,0 Ra,r13,19 Lb,l14,5 La,l15,20 Lb,-,33 La,l17,37 R-,r18,29
3,-,(null,r3),1 4,a,(l4,null),0 6,ab,(l0,null),0 10,b,(l10,r6),14 10,b,(l10,r7),14 12,a,(l12,null),0 13,b,(null,r1),4 13,a,(l2,null),5 13,b,(null,r5),7 14,b,(l14,r5),7 15,a,(l15,r11),20 15,a,(l15,r13),20 17,ab,(l9,null),13 17,a,(null,r8),14 18,-,(null,r18),29
ss inner 6 0 1
L-,l0,0 La,l1,2 Ra,-,4 Lb,l3,2 Rb,r4,0 La,-,12 Rb,r6,10 La,l7,4 Ra,r8,13 Rb,r9,15 Rb,r10,16 Lb,l11,0 Rab,r12,19 R-,r13,15 Lb,l14,18 La,l15,24
4,b,(l3,r4),2 14,b,(l14,r9),18 14,b,(l14,r10),18
ss outer 4 5 0
Rb,r0,0 Ra,r1,4 Lb,l2,4 La,l3,9 Rb,r4,6 R-,r5,15 Lb,l6,0 Rb,r7,14 Lb,l8,10 Ra,r9,14 La,l10,17 Rb,r11,17 Rb,-,16
2,b,(l2,r0),4 3,a,(null,r1),4 4,b,(l2,r4),6 5,-,(null,r5),15 6,b,(l6,r0),0 8,b,(l8,r4),10 8,b,(l8,r7),14 9,a,(l3,r9),14 10,a,(l10,r9),17
ss inner 0 4 2
La,l0,2 Lb,l1,0 Rb,r2,0 Lb,l3,0 Rb,r4,8 L-,l5,7 R-,r6,16 Rb,-,16 Lb,l8,19 Ra,r9,13 La,l10,17 Ra,r11,27
2,b,(l1,r2),0 3,b,(l3,r2),0
ss left 5 0 2
Lab,l0,0 Lb,l1,4 Lb,l2,9 Rb,r3,8 Lb,l4,15 Rb,r5,11
1,ab,(l0,null),0 2,b,(l1,null),4 3,b,(l2,r3),9 5,b,(l4,r5),15
ss outer 4 0 2
Lb,l0,4 Lb,l1,0 Ra,r2,0 La,l3,10 Lb,l4,0 Rb,-,17 Rb,r6,19 Ra,r7,22 La,l8,15 Rb,r9,24 Ra,-,18 La,l11,10 La,l12,25 Lb,l13,14 Ra,r14,33 R-,r15,34 Lb,l16,15
1,b,(l1,null),0 3,a,(null,r2),0 3,b,(l0,null),4 4,b,(l4,null),0 6,a,(l3,null),10 8,a,(l8,null),15 11,a,(l11,null),10 12,a,(l12,r7),25 13,b,(l13,null),14 14,b,(null,r6),19 14,b,(null,r9),24 15,-,(null,r15),34 16,b,(l16,null),15
ss outer 6 2 6
Lb,l0,2 La,l1,6 Ra,r2,8 Rb,r3,5 La,l4,10 Rb,r5,6 Ra,r6,0 La,l7,23 Lb,l8,25 Ra,r9,6 La,l10,7 Lab,l11,25 Ra,r12,29 Ra,-,31 La,l14,22
2,a,(l1,r2),8 4,a,(l4,r2),10 6,a,(l1,r6),6 7,b,(l0,null),2 7,b,(null,r3),5 7,b,(null,r5),6 9,a,(null,r9),6 10,a,(l10,r9),7 10,a,(l10,r2),8 14,a,(l14,null),22
ss outer 2 5 4
La,l0,0
.
ss left 4 4 1
Lb,l0,3 Ra,r1,2 Lb,l2,10 Rb,r3,1 Lab,l4,10 Ra,r5,12 Rb,r6,9 La,l7,17 Lb,l8,12 Lb,l9,23 Rb,r10,6 La,l11,21 Rb,-,8 Lb,l13,26 Lb,l14,28 Rb,r15,24
2,b,(l0,null),3 3,b,(l0,r3),3 6,b,(l2,r6),10 7,ab,(l4,null),10 8,b,(l8,r6),12 9,a,(l7,null),17 15,b,(l9,r15),24 15,b,(l13,r15),26 15,b,(l14,r15),28
ss inner 6 5 1
Rb,r0,3 R-,r1,0
.
ss left 6 4 1
Lb,l0,0 Ra,r1,2 Lb,l2,3 La,-,5 Ra,r4,14 Ra,r5,14 Lb,l6,0 L-,l7,20 Ra,r8,23 R-,r9,23 Ra,r10,22 La,l11,26 Rb,r12,31 Rb,r13,26 Lab,l14,38
4,b,(l0,null),0 4,b,(l2,null),3 6,b,(l6,null),0 7,-,(l7,null),20 11,a,(l11,r10),26 11,a,(l11,r8),26
ss outer 2 6 2
La,-,4 R-,r1,8 R-,r2,10 La,l3,7 Rb,r4,4 Rb,r5,15 Lb,l6,14 Ra,r7,11 Rb,r8,20 L-,l9,16 Ra,r10,2 Rb,r11,26 Lb,l12,25 Ra,r13,32 La,l14,35 La,l15,18 L-,l16,39
1,-,(null,r1),8 2,-,(null,r2),10 4,b,(null,r4),4 6,b,(l6,r5),15 7,a,(l3,r7),11 8,b,(l6,r8),20 9,-,(l9,null),16 10,a,(null,r10),2 12,b,(l12,r11),26 15,a,(l15,null),18 16,-,(l16,null),39
ss left 3 0 4
R-,r0,0 Rb,r1,0 Lab,l2,3 La,l3,0 R-,r4,0
3,a,(l3,null),0
ss left 6 0 6
Rb,r0,1 La,l1,3 Ra,r2,1 La,l3,7 Ra,-,9 La,l5,9 Ra,-,8 Lb,l7,13 Lb,l8,14 Lb,l9,17 L-,l10,18 La,l11,18 Rb,r12,24 Lb,l13,28 Lb,l14,26 Ra,r15,24 La,l16,32 Ra,r17,28
2,a,(l1,r2),3 3,a,(l3,r2),7 9,a,(l5,null),9 10,-,(l10,null),18 13,b,(l7,null),13 13,b,(l8,null),14 13,b,(l9,null),17 13,a,(l11,null),18 13,b,(l13,r12),28 14,b,(l14,r12),26 17,a,(l16,r17),32
ss outer 4 3 2
La,l0,0 Ra,r1,2 Ra,r2,0 La,l3,8 La,l4,5 Lab,l5,0
1,a,(l0,r1),2 2,a,(l0,r2),0 4,a,(l4,r1),5 5,ab,(l5,null),0
ss inner 2 2 6
Ra,r0,2 Rb,r1,0 Ra,-,7 Rb,r3,4 Lb,l4,8 Ra,r5,7 Rb,r6,0 Ra,r7,14
.
ss inner 3 6 5
La,l0,1 Ra,-,7 Ra,r2,0 La,l3,9 Lb,l4,9 Ra,r5,12 La,l6,5 R-,r7,0
2,a,(l0,r2),1 5,a,(l3,r5),12
ss left 6 5 5
Rb,r0,0 Ra,r1,0 La,l2,2 Lb,l3,6 Rab,r4,3 La,l5,0 Rb,r6,13 Ra,r7,18 Lb,-,22 Rb,r9,22 Lb,l10,24 Ra,r11,7 Rb,r12,31 Lb,l13,34
2,a,(l2,r1),2 3,b,(l3,r0),6 5,a,(l5,r1),0 10,b,(l10,r9),24 13,b,(l13,r12),34
ss outer 4 4 2
La,l0,3 La,l1,0 La,l2,7 Lab,l3,4 La,l4,11 La,l5,15 Ra,r6,0 Lb,l7,17 Ra,r8,0 Rab,r9,17 Lb,l10,19 Lb,l11,25 Rb,r12,20
2,a,(l1,null),0 4,a,(l0,null),3 4,ab,(l3,null),4 5,a,(l2,null),7 6,a,(null,r6),0 8,a,(null,r8),0 10,a,(l4,null),11 11,a,(l5,null),15 11,ab,(null,r9),17 11,b,(l7,null),17 12,b,(l7,r12),20 12,b,(l10,r12),20
ss left 6 2 2
Ra,r0,0 La,l1,0 Ra,r2,6 La,l3,5 Lb,l4,7 La,l5,11 Rb,r6,0
1,a,(l1,r0),0 3,a,(l3,r0),5 3,a,(l3,r2),6 5,a,(l5,r2),11
ss left 1 3 6
Rb,r0,0 La,-,5 Lb,l2,6 La,l3,7 La,l4,14 Ra,r5,17
5,b,(l2,null),6 5,a,(l3,null),7 5,a,(l4,r5),17
ss left 5 0 1
R-,r0,0 Rb,r1,0 Ra,r2,3 Ra,r3,0 Ra,r4,0 Lb,-,7 Rb,r6,3 Lb,l7,8 Lb,l8,10 La,l9,0
7,b,(l7,r6),8 9,a,(l9,r3),0 9,a,(l9,r4),0
ss outer 6 3 4
La,l0,0 Ra,r1,4 Rb,r2,6 Ra,r3,0 La,-,3 Rb,r5,14 Lb,-,0 Rb,r7,6 Rb,r8,11 La,l9,15 Lb,l10,19 Lb,l11,20 Rb,r12,17 Lb,l13,17 Rb,r14,28 La,l15,33
3,a,(l0,r3),0 7,b,(null,r7),6 9,a,(null,r1),4 10,b,(l10,r5),19 11,b,(l11,r5),20 12,b,(l10,r12),19 12,b,(l11,r12),20 13,b,(l13,r8),17 13,b,(l13,r5),17 13,b,(l13,r12),17 14,b,(null,r2),6 14,a,(l9,null),15
ss left 1 0 3
Lb,l0,0 L-,-,0
.
ss outer 4 4 1
Ra,r0,0 Ra,r1,0 La,l2,0 Ra,r3,3 Rb,r4,4 Ra,r5,5
2,a,(l2,r0),0 2,a,(l2,r1),0 3,a,(l2,r3),3
ss inner 5 4 3
La,l0,0 Lb,l1,2 R-,r2,0 Rab,r3,6 Lb,l4,0
.
ss outer 4 4 0
Lb,l0,3 Ra,r1,6 La,l2,0 Lb,l3,2 Ra,r4,13 L-,l5,9 Ra,r6,5 Rb,r7,8 La,l8,21 Lb,-,19 Lb,l10,22 La,l11,27 La,-,30 La,l13,33 La,-,34 Rb,r15,32 La,l16,30
2,a,(l2,null),0 4,b,(l3,null),2 4,b,(l0,null),3 4,a,(null,r1),6 5,-,(l5,null),9 6,a,(null,r6),5 7,b,(null,r7),8 8,a,(null,r4),13 11,a,(l8,null),21 11,b,(l10,null),22 13,a,(l11,null),27
ss inner 6 4 6
Rb,r0,0 Lb,l1,0 La,l2,1 La,l3,0 Ra,r4,0 Rb,-,8 La,l6,0 Lb,l7,13
1,b,(l1,r0),0 4,a,(l3,r4),0 4,a,(l2,r4),1 6,a,(l6,r4),0
ss left 3 3 5
La,l0,0 Lb,l1,6 Rab,r2,9 Rb,r3,11 Rb,r4,16 Ra,r5,19 L-,l6,0 Ra,r7,14 La,-,26 Lb,-,27 Rb,r10,28 La,l11,31
2,a,(l0,null),0 4,b,(l1,null),6 6,-,(l6,null),0
ss inner 1 3 3
Rb,r0,0 Lb,l1,4 Ra,r2,7 Lb,l3,7 Ra,r4,8 La,l5,13 R-,r6,14 Ra,r7,14 La,l8,17 Rb,r9,17
7,a,(l5,r7),14
ss inner 4 0 1
Lb,l0,0 La,l1,0 La,l2,4 Ra,r3,6 Ra,-,9 La,l5,13 Ra,r6,15 Lb,l7,15 Lb,l8,17 La,l9,0 Rb,r10,20
.
ss left 1 5 0
Lb,l0,2
.
ss left 6 0 2
Lb,l0,0 Lb,l1,6 La,-,0 Lb,l3,3 La,l4,6
1,b,(l0,null),0 3,b,(l3,null),3
ss inner 6 1 5
La,l0,2 Rb,r1,5 Ra,r2,5 Lb,l3,1 Lb,l4,2 La,l5,5 Rb,r6,8 Ra,r7,6 Rb,r8,10 Rb,-,7 Rb,r10,17 Lb,l11,18 La,l12,0 Rb,r13,24 Ra,r14,22 Rb,r15,25
5,a,(l5,r2),5 7,a,(l5,r7),6 11,b,(l11,r10),18
ss left 6 5 0
La,l0,0
.
ss inner 6 3 0
Ra,r0,0 Rab,r1,0 Lb,l2,2 Rb,r3,0 La,l4,1
3,b,(l2,r3),2 4,a,(l4,r0),1
ss left 3 1 2
Rb,r0,0 Lb,l1,0 Lb,l2,5 Lb,l3,8 Ra,r4,9 La,l5,9
1,b,(l1,r0),0 5,b,(l2,null),5 5,a,(l5,r4),9
ss outer 4 6 6
Ra,r0,0 Rb,r1,5
.
ss left 1 5 5
R-,r0,0 Ra,r1,0 La,l2,8 Rb,r3,10 La,l4,5 Rb,r5,18 La,l6,17 Rb,r7,20 Lb,l8,15 La,l9,21 Lb,l10,16 Rab,r11,22 La,l12,24 Ra,r13,28 La,-,12 Rb,r15,36
5,a,(l4,null),5 7,a,(l2,null),8 8,b,(l8,r5),18 8,b,(l8,r7),20 10,b,(l10,r5),18 10,b,(l10,r7),20 13,a,(l6,null),17 13,a,(l12,r13),28 15,a,(l9,null),21
ss outer 4 6 5
Rb,r0,1 Ra,r1,3 La,l2,7 R-,r3,11 Rb,r4,11 Lb,l5,6 Rb,r6,16 Ra,r7,19
2,a,(l2,r1),7 3,-,(null,r3),11 4,b,(null,r0),1 5,b,(l5,r4),11
ss outer 2 3 5
R-,r0,0 La,l1,0 Ra,r2,2 L-,l3,0 Lb,l4,0 Ra,-,8 Rb,r6,11
0,-,(null,r0),0 2,a,(l1,r2),2 3,-,(l3,null),0 6,b,(l4,null),0
ss left 5 1 4
Lb,l0,0 Ra,r1,0 Lb,l2,10 Ra,r3,0 Rb,r4,13 La,l5,13 La,l6,13 Lb,l7,0 La,l8,17 Lb,l9,23
2,b,(l0,null),0 7,b,(l7,null),0 8,b,(l2,null),10 9,a,(l5,null),13 9,a,(l6,null),13 9,a,(l8,null),17
ss left 4 6 3
La,l0,2 La,l1,0 Lb,l2,3 Ra,r3,4 Ra,-,5 Ra,r5,9 Ra,r6,9 Lb,l7,6 Lb,l8,9 Rb,-,16 Rb,r10,11 Rb,r11,24
3,a,(l1,r3),4 3,a,(l0,r3),4 10,b,(l7,r10),11 10,b,(l8,r10),11 11,b,(l2,null),3
ss left 5 3 4
La,l0,1 La,l1,4 La,l2,4 Rb,r3,7 La,-,10 Ra,r5,14 Lb,l6,12 La,l7,11 La,l8,15 Rb,r9,16 Ra,-,23 Ra,r11,6 La,l12,28 La,l13,30 Lb,l14,32
5,a,(l0,null),1 5,a,(l1,null),4 5,a,(l2,null),4 6,b,(l6,r3),12 7,a,(l7,r5),14 8,a,(l8,r5),15 11,a,(l1,r11),6 11,a,(l2,r11),6 11,a,(l7,r11),11
ss outer 4 5 2
Ra,r0,0 Ra,r1,3 Rab,r2,3 Ra,r3,8 Rb,r4,7
3,a,(null,r0),0
ss left 2 6 3
Lb,l0,0 La,l1,4 Rb,r2,6 La,l3,3 Rb,r4,11 La,l5,9 Lb,l6,18 Ra,r7,21 La,l8,25 Ra,r9,7 Rb,r10,24 Ra,r11,29 Ra,r12,30 Lb,l13,32 Rb,r14,16 La,l15,37
2,b,(l0,r2),6 6,a,(l3,null),3 6,a,(l1,null),4 7,a,(l5,null),9 10,b,(l6,r10),24 11,a,(l8,r11),29 12,a,(l8,r12),30
ss inner 6 2 2
Rb,r0,0 Ra,-,0 Rb,r2,4 Ra,r3,0 Ra,r4,0 Lb,l5,10 La,l6,8 Ra,r7,13 Rb,r8,11 La,l9,16 Ra,r10,18 Rb,r11,18 La,-,22
5,b,(l5,r2),10 8,b,(l5,r8),11 9,a,(l9,r7),16 10,a,(l9,r10),18
ss inner 5 5 6
Ra,r0,0 Rb,r1,0 Ra,r2,0 La,l3,7 Lb,l4,10 Rb,r5,9 Rb,r6,14 Ra,r7,15 Rb,r8,11 Rb,r9,0 Lb,l10,17 Rb,r11,18 La,l12,21 Lb,l13,20 Ra,r14,26 La,l15,28 La,l16,30 Lb,l17,33
5,b,(l4,r5),10 6,b,(l4,r6),14 8,b,(l4,r8),11 10,b,(l10,r6),17 11,b,(l10,r11),18 13,b,(l13,r11),20 14,a,(l12,r14),26 15,a,(l15,r14),28 16,a,(l16,r14),30
ss outer 6 5 1
Lb,l0,2 Rb,r1,4 Ra,r2,0 Rb,r3,6 Ra,r4,10 Rb,r5,13
1,b,(l0,r1),4 3,b,(l0,r3),6 4,a,(null,r2),0
ss outer 3 3 0
Lb,l0,0 Ra,r1,0 Lb,l2,0 La,l3,9 Ra,r4,0 R-,r5,12 La,l6,12 Lb,l7,15 L-,l8,0 Rb,-,19 Ra,r10,21 La,l11,24
3,a,(null,r1),0 3,b,(l0,null),0 3,b,(l2,null),0 4,a,(null,r4),0 5,-,(null,r5),12 7,a,(l3,null),9 8,-,(l8,null),0 10,a,(l6,null),12 10,b,(l7,null),15 11,a,(l11,r10),24
ss outer 6 6 2
La,l0,2 Ra,-,5 Lb,-,0 Rb,r3,1 Ra,r4,0 Lb,l5,10 Ra,r6,9 Lb,l7,7 Rb,r8,14 Rb,r9,13 Lb,l10,17 L-,l11,18 Ra,r12,17 Ra,r13,21 Ra,r14,25 Ra,r15,24 Rb,r16,36 Rb,r17,40 La,l18,43 Rb,r19,24
4,a,(l0,r4),2 5,b,(null,r3),1 7,b,(l7,r3),7 8,b,(l5,r8),14 9,b,(l7,r9),13 9,b,(l5,r9),13 10,b,(l10,r9),17 10,b,(l10,r8),17 11,-,(l11,null),18 13,a,(null,r6),9 16,a,(null,r12),17 16,a,(null,r13),21 16,a,(null,r15),24 16,a,(null,r14),25 19,b,(null,r19),24
ss inner 6 4 0
Ra,r0,0 Rb,-,0 Rb,r2,2 Ra,r3,2 Rb,r4,4 Rb,r5,0 Ra,r6,8 Lb,l7,1 Rb,r8,5 Rb,r9,10 Lab,l10,0 Lb,l11,5 Lab,l12,7 Rb,r13,14 Lb,l14,18 Lb,l15,21 Lb,l16,12 Ra,r17,24 Lb,l18,21
7,b,(l7,r5),1 7,b,(l7,r2),2 7,b,(l7,r4),4 8,b,(l7,r8),5 11,b,(l11,r2),5 11,b,(l11,r4),5 11,b,(l11,r8),5 14,b,(l14,r13),18 16,b,(l16,r9),12 16,b,(l16,r13),14
ss inner 1 5 4
Rb,r0,3 Lb,l1,0 Lb,l2,0 Ra,r3,3 Ra,r4,6 Ra,r5,9 Rb,-,1
1,b,(l1,r0),3 2,b,(l2,r0),3
ss outer 3 2 3
Ra,r0,2 Lb,l1,6 Rb,r2,0 L-,l3,12 La,l4,14 Lab,l5,17 Ra,r6,9 Rb,r7,19 La,l8,23 Rb,r9,23 Rb,r10,23 Ra,r11,25 Lb,l12,29 Ra,r13,12 Lab,l14,31 Rb,r15,38 Ra,r16,36 Ra,r17,22 Lb,l18,43
2,b,(null,r2),0 3,-,(l3,null),12 4,a,(null,r0),2 4,b,(l1,null),6 6,a,(null,r6),9 8,a,(l4,null),14 8,ab,(l5,null),17 11,a,(l8,r11),25 12,b,(null,r7),19 13,a,(null,r13),12 14,b,(null,r9),23 14,b,(null,r10),23 15,b,(l12,null),29 15,ab,(l14,null),31 17,a,(null,r17),22 18,a,(null,r16),36
ss outer 0 2 5
La,l0,0 La,l1,1 Rb,r2,1 Ra,r3,1 Rb,r4,3 Rab,r5,3 La,l6,3 La,-,0 Rb,r8,1 Ra,r9,8 La,l10,0 La,l11,0 Rb,r12,12 La,l13,13 La,l14,7 Rb,r15,18 Rb,r16,20
3,a,(l0,r3),1 3,a,(l1,r3),1 8,b,(null,r8),1 9,b,(null,r2),1 10,a,(l10,null),0 11,a,(l11,null),0 12,ab,(null,r5),3 12,b,(null,r4),3 12,a,(l6,null),3 14,a,(l14,r9),8 15,b,(null,r12),12
ss left 6 6 3
Ra,r0,1 Lb,l1,4 La,l2,1 La,l3,7
2,a,(l2,r0),1 3,a,(l3,r0),7
ss outer 2 0 3
Ra,r0,0 La,l1,0 Rb,r2,2 Lb,l3,0 Lab,l4,0
1,a,(l1,r0),0 3,b,(l3,null),0 4,ab,(l4,null),0
ss left 5 5 3
Rb,r0,3 Lab,l1,0 Lab,l2,0 Ra,r3,10 Ra,r4,12 Rab,r5,7 La,l6,7 Ra,r7,19 Ra,r8,21 Lab,l9,5 La,l10,9 Ra,r11,12 Ra,r12,13 La,l13,28 Lb,l14,38
3,ab,(l1,null),0 3,ab,(l2,null),0 6,a,(l6,r3),10 6,a,(l6,r4),12 9,ab,(l9,null),5 10,a,(l10,r3),10 10,a,(l10,r4),12 11,a,(l6,r11),12 11,a,(l10,r11),12 12,a,(l10,r12),13 14,a,(l13,null),28
ss inner 4 0 6
Rb,r0,2 Lb,l1,0 Ra,r2,4 Ra,r3,6 La,l4,0 La,-,0 La,l6,0 Lb,l7,0 La,l8,0 Ra,r9,19 Ra,r10,12
.
ss inner 0 2 6
La,l0,0 La,l1,0 Ra,r2,7 Rab,r3,0 Lb,l4,3 Lb,l5,14 Rb,r6,13 Lab,l7,11 La,l8,16 Ra,r9,19
.
ss left 0 6 4
Rb,r0,0 Rb,r1,0 La,l2,0 L-,l3,0 La,-,0 La,l5,5 La,l6,5 Rb,r7,3 Ra,r8,1 La,l9,11 La,l10,7 Lb,l11,12 R-,r12,18
3,-,(l3,null),0 8,a,(l2,r8),1
ss inner 5 6 1
Ra,r0,0 Rb,-,3 Lb,-,4 Lb,l3,0 La,l4,7 Rb,r5,2 Rb,r6,0 Rab,r7,10 La,l8,7
5,b,(l3,r5),2 6,b,(l3,r6),0
ss outer 4 0 6
Ra,-,1 Lb,l1,5 Ra,r2,5 La,l3,4 La,-,7 Ra,r5,6 Rb,r6,14 Lb,l7,18 La,l8,17 Rab,r9,25 La,l10,19 Ra,r11,29 Lb,l12,32 Rb,r13,35 L-,l14,28 Lab,l15,40 Rb,r16,22 Rb,r17,46 Rb,r18,48 Lb,l19,51
3,a,(l3,null),4 7,a,(null,r2),5 7,b,(l1,null),5 7,a,(null,r5),6 7,b,(l7,r6),18 8,a,(l8,null),17 10,a,(l10,null),19 14,-,(l14,null),28 15,ab,(null,r9),25 15,a,(null,r11),29 15,b,(l12,null),32 16,b,(null,r16),22 17,b,(null,r13),35 19,ab,(l15,null),40 19,b,(l19,r18),51
ss inner 5 4 6
L-,l0,4 Ra,-,5 R-,r2,6 Lb,l3,0 Lb,l4,6 Rb,r5,5 Lab,l6,2 Ra,r7,6 Rab,r8,2 Ra,r9,0 Rb,r10,15 Ra,-,17 Ra,r12,20 La,l13,18 Ra,-,23 Ra,r15,26 Rb,r16,26
5,b,(l4,r5),6 8,ab,(l6,r8),2 13,a,(l13,r12),20
ss outer 3 1 0
Rb,r0,0 Ra,r1,0
.
ss inner 6 0 5
Lb,-,0 Ra,r1,1 Lb,l2,1 La,l3,10 Lb,l4,8
.
ss outer 1 1 6
Ra,-,1 Ra,r1,4
.
ss inner 1 3 4
Ra,r0,0 Rb,r1,0 Lab,l2,0 Lb,l3,5 Rb,r4,0 Ra,r5,0 R-,r6,0
.
ss inner 3 4 3
La,l0,0 Lb,l1,0 Rab,-,0 Rb,r3,0 Rb,r4,0 Ra,r5,8 Ra,r6,7 Ra,r7,12 Lb,l8,15 Lb,l9,18 Ra,r10,0 Ra,r11,19
3,b,(l1,r3),0 4,b,(l1,r4),0
ss outer 4 6 0
Rab,r0,1 La,l1,0 Lb,l2,0 Ra,r3,8 Lb,l4,10
3,a,(l1,null),0 3,b,(l2,null),0 3,ab,(null,r0),1
ss left 3 1 6
La,l0,0 Ra,r1,0 La,l2,2 R-,r3,0 La,l4,0 Lb,-,6 Ra,r6,7 Ra,r7,11 Lb,l8,12 Rb,-,14 Rb,r10,15 Lab,l11,17 Lab,l12,11 La,l13,14 La,l14,26 Lb,l15,26 Rb,r16,20
1,a,(l0,r1),0 2,a,(l2,r1),2 4,a,(l4,r1),0 12,ab,(l12,null),11 13,a,(l13,r7),14 14,b,(l8,null),12 14,ab,(l11,null),17
ss inner 4 4 2
Ra,r0,0 Ra,r1,3 Lb,l2,7 La,l3,13 Lb,-,14 La,l5,12 Rab,r6,9 Ra,r7,20 Ra,r8,17 Ra,r9,30 La,l10,11
8,a,(l3,r8),17
ss left 0 1 0
Ra,r0,0 Rb,r1,4 Ra,r2,5 Ra,r3,4 La,l4,8 Ra,r5,12 Ra,r6,13 Ra,r7,17 Rb,r8,16 Rb,r9,19 Rb,r10,21 Rb,r11,22 Ra,r12,6 La,l13,8 La,l14,27 Ra,r15,28 La,l16,24
5,a,(l4,null),8 13,a,(l13,null),8 15,a,(l14,r15),28 16,a,(l16,null),24
ss outer 6 2 3
Lb,l0,1 R-,r1,0 Rb,r2,0 L-,l3,5 Rb,r4,10 La,l5,10 Rb,r6,5 R-,r7,10 Rab,r8,14 Lb,l9,15 R-,r10,16 La,l11,18 La,l12,17 Ra,r13,10 Lb,-,14 Ra,r15,23 Lb,l16,28 La,l17,30 Rb,r18,31
1,-,(null,r1),0 2,b,(l0,r2),1 3,-,(l3,null),5 7,-,(null,r7),10 9,b,(null,r6),5 9,b,(l9,r4),15 10,-,(null,r10),16 13,a,(l5,r13),10 16,ab,(null,r8),14 16,a,(l12,null),17 16,a,(l11,null),18
ss left 4 5 2
La,-,3 Rb,r1,5 Lb,l2,9 Lb,l3,0 Rb,r4,8 Ra,r5,15 La,l6,16 Rb,r7,17 Lb,l8,22 Rb,-,18 Ra,r10,30 Rb,-,27 La,l12,31
2,b,(l2,r1),9 3,b,(l3,r1),5 4,b,(l2,r4),9 6,a,(l6,r5),16 10,b,(l8,null),22 12,a,(l12,r10),31
ss inner 0 2 0
La,l0,3 R-,r1,3 Lb,l2,0 Lb,l3,5 Lb,l4,7 La,-,9 La,l6,0 Ra,r7,13 La,l8,6 Rb,r9,0 Rab,-,17 La,l11,13 Lb,l12,10 La,l13,22 La,l14,17 Lb,-,21
11,a,(l11,r7),13
ss left 0 1 2
Lb,l0,3 Lb,l1,6 Ra,r2,6 La,l3,3 La,l4,9 La,l5,6 La,l6,14
3,a,(l3,null),3 5,a,(l5,r2),6 6,b,(l0,null),3 6,b,(l1,null),6 6,a,(l4,null),9
ss left 0 6 1
Ra,-,4 Ra,r1,6 Lb,l2,4 La,l3,6 Lb,l4,2 La,l5,9 Ra,r6,6 Rb,r7,14 La,l8,13 La,l9,17 L-,l10,22 La,l11,24 La,-,21 Lb,l13,26 La,l14,26 Ra,r15,25
3,a,(l3,r1),6 6,a,(l3,r6),6 7,b,(l4,null),2 7,b,(l2,null),4 9,a,(l5,null),9 10,-,(l10,null),22 11,a,(l8,null),13 13,a,(l9,null),17 15,a,(l11,r15),25
ss left 0 4 3
Ra,r0,4 Lb,l1,0 Lb,l2,0 Rb,r3,13 Rb,r4,7 Lb,-,13 Lb,l6,19 La,l7,14 La,l8,18 La,l9,25 La,l10,28 Lb,-,26 La,l12,34 Ra,r13,36 Lb,l14,20 Ra,r15,43 Ra,r16,37 Ra,r17,44
3,b,(l1,null),0 3,b,(l2,null),0 7,a,(l7,null),14 10,a,(l8,null),18 10,b,(l6,null),19 12,a,(l9,null),25 13,a,(l10,null),28 13,a,(l12,r13),36 14,b,(l14,null),20 16,a,(l12,r16),37
ss outer 4 4 0
Rab,r0,1 L-,l1,4 Ra,r2,0 La,l3,5 Lb,l4,1 La,l5,7 Lb,l6,7 Ra,-,7 Lb,l8,11 Lb,l9,12 R-,r10,12 Rb,r11,11 Ra,r12,10
1,-,(l1,null),4 3,a,(null,r2),0 5,ab,(null,r0),1 5,b,(l4,null),1 8,a,(l3,null),5 9,a,(l5,null),7 9,b,(l6,null),7 10,-,(null,r10),12 11,b,(l6,r11),11 11,b,(l8,r11),11 11,b,(l9,r11),12 12,a,(l5,r12),10
ss left 2 0 5
La,l0,0 Ra,r1,0 La,l2,1 Ra,r3,0 L-,l4,0 La,l5,2 La,l6,8 Rb,r7,8 Lb,l8,10 La,l9,12 Ra,r10,13 Rb,r11,18 Rb,r12,19 Rb,r13,15 Ra,r14,21 La,l15,24
1,a,(l0,r1),0 2,a,(l2,r1),1 3,a,(l0,r3),0 3,a,(l2,r3),1 4,-,(l4,null),0 5,a,(l5,r1),2 5,a,(l5,r3),2 8,b,(l8,r7),10 11,a,(l6,null),8 11,a,(l9,null),12
ss outer 5 2 4
Rb,r0,0 Ra,r1,5 Lb,l2,5 Ra,r3,9 Ra,r4,11 La,l5,13 La,l6,15 Lab,l7,17 Rb,r8,0 Rb,r9,0 La,l10,21 Rab,r11,22 La,l12,23
2,b,(l2,r0),5 5,a,(l5,r3),13 5,a,(l5,r4),13 6,a,(l6,r4),15 7,a,(null,r1),5 8,b,(null,r8),0 9,b,(null,r9),0
ss inner 4 1 4
Lb,l0,0 Rb,r1,1 La,l2,0 Ra,r3,3 Lb,l4,5 La,l5,0 Lb,l6,0 Lb,l7,7 R-,r8,6 Lb,l9,15 Lb,l10,0 La,l11,18 Rb,r12,10 Rab,-,10 Ra,r14,20 Lb,l15,22 Lb,l16,22 Rab,r17,18 Lb,l18,25
1,b,(l0,r1),1 4,b,(l4,r1),5 6,b,(l6,r1),1 10,b,(l10,r1),1
ss inner 5 1 1
Ra,r0,0 La,l1,1 Lb,l2,0 Lab,l3,7 Ra,-,1 Lab,l5,11 Lb,l6,11 Lb,l7,13 R-,r8,13 Rb,r9,14 R-,r10,17 Ra,r11,20 Ra,r12,2 Lb,l13,25 Lb,l14,20
1,a,(l1,r0),1 9,b,(l7,r9),14
ss inner 3 0 1
Rb,r0,0 La,l1,0 Ra,r2,0 Lb,l3,3 Rab,r4,11 Rb,r5,10 Ra,r6,13 Ra,r7,8 Rb,-,17 Ra,-,0
2,a,(l1,r2),0 3,b,(l3,r0),3
ss inner 6 3 0
La,l0,0 Ra,r1,0
1,a,(l0,r1),0
ss inner 5 5 5
La,l0,0 L-,l1,0 L-,l2,1 La,l3,0 La,-,0 La,l5,6 La,l6,13 Rb,r7,12 Rab,r8,14 Lb,l9,17 Lb,l10,17 Lb,l11,20 Lb,l12,23 Lb,l13,17 Rb,r14,20 Ra,r15,32 La,l16,15
9,b,(l9,r7),17 10,b,(l10,r7),17 13,b,(l13,r7),17 14,b,(l9,r14),20 14,b,(l10,r14),20 14,b,(l13,r14),20 14,b,(l11,r14),20 14,b,(l12,r14),23
ss inner 1 1 2
Rab,r0,0 Rb,r1,0 La,l2,6 Rb,r3,5 Ra,-,3 Rb,r5,15 La,l6,17 Lb,l7,17 Rb,r8,23
.
ss left 4 4 4
Lb,l0,2 La,-,3 Rb,r2,2 Rb,-,2 Rb,r4,0 Rb,r5,15
2,b,(l0,r2),2 4,b,(l0,r4),2
ss left 2 0 0
Rb,r0,0 La,l1,3 Rb,r2,0
.
ss left 3 0 4
Rb,r0,0 R-,r1,4 Rb,r2,0 Ra,r3,3 Ra,r4,9 Ra,r5,1 Rb,r6,10 L-,l7,0 R-,r8,12 Rab,-,13 Lb,l10,14 Lb,l11,17 Lb,l12,16 L-,l13,19
7,-,(l7,null),0 12,b,(l12,null),16 13,-,(l13,null),19
ss left 2 0 1
R-,r0,0 Rb,r1,0 Rb,r2,5 La,l3,5 Lb,l4,7 Rb,-,9 La,-,10 La,l7,13 Ra,r8,15 Rb,r9,11
4,a,(l3,null),5 4,b,(l4,r2),7
ss left 2 0 4
La,l0,0 La,l1,1 Lb,l2,5 Ra,r3,5 La,l4,9 Rb,r5,3 La,l6,11 Ra,r7,17 La,l8,19 Lb,l9,20 La,l10,19
2,a,(l0,null),0 4,a,(l1,null),1 5,b,(l2,r5),5 7,a,(l4,null),9 7,a,(l6,null),11 8,a,(l8,r7),19 10,a,(l10,r7),19
ss inner 4 5 5
Lb,l0,0 La,l1,3 L-,l2,3 Ra,r3,9 La,-,8 Rb,r5,9 Lab,l6,4 Ra,r7,15 Ra,r8,18 Ra,r9,20 Rab,r10,21 Lab,l11,19 Ra,r12,21 La,l13,26 La,l14,29 La,l15,27
11,ab,(l11,r10),21
ss inner 2 4 4
Lb,l0,1 Rb,r1,0 La,l2,0 Lb,l3,5 Lab,l4,5 La,l5,0
1,b,(l0,r1),1
ss left 4 0 6
Rb,r0,0 Ra,r1,0 Lb,l2,0 Rb,r3,3 La,l4,7 Lb,l5,8 Rb,r6,0 Ra,r7,9 Rb,r8,11
2,b,(l2,r0),0 6,b,(l2,r6),0
ss outer 5 1 3
Ra,r0,1 La,l1,0 Lb,-,0 La,l3,6 Rb,r4,8 La,l5,10 Rb,r6,14 Ra,r7,15 Rb,r8,17 Lb,-,16 La,l10,9 Rb,r11,14 Lb,l12,15 La,l13,17 Ra,-,26 La,l15,26 Rb,r16,23 Lb,l17,27
1,a,(l1,r0),1 3,a,(l3,r0),6 8,b,(null,r4),8 8,a,(l5,null),10 10,a,(l10,null),9 12,b,(l12,r6),15 12,b,(l12,r11),15 13,a,(l13,r7),17 15,b,(null,r8),17 17,b,(l17,r16),27
ss left 5 5 2
Rb,r0,4 Rb,r1,0 Ra,r2,10 Rb,r3,10 Ra,r4,15 La,l5,11 Lb,l6,15 Rb,-,18 Lb,l8,1 Lb,l9,5 La,-,18 La,l11,10 Lb,l12,30 Ra,r13,33 Ra,r14,37 La,-,35
5,a,(l5,r2),11 5,a,(l5,r4),15 6,b,(l6,r3),15 8,b,(l8,r0),4 9,b,(l9,r0),5 9,b,(l9,r3),10 11,a,(l11,r2),10 11,a,(l11,r4),15
ss outer 6 6 2
Lb,l0,0 R-,r1,6 Lb,l2,0 Lb,l3,7 Ra,r4,7 Lb,l5,7 Lb,l6,9 Lb,-,0
1,-,(null,r1),6 6,b,(l0,null),0 6,b,(l2,null),0
ss left 5 4 3
Ra,r0,0 La,l1,2 La,l2,4 Rb,r3,8 La,l4,0 Rb,r5,9 Lb,l6,8 La,l7,14 Rb,r8,17 La,l9,13 Ra,r10,22 Rb,r11,27 Lab,l12,11 Rb,r13,35 Lb,l14,33 Ra,r15,38
1,a,(l1,r0),2 2,a,(l2,r0),4 4,a,(l4,r0),0 6,b,(l6,r3),8 6,b,(l6,r5),9 10,a,(l9,null),13 10,a,(l7,null),14 12,ab,(l12,null),11 14,b,(l14,r13),35
ss outer 3 1 3
Rb,r0,3 La,l1,5 Lb,l2,4 Ra,r3,11 Ra,r4,15 Rb,r5,13 Lb,-,17 La,l7,20 Rb,r8,4 Rb,r9,25 Rb,r10,19 Rb,-,10 Ra,r12,30 Ra,r13,32 R-,r14,27 Ra,r15,35
2,b,(l2,r0),4 3,a,(l1,null),5 7,a,(null,r3),11 7,b,(null,r5),13 8,b,(null,r8),4 9,a,(null,r4),15 9,a,(l7,null),20 10,b,(null,r10),19 13,b,(null,r9),25 14,-,(null,r14),27
ss outer 0 5 2
Rb,r0,0 Rb,r1,3
1,b,(null,r0),0
ss left 0 1 5
Rb,r0,0 Ra,r1,0 Lb,l2,0 La,l3,7 Lb,-,9 La,l5,12 Ra,r6,15 Lb,l7,19 La,l8,0 La,l9,24 R-,r10,27 La,l11,29 La,l12,24 L-,l13,35 La,l14,38 Ra,r15,19
2,b,(l2,r0),0 6,a,(l3,null),7 7,a,(l5,null),12 8,a,(l8,null),0 11,b,(l7,null),19 12,a,(l12,null),24 13,-,(l13,null),35 14,a,(l9,null),24 14,a,(l11,null),29
ss outer 3 1 0
Rb,r0,0 Rb,r1,3 Lb,l2,0 Rb,r3,6 Lb,l4,0 Rb,r5,7 Rb,r6,0 Ra,-,10 Lb,l8,15 Rb,r9,19 Lb,-,14 Rb,r11,15 L-,l12,25 La,l13,27 Ra,r14,29 Ra,r15,33 Rab,r16,24 Lb,l17,32 L-,l18,34 Lb,l19,18
2,b,(l2,r0),0 4,b,(l4,null),0 5,b,(null,r1),3 6,b,(l2,r6),0 6,b,(l4,r6),0 8,b,(null,r3),6 8,b,(null,r5),7 9,b,(l8,null),15 11,b,(l8,r11),15 12,-,(l12,null),25 13,b,(null,r9),19 14,a,(l13,null),27 15,a,(null,r14),29 16,ab,(null,r16),24 18,-,(l18,null),34 19,b,(l19,null),18
ss left 4 5 4
Ra,r0,0 Rb,-,4 Ra,r2,0 La,l3,5 Lb,l4,8 Lb,l5,9 La,l6,5 Ra,r7,12 R-,r8,18
.
ss left 2 5 3
Ra,r0,0 Ra,r1,1 Rb,r2,0 La,l3,2 La,l4,6 Lb,-,10 Ra,r6,1 Rb,r7,12 Ra,r8,13 Lb,l9,0 Lb,l10,12 L-,l11,0 La,l12,18 La,l13,21 La,l14,20 La,l15,21 La,l16,9 Rb,r17,29 Ra,-,34 La,l19,38
3,a,(l3,r0),2 3,a,(l3,r1),2 6,a,(l3,r6),2 9,b,(l9,null),0 10,b,(l10,r7),12 11,-,(l11,null),0 12,a,(l4,null),6 16,a,(l16,r8),13 17,a,(l12,null),18 17,a,(l14,null),20 19,a,(l13,null),21 19,a,(l15,null),21
ss outer 6 6 2
Ra,r0,1 Ra,r1,2 La,l2,8 La,l3,8 Ra,r4,13 L-,-,0 Ra,r6,7 Lb,l7,0 Lb,l8,20 Rb,r9,24
2,a,(l2,r1),8 3,a,(l3,r1),8 4,a,(null,r0),1 4,a,(l2,r4),13 4,a,(l3,r4),13 6,a,(l2,r6),8 6,a,(l3,r6),8 7,b,(l7,null),0 9,b,(l8,r9),24
ss inner 4 4 4
La,l0,0 Lb,l1,3 Lb,l2,4 Ra,r3,0 La,l4,0 La,l5,8 Lb,l6,9
3,a,(l0,r3),0 4,a,(l4,r3),0
ss inner 3 6 4
Lb,-,4
.
ss left 1 0 6
Lb,-,0 R-,r1,0 La,l2,0 Ra,r3,7 Rb,r4,3 Lb,l5,12 La,l6,0 La,-,11
5,a,(l2,null),0 6,a,(l6,null),0
ss inner 6 0 1
La,l0,2 La,l1,4 Rb,r2,4 Ra,-,7 La,l4,0 Ra,r5,11 Ra,r6,4 La,l7,12 La,l8,13 R-,r9,12 La,-,21 La,l11,24 La,l12,21
6,a,(l1,r6),4 7,a,(l7,r5),12 8,a,(l8,r5),13
ss left 2 4 3
La,l0,1 Lb,-,3 Ra,r2,0 Rb,r3,8 Rb,r4,12 Rb,r5,16 Lb,l6,19 Lb,l7,18 Ra,r8,0 Lb,l9,23 La,l10,23 La,l11,25 Rb,r12,28 Lb,-,23 Rb,r14,33 R-,r15,33 Rb,r16,35 La,l17,35
2,a,(l0,r2),1 7,b,(l7,r5),18 12,b,(l6,null),19 14,a,(l10,null),23 14,b,(l9,null),23 14,a,(l11,null),25
ss inner 1 3 4
Ra,r0,0 Rb,-,2 L-,l2,0
.
ss left 6 6 6
La,l0,3 La,l1,4 La,l2,8 Rb,r3,9 Lab,l4,2 La,l5,2 Rb,r6,11 Rb,-,15 Ra,r8,18 Ra,r9,21 Rb,r10,26 Rb,r11,27 Ra,r12,28 Rb,r13,31 R-,r14,31 Lb,-,39 Rb,r16,40 La,l17,37
4,ab,(l4,null),2 5,a,(l5,null),2 8,a,(l0,null),3 8,a,(l1,null),4 9,a,(l2,null),8
ss outer 6 5 3
Lb,-,1 La,l1,6 La,l2,0 La,l3,8 Lb,l4,8 Ra,r5,3 Rb,r6,11 La,l7,12 Rb,r8,15 Rb,r9,0 L-,l10,20 Ra,-,23 L-,l12,26 La,l13,27 Rb,r14,28 La,l15,32 La,l16,25 La,l17,26 Rab,r18,36 Lb,l19,34
2,a,(l2,null),0 5,a,(l2,r5),3 5,a,(l1,r5),6 5,a,(l3,r5),8 6,b,(l4,r6),11 9,b,(null,r9),0 10,-,(l10,null),20 12,-,(l12,null),26 13,a,(l7,null),12 13,b,(null,r8),15 16,a,(l16,null),25 17,a,(l17,null),26 19,b,(l19,r14),34
ss outer 1 1 1
Lb,l0,0 La,-,0 La,l2,0 Ra,-,0
.
ss outer 1 3 2
Rb,r0,1 Rb,r1,2 Lb,l2,6 Rb,r3,7 Ra,r4,1 Ra,r5,2 Ra,r6,14 Ra,r7,16 La,l8,18 Ra,r9,13 Lab,l10,6 L-,l11,21 Rb,r12,27 La,l13,28 Ra,r14,29 Rab,r15,14 R-,r16,28 Rb,r17,33
3,b,(null,r0),1 3,b,(null,r1),2 3,b,(l2,r3),7 4,a,(null,r4),1 5,a,(null,r5),2 9,a,(null,r9),13 10,ab,(l10,null),6 11,-,(l11,null),21 12,a,(null,r6),14 12,a,(null,r7),16 12,a,(l8,null),18 14,a,(l13,r14),29 15,ab,(null,r15),14 16,-,(null,r16),28 17,b,(null,r12),27
ss left 1 0 1
La,l0,1 Lb,l1,0
1,b,(l1,null),0
ss left 3 4 5
Ra,r0,4 Lb,l1,4 Lb,l2,0 R-,r3,4 Ra,r4,3 La,l5,7 La,l6,9 Rb,r7,16 Rab,r8,11 La,l9,23
5,a,(l5,r0),7 7,b,(l2,null),0 7,b,(l1,null),4 9,a,(l6,null),9
ss outer 2 0 5
Ra,r0,1 Lb,l1,1 La,l2,0 Ra,r3,7 La,l4,0 La,l5,11 La,l6,2 La,l7,10 Rb,r8,6 Lb,l9,15 L-,l10,15 Rb,r11,0 La,l12,19 Rb,r13,2 La,l14,18
2,a,(l2,null),0 4,a,(l4,null),0 5,a,(null,r0),1 5,b,(l1,null),1 6,a,(l6,r0),2 7,a,(l7,null),10 8,b,(null,r8),6 9,a,(null,r3),7 10,-,(l10,null),15 11,b,(null,r11),0 12,a,(l5,null),11 13,b,(null,r13),2 14,a,(l14,null),18
ss outer 6 4 3
Lb,l0,2
.
ss outer 3 0 1
Rb,r0,2 Lb,-,0 Rb,-,6 Lb,l3,6 Lb,l4,9 Rb,-,5 Rb,r6,9 Rb,r7,11 Ra,r8,15 Ra,r9,15 La,l10,21
4,b,(null,r0),2 4,b,(l3,null),6 6,b,(l4,r6),9 10,b,(null,r7),11 10,a,(null,r8),15 10,a,(null,r9),15
ss left 1 1 1
Lb,l0,0 Rb,r1,0
1,b,(l0,r1),0
ss left 3 3 3
Ra,r0,3 R-,r1,3 L-,l2,0 Rab,r3,0 Lab,l4,5 La,-,7 La,l6,4 Lb,l7,1 Ra,r8,5 Ra,r9,2 Rb,r10,0 Ra,r11,15
2,-,(l2,null),0 6,a,(l6,r0),4 7,b,(l7,null),1 8,a,(l6,r8),5 9,a,(l6,r9),4 10,b,(l7,r10),1 11,ab,(l4,null),5
ss inner 1 0 5
Lb,l0,0 Lb,l1,0 Ra,r2,5 Lb,l3,0 Ra,r4,0 Ra,r5,13 La,l6,14 Ra,r7,10 Lab,l8,15 Ra,r9,15 La,l10,17 Ra,r11,21 Lb,l12,18 Lb,-,5
6,a,(l6,r5),14
ss inner 1 0 0
Ra,r0,1 Rb,r1,0 Lb,l2,0 La,l3,0 Lb,l4,6 Ra,r5,7 Rb,r6,1
.
ss outer 4 4 3
La,l0,3 Lb,l1,6 Lb,l2,0
2,b,(l2,null),0
ss left 3 2 5
Ra,r0,0 Ra,r1,5 La,l2,7 Rb,r3,0 Lb,-,8 Rb,r5,9 Lb,l6,12 Rb,r7,12 Ra,r8,13 Rb,r9,6 Ra,r10,16 Rb,-,15 La,l12,17 L-,-,17 Lb,l14,19 La,l15,22 Rb,r16,5
2,a,(l2,r1),7 6,b,(l6,r5),12 7,b,(l6,r7),12 12,a,(l12,r10),17
ss inner 4 2 5
La,-,2 Lb,l1,0 Lb,-,4
.
ss left 1 1 2
La,l0,0 R-,r1,0 Lb,l2,4 Lb,-,6 Rb,r4,6 La,l5,11 Ra,r6,15 La,l7,14 Rb,r8,8 La,l9,19
2,a,(l0,null),0 5,b,(l2,null),4 6,a,(l5,null),11 7,a,(l7,r6),15
ss inner 5 4 5
Ra,r0,1 Ra,-,3 Rb,r2,2 Ra,r3,3 Rb,r4,6 Rb,r5,0
.
ss inner 2 5 4
Rb,r0,2 Lb,-,5 Ra,r2,5 Lb,l3,5 Lb,l4,0 Lb,l5,0 Rab,-,14 Ra,r7,19 La,l8,19 L-,l9,14 Lb,l10,23
4,b,(l4,r0),2 5,b,(l5,r0),2 8,a,(l8,r7),19
ss outer 5 0 2
La,l0,3 La,l1,3 R-,r2,2 Lab,l3,6 Ra,r4,14 Ra,r5,17 Rb,r6,16 Ra,r7,1 Rb,r8,22 La,l9,3 La,-,3 Lb,l11,5
2,-,(null,r2),2 3,a,(l0,null),3 3,a,(l1,null),3 4,ab,(l3,null),6 7,a,(l0,r7),3 7,a,(l1,r7),3 8,a,(null,r4),14 9,a,(l9,null),3 11,b,(l11,null),5
ss outer 6 1 0
Lb,l0,4 La,l1,2 Lab,l2,6 Lab,l3,7 Rb,r4,7 Rb,r5,7 Rb,r6,2 La,l7,14 La,-,0
1,a,(l1,null),2 2,b,(l0,null),4 6,b,(l0,r6),4 7,ab,(l2,null),6 7,b,(null,r4),7 7,b,(null,r5),7 7,ab,(l3,null),7
tt outer 0 0 0
Rb,v0,16 Lb,v1,8 La,v2,6 La,v3,12 Rb,v4,7 Ra,-,4 Rb,v6,16 La,v7,5 Lb,v8,2 Rb,v9,2 Ra,-,16 Rb,-,11 Rb,v12,13 Lb,-,20
0,b,(null,v0),16 1,b,(v1,v0),16 2,a,(v2,null),6 3,a,(v3,null),12 4,b,(v1,v4),8 5,a,(v3,null),12 6,b,(v1,v6),16 7,a,(v7,null),5 8,b,(v8,v6),16 9,b,(v8,v9),2 10,a,(v7,null),16 11,b,(v8,null),11 12,b,(v8,v12),13 13,b,(null,v12),20
tt inner 0 0 0
Rb,v0,8 Rb,v1,3 Ra,-,6 Lb,-,17
3,b,-,17
tt inner 0 0 0
Lb,v0,5 Lb,v1,1 La,v2,1
.
tt left 0 0 0
La,-,6 Ra,-,9 Rb,v2,5 La,-,9 Ra,v4,12 Ra,v5,15 Lb,-,7 Rb,v7,18 La,v8,18
6,b,-,7 8,a,(v8,v5),18
tt outer 0 0 0
Ra,-,12 La,v1,15 Rb,-,0 Lb,v3,6 La,v4,16
1,a,(v1,null),15 3,b,(v3,null),6 4,a,(v4,null),16
tt left 0 0 0
Ra,v0,17 Lb,v1,15 La,-,15 Rb,v3,2 Rb,v4,19 Ra,v5,16 Lb,-,13 Ra,v7,6 Ra,v8,1 Rb,v9,16 Ra,-,17
1,b,(v1,null),15 2,a,-,17 3,b,(v1,v3),15 4,b,(v1,v4),19 6,b,-,19
tt inner 0 0 0
La,v0,6 La,v1,10 Ra,v2,12 Lb,v3,5 La,-,19 Ra,v5,14 La,v6,7 Ra,v7,7 La,v8,6 Rb,-,5 Rb,v10,8 Ra,v11,5
2,a,(v1,v2),12 4,a,-,19 6,a,(v6,v5),14 7,a,(v6,v7),7 8,a,(v8,v7),7 9,b,-,5 10,b,(v3,v10),8 11,a,(v8,v11),6
tt inner 0 0 0
Lb,-,2 Lb,-,8 Ra,v2,9 Rb,v3,12 Rb,-,17 La,v5,2 Rb,v6,8 Ra,-,7 Lb,v8,1 Rb,-,17 Ra,v10,7 La,v11,6 Lb,v12,4 Rb,-,17 Lb,v14,1 Lb,v15,13
5,a,(v5,v2),9 7,a,-,7 8,b,(v8,v6),8 9,b,-,17 10,a,(v5,v10),7 11,a,(v11,v10),7 13,b,-,17
tt inner 0 0 0
La,v0,15 Lb,v1,1
.
tt outer 0 0 0
Ra,v0,6 La,v1,19 Lb,v2,10 Ra,v3,12 Ra,v4,0 Ra,v5,8 Lb,v6,18 Ra,-,13 Rb,v8,18 La,v9,11 Rb,-,19 Ra,v11,17 Lb,v12,4 La,v13,20
0,a,(null,v0),6 1,a,(v1,v0),19 2,b,(v2,null),10 3,a,(v1,v3),19 4,a,(v1,v4),19 5,a,(v1,v5),19 6,b,(v6,null),18 7,a,(v1,null),19 8,b,(v6,v8),18 9,a,(v9,null),11 10,b,(v6,null),19 11,a,(v9,v11),17 12,b,(v12,null),4 13,a,(v13,v11),20
tt left 0 0 0
Ra,v0,3 La,v1,10 Rb,v2,2 Lb,v3,11 Lb,v4,13 La,-,18 La,-,12 Rb,-,15 La,v8,20 Rb,v9,9 Rb,v10,16 Ra,v11,13 Ra,v12,0 Ra,v13,14 Rb,v14,12
1,a,(v1,v0),10 3,b,(v3,v2),11 4,b,(v4,v2),13 5,a,-,18 6,a,-,12 7,b,(v4,null),15 8,a,(v8,v0),20 9,b,(v4,v9),13 10,b,(v4,v10),16 11,a,(v8,v11),20 12,a,(v8,v12),20 13,a,(v8,v13),20 14,b,(v4,v14),13
tt left 0 0 0
Lb,-,1 Rb,v1,8 Lb,-,7 Ra,v3,10 Rb,-,1 La,v5,8 La,v6,18 Rb,-,19 Lb,-,3 Ra,-,1 Rb,v10,4
2,b,-,8 5,a,(v5,v3),10 6,a,(v6,v3),18 9,a,(v6,null),18
tt outer 0 0 0
Rb,v0,19 Ra,v1,6 La,v2,4 La,v3,9 Ra,v4,10 La,-,15 Rb,v6,20 La,v7,16 Ra,v8,0 Rb,v9,7 Rb,v10,11 La,v11,16 Lb,-,16 Ra,v13,16
0,b,(null,v0),19 1,a,(null,v1),6 2,a,(v2,v1),6 3,a,(v3,v1),9 4,a,(v3,v4),10 5,a,(null,v4),15 6,b,(null,v6),20 7,a,(v7,v4),16 8,a,(v7,v8),16 9,b,(null,v9),7 10,b,(null,v10),11 11,a,(v11,v8),16 12,b,(null,v10),16 13,a,(v11,v13),16
tt outer 0 0 0
La,v0,2 La,-,9 Lb,v2,4 Rb,v3,3 Lb,v4,13 Lb,v5,19 La,v6,9 Rb,-,11 Rb,v8,5 Ra,-,18
0,a,(v0,null),2 1,a,-,9 2,b,(v2,null),4 3,b,(v2,v3),4 4,b,(v4,v3),13 5,b,(v5,v3),19 6,a,(v6,null),9 7,b,(v5,null),19 8,b,(v5,v8),19 9,a,(v6,null),18
tt outer 0 0 0
Lb,v0,9 La,-,1 Ra,-,8 Lb,-,10 La,v4,11 La,v5,16 Rb,v6,8 Rb,-,12 Rb,-,14 La,v9,5
0,b,(v0,null),9 3,b,-,10 4,a,(v4,null),11 5,a,(v5,null),16 6,b,(null,v6),8 7,b,-,12 9,a,(v9,null),5
tt left 0 0 0
La,v0,3 La,v1,13 Lb,-,4 Ra,-,15 Ra,v4,11 Lb,v5,17 La,-,12 La,v7,9 Lb,v8,9 Lb,-,0 Lb,-,11
0,a,(v0,null),3 1,a,(v1,null),13 3,a,(v1,null),15 4,a,(v1,v4),13 5,b,(v5,null),17 6,a,-,12 7,a,(v7,v4),11 8,b,(v8,null),9 9,b,-,0
tt outer 0 0 0
Lb,-,9 Rb,v1,18 Ra,v2,2 Lb,v3,0 Lb,v4,1
1,b,(null,v1),18 2,a,(null,v2),2 3,b,(v3,v1),18 4,b,(v4,v1),18
tt inner 0 0 0
La,v0,2 Ra,v1,15 Lb,-,10 Ra,v3,19 Lb,v4,9 Rb,v5,12 Rb,v6,17 Lb,v7,19 Rb,-,7 Rb,-,16 Rb,v10,10 Lb,-,5 Lb,-,4 La,-,16 La,v14,18 Ra,-,20
1,a,(v0,v1),15 3,a,(v0,v3),19 5,b,(v4,v5),12 6,b,(v4,v6),17 7,b,(v7,v6),19 8,b,-,19 9,b,-,19 10,b,(v7,v10),19 11,b,-,10 12,b,-,10 13,a,-,19 14,a,(v14,v3),19 15,a,-,20
tt outer 0 0 0
Lb,v0,12 La,v1,10 Ra,v2,18 Rb,-,5 Rb,v4,9 Ra,v5,20 La,v6,16 Rb,-,2 La,v8,0 Rb,-,10 Lb,v10,18 Lb,-,17
0,b,(v0,null),12 1,a,(v1,null),10 2,a,(v1,v2),18 3,b,(v0,null),12 4,b,(v0,v4),12 5,a,(v1,v5),20 6,a,(v6,v5),20 7,b,(v0,null),12 8,a,(v8,v5),20 9,b,(v0,null),12 10,b,(v10,null),18 11,b,-,17
tt outer 0 0 0
La,-,6
.
tt inner 0 0 0
Rb,v0,8 La,v1,16 La,-,12 Lb,v3,0 La,v4,11 Ra,v5,13 La,-,2
3,b,(v3,v0),8 5,a,(v4,v5),13 6,a,-,13
tt left 0 0 0
Lb,v0,11 Lb,-,16 Lb,-,1 Lb,v3,12 La,v4,5 Ra,v5,1 La,v6,0 Rb,v7,14 Lb,v8,9 Lb,v9,14 Lb,v10,2 Lb,v11,3
0,b,(v0,null),11 1,b,-,16 3,b,(v3,null),12 4,a,(v4,null),5 5,a,(v4,v5),5 6,a,(v6,v5),1 7,b,(v3,v7),14 8,b,(v8,v7),14 9,b,(v9,v7),14 10,b,(v10,v7),14 11,b,(v11,v7),14
tt outer 0 0 0
Rb,v0,12 Lb,-,14 Rb,-,14 Lb,v3,8 La,-,11 Lb,v5,2 Ra,v6,10 Ra,v7,1 Lb,-,2 La,-,17 Ra,v10,11 Lb,-,13 Rb,v12,19 Rb,v13,20 Ra,v14,17 Lb,v15,20
0,b,(null,v0),12 1,b,(null,v0),14 2,b,-,14 3,b,(v3,null),8 5,b,(v5,null),2 6,a,(null,v6),10 7,a,(null,v7),1 8,b,-,2 9,a,(null,v7),17 10,a,(null,v10),11 12,b,(null,v12),19 13,b,(null,v13),20 14,a,(null,v14),17 15,b,(v15,v13),20
tt inner 0 0 0
Lb,-,18 Rb,-,15 Lb,-,3 La,-,9 Rb,v4,14 Ra,v5,14 Lb,v6,5 Ra,-,12
6,b,(v6,v4),14
tt inner 0 0 0
Lb,v0,8 Rb,v1,15 La,-,1 Lb,v3,2 Ra,v4,4
1,b,(v0,v1),15 3,b,(v3,v1),15
tt left 0 0 0
Lb,v0,6 Ra,-,15 La,v2,19 La,v3,2 La,-,16 Lb,v5,4 Ra,v6,3 Rb,v7,5 Rb,v8,19 Rb,v9,4 Ra,v10,16 Rb,-,6 Ra,v12,13
0,b,(v0,null),6 2,a,(v2,null),19 3,a,(v3,null),2 4,a,-,16 5,b,(v5,null),4 7,b,(v5,v7),5 8,b,(v5,v8),19 9,b,(v5,v9),4 11,b,(v5,null),6
tt left 0 0 0
La,-,11 La,v1,2 Rb,v2,10 Rb,v3,13 Rb,-,9 La,v5,10 Rb,v6,6 Rb,-,0
1,a,(v1,null),2 5,a,(v5,null),10
tt outer 0 0 0
Lb,-,2 Ra,v1,2 Lb,v2,0 Ra,v3,5 La,v4,7 La,-,5 Rb,v6,8 Ra,-,14 Lb,v8,13 La,v9,5 La,-,19 Rb,-,7 Ra,v12,20 Ra,v13,11 Ra,v14,20
1,a,(null,v1),2 2,b,(v2,null),0 3,a,(null,v3),5 4,a,(v4,v3),7 5,a,(null,v3),5 6,b,(v2,v6),8 7,a,-,14 8,b,(v8,v6),13 9,a,(v9,null),5 10,a,-,19 11,b,(v8,null),13 12,a,(null,v12),20 13,a,(null,v13),11 14,a,(null,v14),20
tt left 0 0 0
La,-,4 Rb,v1,12 Lb,v2,20 Ra,v3,17
2,b,(v2,v1),20
tt outer 0 0 0
La,-,9 La,-,16 Ra,v2,19
2,a,(null,v2),19
tt outer 0 0 0
Ra,v0,20 Lb,v1,14 Ra,-,0 La,-,18 Rb,v4,11 Lb,v5,13 La,-,1 Lb,v7,15 La,v8,5
0,a,(null,v0),20 1,b,(v1,null),14 2,a,-,0 4,b,(v1,v4),14 5,b,(v5,v4),13 7,b,(v7,v4),15 8,a,(v8,null),5
tt inner 0 0 0
Rb,-,13 Ra,-,16 Lb,v2,10 Rb,v3,5
3,b,(v2,v3),10
tt left 0 0 0
Ra,v0,3 Lb,v1,17 Rb,v2,3 La,v3,8 Rb,-,20 Ra,v5,3 La,v6,4 La,v7,18 Ra,v8,17
1,b,(v1,null),17 2,b,(v1,v2),17 3,a,(v3,v0),8 4,b,(v1,null),20 5,a,(v3,v5),8 6,a,(v6,v5),4 7,a,(v7,v5),18 8,a,(v7,v8),18
tt left 0 0 0
Lb,v0,13 La,v1,14 Lb,-,6 Lb,v3,5
0,b,(v0,null),13 1,a,(v1,null),14 2,b,-,6 3,b,(v3,null),5
tt left 0 0 0
Lb,v0,5 Ra,v1,9 Rb,-,1 Ra,-,1 La,-,0 La,-,5 La,-,10 Lb,v7,19
0,b,(v0,null),5 2,b,(v0,null),5 7,b,(v7,null),19
tt inner 0 0 0
Ra,v0,12 Lb,v1,6 Lb,-,17 Rb,-,16 Lb,v4,15 La,v5,14 La,v6,20 Rb,-,14 La,-,3 Rb,v9,11 Lb,v10,9 Rb,-,8 Rb,v12,17 Ra,v13,10 Ra,v14,14
5,a,(v5,v0),14 6,a,(v6,v0),20 7,b,-,15 8,a,-,12 9,b,(v4,v9),15 10,b,(v10,v9),11 11,b,-,9 12,b,(v10,v12),17
tt outer 0 0 0
La,-,19 Lb,v1,1 La,v2,4 La,v3,4 La,v4,13 Lb,v5,2 Ra,v6,1 La,v7,19
1,b,(v1,null),1 2,a,(v2,null),4 3,a,(v3,null),4 4,a,(v4,null),13 5,b,(v5,null),2 6,a,(v4,v6),13 7,a,(v7,v6),19
tt left 0 0 0
La,v0,12 La,v1,3 Rb,v2,1 Rb,v3,19 Lb,v4,5 Ra,v5,12 Ra,v6,14 Ra,v7,6 Lb,-,2 La,v9,8 Rb,-,19 La,v11,1
0,a,(v0,null),12 1,a,(v1,null),3 4,b,(v4,v3),19 5,a,(v1,v5),12 6,a,(v1,v6),14 7,a,(v1,v7),6 8,b,-,19 9,a,(v9,v7),8 11,a,(v11,v7),6
tt inner 0 0 0
Rb,v0,12 Ra,v1,6 Rb,v2,9 Ra,v3,19
.
tt inner 0 0 0
Ra,v0,12 Rb,v1,19 Rb,v2,0 La,v3,14 Ra,-,18 Lb,v5,5 Ra,v6,2 Ra,v7,3 Lb,v8,13
3,a,(v3,v0),14 4,a,-,18 5,b,(v5,v2),5 6,a,(v3,v6),14 7,a,(v3,v7),14 8,b,(v8,v2),13
tt inner 0 0 0
Rb,-,13
.
tt left 0 0 0
Lb,v0,6 La,v1,0 Rb,v2,9 Rb,v3,11 Ra,v4,12 Lb,v5,15 Rb,v6,1 Lb,v7,14 Rb,v8,13
0,b,(v0,null),6 1,a,(v1,null),0 2,b,(v0,v2),9 3,b,(v0,v3),11 4,a,(v1,v4),12 5,b,(v5,v3),15 6,b,(v5,v6),15 7,b,(v7,v6),14 8,b,(v7,v8),14
tt left 0 0 0
Rb,v0,16 Rb,v1,11 Ra,v2,13 Rb,v3,11 La,-,13 Ra,-,17 La,v6,4 Ra,v7,19 Ra,-,12 Lb,-,5 Rb,v10,14 Rb,-,0 La,v12,19 Lb,v13,6
4,a,-,13 6,a,(v6,null),4 7,a,(v6,v7),19 8,a,(v6,null),12 9,b,-,11 12,a,(v12,null),19 13,b,(v13,null),6
tt outer 0 0 0
Ra,v0,12 La,v1,2 Rb,-,20 Rb,v3,16 Rb,v4,2 Lb,v5,2 La,v6,2 Ra,-,2 Lb,v8,7 Ra,v9,1
0,a,(null,v0),12 1,a,(v1,v0),12 3,b,(null,v3),16 4,b,(null,v4),2 5,b,(v5,v4),2 6,a,(v6,v0),12 7,a,(v6,null),2 8,b,(v8,v4),7 9,a,(v6,v9),2
tt left 0 0 0
La,v0,4 La,v1,1 Ra,v2,12 Rb,v3,6 Ra,v4,6 Ra,v5,0 Lb,v6,3
0,a,(v0,null),4 1,a,(v1,null),1 2,a,(v1,v2),12 4,a,(v1,v4),6 5,a,(v1,v5),1 6,b,(v6,v3),6
tt inner 0 0 0
La,v0,6 Rb,-,13 Rb,-,8 Lb,-,15 Lb,-,16 Ra,v5,4 Lb,v6,2 Lb,v7,9 La,v8,16 Ra,v9,20 Lb,v10,18 Ra,v11,5 Ra,-,0
5,a,(v0,v5),6 8,a,(v8,v5),16 9,a,(v8,v9),20 11,a,(v8,v11),16 12,a,-,16
tt outer 0 0 0
Ra,-,11 Ra,-,8 Lb,v2,19 Rb,-,14 La,v4,2 Ra,-,8 Ra,v6,2 Lb,-,1 Rb,v8,18 Lb,-,9 Lb,v10,18 Ra,v11,8
2,b,(v2,null),19 3,b,(v2,null),19 4,a,(v4,null),2 5,a,(v4,null),8 6,a,(v4,v6),2 7,b,-,1 8,b,(null,v8),18 9,b,(null,v8),18 10,b,(v10,v8),18 11,a,(v4,v11),8
tt inner 0 0 0
Ra,-,11 Rb,-,0 Ra,v2,10 Ra,-,15 Ra,v4,13 Ra,-,9 Ra,v6,5 Lb,v7,16 La,-,14
8,a,-,14
tt left 0 0 0
Rb,-,3 Lb,v1,6 Ra,v2,3
1,b,(v1,null),6
tt inner 0 0 0
La,v0,6
.
tt outer 0 0 0
Lb,-,8 Lb,-,12 Ra,-,19 Rb,v3,15 Ra,v4,14 Lb,v5,18
3,b,(null,v3),15 4,a,(null,v4),14 5,b,(v5,v3),18
tt outer 0 0 0
La,v0,6 La,v1,6 Lb,-,2 Rb,v3,1 Lb,v4,0 Lb,v5,10 Ra,v6,16 Lb,-,3 Ra,-,11 La,v9,20
0,a,(v0,null),6 1,a,(v1,null),6 3,b,(null,v3),1 4,b,(v4,v3),1 5,b,(v5,v3),10 6,a,(v1,v6),16 7,b,(null,v3),3 8,a,(v1,null),11 9,a,(v9,null),20
tt outer 0 0 0
Ra,-,2 La,-,11
.
tt inner 0 0 0
La,v0,4 Lb,v1,5 Rb,-,8 Lb,v3,2
2,b,-,8
tt left 0 0 0
Lb,-,12 La,v1,15 La,-,7 Ra,v3,13 Rb,-,20 Ra,-,12 Rb,v6,12 Lb,-,6 La,v8,20 La,v9,8 Lb,v10,16 Lb,v11,20 Lb,v12,18 Rb,v13,6 Lb,v14,6 Lb,-,0
1,a,(v1,null),15 2,a,-,7 7,b,-,12 8,a,(v8,null),20 9,a,(v9,null),8 10,b,(v10,v6),16 11,b,(v11,v6),20 12,b,(v12,v6),18 13,b,(v12,v13),18 14,b,(v14,v13),6 15,b,-,6
tt left 0 0 0
Rb,v0,15 Rb,-,15 La,-,14 Lb,-,4 Ra,v4,18 Lb,v5,16 Ra,-,19 Lb,-,7 Lb,v8,12 Rb,-,14 Rb,v10,16 Lb,-,19 Ra,v12,13 Rb,v13,11 Rb,v14,6 Ra,v15,11
5,b,(v5,null),16 7,b,-,7 8,b,(v8,null),12 9,b,(v8,null),14 10,b,(v8,v10),16 11,b,-,19
tt left 0 0 0
Lb,-,1 Ra,v1,6 Ra,v2,9 Rb,-,13
.
tt outer 0 0 0
La,v0,2
0,a,(v0,null),2
tt outer 0 0 0
Lb,v0,8 Lb,v1,1 La,-,17 La,v3,5 Ra,v4,13 Ra,-,16 Ra,v6,6 La,v7,18 La,v8,6 La,-,8 Lb,-,20 Ra,-,0 Lb,v12,8 La,v13,6 Lb,v14,19
0,b,(v0,null),8 1,b,(v1,null),1 3,a,(v3,null),5 4,a,(v3,v4),13 5,a,(v3,null),16 6,a,(v3,v6),6 7,a,(v7,v6),18 8,a,(v8,v6),6 9,a,(null,v6),8 10,b,-,20 11,a,-,0 12,b,(v12,null),8 13,a,(v13,null),6 14,b,(v14,null),19
tt left 0 0 0
Rb,v0,3 Rb,v1,10 Rb,-,8 La,v3,4 Lb,v4,13 Lb,v5,20 Rb,v6,1 Lb,v7,6 Lb,v8,15
3,a,(v3,null),4 4,b,(v4,null),13 5,b,(v5,null),20 6,b,(v5,v6),20 7,b,(v7,v6),6 8,b,(v8,v6),15
fk inner 0 0 0
Rc,r0,0 Lo2,c:1,2 Rd,r2,19 Rd,-,5 Lo3,c:4,1 Lo1,_:5,14 Lo3,-,8 Rd,r7,18 Lo2,d:8,7 Rd,r9,16 Rd,-,5 Lo2,_:11,9 Rd,r12,2
1,o2,(c:1,r0),2 4,o3,(c:4,r0),1 6,o3,-,8 8,o2,(d:8,r7),18 9,o2,(d:8,r9),16 10,o2,-,5 11,o2,-,9
fk left 0 0 0
Lo2,-,7 Lo1,-,1 Lo2,d:2,4 Rc,r3,16 Lo1,c:4,3 Lo1,_:5,15 Rc,r6,10 Lo2,d:7,13 Lo2,_:8,16 Lo1,c:9,4 Rd,-,6 Lo3,-,6
2,o2,(d:2,null),4 4,o1,(c:4,r3),16 5,o1,(_:5,null),15 7,o2,(d:7,null),13 8,o2,(_:8,null),16 9,o1,(c:9,r6),10
fk inner 0 0 0
Rd,r0,4 Lo1,_:1,2 Lo2,d:2,5 Rd,r3,18 Lo2,-,18 Rd,r5,8 Lo2,-,14 Rc,-,7 Rc,-,10 Rd,-,4 Rd,r10,17 Lo1,_:11,2 Lo2,d:12,12 Lo3,_:13,20 Lo3,d:14,14 Lo2,d:15,13
2,o2,(d:2,r0),5 3,o2,(d:2,r3),18 4,o2,-,18 12,o2,(d:12,r10),17 14,o3,(d:14,r10),17 15,o2,(d:15,r10),17
fk inner 0 0 0
Lo3,-,20 Lo3,c:1,14 Rc,r2,4 Rc,-,19 Rc,-,0 Rc,r5,13 Rc,r6,5 Lo1,d:7,10 Rc,r8,17 Rc,r9,12 Lo1,_:10,20 Lo1,_:11,19 Lo1,c:12,19 Lo2,-,13 Lo3,-,7 Rd,r15,16
2,o3,(c:1,r2),4 3,o3,-,19 4,o3,-,0 5,o3,(c:1,r5),13 6,o3,(c:1,r6),5 8,o3,(c:1,r8),17 9,o3,(c:1,r9),12 10,o1,-,20 12,o1,(c:12,r9),19 14,o3,-,12
fk left 0 0 0
Lo1,d:0,10 Lo1,d:1,1 Rd,r2,17 Lo3,-,15
0,o1,(d:0,null),10 1,o1,(d:1,null),1 2,o1,(d:1,r2),17
fk left 0 0 0
Lo1,d:0,2 Rd,r1,18
0,o1,(d:0,null),2 1,o1,(d:0,r1),18
fk inner 0 0 0
Rd,r0,4 Rc,r1,13 Rd,-,17 Rc,r3,1 Lo1,-,3 Rc,r5,0 Lo1,d:6,11 Lo1,d:7,15 Rc,r8,19
.
fk inner 0 0 0
Lo3,c:0,14 Rc,r1,9 Lo1,d:2,17 Lo3,d:3,16 Lo1,_:4,15 Lo3,-,13 Rd,r6,11 Rd,-,9 Rd,-,1 Lo1,_:9,3 Rd,r10,20
1,o3,(c:0,r1),9 3,o3,-,16 4,o1,-,15 5,o3,-,13
fk inner 0 0 0
Lo1,d:0,0 Lo1,c:1,2 Lo3,-,5
1,o1,-,2
fk left 0 0 0
Lo1,d:0,20 Rc,-,8 Rc,r2,3 Lo1,_:3,4 Rd,r4,7 Lo1,_:5,7 Lo3,c:6,6 Lo2,d:7,7 Rd,r8,8 Lo2,c:9,16 Lo3,-,11 Rc,r11,19
0,o1,(d:0,null),20 3,o1,(_:3,null),4 5,o1,(_:5,null),7 6,o3,(c:6,r2),6 7,o2,(d:7,r4),7 8,o2,(d:7,r8),8 9,o2,(c:9,r2),16 10,o3,-,11 11,o2,(c:9,r11),19
fk left 0 0 0
Rd,r0,9 Rc,r1,5 Rc,-,7 Rd,r3,2 Lo3,d:4,16 Rd,r5,5 Lo2,d:6,7 Rc,r7,8 Rd,r8,7 Lo3,-,18 Rc,r10,8 Lo3,c:11,7
4,o3,(d:4,r3),16 5,o3,(d:4,r5),5 6,o2,(d:6,r5),7 8,o2,(d:6,r8),7 8,o3,(d:4,r8),7 9,o3,-,18 11,o3,(c:11,r10),8
fk left 0 0 0
Rc,r0,5 Lo2,-,7 Lo1,-,6 Lo3,-,1 Rc,-,14
.
fk left 0 0 0
Rd,-,0 Rc,r1,13 Lo3,_:2,9 Rd,-,1 Rd,r4,4 Rd,r5,5 Rd,-,12 Lo3,_:7,10 Rc,r8,10 Lo1,-,17 Rc,-,7 Lo1,c:11,15 Lo2,-,11 Lo3,-,19 Rd,r14,18 Lo1,-,18
2,o3,(_:2,null),9 7,o3,(_:7,null),10 11,o1,(c:11,null),15 13,o3,-,19 15,o1,-,18
fk inner 0 0 0
Lo2,d:0,10 Lo3,c:1,19 Rc,r2,1
2,o3,(c:1,r2),1
fk inner 0 0 0
Rd,r0,9
.
fk inner 0 0 0
Lo1,-,16 Rc,r1,4 Rc,r2,7 Rd,r3,5 Rc,-,7 Lo3,d:5,12 Lo1,d:6,9 Lo3,_:7,8 Lo3,d:8,15 Rc,r9,11 Rc,r10,8 Lo1,d:11,14 Rd,-,3 Lo1,c:13,16 Lo2,c:14,17 Rc,r15,12
5,o3,(d:5,r3),12 6,o1,(d:6,r3),9 7,o3,-,8 8,o3,(d:8,r3),15 11,o1,(d:11,r3),14 12,o1,-,3 12,o3,-,3 13,o1,(c:13,r10),16 14,o2,(c:14,r10),17 15,o1,(c:13,r15),12 15,o2,(c:14,r15),12
fk left 0 0 0
Lo3,d:0,19 Rd,r1,1 Lo1,d:2,19 Rc,r3,0 Rc,r4,19 Lo3,_:5,5 Lo1,-,4 Lo2,-,2 Lo1,d:8,17 Rd,-,8
0,o3,(d:0,null),19 1,o3,(d:0,r1),1 2,o1,(d:2,r1),19 5,o3,(_:5,null),5 6,o1,-,4 8,o1,(d:8,r1),17 9,o1,(d:8,null),8
fk inner 0 0 0
Lo1,c:0,8 Rd,r1,6 Rd,-,9 Lo3,_:3,9 Lo1,c:4,19 Lo3,_:5,12
.
fk inner 0 0 0
Lo3,d:0,1 Lo1,-,7 Lo1,c:2,4 Rd,-,20 Lo1,_:4,16 Lo1,_:5,20 Rd,r6,1 Rc,r7,16 Rd,r8,9 Lo1,d:9,13 Rd,r10,18
3,o3,-,20 4,o1,-,16 6,o3,(d:0,r6),1 8,o3,(d:0,r8),9 9,o1,(d:9,r8),13 10,o1,(d:9,r10),18 10,o3,(d:0,r10),18
fk inner 0 0 0
Rd,r0,11 Lo3,-,17 Lo2,d:2,5 Rc,r3,3 Lo3,d:4,19
2,o2,(d:2,r0),11 4,o3,(d:4,r0),19
fk left 0 0 0
Lo3,_:0,12 Rd,-,9 Rc,-,4 Rc,r3,9 Lo1,_:4,0 Rc,r5,14 Rc,r6,6 Lo2,_:7,4
0,o3,(_:0,null),12 4,o1,(_:4,null),0 7,o2,(_:7,null),4
fk left 0 0 0
Lo3,-,19 Rc,r1,6 Rd,r2,14 Rd,-,19 Lo3,c:4,8 Lo1,_:5,0 Rd,r6,19 Lo3,_:7,5 Lo1,c:8,20 Rc,r9,11 Lo2,-,18 Lo3,c:11,19
4,o3,(c:4,r1),8 5,o1,(_:5,null),0 7,o3,(_:7,null),5 8,o1,(c:8,r1),20 9,o1,(c:8,r9),11 11,o3,(c:11,r9),19
fk inner 0 0 0
Rd,-,6 Lo1,d:1,20 Rc,r2,3 Lo3,c:3,4 Rc,r4,1 Lo1,-,0 Rc,r6,2 Lo3,-,7
3,o3,(c:3,r2),4 4,o3,(c:3,r4),1 5,o1,-,0 6,o3,(c:3,r6),2 7,o3,-,7
fk inner 0 0 0
Lo2,-,5 Rd,r1,20 Lo1,_:2,3 Lo3,d:3,1
3,o3,(d:3,r1),20
fk left 0 0 0
Lo3,-,12 Lo2,d:1,14 Lo3,_:2,3 Rd,r3,12 Lo2,-,10 Lo3,-,5 Rc,-,14 Rd,r7,17 Lo2,c:8,12 Rc,r9,8 Rc,-,8 Lo3,d:11,7 Lo1,_:12,13
1,o2,(d:1,null),14 2,o3,(_:2,null),3 3,o2,(d:1,r3),12 4,o2,-,10 5,o3,-,5 8,o2,(c:8,null),12 9,o2,(c:8,r9),8 10,o2,(c:8,null),8 11,o3,(d:11,r7),17 12,o1,(_:12,null),13
fk left 0 0 0
Rc,-,0 Lo2,-,14 Lo2,c:2,19 Lo1,_:3,13 Lo3,_:4,6 Lo2,_:5,6 Rd,r6,4 Rc,r7,9 Rd,r8,16 Lo2,-,7 Lo2,_:10,3 Lo3,-,7 Rc,r12,1 Lo2,_:13,8 Lo2,d:14,6 Lo3,d:15,6
2,o2,(c:2,null),19 3,o1,(_:3,null),13 4,o3,(_:4,null),6 5,o2,(_:5,null),6 9,o2,-,7 10,o2,(_:10,null),3 11,o3,-,7 13,o2,(_:13,null),8 14,o2,(d:14,r8),16 15,o3,(d:15,r8),16
fk inner 0 0 0
Rd,-,20 Rd,r1,2 Rc,-,0 Lo3,c:3,17 Lo3,c:4,20 Rc,-,10
5,o3,-,10
fk left 0 0 0
Rc,r0,2 Lo3,-,4 Lo3,d:2,12 Rd,r3,6
2,o3,(d:2,null),12 3,o3,(d:2,r3),6
fk left 0 0 0
Rd,r0,15 Lo1,c:1,8 Lo3,_:2,8 Lo1,_:3,6 Lo3,c:4,17 Rd,r5,16 Rd,-,18 Lo2,_:7,18 Rd,r8,14 Rd,r9,7
1,o1,(c:1,null),8 2,o3,(_:2,null),8 3,o1,(_:3,null),6 4,o3,(c:4,null),17 7,o2,(_:7,null),18
fk left 0 0 0
Lo2,c:0,0 Lo3,d:1,17 Lo1,c:2,17 Lo2,c:3,20 Lo1,_:4,8 Rc,r5,7 Lo1,d:6,19 Rd,r7,4 Rc,r8,10 Lo3,c:9,12 Lo2,d:10,16
0,o2,(c:0,null),0 1,o3,(d:1,null),17 2,o1,(c:2,null),17 3,o2,(c:3,null),20 4,o1,(_:4,null),8 5,o2,(c:3,r5),7 6,o1,(d:6,null),19 7,o1,(d:6,r7),4 7,o3,(d:1,r7),4 8,o2,(c:3,r8),10 9,o3,(c:9,r8),12 10,o2,(d:10,r7),16
fk inner 0 0 0
Rd,r0,5
.
fk left 0 0 0
Rd,r0,0 Lo2,-,14 Lo3,-,5 Lo3,-,4
.
fk left 0 0 0
Rd,r0,0 Lo1,c:1,5 Lo1,d:2,15
1,o1,(c:1,null),5 2,o1,(d:2,r0),15
fk left 0 0 0
Rd,r0,20 Rd,-,17 Rd,r2,8 Lo2,c:3,15
3,o2,(c:3,null),15
fk left 0 0 0
Lo2,-,4 Rc,-,7 Lo3,d:2,10 Rc,-,19 Lo1,-,14 Lo1,_:5,16 Rd,-,15 Lo3,d:7,11 Lo3,d:8,5 Rc,r9,19 Lo3,d:10,15 Rd,-,3 Lo2,d:12,7 Rc,r13,11 Lo3,-,16
2,o3,(d:2,null),10 5,o1,(_:5,null),16 6,o3,(d:2,null),15 7,o3,(d:7,null),11 8,o3,(d:8,null),5 10,o3,(d:10,null),15 11,o3,(d:10,null),3 12,o2,(d:12,null),7 14,o3,-,16
fk left 0 0 0
Lo1,d:0,4 Rd,-,6 Rc,-,11 Rc,r3,11 Rc,r4,10 Lo3,-,15 Lo1,c:6,3 Rc,r7,13 Lo2,_:8,20 Lo1,-,12 Rd,r10,17 Rc,r11,8 Lo3,d:12,16
0,o1,(d:0,null),4 1,o1,(d:0,null),6 6,o1,(c:6,r4),10 7,o1,(c:6,r7),13 8,o2,(_:8,null),20 9,o1,-,12 12,o3,(d:12,r10),17
fk left 0 0 0
Lo1,c:0,5 Lo2,d:1,4 Lo3,_:2,0 Lo1,d:3,8 Rd,r4,2 Lo3,-,14 Rc,-,1 Lo1,_:7,11 Rc,-,3 Lo3,_:9,18 Rc,-,4 Lo1,-,12 Lo3,d:12,3
0,o1,(c:0,null),5 1,o2,(d:1,null),4 2,o3,(_:2,null),0 3,o1,(d:3,null),8 4,o1,(d:3,r4),2 4,o2,(d:1,r4),2 5,o3,-,14 7,o1,(_:7,null),11 9,o3,(_:9,null),18 11,o1,-,12 12,o3,(d:12,r4),3
fk inner 0 0 0
Rc,-,20 Lo3,c:1,16 Rc,r2,2 Lo2,_:3,1 Lo1,d:4,15 Rd,-,1 Rd,-,9 Lo3,_:7,4 Rc,r8,16 Lo2,-,2 Rc,-,12 Rd,r11,7
2,o3,(c:1,r2),2 5,o1,-,1 6,o1,-,9 7,o3,-,4 11,o1,(d:4,r11),7
fk inner 0 0 0
Lo2,-,9
.
fk left 0 0 0
Lo1,-,16 Lo3,-,0 Rc,-,7 Lo1,_:3,7 Lo2,d:4,11 Lo3,c:5,3 Lo2,-,20 Lo3,-,9 Rd,r8,7 Lo2,d:9,2 Rd,r10,5 Lo2,-,3 Lo1,_:12,8
3,o1,(_:3,null),7 4,o2,(d:4,null),11 5,o3,(c:5,null),3 6,o2,-,20 7,o3,-,9 9,o2,(d:9,r8),7 10,o2,(d:9,r10),5 11,o2,-,3 12,o1,(_:12,null),8
fk inner 0 0 0
Lo3,c:0,9 Rd,-,10 Rd,-,16 Rd,r3,8
.
fk left 0 0 0
Rd,r0,9 Lo1,c:1,9 Lo2,c:2,12 Rd,r3,15 Lo3,-,3 Lo2,_:5,6 Lo1,d:6,3 Lo1,-,0 Rd,r8,1 Rc,-,12 Lo3,c:10,10 Lo2,d:11,15 Rd,r12,2 Rd,r13,11 Lo2,_:14,0 Lo1,-,4
1,o1,(c:1,null),9 2,o2,(c:2,null),12 5,o2,(_:5,null),6 6,o1,(d:6,r3),15 7,o1,-,0 10,o3,(c:10,null),10 11,o2,(d:11,r8),15 12,o2,(d:11,r12),2 13,o2,(d:11,r13),11 14,o2,(_:14,null),0
fk left 0 0 0
Rc,r0,3 Rd,r1,15 Lo2,_:2,9 Rd,r3,5 Lo3,c:4,2 Lo1,d:5,10 Lo3,-,12 Lo3,d:7,19 Lo2,d:8,15 Lo3,d:9,9 Lo2,d:10,7 Rc,-,4 Lo3,c:12,3 Rc,r13,5 Lo2,c:14,9 Lo3,-,3
2,o2,(_:2,null),9 4,o3,(c:4,r0),3 5,o1,(d:5,r3),10 6,o3,-,12 7,o3,(d:7,r3),19 8,o2,(d:8,r3),15 9,o3,(d:9,r3),9 10,o2,(d:10,r3),7 12,o3,(c:12,null),3 13,o3,(c:12,r13),5 14,o2,(c:14,r13),9 15,o3,-,3
fk inner 0 0 0
Lo1,d:0,9 Lo2,c:1,18 Rc,r2,6 Rd,r3,10
2,o2,(c:1,r2),6 3,o1,(d:0,r3),10
fk inner 0 0 0
Rc,r0,1 Lo2,-,20 Rd,r2,15 Lo2,c:3,12
3,o2,(c:3,r0),12
fk left 0 0 0
Rc,-,0 Lo2,d:1,9 Lo3,-,8 Lo1,c:3,17 Lo2,c:4,3 Lo1,d:5,9 Lo2,-,16 Lo1,d:7,11 Lo1,d:8,9 Rd,r9,10 Lo3,d:10,7 Lo3,_:11,0 Lo3,d:12,15 Rd,r13,19 Rd,r14,18
1,o2,(d:1,null),9 3,o1,(c:3,null),17 4,o2,(c:4,null),3 5,o1,(d:5,null),9 6,o2,-,16 7,o1,(d:7,null),11 8,o1,(d:8,null),9 9,o1,(d:8,r9),10 10,o3,(d:10,r9),10 11,o3,(_:11,null),0 12,o3,(d:12,r9),15 13,o1,(d:8,r13),19 13,o3,(d:12,r13),19 14,o1,(d:8,r14),18 14,o3,(d:12,r14),18
fk left 0 0 0
Rc,r0,16 Rc,r1,2 Lo2,d:2,1 Rd,-,3 Rd,r4,20 Rd,-,8 Lo1,d:6,6 Rd,-,14 Lo3,_:8,19 Lo2,c:9,4 Lo2,_:10,2 Lo1,c:11,20 Rd,r12,0
2,o2,(d:2,null),1 3,o2,(d:2,null),3 4,o2,(d:2,r4),20 5,o2,(d:2,null),8 6,o1,(d:6,null),6 7,o1,(d:6,null),14 7,o2,(d:2,null),14 8,o3,(_:8,null),19 9,o2,(c:9,r1),4 10,o2,(_:10,null),2 11,o1,(c:11,r1),20
fk left 0 0 0
Lo3,c:0,7 Lo1,c:1,5 Rc,-,0 Lo2,c:3,16 Rc,-,9 Lo3,-,10 Lo3,-,17 Rc,r7,16 Lo1,c:8,20 Lo3,_:9,13 Rd,r10,12 Rd,-,6 Rc,r12,10 Rd,r13,0 Lo2,c:14,18 Lo3,_:15,16
0,o3,(c:0,null),7 1,o1,(c:1,null),5 2,o1,(c:1,null),0 2,o3,(c:0,null),0 3,o2,(c:3,null),16 4,o1,(c:1,null),9 4,o2,(c:3,null),9 4,o3,(c:0,null),9 5,o3,-,10 7,o1,(c:1,r7),16 7,o2,(c:3,r7),16 8,o1,(c:8,r7),20 9,o3,(_:9,null),13 12,o1,(c:8,r12),10 12,o2,(c:3,r12),10 14,o2,(c:14,r12),18 15,o3,(_:15,null),16
fk inner 0 0 0
Lo2,c:0,14 Lo2,-,10 Rc,r2,15 Lo2,c:3,17 Lo2,-,12 Rc,r5,10 Rc,r6,14 Rd,-,10 Lo3,d:8,7 Lo1,d:9,18 Lo3,d:10,20 Rc,r11,20 Lo3,_:12,2 Lo3,-,5 Rc,r14,1
1,o2,-,10 3,o2,(c:3,r2),17 4,o2,-,15 12,o3,-,2
fk inner 0 0 0
Rd,-,1
.
fk inner 0 0 0
Rc,r0,17 Rc,r1,16 Rc,r2,3 Rd,r3,2 Lo2,_:4,14 Lo3,-,0 Lo1,-,7 Lo3,c:7,13 Lo2,-,19 Lo2,_:9,3 Rd,r10,5 Lo1,-,15 Lo2,c:12,17 Lo1,-,10 Lo1,d:14,8 Rc,r15,15
7,o3,(c:7,r2),13 12,o2,(c:12,r2),17 14,o1,(d:14,r10),8 15,o2,(c:12,r15),15 15,o3,(c:7,r15),15
fk inner 0 0 0
Lo2,c:0,14 Rd,r1,0 Lo3,-,7 Lo1,-,10 Rd,-,1 Lo1,-,10 Lo3,_:6,7 Rd,r7,12 Lo1,_:8,4 Lo1,d:9,14 Lo3,d:10,0 Lo1,c:11,20 Rc,-,20 Lo3,-,3 Lo1,d:14,1
9,o1,(d:9,r7),14 10,o3,(d:10,r7),12 11,o1,-,20 12,o1,-,20 12,o2,-,20 13,o3,-,12 14,o1,(d:14,r7),12
fk inner 0 0 0
Lo2,c:0,5 Rd,r1,16 Rc,-,5 Rc,r3,19 Lo1,-,0 Rd,r5,0 Lo2,d:6,8
2,o2,-,5 3,o2,(c:0,r3),19 6,o2,(d:6,r5),8
fk left 0 0 0
Lo2,c:0,12 Rc,r1,3 Lo3,d:2,10 Lo2,-,13 Rc,r4,16 Lo2,c:5,6 Rd,-,18 Lo3,c:7,4 Lo3,c:8,2 Lo2,_:9,18 Lo2,-,18 Rc,-,0 Lo1,d:12,16 Lo3,d:13,10 Rd,r14,3
0,o2,(c:0,null),12 1,o2,(c:0,r1),3 2,o3,(d:2,null),10 3,o2,-,13 5,o2,(c:5,r4),16 6,o3,(d:2,null),18 7,o3,(c:7,r4),16 8,o3,(c:8,r4),16 9,o2,(_:9,null),18 10,o2,-,18 11,o3,(c:8,null),0 12,o1,(d:12,null),16 13,o3,(d:13,null),10 14,o1,(d:12,r14),3 14,o3,(d:13,r14),3
fk left 0 0 0
Lo2,_:0,13 Lo2,c:1,5 Lo1,_:2,1 Rc,r3,5 Rc,r4,17 Rd,r5,2
0,o2,(_:0,null),13 1,o2,(c:1,null),5 2,o1,(_:2,null),1 3,o2,(c:1,r3),5 4,o2,(c:1,r4),17
fk left 0 0 0
Rd,r0,20 Lo3,c:1,3 Rc,-,13 Lo1,d:3,9 Rd,-,17 Lo1,_:5,7 Lo3,-,3 Rd,r7,5 Rc,-,5
1,o3,(c:1,null),3 2,o3,(c:1,null),13 3,o1,(d:3,r0),20 4,o1,(d:3,null),17 5,o1,(_:5,null),7 6,o3,-,3
fk left 0 0 0
Rc,-,17 Rd,-,9
.
fk left 0 0 0
Rd,r0,6 Lo1,d:1,13 Rd,r2,7 Lo1,-,7 Rc,r4,2 Lo3,c:5,9 Lo1,c:6,6 Lo1,d:7,17 Rc,r8,13 Lo2,d:9,11 Rc,-,12 Lo2,d:11,9 Rc,r12,14
1,o1,(d:1,r0),13 2,o1,(d:1,r2),7 3,o1,-,7 5,o3,(c:5,r4),9 6,o1,(c:6,r4),6 7,o1,(d:7,r2),17 8,o3,(c:5,r8),13 9,o2,(d:9,r2),11 10,o3,(c:5,null),12 11,o2,(d:11,r2),9 12,o3,(c:5,r12),14
fk inner 0 0 0
Rd,r0,7 Rd,-,12 Rd,-,19 Rd,r3,19 Lo1,_:4,2 Lo2,-,11 Lo1,c:6,2 Rc,r7,6 Lo2,d:8,18 Rc,-,4 Rd,r10,6 Lo3,-,1 Lo3,d:12,5 Rd,r13,16 Lo1,d:14,2 Lo1,-,4
7,o1,(c:6,r7),6 8,o2,(d:8,r3),19 9,o1,-,4 10,o2,(d:8,r10),6 12,o3,(d:12,r10),6 13,o2,(d:8,r13),16 13,o3,(d:12,r13),16 14,o1,(d:14,r13),16 15,o1,-,16
fk inner 0 0 0
Lo3,-,4 Rd,r1,13 Lo3,_:2,20
.
st inner 0 0 0
La,-,0 La,v1,2 Ra,-,0 La,v3,0 Ra,v4,2 Ra,-,3 Ra,v6,5 La,v7,6 La,v8,2 Ra,-,0
7,a,(v7,v6),6 8,a,(v8,v6),2
st inner 0 0 0
La,v0,120021 Rb,-,120001 L-,v2,120022 La,v3,120021 Rab,v4,120022 Ra,v5,120023 Rab,v6,120024 Rab,v7,120025 Lab,v8,120020 Lab,v9,120027 La,v10,120028 L-,v11,120023 Lab,v12,120001 Rab,-,120028 La,v14,120029
8,ab,(v8,v7),120020 9,ab,(v9,v7),120027 10,a,(v10,v5),120028 12,ab,(v12,v7),120001 14,a,(v14,v5),120029
st inner 0 0 0
Rb,v0,2 Ra,-,2 Rb,v2,2 Lb,v3,5 Lb,v4,5 Rb,v5,0 Lb,v6,4 La,v7,6 Ra,v8,4 La,v9,7
3,b,(v3,v2),5 4,b,(v4,v2),5 6,b,(v6,v5),4 9,a,(v9,v8),7
st inner 0 0 0
La,v0,119995 La,v1,119996 Ra,v2,119993 Ra,v3,119998 La,v4,119990 Ra,-,119990
4,a,(v4,v3),119990
st inner 0 0 0
Lb,v0,0 La,v1,0 La,v2,1 Rb,v3,0 La,v4,0 Rb,v5,6 Ra,-,6 La,v7,4 Rb,v8,7 Lb,v9,6 Rb,-,5 Rb,v11,7 Lb,v12,8 La,v13,3 La,v14,5
9,b,(v9,v8),6 12,b,(v12,v11),8
st left 0 0 0
La,v0,28 Lb,-,24 Rb,-,36 L-,v3,33 La,v4,34 Lb,v5,33
0,a,(v0,null),28 3,-,(v3,null),33 4,a,(v4,null),34 5,b,(v5,null),33
st left 0 0 0
Rb,-,0 Lb,v1,0 Ra,-,0
1,b,(v1,null),0
st left 0 0 0
Rab,v0,1 Rb,-,3 R-,v2,3 Lb,-,0 Rab,v4,3 La,v5,3 Lb,v6,0 Lab,v7,6 Rab,v8,5 La,v9,10 Rab,-,1 Rb,-,10 Rb,v12,10 La,v13,5 Lb,-,9
5,a,(v5,null),3 6,b,(v6,null),0 7,ab,(v7,v4),6 9,a,(v9,null),10 13,a,(v13,null),5
st left 0 0 0
La,v0,0 La,v1,0 La,-,1 La,v3,4 Rb,-,5 Ra,v5,5 Ra,v6,13 Rab,-,14 Ra,v8,15 Lab,-,1
0,a,(v0,null),0 1,a,(v1,null),0 3,a,(v3,null),4
st left 0 0 0
Rb,v0,0 Lb,-,1 Rb,-,1 Rb,v3,0 La,v4,3 Rb,v5,0 Ra,v6,0 Lb,v7,6 Lb,v8,10 Ra,v9,10 Ra,v10,15 Lb,v11,14 Ra,v12,9 Rb,v13,20 Lb,v14,15
4,a,(v4,null),3 7,b,(v7,v5),6 8,b,(v8,v5),10 11,b,(v11,v5),14 14,b,(v14,v13),15
gt inner 0 0 0
Ra,-,2 Rab,v1,5 Rab,v2,10 Lab,_:3,6 La,ab:4,11 Rab,v5,6 Rab,v6,0 Ra,-,19 Rb,v8,13 R-,-,20 Lb,a:10,18 Lab,ab:11,16 La,_:12,15 Lab,-,20 Lb,-,21
4,a,(ab:4,v2),11 11,ab,(ab:11,v6),16
gt left 0 0 0
Lb,b:0,0 Lab,_:1,1 Lab,b:2,0 Rb,v3,0 Rab,-,2 R-,v5,3 Lb,-,3 Rb,v7,5 Rab,v8,6 La,b:9,5 Rb,v10,6 La,-,7 La,a:12,8 Lab,ab:13,3 Rb,v14,2
0,b,(b:0,null),0 1,ab,(_:1,null),1 2,ab,(b:2,null),0 9,a,(b:9,v7),5 12,a,(a:12,null),8 13,ab,(ab:13,v8),3
gt left 0 0 0
R-,-,0 Rab,v1,8 R-,v2,6 Ra,v3,3 Lab,_:4,0 Lb,-,6
4,ab,(_:4,null),0
gt left 0 0 0
Ra,v0,2 Ra,v1,3 Lb,_:2,3 La,b:3,4 L-,ab:4,4 R-,v5,4
2,b,(_:2,null),3 3,a,(b:3,null),4 4,-,(ab:4,null),4
gt left 0 0 0
Lb,b:0,0 Lab,ab:1,0 Lab,ab:2,0 L-,b:3,0 La,-,0 Ra,v5,8 Rab,v6,9 R-,v7,9 La,b:8,6 Lb,a:9,5
0,b,(b:0,null),0 1,ab,(ab:1,null),0 2,ab,(ab:2,null),0 3,-,(b:3,null),0 8,a,(b:8,null),6 9,b,(a:9,v5),5
gt inner 0 0 0
Ra,v0,8 La,ab:1,9 Lab,_:2,14 Rab,v3,13 Lb,b:4,8 R-,v5,16 R-,v6,18 Rab,v7,20 Ra,-,22 Ra,v9,21 Rb,v10,16 La,-,22 Lab,a:12,20 Lb,ab:13,23 La,ab:14,18
12,ab,(a:12,v9),20 13,b,(ab:13,v7),23 14,a,(ab:14,v7),18
gt inner 0 0 0
La,b:0,1 R-,v1,2 Ra,v2,1 La,ab:3,0 Ra,v4,4 Ra,v5,12 Ra,v6,13 Ra,v7,13 La,a:8,13 La,_:9,13
8,a,(a:8,v7),13
gt inner 0 0 0
Ra,v0,20 R-,-,17 Ra,v2,17 La,_:3,20 Ra,-,20 Ra,v5,19 Lb,a:6,2 Rb,v7,22 L-,-,22 Rb,v9,24 Ra,v10,21 L-,b:11,24 Ra,-,29 Rb,v13,30 Lb,b:14,29
6,b,(a:6,v5),2 11,-,(b:11,v9),24 14,b,(b:14,v13),29
"""
