"""Crash points for the test driver: where in a worker's commit a simulated crash happens.

A commit (see :mod:`streamflow.runtime.commits`) freezes the tables' pending writes and turns
them into changelog records, flushes everything and waits for the acknowledgements, commits
the input offsets (with exactly-once: the transaction, offsets included), and only then writes
the stores; the run loop does all but the first steps in the background while it processes
later records. A crash between two of those steps is what tests of "nothing lost, nothing
doubled" need to reach, so each gap has a name:

``before_flush``
    (both guarantees) the agents processed their input; nothing of the commit happened.
``after_flush``
    (at-least-once) output and changelog records are in the log; stores and offsets are not
    written: the restart processes the batch again (duplicates, and tables restored from
    changelogs that already hold the batch count it twice).
``after_offsets``
    (both) the offsets (exactly-once: the transaction) are committed; the stores are not
    written: the restart restores them from the changelogs.
``after_freeze``
    (both; in flight) the commit began as the run loop begins it (frozen layers, changelog
    records flushed) and its acknowledgements are not awaited yet; meanwhile the worker
    processed later records (their writes in the tables' new layer, exactly-once their output
    held for the next transaction).
``after_offsets_in_flight``
    (both; in flight) as ``after_offsets``, with later records processed while the commit was
    in flight: the crash loses the frozen layers (not written) and the writes made after them.

An in-flight phase makes the worker's next commit in the driver's steps begin in the
background; the crash happens once the worker processed more records, or at its next commit,
whichever comes first (a commit that runs to the end, such as :meth:`TestDriver.commit` with
nothing begun, crashes at that point right away).

The crash is raised by a commit participant (the protocol the tables use) placed before or
after the tables in the worker's participant list, so no worker internals are patched.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..exceptions import StreamflowError

if TYPE_CHECKING:
    from ..types import TP

PHASES = {
    "at_least_once": ("before_flush", "after_flush", "after_offsets", "after_freeze",
                      "after_offsets_in_flight"),
    "exactly_once": ("before_flush", "after_offsets", "after_freeze", "after_offsets_in_flight"),
}
#: The in-flight phases, and the step of the commit's second half where each crashes.
IN_FLIGHT = {"after_freeze": "acks", "after_offsets_in_flight": "write"}


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
        #: An in-flight phase: the commit it crashes runs in the background (set by the
        #: driver when it begins that commit), and waits at the phase until :meth:`release`.
        self.in_flight = phase in IN_FLIGHT
        self.begun = False
        self._gate = asyncio.Event()
        self._cancelled = False

    def release(self) -> None:
        """Let the commit in flight go on to the crash."""
        self._gate.set()

    def cancel(self) -> None:
        """Let the commit in flight go on without crashing (disarmed)."""
        self._cancelled = True
        self._gate.set()

    @property
    def waiting(self) -> bool:
        """The commit it crashes is in flight, waiting for :meth:`release`."""
        return self.begun and not self._gate.is_set()

    async def prepare_commit(self, output: Any) -> None:
        if self.phase == "before_flush":
            raise SimulatedCrash(self.phase)

    async def completing(self, step: str) -> None:
        if IN_FLIGHT.get(self.phase) != step:
            return
        if self.begun:
            await self._gate.wait()
            if self._cancelled:
                return
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


__all__ = ["IN_FLIGHT", "PHASES", "CrashPoint", "SimulatedCrash"]
