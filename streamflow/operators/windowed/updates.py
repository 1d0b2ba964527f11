"""What every window kind does with one record: fold it into a window, write the window, and pass
the new value on (to the output in update mode, to the suppression buffer in final mode).

The user's ``adder(aggregate, value)`` and ``merger(aggregate, other)`` must return a new value
and not mutate their arguments: emitted results and stored aggregates share objects. An
aggregate of None is refused, since Kafka reads a null aggregate as a delete.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ...state.keys import window_prefix
from ..windows import Window
from .results import WindowResult

if TYPE_CHECKING:
    from .expiry import Expiry
    from .suppression import Suppression

__all__ = ["Run", "WindowWriter", "adder_returned_none", "count_adder", "count_initializer"]


class Run:
    """Scratch state of one record's processing."""

    __slots__ = ("txn", "key", "prefix", "results", "late_windows", "applied", "stream_time",
                 "emit_time", "store_time")

    def __init__(self, txn: Any, key: bytes, stream_time: int, emit_time: int,
                 store_time: int) -> None:
        self.txn = txn
        self.key = key
        self.prefix = window_prefix(key)
        self.results: list[WindowResult] = []
        self.late_windows: list[Window] = []
        self.applied = False  # the record updated a window
        self.stream_time = stream_time
        self.emit_time = emit_time  # the suppression buffer's clock: max update timestamp
        self.store_time = store_time  # moves as windows are written; stored once at the end


def count_initializer() -> int:
    """A count's first aggregate (``streamflow.agg.count``)."""
    return 0


def count_adder(aggregate: int, _value: Any) -> int:
    """A count's adder: one more, whatever the value. The tumbling path recognises this pair
    and counts inline instead of calling them (see ``TimeWindowsProcessor.update``)."""
    return aggregate + 1


def adder_returned_none(key: bytes, window: tuple[int, int]) -> ValueError:
    """The error when a window's adder returns None for ``key`` in ``window``."""
    return ValueError(f"the adder returned None for key {key!r}, window {window}: return an "
                      f"aggregate (a None aggregate would read as a delete downstream)")


class WindowWriter:
    """Folds records into windows and writes them, for every window kind."""

    __slots__ = ("adder", "expiry", "suppression")

    def __init__(self, adder: Callable[[Any, Any], Any], expiry: "Expiry",
                 suppression: "Suppression | None") -> None:
        self.adder = adder
        self.expiry = expiry
        self.suppression = suppression

    def add(self, run: Run, aggregate: Any, value: Any, window: Window) -> Any:
        """``adder(aggregate, value)``, refused if None."""
        result = self.adder(aggregate, value)
        if result is None:
            raise adder_returned_none(run.key, (window.start, window.end))
        run.applied = True
        return result

    def put(self, run: Run, wkey: bytes, window: Window, segment_time: int, aggregate: Any,
            timestamp: int, existed: bool) -> None:
        """Write a window's new aggregate and pass it on (see :meth:`updated`)."""
        txn = run.txn
        txn.set(wkey, [aggregate, timestamp])
        if segment_time > run.store_time:
            run.store_time = segment_time
        if not existed:
            self.expiry.mark(txn, segment_time, run.key)
        self.updated(run, window, aggregate, timestamp, existed)

    def updated(self, run: Run, window: Window, aggregate: Any, timestamp: int,
                existed: bool) -> None:
        """A window was written: in update mode its new value is a result; in final mode the
        suppression buffer holds it until it closes."""
        if self.suppression is None:
            run.results.append(WindowResult(run.key, window, aggregate, timestamp))
        else:
            self.suppression.updated(run, window, timestamp, existed)
