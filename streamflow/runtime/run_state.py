"""Whether the worker goes on: the stop request, and the fatal error that stopped it.

Every part of the runtime that can fail in a way that must stop the worker (an agent, a timer,
a task, a ``group_by`` forwarder, a restore, a standby's store) reports it here through
:meth:`RunState.failed`; the worker's loop stops after the batch in progress, and the shutdown
reads :attr:`RunState.left` to decide what may still be committed (``commits.Failure``).
The first error wins: it is the one ``Worker.run`` re-raises.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable

from ..exceptions import AgentError
from ..state import StoreWriteFailed
from .commits import Failure
from .failures import find_cause

if TYPE_CHECKING:
    from ..exceptions import DecodeError, StreamflowError

log = logging.getLogger("streamflow.worker")


def where(at: Any) -> dict[str, Any] | None:
    """Log ``extra`` fields naming a record (an Event or a DecodeError): JSON logs show them.
    None for what names no single record (an operator's failure over a batch: its span of
    events, which the message names)."""
    if getattr(at, "topic", None) is None:
        return None
    return {"topic": at.topic, "partition": at.partition, "offset": at.offset}


class RunState:
    """The stop request and the fatal error. ``disk_full(exc)`` words the one-line error a
    full disk under a store stops the worker with (``store_failures.disk_full``);
    ``on_stop`` callbacks run at every stop request (a restore in progress gives up)."""

    def __init__(self, disk_full: Callable[[StoreWriteFailed], "StreamflowError"]) -> None:
        self._disk_full = disk_full
        self.on_stop: list[Callable[[], None]] = []
        #: Set by a stop request or a fatal error: the loop ends after the batch in progress.
        self.stop_requested = False
        #: What stopped the worker abnormally (None: nothing did).
        self.error: BaseException | None = None
        #: What that error left behind, so what the shutdown may still commit.
        self.left = Failure.PARTIAL
        self._wake: asyncio.Event | None = None

    def begin(self) -> None:
        """On the worker's event loop, before anything may stop it."""
        self._wake = asyncio.Event()

    def request_stop(self) -> None:
        """Stop after the batch in progress (signal handlers, ``App.stop``, a fatal error)."""
        self.stop_requested = True
        for callback in self.on_stop:
            callback()
        if self._wake is not None:
            self._wake.set()

    def failed(self, where_: str, exc: BaseException, event: Any) -> None:
        """``where_`` (an agent's name, or ``timer x``, ``restoring state``, ...) raised
        ``exc`` while processing ``event`` (None: outside any event): log it with a
        traceback (it is a bug), or in one line for a full disk, and stop."""
        full = find_cause(exc, StoreWriteFailed)
        if full is not None:  # not a bug: one line, no traceback
            self.stop_with(self._disk_full(full))
            return
        who = where_ if " " in where_ else f"agent {where_}"
        at = f" while processing {event.coordinates}" if event is not None else ""
        log.error("%s raised %s%s: %s", who, type(exc).__name__, at, exc, exc_info=exc,
                  extra=where(event) if event is not None else None)
        if self.error is None:
            err = AgentError(f"{who} failed{at}: {type(exc).__name__}: {exc}")
            err.__cause__ = exc
            self.error = err
        if self.left is Failure.CLEAN:
            self.left = Failure.PARTIAL  # e.g. failed on what it held after a decode error
        self.request_stop()

    def stop_with(self, error: "StreamflowError") -> None:
        """Stop on ``error``, already logged in one line (no traceback: it is not a bug)."""
        if self.error is None:
            self.error = error
        if self.left is Failure.CLEAN:
            self.left = Failure.PARTIAL  # raised in an agent: its batch is half done
        self.request_stop()

    def decode_failed(self, error: "DecodeError") -> None:
        """The input stopped before a record that does not decode (logged already):
        everything before it was processed in full."""
        if self.error is None:
            self.error, self.left = error, Failure.CLEAN
            self.request_stop()

    def loop_failed(self, exc: BaseException) -> None:
        """The loop itself failed (a send, a commit, the broker, a cancel mid-batch): what it
        was doing is unknown, so the shutdown commits nothing more."""
        if self.error is None:
            self.error, self.left = exc, Failure.BROKEN

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the worker is asked to stop meanwhile."""
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass


__all__ = ["RunState", "where"]
