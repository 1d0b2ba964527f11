"""The worker's side of a commit: what comes before and after the commit path itself.

The worker decides when to commit (every ``commit_interval``, before a revoke, at shutdown);
each commit here

1. quiesces: every agent processes what it was given and hands back what it holds (``take``
   buffers, through an empty *flush* batch);
2. runs the commit path (``runtime.commits``: changelog records, output acknowledged, offsets,
   stores, in the order each guarantee needs);
3. repairs what it found damaged: a store that could not be read (everything since the last
   commit is rolled back first) or written (``runtime.store_failures``); a full disk stops
   the worker instead.

After a fatal error, :meth:`Committer.fail` replaces the final commit.
"""
from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Callable

from ..state import StoreCorrupted, StoreWriteFailed
from ..streams import FLUSH
from .commits import Failure

if TYPE_CHECKING:
    from .commits import AtLeastOnceCommit
    from .run_state import RunState
    from .runners import AgentRunner
    from .store_failures import StoreRepair


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

    @property
    def commits(self) -> int:
        """Offset commits (transactions, with exactly-once) that moved some input offset."""
        return self.path.commits if self.path is not None else 0

    @property
    def aborted(self) -> int:
        """Exactly-once: transactions aborted."""
        return self.path.aborted if self.path is not None else 0

    async def quiesce(self) -> None:
        """Make every agent hand back what it holds (``take`` buffers) before a commit."""
        live = [r for r in self._runners() if r.task is not None and not r.task.done()]
        # Upstream channels first: a forwarder's flush may produce into a later channel, which
        # is fine, those records are acknowledged before offsets are committed.
        futures = [c.deliver(FLUSH) for r in live for c in r.channels]
        if futures:
            await asyncio.gather(*futures)

    async def commit(self, final: bool = False) -> None:
        """One commit (the caller holds the worker's lock); ``final``: the last one before
        partitions leave (a revoke, the shutdown)."""
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
        only what the failure cannot have left half done (see ``commits.Failure``)."""
        assert self.path is not None and self._run.error is not None
        if self._run.left is Failure.CLEAN:
            await self.quiesce()  # the agents are fine: let them hand back what they hold
        reason = f"stopping after {type(self._run.error).__name__}"
        await self.path.fail(self._run.left, reason)


__all__ = ["Committer"]
