"""A brute-force reference model of windowed aggregation, for the property tests.

It follows ``docs/semantics.md`` rule by rule, with no state layout, no byte encoding and no
cleverness: a window is a set of events, its aggregate is recomputed from those events every
time (``aggregate(values)``), and final mode is literally a suppression buffer fed with the
update-mode output. It is slow (quadratic) on purpose.

Where the output of Kafka Streams 4.1 depends on more than docs/semantics.md says, the model states
the rule explicitly (each was checked against Kafka Streams itself):

- RETENTION: a store hides a window whose *segment time* (start for time and sliding windows,
  end for sessions) is below ``store_time - retention + 1``, where ``store_time`` is the
  largest segment time written so far (all keys). Hidden windows take no part in anything.
- SLIDING ORDER: updates of existing windows come by descending start (early records: by
  ascending start, the shared window ``[0, D]`` last), then the previous record's new right
  window, the new left window, the new right window (early records: the new right window
  first). If the previous record's right window is the new left window, it is written (and
  emitted) twice.
- COPY: Kafka does not look records up; a new sliding window starts as a copy of one existing
  window: the left window copies the latest window ending before ts (if its latest record is
  within D of ts), the right window copies the latest window holding ts (or ``[0, D]``). A late
  record missing from that window is missing from the copy too. The previous record's new right
  window starts empty. The previous record is the latest one of the window ending before ts.
- SESSION: no tombstone when the merged session is exactly ``[ts, ts]``; a hidden session at
  the same bounds is overwritten.
- FINAL: a window is emitted at most once; updates after that are ignored.

The aggregate must not depend on the order of values (the tests use sorted lists), since the
model does not reproduce the order in which Kafka folds values into copied or merged windows.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Callable

from streamflow.operators.windows import (
    HoppingWindows,
    SessionWindows,
    SlidingWindows,
    Window,
)

Output = tuple[bytes, Window, Any, int]  # key, window, value (None: tombstone), timestamp


@dataclass
class Event:
    key: bytes | None
    value: Any
    ts: int


@dataclass
class ModelStep:
    outputs: list[Output] = field(default_factory=list)
    late: bool = False


def default_retention(windows: Any) -> int:
    if isinstance(windows, HoppingWindows):
        return windows.size + windows.grace
    if isinstance(windows, SlidingWindows):
        return 2 * windows.time_difference + windows.grace
    return windows.gap + windows.grace


def run_model(windows: Any, events: list[Event], aggregate: Callable[[list[Any]], Any],
              emit: str = "update", retention: int | None = None) -> list[ModelStep]:
    """The outputs for each event, in order, as Kafka Streams would produce them."""
    retention = default_retention(windows) if retention is None else retention
    if isinstance(windows, HoppingWindows):
        steps = _time_windows(windows, events, aggregate)
    elif isinstance(windows, SlidingWindows):
        steps = _sliding(windows, events, aggregate, retention)
    else:
        steps = _sessions(windows, events, aggregate, retention)
    if emit == "final":
        close_after = windows.gap + windows.grace if isinstance(windows, SessionWindows) \
            else windows.grace
        _suppress(steps, close_after, isinstance(windows, SessionWindows))
    return steps


# -- tumbling and hopping: recompute every touched window from the whole event list ----------

def _time_windows(windows: HoppingWindows, events: list[Event],
                  aggregate: Callable[[list[Any]], Any]) -> list[ModelStep]:
    accepted: set[tuple[int, Window]] = set()  # (event, window) pairs: the event counts there
    stream_time = -1
    steps = []
    for i, event in enumerate(events):
        step = ModelStep()
        steps.append(step)
        if event.key is None:
            continue
        stream_time = max(stream_time, event.ts)
        step.late = True
        for window in windows.windows_for(event.ts):  # ascending start
            if not window.end > stream_time - windows.grace:
                continue  # late for this window only
            step.late = False
            accepted.add((i, window))
            members = [j for j in range(i + 1) if (j, window) in accepted
                       and events[j].key == event.key]
            step.outputs.append((event.key, window, aggregate([events[j].value for j in members]),
                                 max(events[j].ts for j in members)))
    return steps


# -- sessions ------------------------------------------------------------------------------

def _sessions(windows: SessionWindows, events: list[Event], aggregate: Callable[[list[Any]], Any],
              retention: int) -> list[ModelStep]:
    sessions: dict[bytes, dict[Window, list[int]]] = {}  # key -> session -> member events
    stream_time = store_time = -1
    steps = []
    for i, event in enumerate(events):
        step = ModelStep()
        steps.append(step)
        if event.key is None:
            continue
        ts = event.ts
        stream_time = max(stream_time, ts)
        mine = sessions.setdefault(event.key, {})
        visible = [s for s in mine if s.end >= store_time - retention + 1]  # RETENTION
        found = sorted((s for s in visible if s.end >= ts - windows.gap
                        and s.start <= ts + windows.gap), key=lambda s: s.end)
        merged = Window(min([ts] + [s.start for s in found]), max([ts] + [s.end for s in found]))
        if merged.end < stream_time - windows.gap - windows.grace:
            step.late = True
            continue
        members = [j for s in found for j in mine[s]] + [i]
        if merged != Window(ts, ts):  # SESSION
            for s in found:
                step.outputs.append((event.key, s, None, s.end))
                del mine[s]
                store_time = max(store_time, s.end)
        mine[merged] = members
        store_time = max(store_time, merged.end)
        step.outputs.append((event.key, merged, aggregate([events[j].value for j in members]),
                             merged.end))
    return steps


# -- sliding -------------------------------------------------------------------------------

def _sliding(windows: SlidingWindows, events: list[Event], aggregate: Callable[[list[Any]], Any],
             retention: int) -> list[ModelStep]:
    d, grace = windows.time_difference, windows.grace
    table: dict[bytes, dict[int, list[int]]] = {}  # key -> window start -> member events
    stream_time = store_time = -1
    steps = []
    for i, event in enumerate(events):
        step = ModelStep()
        steps.append(step)
        if event.key is None or event.value is None:
            continue  # dropped before stream time moves
        ts = event.ts
        stream_time = max(stream_time, ts)
        close_time = stream_time - grace
        if ts + d < close_time:
            step.late = True
            continue
        mine = table.setdefault(event.key, {})
        # RETENTION, and the span Kafka scans: starts in [ts - 2D, ts + 1].
        visible = {s: m for s, m in mine.items()
                   if s >= store_time - retention + 1 and max(0, ts - 2 * d) <= s <= ts + 1}

        def latest(s: int) -> int:
            return max(events[j].ts for j in visible[s])

        writes: list[tuple[int, list[int]]] = []  # (start, members), in emission order
        if ts < d:
            shared = visible.get(0)  # [0, D], the window of every early record
            inner = [s for s in sorted(visible) if 0 < s <= ts]  # right windows holding ts
            writes += [(s, visible[s] + [i]) for s in inner]
            source = inner[-1] if inner else (0 if shared and latest(0) > ts else None)
            if ts + 1 not in visible and source is not None and latest(source) > ts:
                writes.append((ts + 1, list(visible[source])))  # COPY
            if shared and latest(0) < ts and latest(0) + 1 not in visible:
                writes.append((latest(0) + 1, [i]))  # the previous record's right window
            writes.append((0, (shared or []) + [i]))
        else:
            holding = [s for s in sorted(visible, reverse=True) if s <= ts <= s + d]
            writes += [(s, visible[s] + [i]) for s in holding]
            left = ts - d if ts - d in visible else None
            before = [s for s in visible if s + d < ts]
            source = max(before) if before else None  # the latest window ending before ts
            previous = latest(source) if source is not None else (
                latest(left) if left is not None and latest(left) < ts else None)
            if left is None or latest(left) < ts:  # else every window needed exists already
                if previous is not None and previous + 1 not in visible \
                        and previous + 1 + d >= ts:
                    writes.append((previous + 1, [i]))  # the previous record's right window
                if left is None:
                    copied = visible[source] if previous is not None and previous >= ts - d else []
                    writes.append((ts - d, copied + [i]))  # COPY
                after = [s for s in holding if s + d > ts]
                if ts + 1 not in visible and after and latest(after[0]) > ts:
                    writes.append((ts + 1, list(visible[after[0]])))  # COPY
        step.late = True
        for start, members in writes:
            window = Window(start, start + d)
            if i in members:
                if window.end < close_time:
                    continue  # late for this window only
                step.late = False
            mine[start] = members
            store_time = max(store_time, start)
            step.outputs.append((event.key, window, aggregate([events[j].value for j in members]),
                                 max(events[j].ts for j in members)))
    return steps


# -- final mode: a suppression buffer over the update stream, emitting each window once ------

def _suppress(steps: list[ModelStep], close_after: int, session: bool) -> None:
    def order(item: tuple[bytes, Window]) -> tuple[int, bytes]:
        key, window = item
        suffix = struct.pack(">QQ", window.end, window.start) if session \
            else struct.pack(">Q", window.start)
        return window.end, key + suffix

    buffer: dict[tuple[bytes, Window], tuple[Any, int]] = {}
    emitted: set[tuple[bytes, Window]] = set()
    clock = -1
    for step in steps:
        updates, step.outputs = step.outputs, []
        for key, window, value, ts in updates:
            clock = max(clock, ts)
            if (key, window) in emitted:
                continue  # FINAL: once
            if value is None:
                buffer.pop((key, window), None)
            else:
                buffer[(key, window)] = (value, ts)
            for item in sorted((w for w in buffer if w[1].end <= clock - close_after), key=order):
                value, ts = buffer.pop(item)
                emitted.add(item)
                step.outputs.append((item[0], item[1], value, ts))
