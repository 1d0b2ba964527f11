"""Crash points for the test driver: where in a worker's commit a simulated crash happens.

A commit (see :mod:`streamflow.runtime.commits`) turns the tables' pending writes into
changelog records, flushes everything and waits for the acknowledgements, commits the input
offsets (with exactly-once: the transaction, offsets included), and only then writes the
stores. A crash between two of those steps is what tests of "nothing lost, nothing doubled"
need to reach, so each gap has a name:

``before_flush``
    (both guarantees) the agents processed their input; nothing of the commit happened.
``after_flush``
    (at-least-once) output and changelog records are in the log; stores and offsets are not
    written: the restart processes the batch again (duplicates, and tables restored from
    changelogs that already hold the batch count it twice).
``after_offsets``
    (both) the offsets (exactly-once: the transaction) are committed; the stores are not
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
    "at_least_once": ("before_flush", "after_flush", "after_offsets"),
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
        self.first = True  # before the tables: their stores are not written when it fires

    async def prepare_commit(self, output: Any) -> None:
        if self.phase == "before_flush":
            raise SimulatedCrash(self.phase)

    async def verify_changelog(self, acked: "dict[TP, int]", output: Any,
                               final: bool) -> "dict[TP, int]":
        if self.phase == "after_flush":  # acknowledged, offsets not committed (at-least-once)
            raise SimulatedCrash(self.phase)
        return acked

    def finish_commit(self, acked: "dict[TP, int]") -> None:
        if self.phase == "after_offsets":
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
