"""The runtime's side of :class:`streamflow.runtime_api.WorkerContext`: what a worker offers
the DSL objects it runs, and nothing else of it.

The worker builds one :class:`WorkerServices` and sets it as
:data:`streamflow.runtime_api.current_worker` before creating its tasks. Each service is the
worker's own bound method, stored as an attribute: a table's read on the hot path costs what
calling the table manager directly costs, with no forwarding call in between.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .. import runtime_api

if TYPE_CHECKING:
    from ..app import App
    from ..runtime_api import OutputPort
    from ..state import PartitionTransaction
    from .clock import Clock
    from .tables import TableManager


class WorkerServices:
    """A worker's :class:`~streamflow.runtime_api.WorkerContext`."""

    __slots__ = ("app", "output", "shared", "partition_count", "transaction", "held",
                 "apply_source", "now_ms", "request_stop_threadsafe")

    def __init__(self, app: "App", *, partition_count: Callable[[str], int],
                 tables: "TableManager", clock: "Clock",
                 request_stop_threadsafe: Callable[[], None], shared: bool) -> None:
        self.app = app
        self.output: "OutputPort" = None  # type: ignore[assignment]  # set once the producer exists
        #: Several workers may run ``app`` in this process (the test driver's rebalance).
        self.shared = shared
        self.partition_count: Callable[[str], int] = partition_count
        self.transaction: Callable[[Any, int], "PartitionTransaction"] = tables.transaction
        self.held: Callable[[Any], list[tuple[int, "PartitionTransaction"]]] = tables.held
        self.apply_source: Callable[[Any, list], None] = tables.apply_source
        self.now_ms: Callable[[], int] = clock.now_ms
        self.request_stop_threadsafe: Callable[[], None] = request_stop_threadsafe

    def enter(self) -> None:
        """Run ``app`` in this process, and make the tasks created from here on (in this
        context) reach this worker."""
        runtime_api.attach(self, self.shared)
        runtime_api.current_worker.set(self)

    def leave(self) -> None:
        """Stopped: DSL calls from outside its tasks no longer reach it."""
        runtime_api.detach(self)

    @property
    def attached(self) -> bool:
        return runtime_api.is_attached(self)

    def __repr__(self) -> str:
        return f"<WorkerServices of app {self.app.id}>"


__all__ = ["WorkerServices"]
