"""Final mode: Kafka Streams' ``suppress(untilWindowCloses)``, each window emitted once.

A window is emitted at the first moment ``end <= emit_time - close_after`` is true after one of
its updates (``close_after``: grace; sessions: gap + grace), with its value at that moment, and
never again ("final means once"; Kafka 4.1 re-emits sliding and session windows updated on that
boundary). ``emit_time`` is the suppression buffer's clock, the largest timestamp of an update
it saw. Emission happens after each update, as the buffer does, so the order is Kafka's: closed
windows in (end, key) order, which is the order of the pending index (``streamflow.state.keys``, 02).

Stream time does not move at end of input: the processor's ``advance`` moves it (the replay
driver's ``advance``), and :meth:`Suppression.flush` emits every pending window at the end of
a bounded input.
"""
from __future__ import annotations

from typing import Any

from ...state.keys import (EXPIRY, NEXT_CLOSE, PENDING, STREAM_TIME, pending_key, pending_until,
                            pending_window, session_key, window_key, window_prefix)
from ..windows import Window
from .results import WindowResult
from .updates import Run

__all__ = ["Suppression"]

_MAX_TIME = (1 << 64) - 1  # NEXT_CLOSE when nothing is pending


class Suppression:
    """The suppression buffer of one windowed aggregation, kept in its transaction."""

    __slots__ = ("close_after", "sessions")

    def __init__(self, close_after: int, sessions: bool) -> None:
        self.close_after = close_after
        self.sessions = sessions  # sessions' pending keys hold end and start (Kafka's order)

    def updated(self, run: Run, window: Window, timestamp: int, existed: bool) -> None:
        """``window`` was just written with a record's ``timestamp``: hold it until it closes,
        and emit (into ``run.results``) whatever closed by now."""
        txn = run.txn
        if not existed:
            txn.set(pending_key(run.key, window.end, window.start, self.sessions), 1)
            next_close = txn.get(NEXT_CLOSE)
            if next_close is not None and window.end < next_close:
                txn.set(NEXT_CLOSE, window.end)
        emit_time = max(run.emit_time, timestamp)
        if emit_time > run.emit_time or (
                not existed and window.end <= emit_time - self.close_after):
            run.emit_time = emit_time
            run.results.extend(self.evict(txn, emit_time - self.close_after))

    def merged_away(self, run: Run, session: Window) -> None:
        """``session`` was merged into a larger one before it closed: never emit it."""
        if session.end > run.emit_time - self.close_after:
            run.txn.delete(pending_key(run.key, session.end, session.start, True))

    def evict(self, txn: Any, threshold: int) -> list[WindowResult]:
        """Emit and forget pending windows with ``end <= threshold``, in (end, key) order."""
        if threshold < 0:
            return []
        next_close = txn.get(NEXT_CLOSE)
        if next_close is not None and next_close > threshold:
            # Nothing pending closes yet (None: unknown, so look). This makes a record that
            # closes nothing cost a lookup, not a scan of the index and of the tombstones of
            # every window emitted before.
            return []
        out = []
        upper = pending_until(min(threshold, _MAX_TIME - 1) + 1)
        for pkey, _ in list(txn.iter_range(PENDING, upper)):
            key, start, end = pending_window(pkey, self.sessions)
            wkey = (session_key(window_prefix(key), end, start) if self.sessions
                    else window_key(key, start))
            txn.delete(pkey)
            stored = txn.get(wkey)
            if stored is not None:
                out.append(WindowResult(key, Window(start, end), stored[0], stored[1]))
        next_close = _MAX_TIME
        for pkey, _ in txn.iter_range(upper, EXPIRY):
            next_close = pending_window(pkey, self.sessions)[2]
            break
        txn.set(NEXT_CLOSE, next_close)
        return out

    def emit_closed(self, txn: Any) -> list[WindowResult]:
        """Windows closed at the current stream time and not emitted yet."""
        stream_time = txn.get(STREAM_TIME)
        if stream_time is None:
            return []
        return self.evict(txn, stream_time - self.close_after)

    def flush(self, txn: Any) -> list[WindowResult]:
        """Every window not emitted yet, closed or not, in (end, key) order: for the end of a
        bounded input only, since a flushed window is never emitted again, even if later
        records update it."""
        return self.evict(txn, _MAX_TIME)
