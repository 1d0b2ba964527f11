"""What a table restore reports as it goes, for a display the caller installs.

The runtime stays free of terminal code: ``ChangelogRestorer.listener`` receives these and
the CLI draws a progress bar when stderr is a terminal. Without a listener the restore logs a
progress line every 2 s instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class RestoreProgress:
    """One restore (every table partition of one assignment, read together)."""

    restored: int     # records applied so far
    total: int        # offsets to read: an upper bound (compaction leaves gaps)
    elapsed: float    # seconds since this restore began
    partitions: int   # table partitions being restored
    done: bool        # finished (read to the end, or interrupted by a revoke or a stop)


RestoreListener = Callable[[RestoreProgress], None]

__all__ = ["RestoreListener", "RestoreProgress"]
