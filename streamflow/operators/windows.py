"""Window definitions: what a user declares, as pure arithmetic on integer milliseconds.

Nothing here holds state or touches a store; :mod:`streamflow.operators.windowed` executes these
definitions. The rules are Kafka Streams' (see ``docs/windows.md``):

- Tumbling and hopping windows are ``[start, end)``, aligned to the epoch (start is a multiple
  of the advance), and none starts below 0.
- Sliding windows are ``[start, end]`` with ``end - start == time_difference``, aligned to record
  timestamps. Records with ``ts < time_difference`` share the window ``[0, time_difference]``.
- Sessions are ``[start, end]``, both bounds being record timestamps; records at most ``gap``
  apart (inclusive) belong to one session.

Timestamps must be ``>= 0``, as Kafka Streams rejects negative ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from streamflow.exceptions import InvalidTimestamp

__all__ = [
    "HoppingWindows",
    "SessionWindows",
    "SlidingWindows",
    "TumblingWindows",
    "Window",
    "WindowDefinition",
]


class Window(NamedTuple):
    """A window's bounds in ms. ``end`` is exclusive for tumbling/hopping windows and inclusive
    for sliding and session windows, as in Kafka Streams."""

    start: int
    end: int


def _check_int(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int number of milliseconds, got {value!r}")
    if value < minimum:
        rule = "positive" if minimum == 1 else "zero or more"
        raise ValueError(f"{name} must be {rule} (milliseconds), got {value}")


def _check_timestamp(ts: int) -> None:
    if ts < 0:
        raise InvalidTimestamp(f"record timestamp {ts!r} is not an event time "
                               f"(windows need ints >= 0 ms)")


@dataclass(frozen=True, slots=True)
class HoppingWindows:
    """Fixed-size windows starting every ``advance`` ms: ``[n*advance, n*advance + size)``.

    A window accepts a record while ``end > stream_time - grace``.
    """

    size: int
    advance: int
    grace: int = 0

    def __post_init__(self) -> None:
        _check_int("window size", self.size, 1)
        _check_int("window advance", self.advance, 1)
        _check_int("grace", self.grace, 0)
        if self.advance > self.size:
            raise ValueError(f"window advance ({self.advance} ms) must not exceed the window "
                             f"size ({self.size} ms): records between windows would be lost")

    def windows_for(self, ts: int) -> list[Window]:
        """The windows containing ``ts``, by ascending start (Kafka's ``windowsFor`` order)."""
        _check_timestamp(ts)
        size, advance = self.size, self.advance
        start = max(0, ts - size + advance) // advance * advance
        out = []
        while start <= ts:
            out.append(Window(start, start + size))
            start += advance
        return out

    def is_open(self, window: Window, stream_time: int) -> bool:
        return window.end > stream_time - self.grace

    @property
    def close_after(self) -> int:
        """A window closes once ``end <= stream_time - close_after``."""
        return self.grace


@dataclass(frozen=True, slots=True, init=False)
class TumblingWindows(HoppingWindows):
    """Non-overlapping fixed-size windows: hopping windows whose advance equals their size."""

    def __init__(self, size: int, grace: int = 0) -> None:
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "advance", size)
        object.__setattr__(self, "grace", grace)
        self.__post_init__()

    def __repr__(self) -> str:
        return f"TumblingWindows(size={self.size}, grace={self.grace})"


@dataclass(frozen=True, slots=True)
class SlidingWindows:
    """Windows of ``time_difference`` ms around records, both bounds inclusive.

    A record at ``ts`` defines its left window ``[ts - D, ts]`` and, if a later record falls in
    it, its right window ``[ts + 1, ts + 1 + D]``. A window stays open while
    ``stream_time <= end + grace``. Records with a None value are dropped.
    """

    time_difference: int
    grace: int = 0

    def __post_init__(self) -> None:
        # Kafka accepts 0, but then a window holds one instant and retention 2*D+grace can be
        # 0, hiding every window: refused as almost certainly a mistake.
        _check_int("time_difference", self.time_difference, 1)
        _check_int("grace", self.grace, 0)

    def left_window(self, ts: int) -> Window:
        """The window ending at ``ts``; for an early record (``ts < D``) the window ``[0, D]``."""
        _check_timestamp(ts)
        d = self.time_difference
        return Window(0, d) if ts < d else Window(ts - d, ts)

    def right_window(self, ts: int) -> Window:
        """The window starting just after ``ts``."""
        _check_timestamp(ts)
        return Window(ts + 1, ts + 1 + self.time_difference)

    def is_open(self, window: Window, stream_time: int) -> bool:
        return window.end >= stream_time - self.grace

    @property
    def close_after(self) -> int:
        return self.grace


@dataclass(frozen=True, slots=True)
class SessionWindows:
    """Sessions of activity separated by more than ``gap`` ms of inactivity.

    A record within ``gap`` (inclusive) of a session joins it; one record can bridge several
    sessions into one. A session stays open while ``stream_time <= end + gap + grace``.
    """

    gap: int
    grace: int = 0

    def __post_init__(self) -> None:
        _check_int("session gap", self.gap, 1)
        _check_int("grace", self.grace, 0)

    def reaches(self, session: Window, ts: int) -> bool:
        """Whether a record at ``ts`` joins ``session`` (gap inclusive on both sides)."""
        return session.end >= ts - self.gap and session.start <= ts + self.gap

    @staticmethod
    def merge(a: Window, b: Window) -> Window:
        return Window(min(a.start, b.start), max(a.end, b.end))

    def is_open(self, window: Window, stream_time: int) -> bool:
        return window.end >= stream_time - self.gap - self.grace

    @property
    def close_after(self) -> int:
        return self.gap + self.grace


WindowDefinition = HoppingWindows | SlidingWindows | SessionWindows
