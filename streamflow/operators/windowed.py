"""Windowed aggregation of one partition, with its state in a :class:`PartitionTransaction`.

:class:`WindowedAggregation` executes a window definition from :mod:`.windows` the way Kafka
Streams 4.1 does (``shared/SEMANTICS.md``), and reproduces Kafka's output exactly: the same
records, values, timestamps and order. It owns the state layout below and nothing else: it never
produces to a topic, never commits, and holds no state outside the transaction, so everything
goes through the changelog and survives recovery. The user's ``adder(aggregate, value)`` and
``merger(aggregate, other)`` must return a new value and not mutate their arguments (emitted
results and stored aggregates share objects).

State layout (keys are bytes; ``BE`` = 8-byte big-endian unsigned; ``K`` = the record key),
built by :mod:`streamflow.state.keys`, which owns the byte layout:

- ``00 "stream_time"`` -> int, the largest timestamp seen (moved only forward, before the
  lateness check). ``00 "store_time"`` -> int, the largest *segment time* written (see expiry).
- ``01 len(K) (4 bytes BE) K start(BE)`` -> ``[aggregate, max_timestamp]`` for tumbling, hopping
  and sliding windows (a sliding window's end is always ``start + D``, so it is not stored).
- ``01 len(K) K end(BE) start(BE)`` -> ``[aggregate, end]`` for sessions: end first, as in
  Kafka's session key schema, so "sessions of K ending at or after t" is one forward scan and
  expiry is a prefix of the key's range. The length prefix keeps one key's windows contiguous.
- ``02 end(BE) K start(BE)`` (sessions: ``02 end K end start``, Kafka's order) -> 1: final mode
  only, windows not emitted yet, so closing windows is one range scan in (end, key) order.
- ``03 bucket(BE) K`` -> 1: "K has windows whose segment time falls in this bucket"; the
  expiry sweep reads the expired buckets and deletes, per key, one range of windows.

Decisions where SEMANTICS.md is silent, all taken from Kafka Streams 4.1's code:

- *Retention is visibility.* Kafka's window and session stores hide a window once its segment
  time (window start; session end) is below ``store_time - retention + 1``, where
  ``store_time`` is the largest segment time written to the store (all keys). This is part of
  the results: a record never merges into a session (or reads a sliding window) the store no
  longer shows. With the default retention a session stops merging once stream time reaches
  ``end + gap + grace``, and a record at a one-record session's own timestamp then replaces
  it (Kafka overwrites the hidden session). Defaults and minimums are Kafka's: ``size + grace`` (tumbling/hopping),
  ``2 * D + grace`` (sliding), ``gap + grace`` (session). Physical deletion runs one ms behind
  visibility, in ranges, whenever a bucket of ``max(1, retention // 2)`` ms expires.
- Sliding windows follow Kafka's algorithm step by step (``KStreamSlidingWindowAggregate``),
  including the order of updates and one quirk: when the previous record is exactly ``D + 1``
  ms earlier, its right window is the new record's left window and update mode emits that
  window twice with the same value, as Kafka does. Kafka never looks records up: a new
  window starts as a copy of one neighbouring window, so a record that was late for that
  neighbour is missing from the copy too. A None value is dropped before stream time moves.
- A record at the timestamp of a one-record session ``[t, t]`` updates it without a tombstone
  (Kafka skips the tombstone when the merged session equals ``[ts, ts]``).
- Final mode is Kafka's ``suppress(untilWindowCloses)``: a window is emitted at the first
  moment ``end <= stream_time - grace`` (sessions ``- gap``) is true after one of its updates,
  with its value at that moment, and never again ("final means once"; Kafka 4.1 re-emits
  sliding/session windows updated on that boundary). Emission happens after each update, as
  the suppression buffer does, so the order is Kafka's. Stream time does not move at end of
  input: :meth:`WindowedAggregation.advance` moves it (the replay driver's ``advance``), and
  :meth:`WindowedAggregation.flush` emits every pending window at shutdown of a bounded input.
- An aggregate of None is refused (Kafka reads a null aggregate as a delete).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal, NamedTuple

from streamflow.exceptions import InvalidTimestamp
from streamflow.operators.windows import (
    HoppingWindows,
    SessionWindows,
    SlidingWindows,
    Window,
    WindowDefinition,
)
from streamflow.state.keys import (EXPIRY, NEXT_CLOSE, PENDING, STORE_TIME, STREAM_TIME, WINDOW,
                                   decode_u64, expiry_marker, marker_bucket, marker_key,
                                   pending_key, pending_until, pending_window, prefix_end,
                                   session_key, window_at, window_key, window_prefix,
                                   windows_key_of)

__all__ = ["ProcessResult", "WindowResult", "WindowedAggregation"]

_MAX_TIME = (1 << 64) - 1
# Tumbling update mode keeps, per transaction and key, an upper bound of the key's newest
# window start (see update_tumbling); past this many keys the bounds are dropped and relearnt.
_MAX_BOUNDS = 500_000


class WindowResult(NamedTuple):
    """One output record: ``value`` None is a tombstone (a session merged away)."""

    key: bytes
    window: Window
    value: Any
    timestamp: int


@dataclass(slots=True)
class ProcessResult:
    """What one input record produced.

    ``results`` are the output records in Kafka's order. ``late_windows`` are the windows that
    rejected the record as late; ``late`` is True when the record updated no window at all.
    """

    results: list[WindowResult] = field(default_factory=list)
    late: bool = False
    late_windows: list[Window] = field(default_factory=list)


class _Run:
    """Scratch state of one ``process`` call."""

    __slots__ = ("txn", "key", "prefix", "results", "late_windows", "applied", "stream_time",
                 "emit_time", "store_time")

    def __init__(self, txn: Any, key: bytes, stream_time: int, emit_time: int,
                 store_time: int) -> None:
        self.txn = txn
        self.key = key
        self.prefix = window_prefix(key)
        self.results: list[WindowResult] = []
        self.late_windows: list[Window] = []
        self.applied = False
        self.stream_time = stream_time
        self.emit_time = emit_time  # the suppression buffer's clock: max update timestamp
        self.store_time = store_time


class _Known:
    """What a processor learnt about one transaction's contents, to skip store reads. Kept in
    ``txn.derived``, so it lasts across commits and is dropped when the transaction aborts."""

    __slots__ = ("markers", "bounds")

    def __init__(self) -> None:
        self.markers: set[bytes] = set()  # expiry markers known to be stored or pending
        # Tumbling update mode: key -> an upper bound of the key's newest window start.
        self.bounds: dict[bytes, int] = {}


class WindowedAggregation:
    """The processor of one partition of a windowed aggregation."""

    def __init__(self, windows: WindowDefinition, *, initializer: Callable[[], Any],
                 adder: Callable[[Any, Any], Any],
                 merger: Callable[[Any, Any], Any] | None = None,
                 emit: Literal["update", "final"] = "update",
                 retention: int | None = None) -> None:
        if emit not in ("update", "final"):
            raise ValueError(f"emit must be 'update' or 'final', got {emit!r}")
        if isinstance(windows, HoppingWindows):
            minimum, self._kind = windows.size + windows.grace, "time"
            name = "window size plus grace"
        elif isinstance(windows, SlidingWindows):
            minimum, self._kind = 2 * windows.time_difference + windows.grace, "sliding"
            name = "twice the time difference plus grace"
        elif isinstance(windows, SessionWindows):
            minimum, self._kind = windows.gap + windows.grace, "session"
            name = "session gap plus grace"
            if merger is None:
                raise ValueError("session windows need a merger(aggregate, other) to combine "
                                 "the aggregates of sessions that one record bridges")
        else:
            raise TypeError(f"unknown window definition {windows!r}")
        if merger is not None and self._kind != "session":
            raise ValueError("merger is only used by session windows")
        if retention is None:
            retention = minimum
        elif isinstance(retention, bool) or not isinstance(retention, int):
            raise TypeError(f"retention must be an int number of ms, got {retention!r}")
        elif retention < minimum:
            raise ValueError(f"retention ({retention} ms) must be at least the {name} "
                             f"({minimum} ms), or windows would vanish while still open")
        self.windows = windows
        self.initializer = initializer
        self.adder = adder
        self.merger = merger
        self.emit = emit
        self.retention = retention
        self._final = emit == "final"
        self._close_after = windows.close_after
        self._bucket = max(1, retention // 2)
        self._one_start_per_bucket = (isinstance(windows, HoppingWindows)
                                      and windows.advance == windows.size
                                      and self._bucket <= windows.size)
        self.tumbling_update = (emit == "update" and isinstance(windows, HoppingWindows)
                                and windows.advance == windows.size)
        self._size = windows.size if isinstance(windows, HoppingWindows) else 0
        self._grace = windows.grace

    # -- public API -------------------------------------------------------------------------

    def process(self, txn: Any, key: bytes, value: Any, timestamp: int) -> ProcessResult:
        """Aggregate one record; return what Kafka Streams would emit for it, in order."""
        if key is None:
            return ProcessResult()  # Kafka drops null keys before stream time moves
        if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
            raise InvalidTimestamp(f"record timestamp {timestamp!r} is not an event time "
                                   f"(windows need ints >= 0 ms)")
        if value is None and self._kind == "sliding":
            return ProcessResult()  # dropped before stream time moves, as in Kafka
        if self.tumbling_update:
            update = self.update_tumbling(txn, key, value, timestamp)
            size = self._size
            if update is None:
                start = timestamp - timestamp % size
                return ProcessResult([], True, [Window(start, start + size)])
            start, aggregate, new_ts = update
            return ProcessResult([WindowResult(key, Window(start, start + size), aggregate, new_ts)])
        old_stream_time = txn.get(STREAM_TIME)
        stream_time = timestamp if old_stream_time is None else max(old_stream_time, timestamp)
        if stream_time != old_stream_time:
            txn.set(STREAM_TIME, stream_time)
        store_time = txn.get(STORE_TIME, -1)
        run = _Run(txn, key, stream_time, -1 if old_stream_time is None else old_stream_time,
                   store_time)
        if self._kind == "time":
            self._process_time(run, value, timestamp)
        elif self._kind == "sliding":
            self._process_sliding(run, value, timestamp)
        else:
            self._process_session(run, value, timestamp)
        if run.store_time != store_time:
            txn.set(STORE_TIME, run.store_time)
            self._sweep(txn, store_time, run.store_time)
        return ProcessResult(run.results, not run.applied, run.late_windows)

    def get(self, txn: Any, key: bytes, window_start: int) -> Any | None:
        """The aggregate of ``key``'s window starting at ``window_start``, or None."""
        for window, aggregate in self.windows_of(txn, key, window_start, window_start):
            return aggregate
        return None

    def windows_of(self, txn: Any, key: bytes, time_from: int,
                   time_to: int) -> list[tuple[Window, Any]]:
        """``key``'s live windows with ``time_from <= start <= time_to``, by start."""
        prefix = window_prefix(key)
        visible_from = max(0, txn.get(STORE_TIME, -1) - self.retention + 1)
        out = []
        if self._kind == "session":
            for wkey, (aggregate, _) in txn.iter_range(window_at(prefix, visible_from),
                                                       prefix_end(prefix)):
                window = self._parse_window(wkey, len(prefix))
                if time_from <= window.start <= time_to:
                    out.append((window, aggregate))
            out.sort()
            return out
        lo = max(time_from, visible_from, 0)
        if lo > time_to:
            return out
        for wkey, (aggregate, _) in txn.iter_range(window_at(prefix, lo),
                                                   window_at(prefix, time_to + 1)):
            out.append((self._parse_window(wkey, len(prefix)), aggregate))
        return out

    def all_windows(self, txn: Any) -> Iterator[tuple[bytes, Window, Any]]:
        """Every live window of every key, as ``(key, window, aggregate)`` by key then start
        (sessions: end): what ``streamflow tables --dump`` prints."""
        visible_from = max(0, txn.get(STORE_TIME, -1) - self.retention + 1)
        for wkey, (aggregate, _) in txn.iter_range(WINDOW, PENDING):
            key, at = windows_key_of(wkey)
            window = self._parse_window(wkey, at)
            if (window.end if self._kind == "session" else window.start) >= visible_from:
                yield key, window, aggregate

    def stream_time(self, txn: Any) -> int | None:
        return txn.get(STREAM_TIME)

    def emit_closed(self, txn: Any) -> list[WindowResult]:
        """Final mode: windows closed at the current stream time and not emitted yet."""
        stream_time = txn.get(STREAM_TIME)
        if not self._final or stream_time is None:
            return []
        return self._evict(txn, stream_time - self._close_after)

    def advance(self, txn: Any, timestamp: int) -> list[WindowResult]:
        """Move stream time forward to ``timestamp`` without a record (end of input, idle
        partitions); in final mode, return the windows that closed. Never moves it back."""
        stream_time = txn.get(STREAM_TIME)
        if stream_time is None or timestamp > stream_time:
            txn.set(STREAM_TIME, timestamp)
        return self.emit_closed(txn)

    def flush(self, txn: Any) -> list[WindowResult]:
        """Final mode: emit every window not emitted yet, closed or not, in (end, key) order.

        For the end of a bounded input only: a flushed window is never emitted again, even if
        later records update it.
        """
        return self._evict(txn, _MAX_TIME) if self._final else []

    # -- tumbling and hopping ---------------------------------------------------------------

    def update_tumbling(self, txn: Any, key: bytes, value: Any, ts: int) -> tuple[int, Any, int] | None:
        """Tumbling windows in update mode, the common case, as one call per record.

        The same as :meth:`process` for a non-None ``key`` (the model tests run it through
        ``process``), without its result objects: returns ``(window start, aggregate,
        result timestamp)`` for the one update to emit, or None when the record is late for
        its window (``process`` reports it as late). Only for a processor built with tumbling
        windows and ``emit="update"`` (``self.tumbling_update``).
        """
        if type(ts) is not int or ts < 0:
            if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:
                raise InvalidTimestamp(f"record timestamp {ts!r} is not an event time "
                                       f"(windows need ints >= 0 ms)")
        stream_time = txn.get(STREAM_TIME)
        if stream_time is None or ts > stream_time:
            stream_time = ts
            txn.set(STREAM_TIME, ts)
        size = self._size
        start = ts - ts % size
        if start + size <= stream_time - self._grace:
            return None
        wkey = window_key(key, start)
        store_time = txn.get(STORE_TIME, -1)
        known = txn.derived.get(self) or self._known(txn)
        bounds = known.bounds
        bound = bounds.get(key)
        if bound is not None and start > bound:  # never written: nothing to read
            old, existed = None, False
        elif start >= store_time - self.retention + 1:  # visible: a miss means no window
            old = txn.get(wkey)
            existed = old is not None
        else:  # hidden by retention: rewritten from scratch, as Kafka does
            old = None
            existed = txn.contains(wkey)
        if old is None:
            aggregate, new_ts = self.adder(self.initializer(), value), ts
        else:
            aggregate, new_ts = self.adder(old[0], value), (ts if ts > old[1] else old[1])
        if aggregate is None:
            raise ValueError(f"the adder returned None for key {key!r}, window "
                             f"{(start, start + size)}: return an aggregate (a None aggregate "
                             f"would read as a delete downstream)")
        txn.set(wkey, [aggregate, new_ts])
        if not existed:
            if bound is not None and start // self._bucket > bound // self._bucket:
                # No window of the key in this bucket yet, so no marker either.
                txn.set(expiry_marker(start // self._bucket, key), 1)
            else:
                self._mark_for_expiry(txn, start, key)
        if bound is None:
            if len(bounds) >= _MAX_BOUNDS:
                bounds.clear()
            bounds[key] = start if start > store_time else store_time
        elif start > bound:
            bounds[key] = start
        if start > store_time:
            txn.set(STORE_TIME, start)
            self._sweep(txn, store_time, start)
        return start, aggregate, new_ts

    def _process_time(self, run: _Run, value: Any, ts: int) -> None:
        windows: HoppingWindows = self.windows  # type: ignore[assignment]
        close_time = run.stream_time - windows.grace
        visible_from = run.store_time - self.retention + 1
        txn = run.txn
        for window in windows.windows_for(ts):
            if window.end <= close_time:
                run.late_windows.append(window)
                continue
            wkey = window_at(run.prefix, window.start)
            visible = window.start >= visible_from
            old = txn.get(wkey) if visible else None
            if old is None:
                # A visible window that get() did not find does not exist: no second read.
                existed = False if visible else txn.contains(wkey)
                aggregate, new_ts = self.initializer(), ts
            else:
                (aggregate, old_ts), existed = old, True
                new_ts = max(ts, old_ts)
            aggregate = self._add(run, aggregate, value, window)
            self._put(run, wkey, window, window.start, aggregate, new_ts, existed)

    # -- sliding (Kafka's KStreamSlidingWindowAggregate, step by step) -----------------------

    def _process_sliding(self, run: _Run, value: Any, ts: int) -> None:
        d = self.windows.time_difference  # type: ignore[union-attr]
        close_time = run.stream_time - self.windows.grace
        if ts + d < close_time:
            run.late_windows.append(self.windows.left_window(ts))  # type: ignore[union-attr]
            return
        if ts < d:
            self._sliding_early(run, value, ts, close_time)
        else:
            self._sliding_reverse(run, value, ts, close_time)

    def _sliding_scan(self, run: _Run, lo: int, hi: int,
                      reverse: bool) -> Iterator[tuple[int, list]]:
        lo = max(lo, run.store_time - self.retention + 1, 0)
        if lo > hi:
            return iter(())
        n = len(run.prefix)
        items = run.txn.iter_range(window_at(run.prefix, lo), window_at(run.prefix, hi + 1),
                                   reverse)
        return ((decode_u64(k, n), v) for k, v in items)

    def _sliding_reverse(self, run: _Run, value: Any, ts: int, close_time: int) -> None:
        d = self.windows.time_difference  # type: ignore[union-attr]
        starts: set[int] = set()
        left_agg = right_agg = None
        left_exists = right_exists = False
        previous_ts = None
        for start, stored in self._sliding_scan(run, ts - 2 * d, ts + 1, reverse=True):
            starts.add(start)
            end, max_ts = start + d, stored[1]
            if start == ts + 1:
                right_exists = True
            elif end > ts:
                if right_agg is None:
                    right_agg = stored
                self._update_sliding(run, start, stored, value, ts, close_time, False)
            elif end == ts:
                left_exists = True
                self._update_sliding(run, start, stored, value, ts, close_time, False)
                if max_ts < ts:
                    previous_ts = max_ts
                else:
                    return  # Kafka returns here: every window this record needs exists
            else:
                left_agg, previous_ts = stored, max_ts
                break
        if previous_ts is not None:
            start = previous_ts + 1
            if start not in starts and start + d >= ts:  # the previous record's right window
                self._update_sliding(run, start, [self.initializer(), ts], value, ts,
                                     close_time, True)
        if not left_exists:
            if previous_ts is not None and ts - d <= previous_ts:
                base = [copy.deepcopy(left_agg[0]), ts]  # type: ignore[index]
            else:
                base = [self.initializer(), ts]
            self._update_sliding(run, ts - d, base, value, ts, close_time, True)
        if not right_exists and right_agg is not None and right_agg[1] > ts:
            self._create_right_window(run, ts, right_agg)

    def _sliding_early(self, run: _Run, value: Any, ts: int, close_time: int) -> None:
        """Kafka's ``processEarly``: records with ``ts < D`` share the window ``[0, D]``."""
        combined = right_agg = None
        right_exists = False
        starts: set[int] = set()
        previous_ts = None
        for start, stored in self._sliding_scan(run, 0, ts + 1, reverse=False):
            starts.add(start)
            if start == 0:
                combined = stored
                if stored[1] < ts:
                    previous_ts = stored[1]
            elif start <= ts:
                right_agg = stored
                self._update_sliding(run, start, stored, value, ts, close_time, False)
            else:  # start == ts + 1
                right_exists = True
        if right_agg is None and combined is not None and combined[1] > ts:
            right_agg = combined
        if not right_exists and right_agg is not None and right_agg[1] > ts:
            self._create_right_window(run, ts, right_agg)
        if previous_ts is not None and previous_ts + 1 not in starts:
            self._update_sliding(run, previous_ts + 1, [self.initializer(), ts], value, ts,
                                 close_time, True)
        if combined is None:
            self._update_sliding(run, 0, [self.initializer(), ts], value, ts, close_time, True)
        else:
            self._update_sliding(run, 0, combined, value, ts, close_time, False)

    def _update_sliding(self, run: _Run, start: int, stored: list, value: Any, ts: int,
                        close_time: int, creating: bool) -> None:
        window = Window(start, start + self.windows.time_difference)  # type: ignore[union-attr]
        if window.end < close_time:
            run.late_windows.append(window)
            return
        wkey = window_at(run.prefix, start)
        existed = run.txn.contains(wkey) if creating else True
        aggregate = self._add(run, stored[0], value, window)
        self._put(run, wkey, window, start, aggregate, max(ts, stored[1]), existed)

    def _create_right_window(self, run: _Run, ts: int, source: list) -> None:
        # A copy of the window that holds the records after ts; the record itself is not in it.
        start = ts + 1
        window = Window(start, start + self.windows.time_difference)  # type: ignore[union-attr]
        wkey = window_at(run.prefix, start)
        self._put(run, wkey, window, start, copy.deepcopy(source[0]), source[1],
                  run.txn.contains(wkey))

    # -- sessions (Kafka's KStreamSessionWindowAggregate) -----------------------------------

    def _process_session(self, run: _Run, value: Any, ts: int) -> None:
        windows: SessionWindows = self.windows  # type: ignore[assignment]
        txn, prefix, n = run.txn, run.prefix, len(run.prefix)
        close_time = run.stream_time - windows.grace - windows.gap
        earliest_end = max(ts - windows.gap, run.store_time - self.retention + 1, 0)
        found: list[tuple[bytes, Window, Any]] = []
        aggregate = self.initializer()
        merged = single = Window(ts, ts)
        for wkey, (stored, _) in txn.iter_range(window_at(prefix, earliest_end),
                                                prefix_end(prefix)):
            session = self._parse_window(wkey, n)
            if session.start > ts + windows.gap:
                break
            found.append((wkey, session, stored))
            aggregate = self.merger(aggregate, stored)  # type: ignore[misc]
            merged = windows.merge(merged, session)
        if merged.end < close_time:
            run.late_windows.append(merged)
            return
        merged_key = session_key(prefix, merged.end, merged.start)
        existed = txn.contains(merged_key)
        if merged != single:
            threshold = run.emit_time - self._close_after
            for wkey, session, _ in found:
                txn.delete(wkey)
                run.store_time = max(run.store_time, session.end)
                if self._final:
                    if session != merged and session.end > threshold:
                        txn.delete(self._pending_key(run.key, session))
                else:
                    run.results.append(WindowResult(run.key, session, None, session.end))
        aggregate = self._add(run, aggregate, value, merged)
        self._put(run, merged_key, merged, merged.end, aggregate, merged.end, existed)

    # -- writes, emission, expiry -----------------------------------------------------------

    def _add(self, run: _Run, aggregate: Any, value: Any, window: Window) -> Any:
        result = self.adder(aggregate, value)
        if result is None:
            raise ValueError(f"the adder returned None for key {run.key!r}, window "
                             f"{tuple(window)}: return an aggregate (a None aggregate would "
                             f"read as a delete downstream)")
        run.applied = True
        return result

    def _put(self, run: _Run, wkey: bytes, window: Window, segment_time: int, aggregate: Any,
             timestamp: int, existed: bool) -> None:
        txn = run.txn
        txn.set(wkey, [aggregate, timestamp])
        if segment_time > run.store_time:
            run.store_time = segment_time
        if not existed:
            self._mark_for_expiry(txn, segment_time, run.key)
        if not self._final:
            run.results.append(WindowResult(run.key, window, aggregate, timestamp))
            return
        if not existed:
            txn.set(self._pending_key(run.key, window), 1)
            next_close = txn.get(NEXT_CLOSE)
            if next_close is not None and window.end < next_close:
                txn.set(NEXT_CLOSE, window.end)
        emit_time = max(run.emit_time, timestamp)
        if emit_time > run.emit_time or (
                not existed and window.end <= emit_time - self._close_after):
            run.emit_time = emit_time
            run.results.extend(self._evict(txn, emit_time - self._close_after))

    def _mark_for_expiry(self, txn: Any, segment_time: int, key: bytes) -> None:
        """Note in the expiry index that ``key`` has windows in this segment's bucket.

        Markers repeat for every window of a key in a bucket: the ones already written are
        remembered instead of read from the store each time (a forgotten one costs a read)."""
        marker = expiry_marker(segment_time // self._bucket, key)
        known = (txn.derived.get(self) or self._known(txn)).markers
        if marker not in known:
            if not txn.contains(marker):
                txn.set(marker, 1)
            if len(known) > 100_000:
                known.clear()
            known.add(marker)

    def _known(self, txn: Any) -> "_Known":
        known = txn.derived[self] = _Known()
        return known

    def _pending_key(self, key: bytes, window: Window) -> bytes:
        return pending_key(key, window.end, window.start, self._kind == "session")

    def _evict(self, txn: Any, threshold: int) -> list[WindowResult]:
        """Emit and forget pending windows with ``end <= threshold``, in (end, key) order."""
        if threshold < 0:
            return []
        next_close = txn.get(NEXT_CLOSE)
        if next_close is not None and next_close > threshold:
            return []  # nothing pending closes yet (None: unknown, so look)
        out = []
        session = self._kind == "session"
        upper = pending_until(min(threshold, _MAX_TIME - 1) + 1)
        for pkey, _ in list(txn.iter_range(PENDING, upper)):
            key, start, end = pending_window(pkey, session)
            wkey = session_key(window_prefix(key), end, start) if session else window_key(key, start)
            txn.delete(pkey)
            stored = txn.get(wkey)
            if stored is not None:
                out.append(WindowResult(key, Window(start, end), stored[0], stored[1]))
        next_close = _MAX_TIME
        for pkey, _ in txn.iter_range(upper, EXPIRY):
            next_close = pending_window(pkey, session)[2]
            break
        txn.set(NEXT_CLOSE, next_close)
        return out

    def _sweep(self, txn: Any, old_store_time: int, store_time: int) -> None:
        """Delete windows whose segment time is below ``store_time - retention``, by ranges.

        One ms behind visibility on purpose: a window exactly at the visibility edge may still
        be rewritten (Kafka overwrites it blindly) and must stay known as emitted.
        """
        limit = store_time - self.retention
        bucket_limit = limit // self._bucket  # buckets below it are wholly expired
        if limit <= 0 or bucket_limit <= (old_store_time - self.retention) // self._bucket:
            return
        index_end = expiry_marker(bucket_limit, b"")
        if self._one_start_per_bucket:
            # Tumbling windows with buckets no longer than a window: a marker stands for exactly
            # one window, deleted by key (ranges cost a sorted index now and a seek per range
            # at commit). The rest of the last bucket goes with the next sweep.
            size, bucket = self._size, self._bucket
            for marker, _ in txn.iter_range(EXPIRY, index_end):
                start = -(-marker_bucket(marker) * bucket // size) * size
                txn.delete(window_key(marker_key(marker), start))
                txn.delete(marker)
            return
        keys = {marker_key(marker) for marker, _ in txn.iter_range(EXPIRY, index_end)}
        for key in sorted(keys):
            prefix = window_prefix(key)
            txn.delete_range(prefix, window_at(prefix, limit))
        if keys:
            txn.delete_range(EXPIRY, index_end)

    def _parse_window(self, wkey: bytes, n: int) -> Window:
        first = decode_u64(wkey, n)
        if self._kind == "session":
            return Window(decode_u64(wkey, n + 8), first)
        if self._kind == "sliding":
            return Window(first, first + self.windows.time_difference)  # type: ignore[union-attr]
        return Window(first, first + self.windows.size)  # type: ignore[union-attr]
