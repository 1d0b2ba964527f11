"""The worker's side of a commit: what comes before and after the commit path itself.

The worker decides when to commit (every ``commit_interval``, before a revoke, at shutdown);
each commit here

1. quiesces: every agent processes what it was given and hands back what it holds (``take``
   buffers, through an empty *flush* batch);
2. runs the commit path (``runtime.commits``): its first half (``begin``: the tables' writes
   frozen and turned into changelog records, the output flushed, what the commit covers
   taken) under the worker's lock, its second half (``complete``: acknowledgements, offsets,
   stores) either right away (:meth:`Committer.commit`) or in the background while processing
   goes on (:meth:`Committer.begin`);
3. repairs what it found damaged: a store that could not be read (everything since the last
   commit is rolled back first) or written (``runtime.store_failures``); a full disk stops
   the worker instead.

At most one commit is in flight. Its second half never takes the worker's lock and changes
no processing state but the stores' committing layers (written and dropped in one step):
whatever it cannot finish (a give-up, an error) it records, and the next holder of the lock
applies it (:meth:`Committer.apply_done`, :meth:`Committer.settle`) before processing
anything else: a rollback, a repair, or the error that stops the worker. Every other commit
(final ones, ``Worker.commit``, a repair) waits for the commit in flight first.

After a fatal error, :meth:`Committer.fail` replaces the final commit.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Callable

from ..state import StoreCorrupted, StoreWriteFailed
from ..streams import FLUSH
from .commits import Failure, GiveUp

if TYPE_CHECKING:
    from .commits import AtLeastOnceCommit, InFlight
    from .run_state import RunState
    from .runners import AgentRunner
    from .store_failures import StoreRepair

log = logging.getLogger("streamflow.worker")


class Committer:
    """Commits of one worker. ``runners()``: the agents to quiesce; ``disk_full(exc)``: the
    error a full disk stops the worker with. :attr:`path` is set once the producer exists."""

    def __init__(self, runners: Callable[[], list["AgentRunner"]], run: "RunState",
                 store_repair: "StoreRepair", disk_full: Callable[[StoreWriteFailed], Any],
                 took: Callable[[float], None] = lambda seconds: None) -> None:
        """``took(seconds)`` is told how long each commit path ran (the metrics)."""
        self._runners = runners
        self._took = took
        self._run = run
        self._store_repair = store_repair
        self._disk_full = disk_full
        self.path: "AtLeastOnceCommit | None" = None
        self._flight: asyncio.Task[None] | None = None
        # What the commit in flight ended with, for the next holder of the lock: a GiveUp,
        # an exception, or None (it completed).
        self._outcome: GiveUp | BaseException | None = None

    @property
    def commits(self) -> int:
        """Offset commits (transactions, with exactly-once) that moved some input offset."""
        return self.path.commits if self.path is not None else 0

    @property
    def aborted(self) -> int:
        """Exactly-once: transactions aborted."""
        return self.path.aborted if self.path is not None else 0

    @property
    def in_flight(self) -> bool:
        """A commit's second half runs in the background (or ended, not applied yet)."""
        return self._flight is not None

    @property
    def running(self) -> bool:
        """A commit's second half runs in the background now."""
        return self._flight is not None and not self._flight.done()

    async def quiesce(self) -> None:
        """Make every agent hand back what it holds (``take`` buffers) before a commit."""
        live = [r for r in self._runners() if r.task is not None and not r.task.done()]
        # Upstream channels first: a forwarder's flush may produce into a later channel, which
        # is fine, those records are acknowledged before offsets are committed.
        futures = [c.deliver(FLUSH) for r in live for c in r.channels]
        if futures:
            await asyncio.gather(*futures)

    # -- the commit in flight --------------------------------------------------------------
    async def wait(self) -> None:
        """Until the commit in flight ended (no lock needed: it never takes the lock)."""
        flight = self._flight
        if flight is not None and not flight.done():
            await asyncio.wait([flight])

    async def settle(self) -> None:
        """Wait for the commit in flight and apply what it ended with (the caller holds the
        worker's lock)."""
        await self.wait()
        await self.apply_done()

    async def apply_done(self) -> None:
        """If the commit in flight ended, apply what it ended with (the caller holds the
        lock): a give-up rolls back, a damaged store is repaired, a full disk stops the
        worker, any other error is raised (the loop stops on it, as on a failed commit)."""
        flight = self._flight
        if flight is None or not flight.done():
            return
        self._flight, outcome, self._outcome = None, self._outcome, None
        assert self.path is not None
        if outcome is None or isinstance(outcome, GiveUp):
            self.path.apply(outcome)
        elif isinstance(outcome, StoreCorrupted):  # read checking the changelogs
            if not self._store_repair.found(outcome):
                raise outcome
        elif isinstance(outcome, StoreWriteFailed):
            self._run.stop_with(self._disk_full(outcome))
        else:
            raise outcome
        if self._store_repair.pending:  # found there, or writing a frozen layer
            await self._store_repair.repair()

    async def abandon(self) -> None:
        """Cancel the commit in flight, as a killed process would (the test driver's crash)."""
        flight, self._flight, self._outcome = self._flight, None, None
        if flight is not None and not flight.done():
            flight.cancel()
            await asyncio.wait([flight])

    async def _complete(self, flight: "InFlight", began: float) -> None:
        assert self.path is not None
        try:
            self._outcome = await self.path.complete(flight)
            self._took(time.perf_counter() - began)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - applied by the next holder of the lock
            self._outcome = exc

    # -- commits ---------------------------------------------------------------------------
    async def begin(self) -> None:
        """Start a commit whose second half runs in the background (the caller holds the
        worker's lock; the run loop waited for the previous one before taking it)."""
        await self.settle()
        await self.quiesce()
        if self._run.error is not None or self._run.stop_requested:
            return  # the shutdown's final commit (or fail()) decides
        assert self.path is not None
        if self._store_repair.pending:
            await self._store_repair.repair()
            return
        began = time.perf_counter()
        try:
            flight = await self.path.begin()
        except StoreCorrupted as damage:  # read turning the writes into changelog records
            if not self._store_repair.found(damage):
                raise
            await self._store_repair.repair()
            return
        if flight is not None:
            self._flight = asyncio.get_running_loop().create_task(self._complete(flight, began))

    async def commit(self, final: bool = False) -> None:
        """One whole commit (the caller holds the worker's lock), after the one in flight;
        ``final``: the last one before partitions leave (a revoke, the shutdown)."""
        await self.settle()
        await self.quiesce()
        if self._run.error is not None:
            return  # an agent failed handing back what it held: the shutdown's fail() decides
        assert self.path is not None
        repair = self._store_repair
        if not repair.pending:
            began = time.perf_counter()
            try:
                await self.path.commit(final)
                self._took(time.perf_counter() - began)
            except StoreCorrupted as damage:  # read turning the writes into changelog records
                if not repair.found(damage):
                    raise
            except StoreWriteFailed as full:  # the changelog holds what the store could not
                self._run.stop_with(self._disk_full(full))
                return
        if repair.pending:  # nothing is committed past a damaged read
            await repair.repair()

    async def fail(self) -> None:
        """Instead of the final commit after a fatal error: abort (exactly-once) or commit
        only what the failure cannot have left half done (see ``commits.Failure``). A commit
        in flight covers only what was processed in full before it began: it finishes first;
        if it failed, nothing since the last commit can be trusted."""
        assert self.path is not None and self._run.error is not None
        try:
            await self.settle()
        except Exception as exc:  # noqa: BLE001 - the first error is the one to report
            log.warning("the commit in flight when the worker failed failed too: %s", exc)
            self._run.left = Failure.BROKEN
        if self._run.left is Failure.CLEAN:
            await self.quiesce()  # the agents are fine: let them hand back what they hold
        reason = f"stopping after {type(self._run.error).__name__}"
        await self.path.fail(self._run.left, reason)


__all__ = ["Committer"]
