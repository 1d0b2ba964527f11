"""What DSL objects may ask of the worker running them, and how they reach it.

Tables, topics, joins and streams are declarations: they hold no run state. At run time they
need a few things from the worker that runs them, and only these (the :class:`WorkerContext`
protocol): the partition count of a topic, the output buffer (to send records), a table
partition's per-commit transaction and the partitions held, the clock, and, for tables fed
from their topic, applying that topic's records. The event being processed comes from
:mod:`streamflow.context`. The runtime implements the protocol (``runtime.worker_context``);
nothing in the DSL imports the runtime or sees the Worker (``tests/unit/test_layering.py``).

They reach it through :data:`current_worker`, a ContextVar the worker sets before it creates
its tasks (agents, timers, start-up tasks, its consumer's callbacks): every task inherits it,
so several workers of one app in one process (the test driver's ``rebalance``) each reach
their own, and code calling into a worker from outside sets it first (the test driver does).
Code outside every worker's tasks (a notebook cell, a test body next to a running worker)
reaches the app's only running worker through :func:`running_worker`; with none, or with
several and no way to tell which, it gets one clear error.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from .exceptions import StreamflowError

if TYPE_CHECKING:
    from .app import App
    from .state import PartitionTransaction

__all__ = ["OutputPort", "WorkerContext", "current_worker", "find_worker", "running_worker",
           "workers_of"]

OutRecord = tuple[bytes | None, bytes | None, int | None, Sequence[tuple[str, bytes]] | None]
"""``(key, value, timestamp ms, headers)`` of a record to send, encoded."""


class OutputPort(Protocol):
    """The worker's output buffer as DSL objects use it: records are buffered per topic
    partition and sent in batches; the worker flushes them, and waits for the broker's
    acknowledgements, before it commits the input they came from."""

    #: Set while an agent's sink holds records it has not handed over: ``drain_stages``
    #: first, so records reach the producer in the order they were produced.
    staged: bool

    def add_nowait(self, topic: str, key: bytes | None, value: bytes | None,
                   partition: int | None, timestamp: int | None,
                   headers: Sequence[tuple[str, bytes]] | None) -> object:
        """Buffer one record (``partition`` None: Kafka's partition for ``key``)."""

    async def add(self, topic: str, key: bytes | None, value: bytes | None,
                  partition: int | None, timestamp: int | None,
                  headers: Sequence[tuple[str, bytes]] | None) -> None:
        """``add_nowait``, then wait while the buffer is full."""

    def add_records(self, topic: str, records: list[OutRecord]) -> None:
        """Buffer records routed by key, in one call."""

    def drain_stages(self) -> None:
        """Hand over what agents' sinks hold (see ``staged``)."""

    def partition_of(self, key: bytes, partitions: int) -> int:
        """Kafka's partition of ``key`` among ``partitions`` (cached)."""


class WorkerContext(Protocol):
    """What a running worker offers DSL objects: nothing more than this."""

    #: The app the worker runs (a DSL object checks it is its own).
    app: "App"
    #: Where records to send go (set once the worker's producer exists).
    output: OutputPort

    def partition_count(self, topic: str) -> int:
        """The partition count of ``topic`` on the broker (declared topics only)."""

    def transaction(self, table: Any, partition: int) -> "PartitionTransaction":
        """The per-commit transaction of ``table``'s ``partition``; an error naming the
        partitions held when this worker does not hold it."""

    def held(self, table: Any) -> list[tuple[int, "PartitionTransaction"]]:
        """``(partition, transaction)`` of every partition of ``table`` this worker holds,
        by partition."""

    def apply_source(self, table: Any, events: list) -> None:
        """Apply records of the topic ``table`` is fed from (``app.table(topic=...)``) to its
        partitions; the worker notes the offsets applied, which its commit stores."""

    def now_ms(self) -> int:
        """The worker's clock in ms (virtual under the test driver)."""

    def request_stop_threadsafe(self) -> None:
        """Ask the worker to stop after the batch in progress, from any thread."""


current_worker: ContextVar[WorkerContext | None] = ContextVar("streamflow_worker", default=None)
"""The worker whose task this is (see the module docstring)."""

# The workers running each app in this process, for code outside their tasks. Keyed by the
# App object (Apps hash by identity).
_running: dict[Any, list[WorkerContext]] = {}


def running_worker(app: "App", what: str) -> WorkerContext:
    """The worker running ``app`` for the calling code: the one whose task this is, else the
    app's only running worker in this process. ``what`` names the caller in the error raised
    when there is none (or several and this call comes from none of them)."""
    worker = current_worker.get()
    if worker is not None and worker.app is app:
        return worker
    workers = _running.get(app)
    if workers is not None and len(workers) == 1:
        return workers[0]
    if workers:
        raise StreamflowError(
            f"{what}: {len(workers)} workers run app {app.id} in this process and this call "
            f"comes from none of their tasks: set streamflow.runtime_api.current_worker to the "
            f"one meant")
    raise StreamflowError(f"{what} needs a running worker: call it from an agent, a timer or a "
                          f"task of a running app")


def find_worker(app: "App") -> WorkerContext | None:
    """Like :func:`running_worker`, but None when ``app`` is not running in this process (and
    any of its workers when several are: for what they agree on, e.g. partition counts)."""
    worker = current_worker.get()
    if worker is not None and worker.app is app:
        return worker
    workers = _running.get(app)
    return workers[0] if workers else None


def workers_of(app: "App") -> list[WorkerContext]:
    """The workers running ``app`` in this process (``App.stop`` stops them)."""
    return list(_running.get(app, ()))


def attach(worker: WorkerContext, shared: bool) -> None:
    """The runtime's: ``worker`` starts running its app in this process. A second worker of
    one app is allowed only when every one of them shares the app (``shared``: the test
    driver runs several workers of one consumer group in one process)."""
    workers = _running.setdefault(worker.app, [])
    if workers and not (shared and all(getattr(w, "shared", False) for w in workers)):
        raise StreamflowError(f"app {worker.app.id} is already running in this process")
    workers.append(worker)


def detach(worker: WorkerContext) -> None:
    """The runtime's: ``worker`` stopped. Also clears :data:`current_worker` in the calling
    context if it is ``worker``."""
    workers = _running.get(worker.app)
    if workers is not None and worker in workers:
        workers.remove(worker)
        if not workers:
            del _running[worker.app]
    if current_worker.get() is worker:
        current_worker.set(None)


def is_attached(worker: WorkerContext) -> bool:
    """The runtime's: ``worker`` was attached and has not been detached since."""
    return worker in _running.get(worker.app, ())
