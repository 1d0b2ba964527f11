"""What a windowed aggregation returns: the output records of one input record, in order."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..windows import Window


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
