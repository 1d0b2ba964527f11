"""Durations as users write them: seconds (int or float) or a ``datetime.timedelta``.

Every DSL argument that is a length of time (window size, grace, retention, a join's
``within``, a timer's interval, ``take(within=)``, ``commit_interval``) goes through this one
module, so ``tumbling(timedelta(minutes=1), grace=timedelta(seconds=10))`` and
``tumbling(60, grace=10)`` mean the same everywhere. Points in time stay integer milliseconds
since the epoch, like record timestamps; only lengths of time are converted here.
"""
from __future__ import annotations

from datetime import timedelta

from .exceptions import ConfigError

Duration = int | float | timedelta
"""A length of time: seconds (floats allowed) or a :class:`datetime.timedelta`."""

_ONE_MS = timedelta(milliseconds=1)


def seconds(value: Duration, what: str, *, positive: bool = False) -> float:
    """``value`` in seconds; ``what`` names the argument in the error for a bad value."""
    if isinstance(value, timedelta):
        result = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        result = float(value)
    else:
        raise ConfigError(f"{what} must be a number of seconds or a datetime.timedelta, "
                          f"got {type(value).__name__} {value!r}")
    if result < 0 or (positive and result == 0):
        raise ConfigError(f"{what} must be {'> 0' if positive else '>= 0'} seconds, got {value!r}")
    return result


def to_ms(value: Duration, what: str, *, positive: bool = False) -> int:
    """``value`` in whole milliseconds (rounded to the nearest), the unit state keeps."""
    if isinstance(value, timedelta):
        seconds(value, what, positive=positive)  # the same checks and messages
        result = round(value / _ONE_MS)
    else:
        result = round(seconds(value, what, positive=positive) * 1000)
    if positive and result == 0:
        raise ConfigError(f"{what} must be at least 1 millisecond, got {value!r}")
    return result


__all__ = ["Duration", "seconds", "to_ms"]
