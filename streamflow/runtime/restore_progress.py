"""What a table restore reports as it goes, for a display the caller installs and for
the worker's metrics.

The runtime stays free of terminal code: ``ChangelogRestorer.listener`` receives these and
the CLI draws a progress bar when stderr is a terminal. Without a listener the restore logs a
progress line every 2 s instead. ``TableManager.restore_gauges`` (a :class:`RestoreGauges`)
keeps where each table partition's restore stands, for ``/metrics``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class RestoreProgress:
    """One restore (every table partition of one assignment, read together)."""

    restored: int     # records applied so far
    total: int        # offsets to read: an upper bound (compaction leaves gaps)
    elapsed: float    # seconds since this restore began
    partitions: int   # table partitions being restored
    done: bool        # finished (read to the end, or interrupted by a revoke or a stop)


RestoreListener = Callable[[RestoreProgress], None]


class RestoreGauges:
    """Where each table partition's restore stands (``runtime.tables`` tells it once per chunk
    read), so that a scrape of ``/metrics`` can say how much is left and for how long."""

    def __init__(self) -> None:
        self.restored: dict[tuple[str, int], int] = {}  # records restored, ever (a counter)
        # (table, partition) -> [first offset, position, end offset, monotonic time begun]
        self._running: dict[tuple[str, int], list[Any]] = {}

    def begin(self, ranges: dict[tuple[str, int], tuple[int, int]]) -> None:
        now = time.monotonic()
        for key, (start, end) in ranges.items():
            self._running[key] = [start, start, end, now]

    def advance(self, key: tuple[str, int], position: int, records: int) -> None:
        self.restored[key] = self.restored.get(key, 0) + records
        state = self._running.get(key)
        if state is not None:
            state[1] = position

    def end(self, keys: Any) -> None:
        for key in keys:
            self._running.pop(key, None)

    def remaining(self, key: tuple[str, int]) -> tuple[int, float | None]:
        """(offsets left to read, seconds left at the rate so far: None before any progress);
        (0, 0.0) when ``key`` is not being restored."""
        state = self._running.get(key)
        if state is None:
            return 0, 0.0
        start, position, end, began = state
        left, done, elapsed = max(0, end - position), position - start, time.monotonic() - began
        if done <= 0 or elapsed <= 0:
            return left, None
        return left, left * elapsed / done


__all__ = ["RestoreGauges", "RestoreListener", "RestoreProgress"]

