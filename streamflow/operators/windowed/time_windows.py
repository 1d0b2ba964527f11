"""Tumbling and hopping windows: Kafka Streams' ``KStreamWindowAggregate``.

A record goes into every window holding its timestamp that is still open
(``end > stream_time - grace``); a window it is late for is reported, not updated.

Every window update goes through :meth:`TimeWindowsProcessor.update`, the one core of both paths:
:meth:`~TimeWindowsProcessor.process` (hopping windows, final mode, and the model tests) and
:meth:`~TimeWindowsProcessor.update_tumbling`, the common case of tumbling windows in update
mode as one call per record without result objects, which the worker runs thousands of times
per batch. The core skips the store reads whose answer it knows: per transaction, an upper
bound of each key's newest window start (``txn.derived``, which an abort clears) says that a
later window cannot exist yet.
"""
from __future__ import annotations

from typing import Any, Callable

from ...exceptions import InvalidTimestamp
from ...state.keys import (STORE_TIME, STREAM_TIME, decode_u64, encode_u64, window_at,
                            window_prefix)
from ..windows import HoppingWindows, Window
from .expiry import Expiry
from .updates import Run, WindowWriter, adder_returned_none, count_adder, count_initializer

__all__ = ["TimeWindowsProcessor"]

# Past this many keys what a transaction taught is dropped and relearnt.
_MAX_KEYS = 500_000


class TimeWindowsProcessor:
    """Tumbling and hopping windows of one aggregation; state in the transaction passed in."""

    __slots__ = ("windows", "size", "grace", "initializer", "adder", "counts", "writer", "expiry",
                 "retention", "store_time_memo")

    drops_none_values = False  # a None value goes to the adder, as Kafka's does

    def __init__(self, windows: HoppingWindows, initializer: Callable[[], Any],
                 writer: WindowWriter, expiry: Expiry) -> None:
        self.windows = windows
        self.size = windows.size
        self.grace = windows.grace
        self.initializer = initializer
        self.adder = writer.adder
        # streamflow.agg.count(): counted inline, two calls less per new window, one per update
        self.counts = initializer is count_initializer and self.adder is count_adder
        self.writer = writer
        self.expiry = expiry
        self.retention = expiry.retention
        # update_tumbling's key in txn.derived for the partition's store time as it last read
        # or wrote it: every record of a tumbling update-mode aggregation goes through it, so
        # nothing else writes STORE_TIME in that transaction (an abort clears derived).
        self.store_time_memo = object()

    def process(self, run: Run, value: Any, ts: int) -> None:
        """One record, every window holding ``ts``, by ascending start (Kafka's order)."""
        close_time = run.stream_time - self.grace
        store_time = run.store_time  # visibility is as the record found the store
        txn, key, updated = run.txn, run.key, self.writer.updated
        for window in self.windows.windows_for(ts):
            if window.end <= close_time:
                run.late_windows.append(window)
                continue
            aggregate, new_ts, existed = self.update(txn, key, window.start, value, ts, store_time)
            run.applied = True
            if window.start > run.store_time:
                run.store_time = window.start
            updated(run, window, aggregate, new_ts, existed)

    def update_tumbling(self, txn: Any, key: bytes, value: Any,
                        ts: int) -> tuple[int, Any, int] | None:
        """Tumbling windows in update mode: ``process`` for one record of a non-None ``key``,
        without its result objects. Returns ``(window start, aggregate, result timestamp)``
        for the one update to emit, or None when the record is late for its window."""
        if type(ts) is not int or ts < 0:
            if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:
                raise InvalidTimestamp(f"record timestamp {ts!r} is not an event time "
                                       f"(windows need ints >= 0 ms)")
        stream_time = txn.raise_to(STREAM_TIME, ts)
        size = self.size
        start = ts - ts % size
        if start + size <= stream_time - self.grace:
            return None
        derived = txn.derived
        store_time = derived.get(self.store_time_memo)
        if store_time is None:
            store_time = derived[self.store_time_memo] = txn.get(STORE_TIME, -1)
        aggregate, new_ts, _ = self.update(txn, key, start, value, ts, store_time)
        if start > store_time:
            txn.set(STORE_TIME, start)
            derived[self.store_time_memo] = start
            self.expiry.sweep(txn, store_time, start)
        return start, aggregate, new_ts

    def update(self, txn: Any, key: bytes, start: int, value: Any, ts: int,
               store_time: int) -> tuple[Any, int, bool]:
        """Fold ``value`` (a record at ``ts``) into ``key``'s window starting at ``start`` and
        write it; ``store_time`` is the store's as the record found it. Returns ``(aggregate,
        result timestamp, whether the window existed)``. A window hidden by retention is
        rewritten from scratch, as Kafka does."""
        learnt = txn.derived.get(self)
        if learnt is None:
            learnt = txn.derived[self] = {}
        # (an upper bound of the key's newest window start, the key's window prefix): tuples of
        # ints and bytes, which the garbage collector stops tracking
        entry = learnt.get(key)
        if entry is None:
            bound, prefix = None, window_prefix(key)
        else:
            bound, prefix = entry
        wkey = prefix + encode_u64(start)  # window_at(prefix, start), a call less per record
        if bound is not None and start > bound:  # never written: nothing to read
            old, existed = None, False
        elif start >= store_time - self.retention + 1:  # visible: a miss means no window
            old = txn.get(wkey)
            existed = old is not None
        else:  # hidden by retention
            old = None
            existed = txn.contains(wkey)
        if old is None:
            aggregate = 1 if self.counts else self.adder(self.initializer(), value)
            new_ts = ts
        else:
            aggregate = old[0] + 1 if self.counts else self.adder(old[0], value)
            new_ts = ts if ts > old[1] else old[1]
        if aggregate is None:
            raise adder_returned_none(key, (start, start + self.size))
        txn.set(wkey, [aggregate, new_ts])
        if not existed:
            bucket = self.expiry.bucket
            # A first window of the key in a later bucket than its newest: no marker there yet.
            self.expiry.mark(txn, start, key,
                             bound is not None and start // bucket > bound // bucket)
        if bound is None:
            if len(learnt) >= _MAX_KEYS:
                learnt.clear()
            learnt[key] = (start if start > store_time else store_time, prefix)
        elif start > bound:
            learnt[key] = (start, prefix)
        return aggregate, new_ts, existed

    def windows_of(self, txn: Any, prefix: bytes, visible_from: int, time_from: int,
                   time_to: int) -> list[tuple[Window, Any]]:
        """The visible windows of the key with ``prefix`` whose start is in [from, to]."""
        return windows_by_start(txn, prefix, self.size, max(time_from, visible_from, 0), time_to)

    def parse_window(self, wkey: bytes, n: int) -> Window:
        """The window whose key is ``wkey``, after a key prefix of ``n`` bytes."""
        start = decode_u64(wkey, n)
        return Window(start, start + self.size)

    @staticmethod
    def segment_time(window: Window) -> int:
        """What retention measures a window by: its start (Kafka's window store segments by start)."""
        return window.start


def windows_by_start(txn: Any, prefix: bytes, size: int, lo: int,
                     hi: int) -> list[tuple[Window, Any]]:
    """The windows of ``size`` keyed by start (tumbling, hopping, sliding) of the key with
    ``prefix``, with ``lo <= start <= hi``, by start, with their aggregates."""
    if lo > hi:
        return []
    n = len(prefix)
    out = []
    for wkey, (aggregate, _) in txn.iter_range(window_at(prefix, lo), window_at(prefix, hi + 1)):
        start = decode_u64(wkey, n)
        out.append((Window(start, start + size), aggregate))
    return out
