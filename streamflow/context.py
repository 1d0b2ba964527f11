"""Which event is being processed right now, per agent task (the worker running the task is
:data:`streamflow.runtime_api.current_worker`).

Tables need the partition of the current event and ``Topic.send`` defaults the output
timestamp to the input's, so both read it from here. One ContextVar holds the running agent's
context object (set once when the agent task starts); the stream updates a plain attribute on
it per event, which costs an attribute store rather than a ContextVar.set.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Callable

from .types import Event


class ProcessingContext:
    """One agent's processing state: the event being processed (``current``), the batch and
    ``take`` chunk it is in. Set once per agent task; the stream updates its attributes per
    event (cheaper than a ContextVar per event)."""

    __slots__ = ("agent", "current", "batch", "before_next", "chunk", "held")

    def __init__(self, agent: str) -> None:
        self.agent = agent
        # The event being processed, as the worker decoded it: a plain tuple laid out like
        # :class:`Event` (building an Event per record costs more than decoding its key), or
        # an Event. The runtime reads it by index; ``event`` turns it into an Event on demand.
        self.current: Any = None
        # Called when the agent asks for its next input batch, before the previous one counts
        # as processed: the agent's sink hands over the records it staged.
        self.before_next: Callable[[], None] | None = None
        # True while the agent holds a take() chunk: ``event`` is then the chunk's last event,
        # which does not say where each item of the chunk came from.
        self.batch = False
        # take() only, read when the agent fails (see runtime.failures): the events of the
        # chunk being processed, and those buffered for the next chunks (None: no take()).
        self.chunk: list | None = None
        self.held: list | None = None

    @property
    def event(self) -> Any:
        """The event being processed, as an :class:`Event` (None outside any event)."""
        e = self.current
        if e.__class__ is tuple:
            e = self.current = _new_tuple(Event, e)
        return e

    @event.setter
    def event(self, value: Any) -> None:
        self.current = value


_new_tuple = tuple.__new__


current_context: ContextVar[ProcessingContext | None] = ContextVar("streamflow_context", default=None)


def current_event() -> Any:
    """The event the calling agent is processing, or None outside an agent."""
    ctx = current_context.get()
    return None if ctx is None else ctx.event
