"""Which event is being processed right now, per agent task; and, when one process runs
several workers of one app, which worker a task belongs to.

Tables need the partition of the current event and ``Topic.send`` defaults the output
timestamp to the input's, so both read it from here. One ContextVar holds the running agent's
context object (set once when the agent task starts); the stream updates a plain attribute on
it per event, which costs an attribute store rather than a ContextVar.set.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Callable

from .exceptions import StreamflowError
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


current_worker: ContextVar[Any] = ContextVar("streamflow_worker", default=None)
"""The worker that runs the calling task, where several workers of one app share a process
(the test driver's ``rebalance``). Tasks inherit it from the context that created them; code
calling into one of those workers sets it first."""


class WorkerOfTask:
    """Stands in for ``app._runtime`` while several workers run one app in one process.

    DSL objects (tables, topics, joins) reach the running worker through ``app._runtime``,
    which is the worker itself while it is alone in its process (the production case, at no
    cost). With several, it is this object: every attribute is read from
    :data:`current_worker`, or from the only worker when there is one.
    """

    def __init__(self, workers: list[Any]) -> None:
        self.workers = workers

    def _worker(self) -> Any:
        worker = current_worker.get()
        if worker is not None:
            return worker
        if len(self.workers) == 1:
            return self.workers[0]
        raise StreamflowError(f"{len(self.workers)} workers run this app in this process and "
                              "this call comes from none of them: set "
                              "streamflow.context.current_worker to the one meant")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._worker(), name)

    @staticmethod
    def attach(app: Any, worker: Any) -> None:
        """Make ``worker`` one of the workers running ``app`` in this process. Several are
        allowed when every one of them was made to share the app (``shares_app``)."""
        current = app._runtime
        if current is None:
            app._runtime = worker
        elif isinstance(current, WorkerOfTask) and worker.shares_app:
            current.workers.append(worker)
        elif worker.shares_app and getattr(current, "shares_app", False):
            app._runtime = WorkerOfTask([current, worker])
        else:
            raise StreamflowError(f"app {app.id} is already running in this process")

    @staticmethod
    def detach(app: Any, worker: Any) -> None:
        current = app._runtime
        if current is worker:
            app._runtime = None
        elif isinstance(current, WorkerOfTask) and worker in current.workers:
            current.workers.remove(worker)
            if len(current.workers) == 1:
                app._runtime = current.workers[0]

    @staticmethod
    def holds(app: Any, worker: Any) -> bool:
        current = app._runtime
        return current is worker or (isinstance(current, WorkerOfTask) and worker in current.workers)
