"""Crash points for the test driver: where in a worker's commit a simulated crash happens.

A commit (see :mod:`streamflow.runtime.commits`) turns the tables' pending writes into
changelog records, flushes everything and waits for the acknowledgements, writes the stores,
and commits the input offsets; with exactly-once the offsets join the transaction, which
commits before the stores are written. A crash between two of those steps is what tests of
"nothing lost, nothing doubled" need to reach, so each gap has a name:

``before_flush``
    (both guarantees) the agents processed their input; nothing of the commit happened.
``after_flush``
    (at-least-once) output and changelog records are in the log; stores and offsets are not
    written: the restart processes the batch again (duplicates, and tables restored from
    changelogs that already hold the batch count it twice).
``before_offsets``
    (at-least-once) the stores are written too; only the offsets are not.
``after_offsets``
    (exactly-once) the transaction (output, changelogs, offsets) committed; the stores are not
    written: the restart restores them from the changelogs.

The crash is raised by a commit participant (the protocol the tables use) placed before or
after the tables in the worker's participant list, so no worker internals are patched.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import StreamflowError

if TYPE_CHECKING:
    from ..types import TP

PHASES = {
    "at_least_once": ("before_flush", "after_flush", "before_offsets"),
    "exactly_once": ("before_flush", "after_offsets"),
}


class SimulatedCrash(Exception):
    """Raised inside a worker at an armed crash point; the test driver turns it into a crash."""


class CrashPoint:
    """A commit participant that raises :class:`SimulatedCrash` at one phase of the next
    commit. ``first``: it must sit before the tables in the participant list (else after)."""

    def __init__(self, phase: str, guarantee: str) -> None:
        if phase not in PHASES[guarantee]:
            raise StreamflowError(f"crash phase {phase!r}: with {guarantee} the phases are "
                                  f"{', '.join(PHASES[guarantee])}")
        self.phase = phase
        self.first = phase != "before_offsets"
        self._on_prepare = phase == "before_flush"

    async def prepare_commit(self, output: Any) -> None:
        if self._on_prepare:
            raise SimulatedCrash(self.phase)

    def finish_commit(self, acked: "dict[TP, int]") -> None:
        if not self._on_prepare:
            raise SimulatedCrash(self.phase)

    def rollback(self) -> None:
        pass

    def pending_tasks(self) -> set[tuple[int, int]]:
        return set()

    async def on_assigned(self, tps: "set[TP]") -> None:
        pass

    async def on_revoked(self, tps: "set[TP]") -> None:
        pass


__all__ = ["PHASES", "CrashPoint", "SimulatedCrash"]
