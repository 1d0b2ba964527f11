"""A progress bar for table restores, drawn when stderr is a terminal.

The worker's ``restorer.listener`` is set to a :class:`RestoreBar`; it shows
nothing for restores that end within ``after`` seconds, then a bar with records restored,
records per second and the time left. Log lines keep printing above it (the log handler writes
to whatever ``sys.stderr`` is at the time, which the bar redirects while it is shown). When
stderr is not a terminal no listener is installed and the runtime logs a progress line every
2 s instead.
"""
from __future__ import annotations

import sys
from typing import Any

from ..runtime.restore_progress import RestoreProgress


class CurrentStderr:
    """A stream that writes to the ``sys.stderr`` of the moment (the bar replaces it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


class RestoreBar:
    """The restore listener drawing the bar (see the module docstring); ``close`` removes it."""

    def __init__(self, console: Any = None, after: float = 3.0) -> None:
        self.console, self.after = console, after
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, p: RestoreProgress) -> None:
        if p.done:
            self.close()
            return
        if self._progress is None:
            if p.elapsed < self.after:
                return
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)
            self._progress = Progress(
                TextColumn("restoring {task.fields[partitions]} table partition(s)"), BarColumn(),
                MofNCompleteColumn(), TextColumn("records  {task.fields[rate]:>9} records/s"),
                TimeRemainingColumn(), console=self.console or Console(stderr=True),
                transient=True)
            self._progress.start()
            self._task = self._progress.add_task("restore", total=p.total,
                                                 partitions=p.partitions, rate="-")
        rate = f"{p.restored / p.elapsed:,.0f}" if p.elapsed > 0 else "-"
        self._progress.update(self._task, completed=p.restored, total=p.total, rate=rate,
                              partitions=p.partitions)

    @property
    def shown(self) -> bool:
        return self._progress is not None

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = self._task = None


__all__ = ["CurrentStderr", "RestoreBar"]
