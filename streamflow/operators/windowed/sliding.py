"""Sliding windows: Kafka Streams' ``KStreamSlidingWindowAggregate``, step by step.

Windows are ``[start, start + D]``, aligned to records: a record at ``ts`` updates the windows
holding it, creates its left window ``[ts - D, ts]`` and, if a later record falls in it, its
right window ``[ts + 1, ts + 1 + D]``. The order of updates is Kafka's, with one quirk kept:
when the previous record is exactly ``D + 1`` ms earlier, its right window is the new record's
left window and update mode emits that window twice with the same value. Kafka never looks
records up: a new window starts as a copy of one neighbouring window, so a record that was late
for that neighbour is missing from the copy too. Records with ``ts < D`` share the window
``[0, D]`` (Kafka's ``processEarly``). A None value is dropped before stream time moves (the
caller does that).
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Iterator

from ...state.keys import decode_u64, window_at
from ..windows import SlidingWindows, Window
from .expiry import Expiry
from .time_windows import windows_by_start
from .updates import Run, WindowWriter

__all__ = ["SlidingWindowsProcessor"]


class SlidingWindowsProcessor:
    """Sliding windows of one aggregation; state in the transaction passed in."""

    __slots__ = ("windows", "d", "grace", "initializer", "writer", "expiry")

    # Kafka's sliding aggregate drops a null value before stream time moves (the others
    # aggregate it): WindowedAggregation.process does it for the processors that say so.
    drops_none_values = True

    def __init__(self, windows: SlidingWindows, initializer: Callable[[], Any],
                 writer: WindowWriter, expiry: Expiry) -> None:
        self.windows = windows
        self.d = windows.time_difference
        self.grace = windows.grace
        self.initializer = initializer
        self.writer = writer
        self.expiry = expiry

    def process(self, run: Run, value: Any, ts: int) -> None:
        close_time = run.stream_time - self.grace
        if ts + self.d < close_time:
            run.late_windows.append(self.windows.left_window(ts))
            return
        if ts < self.d:
            self._early(run, value, ts, close_time)
        else:
            self._reverse(run, value, ts, close_time)

    def _scan(self, run: Run, lo: int, hi: int, reverse: bool) -> Iterator[tuple[int, list]]:
        """``(start, [aggregate, max_timestamp])`` of the visible windows with start in
        [lo, hi], by start (``reverse``: descending)."""
        lo = max(lo, self.expiry.visible_from(run.store_time), 0)
        if lo > hi:
            return iter(())
        n = len(run.prefix)
        items = run.txn.iter_range(window_at(run.prefix, lo),
                                   window_at(run.prefix, hi + 1), reverse)
        return ((decode_u64(k, n), v) for k, v in items)

    def _reverse(self, run: Run, value: Any, ts: int, close_time: int) -> None:
        """Records with ``ts >= D``: the windows from ``ts - 2D`` to ``ts + 1``, newest first."""
        d = self.d
        starts: set[int] = set()
        left_agg = right_agg = None
        left_exists = right_exists = False
        previous_ts = None
        for start, stored in self._scan(run, ts - 2 * d, ts + 1, reverse=True):
            starts.add(start)
            end, max_ts = start + d, stored[1]
            if start == ts + 1:
                right_exists = True
            elif end > ts:
                if right_agg is None:
                    right_agg = stored
                self._update(run, start, stored, value, ts, close_time, False)
            elif end == ts:
                left_exists = True
                self._update(run, start, stored, value, ts, close_time, False)
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
                self._update(run, start, [self.initializer(), ts], value, ts, close_time, True)
        if not left_exists:
            if previous_ts is not None and ts - d <= previous_ts:
                base = [copy.deepcopy(left_agg[0]), ts]  # type: ignore[index]
            else:
                base = [self.initializer(), ts]
            self._update(run, ts - d, base, value, ts, close_time, True)
        if not right_exists and right_agg is not None and right_agg[1] > ts:
            self._create_right_window(run, ts, right_agg)

    def _early(self, run: Run, value: Any, ts: int, close_time: int) -> None:
        """Kafka's ``processEarly``: records with ``ts < D`` share the window ``[0, D]``."""
        combined = right_agg = None
        right_exists = False
        starts: set[int] = set()
        previous_ts = None
        for start, stored in self._scan(run, 0, ts + 1, reverse=False):
            starts.add(start)
            if start == 0:
                combined = stored
                if stored[1] < ts:
                    previous_ts = stored[1]
            elif start <= ts:
                right_agg = stored
                self._update(run, start, stored, value, ts, close_time, False)
            else:  # start == ts + 1
                right_exists = True
        if right_agg is None and combined is not None and combined[1] > ts:
            right_agg = combined
        if not right_exists and right_agg is not None and right_agg[1] > ts:
            self._create_right_window(run, ts, right_agg)
        if previous_ts is not None and previous_ts + 1 not in starts:
            self._update(run, previous_ts + 1, [self.initializer(), ts], value, ts,
                         close_time, True)
        if combined is None:
            self._update(run, 0, [self.initializer(), ts], value, ts, close_time, True)
        else:
            self._update(run, 0, combined, value, ts, close_time, False)

    def _update(self, run: Run, start: int, stored: list, value: Any, ts: int,
                close_time: int, creating: bool) -> None:
        window = Window(start, start + self.d)
        if window.end < close_time:
            run.late_windows.append(window)
            return
        wkey = window_at(run.prefix, start)
        existed = run.txn.contains(wkey) if creating else True
        aggregate = self.writer.add(run, stored[0], value, window)
        self.writer.put(run, wkey, window, start, aggregate, max(ts, stored[1]), existed)

    def _create_right_window(self, run: Run, ts: int, source: list) -> None:
        # A copy of the window that holds the records after ts; the record itself is not in it.
        start = ts + 1
        window = Window(start, start + self.d)
        wkey = window_at(run.prefix, start)
        self.writer.put(run, wkey, window, start, copy.deepcopy(source[0]), source[1],
                        run.txn.contains(wkey))

    # -- reads -------------------------------------------------------------------------------

    def windows_of(self, txn: Any, prefix: bytes, visible_from: int, time_from: int,
                   time_to: int) -> list[tuple[Window, Any]]:
        """The visible windows of the key with ``prefix`` whose start is in [from, to]."""
        return windows_by_start(txn, prefix, self.d, max(time_from, visible_from, 0), time_to)

    def parse_window(self, wkey: bytes, n: int) -> Window:
        """The window whose key is ``wkey``, after a key prefix of ``n`` bytes."""
        start = decode_u64(wkey, n)
        return Window(start, start + self.d)

    @staticmethod
    def segment_time(window: Window) -> int:
        """What retention measures a window by: its start (Kafka's window store segments by start)."""
        return window.start
