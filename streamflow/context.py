"""Which event is being processed right now, per agent task.

Tables need the partition of the current event and ``Topic.send`` defaults the output
timestamp to the input's, so both read it from here. One ContextVar holds the running agent's
context object (set once when the agent task starts); the stream updates a plain attribute on
it per event, which costs an attribute store rather than a ContextVar.set.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Callable


class ProcessingContext:
    __slots__ = ("agent", "event", "batch", "before_next")

    def __init__(self, agent: str) -> None:
        self.agent = agent
        self.event: Any = None
        # Called when the agent asks for its next input batch, before the previous one counts
        # as processed: the agent's sink hands over the records it staged.
        self.before_next: Callable[[], None] | None = None
        # True while the agent holds a take() chunk: ``event`` is then the chunk's last event,
        # which does not say where each item of the chunk came from.
        self.batch = False


current_context: ContextVar[ProcessingContext | None] = ContextVar("streamflow_context", default=None)


def current_event() -> Any:
    """The event the calling agent is processing, or None outside an agent."""
    ctx = current_context.get()
    return None if ctx is None else ctx.event
