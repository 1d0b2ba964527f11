"""The windowed aggregation of one partition: a window definition executed over a transaction.

:class:`WindowedAggregation` is what the DSL holds. It checks the definition, keeps stream time,
and hands each record to the processor of its window kind; the processors share the writes
(:mod:`.updates`), retention (:mod:`.expiry`) and final mode (:mod:`.suppression`); every key
is built by :mod:`streamflow.state.keys`. Together they reproduce Kafka Streams 4.1's output
exactly (the same records, values, timestamps and order; ``docs/windows.md``). It never produces to a topic,
never commits, and holds no state outside the transaction, so everything goes through the
changelog and survives recovery; what it learns about a transaction's contents to skip reads
lives in ``txn.derived``, which an abort clears.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Literal

from ...exceptions import InvalidTimestamp
from ...state.keys import PENDING, STORE_TIME, STREAM_TIME, WINDOW, window_prefix, windows_key_of
from ..windows import HoppingWindows, SessionWindows, SlidingWindows, Window, WindowDefinition
from .expiry import Expiry
from .results import ProcessResult, WindowResult
from .sessions import SessionsProcessor
from .sliding import SlidingWindowsProcessor
from .suppression import Suppression
from .time_windows import TimeWindowsProcessor
from .updates import Run, WindowWriter

__all__ = ["WindowedAggregation"]

KindProcessor = TimeWindowsProcessor | SlidingWindowsProcessor | SessionsProcessor
UpdateTumbling = Callable[[Any, bytes, Any, int], "tuple[int, Any, int] | None"]


class WindowedAggregation:
    """The processor of one partition of a windowed aggregation."""

    def __init__(self, windows: WindowDefinition, *, initializer: Callable[[], Any],
                 adder: Callable[[Any, Any], Any],
                 merger: Callable[[Any, Any], Any] | None = None,
                 emit: Literal["update", "final"] = "update",
                 retention: int | None = None) -> None:
        if emit not in ("update", "final"):
            raise ValueError(f"emit must be 'update' or 'final', got {emit!r}")
        minimum, name = _minimum_retention(windows)
        if isinstance(windows, SessionWindows):
            if merger is None:
                raise ValueError("session windows need a merger(aggregate, other) to combine "
                                 "the aggregates of sessions that one record bridges")
        elif merger is not None:
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
        # Tumbling windows: their size; None for every other kind.
        tumbling = (windows.size if isinstance(windows, HoppingWindows)
                    and windows.advance == windows.size else None)
        # Expiry buckets no longer than a tumbling window: each marker stands for one window.
        self.expiry = Expiry(retention, tumbling if tumbling is not None
                             and max(1, retention // 2) <= tumbling else None)
        self.suppression = (Suppression(windows.close_after, isinstance(windows, SessionWindows))
                            if emit == "final" else None)
        writer = WindowWriter(adder, self.expiry, self.suppression)
        self.kind: KindProcessor
        # Tumbling windows in update mode, the common case: one call per record, without
        # result objects (see TimeWindowsProcessor.update_tumbling); None otherwise.
        self.update_tumbling: UpdateTumbling | None = None
        if isinstance(windows, HoppingWindows):
            time_windows = TimeWindowsProcessor(windows, initializer, writer, self.expiry)
            if tumbling is not None and emit == "update":
                self.update_tumbling = time_windows.update_tumbling
            self.kind = time_windows
        elif isinstance(windows, SlidingWindows):
            self.kind = SlidingWindowsProcessor(windows, initializer, writer, self.expiry)
        else:
            assert merger is not None  # checked above
            self.kind = SessionsProcessor(windows, initializer, merger, writer, self.expiry)

    @property
    def tumbling_update(self) -> bool:
        """Whether :attr:`update_tumbling` serves this processor's records."""
        return self.update_tumbling is not None

    def process(self, txn: Any, key: bytes | None, value: Any, timestamp: int) -> ProcessResult:
        """Aggregate one record; return what Kafka Streams would emit for it, in order."""
        if key is None:
            return ProcessResult()  # Kafka drops null keys before stream time moves
        if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
            raise InvalidTimestamp(f"record timestamp {timestamp!r} is not an event time "
                                   f"(windows need ints >= 0 ms)")
        if value is None and self.kind.drops_none_values:
            return ProcessResult()  # dropped before stream time moves, as in Kafka
        if self.update_tumbling is not None:
            update = self.update_tumbling(txn, key, value, timestamp)
            size = self.kind.size  # type: ignore[union-attr]
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
        run = Run(txn, key, stream_time, -1 if old_stream_time is None else old_stream_time,
                  store_time)
        self.kind.process(run, value, timestamp)
        if run.store_time != store_time:
            txn.set(STORE_TIME, run.store_time)
            self.expiry.sweep(txn, store_time, run.store_time)
        return ProcessResult(run.results, not run.applied, run.late_windows)

    # -- time moving without records ---------------------------------------------------------

    def stream_time(self, txn: Any) -> int | None:
        """The largest timestamp the partition has seen (None before its first record)."""
        return txn.get(STREAM_TIME)

    def emit_closed(self, txn: Any) -> list[WindowResult]:
        """Final mode: windows closed at the current stream time and not emitted yet."""
        return [] if self.suppression is None else self.suppression.emit_closed(txn)

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
        return [] if self.suppression is None else self.suppression.flush(txn)

    # -- reads -------------------------------------------------------------------------------

    def get(self, txn: Any, key: bytes, window_start: int) -> Any | None:
        """The aggregate of ``key``'s window starting at ``window_start``, or None."""
        for _window, aggregate in self.windows_of(txn, key, window_start, window_start):
            return aggregate
        return None

    def windows_of(self, txn: Any, key: bytes, time_from: int,
                   time_to: int) -> list[tuple[Window, Any]]:
        """``key``'s live windows with ``time_from <= start <= time_to``, by start."""
        return self.kind.windows_of(txn, window_prefix(key), self._visible_from(txn),
                                    time_from, time_to)

    def all_windows(self, txn: Any) -> Iterator[tuple[bytes, Window, Any]]:
        """Every live window of every key, as ``(key, window, aggregate)`` by key then start
        (sessions: end): what ``streamflow tables --dump`` prints."""
        visible_from = self._visible_from(txn)
        kind = self.kind
        for wkey, (aggregate, _) in txn.iter_range(WINDOW, PENDING):
            key, n = windows_key_of(wkey)
            window = kind.parse_window(wkey, n)
            if kind.segment_time(window) >= visible_from:
                yield key, window, aggregate

    def _visible_from(self, txn: Any) -> int:
        return max(0, self.expiry.visible_from(txn.get(STORE_TIME, -1)))


def _minimum_retention(windows: WindowDefinition) -> tuple[int, str]:
    """Kafka's default and minimum retention of a window definition, and what it is called."""
    if isinstance(windows, HoppingWindows):
        return windows.size + windows.grace, "window size plus grace"
    if isinstance(windows, SlidingWindows):
        return 2 * windows.time_difference + windows.grace, "twice the time difference plus grace"
    if isinstance(windows, SessionWindows):
        return windows.gap + windows.grace, "session gap plus grace"
    raise TypeError(f"unknown window definition {windows!r}")
