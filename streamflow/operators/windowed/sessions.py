"""Session windows: Kafka Streams' ``KStreamSessionWindowAggregate``.

A record joins every session within ``gap`` of it (inclusive on both sides); one record can
bridge several sessions into one, whose aggregate is the ``merger`` of theirs. The sessions
merged away are deleted, and update mode emits a tombstone for each. A record at the timestamp
of a one-record session ``[t, t]`` updates it without a tombstone (Kafka skips the tombstone
when the merged session equals ``[ts, ts]``). Sessions hidden by retention are not merged:
with the default retention a session stops merging once stream time reaches
``end + gap + grace``, and a record at a one-record session's own timestamp then replaces it.
"""
from __future__ import annotations

from typing import Any, Callable

from ...state.keys import decode_u64, prefix_end, session_key, window_at
from ..windows import SessionWindows, Window
from .expiry import Expiry
from .results import WindowResult
from .updates import Run, WindowWriter

__all__ = ["SessionsProcessor"]


class SessionsProcessor:
    """Session windows of one aggregation; state in the transaction passed in."""

    __slots__ = ("windows", "initializer", "merger", "writer", "expiry")

    drops_none_values = False  # a None value goes to the adder, as Kafka's does

    def __init__(self, windows: SessionWindows, initializer: Callable[[], Any],
                 merger: Callable[[Any, Any], Any], writer: WindowWriter,
                 expiry: Expiry) -> None:
        self.windows = windows
        self.initializer = initializer
        self.merger = merger
        self.writer = writer
        self.expiry = expiry

    def process(self, run: Run, value: Any, ts: int) -> None:
        windows = self.windows
        txn, prefix, n = run.txn, run.prefix, len(run.prefix)
        close_time = run.stream_time - windows.grace - windows.gap
        earliest_end = max(ts - windows.gap, self.expiry.visible_from(run.store_time), 0)
        found: list[tuple[bytes, Window]] = []
        aggregate = self.initializer()
        merged = single = Window(ts, ts)
        for wkey, (stored, _) in txn.iter_range(window_at(prefix, earliest_end),
                                                prefix_end(prefix)):
            session = _session_at(wkey, n)
            if session.start > ts + windows.gap:
                break
            found.append((wkey, session))
            aggregate = self.merger(aggregate, stored)
            merged = windows.merge(merged, session)
        if merged.end < close_time:
            run.late_windows.append(merged)
            return
        merged_key = session_key(prefix, merged.end, merged.start)
        existed = txn.contains(merged_key)
        if merged != single:
            suppression = self.writer.suppression
            for wkey, session in found:
                txn.delete(wkey)
                run.store_time = max(run.store_time, session.end)
                if suppression is None:
                    run.results.append(WindowResult(run.key, session, None, session.end))
                elif session != merged:
                    suppression.merged_away(run, session)
        aggregate = self.writer.add(run, aggregate, value, merged)
        self.writer.put(run, merged_key, merged, merged.end, aggregate, merged.end, existed)

    # -- reads -------------------------------------------------------------------------------

    def windows_of(self, txn: Any, prefix: bytes, visible_from: int, time_from: int,
                   time_to: int) -> list[tuple[Window, Any]]:
        """The visible sessions of the key with ``prefix`` whose start is in [from, to], by
        start (they are stored by end)."""
        out = []
        for wkey, (aggregate, _) in txn.iter_range(window_at(prefix, visible_from),
                                                   prefix_end(prefix)):
            session = _session_at(wkey, len(prefix))
            if time_from <= session.start <= time_to:
                out.append((session, aggregate))
        out.sort()
        return out

    @staticmethod
    def parse_window(wkey: bytes, n: int) -> Window:
        """The session whose key is ``wkey``, after a key prefix of ``n`` bytes."""
        return _session_at(wkey, n)

    @staticmethod
    def segment_time(window: Window) -> int:
        """What retention measures a window by: its end (Kafka's session store segments by end)."""
        return window.end


def _session_at(wkey: bytes, n: int) -> Window:
    """The session whose key is ``wkey``, after a key prefix of ``n`` bytes (end, then start)."""
    return Window(decode_u64(wkey, n + 8), decode_u64(wkey, n))
