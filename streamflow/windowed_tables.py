"""Windowed tables: a table per (key, window), on event time, with Kafka Streams' semantics.

```python
views = app.table("views", default=int).tumbling(60, grace=10)   # sizes in seconds
views.emit_to(app.topic("views-per-minute"), mode="final")

@app.agent(pageviews)
async def count(stream):
    async for view in stream:
        views[view["page"]] += 1          # or views.add(view["page"], 1)
```

The arithmetic and the state layout live in ``streamflow.operators`` (pure, tested against a
brute-force model); this module is the DSL: it finds the event's time and partition, calls the
processor with the partition's transaction, and sends what the processor emits. Durations are
given in seconds (floats allowed) or as ``datetime.timedelta`` (see ``streamflow.durations``)
and kept in milliseconds; points in time are milliseconds since the epoch, like record
timestamps.
"""
from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import aggregations
from .aggregations import Aggregation
from .context import current_context
from .durations import Duration, to_ms
from .exceptions import ConfigError, InvalidTimestamp, StreamflowError
from .operators.windowed import WindowedAggregation, WindowResult
from .runtime_api import current_worker, running_worker
from .serialization import Codec, describe_key_format, key_format
from .serialization.codecs import JSON, JSON_KEY
from .operators.windows import (HoppingWindows, SessionWindows, SlidingWindows, TumblingWindows,
                                Window)
from .table_parts import PartitionedState, TableKeys, partition_count
from .tables import Table
from .topics import Topic
from .types import KEY, PARTITION, RAW_KEY, TIMESTAMP, TOPIC
from .windowed_emit import Emitter

if TYPE_CHECKING:
    from .state import PartitionTransaction

# Bound once: ``add`` reads the worker of the calling task for every event.
_worker_of_task = current_worker.get

EMIT_MODES = ("update", "final")


class WindowedTable:
    """A table of window aggregates: one value per key *and window* (Kafka Streams'
    ``KTable<Windowed<K>, V>``), so not a :class:`~streamflow.tables.Table`: it has no
    ``get``/``in``/``lookup`` of a plain key, and where a plain table is expected (a
    stream-table join, a table-table or foreign-key join) it is refused when declared. See the
    module docstring.

    Built from the table it windows (``table.tumbling(...)`` and the like), whose name,
    changelog, partitions, key type, default and store it takes; that table is then spent
    (using it is an error), since its partitions are this table's.

    Over twenty methods, in a module just over 400 lines, on purpose: the user-facing windowed
    API (``add``, reads by window and range, ``emit_to``/``late_to``, ``advance``/``flush``, and
    the refusals of plain-table use) stays in one place; the per-kind work is in
    :mod:`streamflow.operators.windowed` and the emitting in :mod:`streamflow.windowed_emit`.
    """

    kind = "windowed"
    changelog_is_source = False

    def __init__(self, base: Table, windows: Any, *, agg: Aggregation | None,
                 retention: Duration | None, timestamp: Callable[[Any], int] | None) -> None:
        base.check_in_use()
        self.app, self.name = base.app, base.name
        self.key_type, self.key_codec = base.key_type, base.key_codec
        self.value_codec: Codec = JSON  # window state is the processor's JSON layout
        self.default = base.default
        self.declared_partitions = base.declared_partitions
        self.store_kind = base.store_kind
        self.changelog: Topic = base.changelog
        self._keys = TableKeys(self.app, self.name, self.key_codec)
        self._state = PartitionedState(self, self._keys)
        self._what = self._state.what
        # add() reads these dicts for every event: held here, one lookup closer.
        self._same_key_codec = self._keys.same_codec
        self._copartitioned = self._state.copartitioned
        self.windows = windows
        self.aggregation = agg or aggregations.add_default(base.default or int)
        if isinstance(windows, SessionWindows) and self.aggregation.merger is None:
            raise ConfigError(f"table {self.name}: session windows need an aggregation with a "
                              "merger (count, sum, min, max, mean, reduce, or aggregate(..., merger=))")
        self.retention_ms = None if retention is None else to_ms(retention, "retention")
        self.timestamp_fn = timestamp
        self.emit_topic: Topic | None = None
        self.emit_mode = "update"
        self.late_topic: Topic | None = None
        self.late_events = 0
        self.null_key_events = 0
        self._emitter: Emitter | None = None
        self._processor: WindowedAggregation | None = None
        # Tumbling windows in update mode take the processor's direct path (see add);
        # None: not decided yet.
        self._fast: bool | None = None
        self._size = getattr(windows, "size", 0)
        base._state.replaced_by = f"windowed table {base.name}"
        self.app.tables[self.name] = self

    @property
    def partitions(self) -> int:
        """The partition count in effect: the changelog's on the broker once a worker runs."""
        return partition_count(self.app, self.changelog, self.declared_partitions)

    def key_format_problem(self, topic: str, doing: str) -> str | None:
        """Why events of ``topic`` cannot update this table because their keys are laid out
        differently, or None."""
        return self._keys.format_problem(topic, doing)

    # -- declaration ---------------------------------------------------------------------------
    def emit_to(self, topic: Topic, mode: str = "update") -> "WindowedTable":
        """Send results to ``topic``: ``update`` (every change of a window, tombstones for merged
        sessions) or ``final`` (each window once, when stream time passes end + grace)."""
        if mode not in EMIT_MODES:
            raise ConfigError(f"emit mode {mode!r}: use 'update' or 'final'")
        if self._processor is not None:
            raise ConfigError(f"table {self.name}: emit_to must be called before the app runs")
        if key_format(topic.key_codec) != "json":
            if topic.key_type is not None:
                raise ConfigError(
                    f"table {self.name}: window results are keyed by JSON objects "
                    f"{{\"key\", \"start\", \"end\"}}, but {topic.name} declares "
                    f"{describe_key_format(topic.key_codec)}; declare it with key_type=dict or "
                    f"without key_type")
            topic.key_codec = JSON_KEY  # undeclared: windowed keys are JSON by definition
        self.emit_topic, self.emit_mode = topic, mode
        self._emitter = Emitter(topic, self.key_codec, self.aggregation.result)
        return self

    def late_to(self, topic: Topic) -> "WindowedTable":
        """Send events too late for every window they belong to ``topic``, as they came, with
        headers ``streamflow.topic``, ``streamflow.partition`` and ``streamflow.offset``."""
        self.late_topic = topic
        return self

    @property
    def processor(self) -> WindowedAggregation:
        """The pure processor doing the window arithmetic (``streamflow.operators``), built at
        first use: ``emit_to`` decides its mode, so it must come first."""
        if self._processor is None:
            agg = self.aggregation
            mode = self.emit_mode if self.emit_topic is not None else "update"
            self._processor = WindowedAggregation(
                self.windows, initializer=agg.initializer, adder=agg.adder,
                merger=agg.merger if isinstance(self.windows, SessionWindows) else None,
                emit=mode, retention=self.retention_ms)  # type: ignore[arg-type]
        return self._processor

    # What the processor learns about the store (expiry markers written, newest window per
    # key) lives in each partition transaction's ``derived``, which its abort clears.

    # -- updates ---------------------------------------------------------------------------------
    def _event_time(self, value: Any) -> int:
        if self.timestamp_fn is not None:
            return self._extract_time(value)
        ctx = current_context.get()
        if ctx is not None and ctx.event is not None:
            if ctx.batch:
                raise StreamflowError(f"windowed table {self.name}: inside a take() chunk the "
                                      "event time of each item is unknown; iterate events one by "
                                      "one or declare the table with timestamp=fn(value)")
            return ctx.event.timestamp
        return running_worker(self.app, self._what).now_ms()

    def _extract_time(self, value: Any) -> int:
        """``timestamp=fn(value)``, checked here: what it raises or returns that is no time
        is the record's fault, so it becomes :class:`InvalidTimestamp`, which the worker
        handles like a record that does not decode (``on_decode_error``). (``add`` has this
        inline for the common case and calls :meth:`_time_failed` and :meth:`_checked_time`.)"""
        try:
            ts = self.timestamp_fn(value)  # type: ignore[misc]
        except Exception as exc:  # reported with the record's coordinates
            raise self._time_failed(exc) from exc
        return ts if ts.__class__ is int and ts >= 0 else self._checked_time(ts)

    def _time_failed(self, exc: Exception) -> InvalidTimestamp:
        return InvalidTimestamp(f"timestamp= of windowed table {self.name} raised "
                                f"{type(exc).__name__}: {exc}")

    def _checked_time(self, ts: Any) -> int:
        """What ``timestamp=`` returned that is not a plain int >= 0: an int-like value as
        an int, else :class:`InvalidTimestamp`."""
        if ts.__class__ is not int:
            try:
                ts = int(ts)
            except (TypeError, ValueError, OverflowError):
                raise InvalidTimestamp(f"timestamp= of windowed table {self.name} returned "
                                       f"{ts!r}, not a time in ms") from None
        if ts < 0:
            raise InvalidTimestamp(f"timestamp= of windowed table {self.name} returned {ts}, "
                                   f"not a time (windows need ints >= 0 ms)")
        return ts

    def add(self, key: Any, value: Any = 1) -> None:
        """Aggregate ``value`` into every window of ``key`` that holds the event's time.

        A None key is not aggregated (Kafka Streams drops null-key records from windowed
        aggregations, before stream time moves): it is counted in ``null_key_events``. Encoding
        it instead would aggregate a key ``null``/``"None"`` that Kafka never shows.

        One path for every window kind; tumbling windows in update mode, the common case,
        take the processor's direct path (``update_tumbling``) for the aggregation itself. The
        worker runs thousands of these per batch, so the event's own key bytes, partition and
        time are read from it here rather than through the general helpers.
        """
        if key is None:
            self.null_key_events += 1
            return
        ctx = current_context.get()
        # An Event or the worker's plain tuple laid out like one (streamflow.types)
        event = ctx.current if ctx is not None and not ctx.batch else None
        if event is not None:
            topic_name = event[TOPIC]
            if key is event[KEY] and event[RAW_KEY] is not None and self._same_key_codec.get(topic_name):
                raw = event[RAW_KEY]
            else:
                raw = self._keys.raw(key)
            worker = _worker_of_task()
            if worker is None or worker.app is not self.app:
                worker = running_worker(self.app, self._what)
            if self._copartitioned.get(topic_name):
                txn = worker.transaction(self, event[PARTITION])
            else:  # first event of this topic (or a co-partitioning error): the checked way
                txn = self._state.txn(raw)
            extract = self.timestamp_fn
            if extract is None:
                ts = event[TIMESTAMP]
            else:  # _extract_time, inline: a call less per record
                try:
                    ts = extract(value)
                except Exception as exc:  # reported with the record's coordinates
                    raise self._time_failed(exc) from exc
                if ts.__class__ is not int or ts < 0:
                    ts = self._checked_time(ts)
        else:
            raw = self._keys.raw(key)
            txn = self._state.txn(raw)
            worker = running_worker(self.app, self._what)
            ts = self._event_time(value)
        processor = self._processor or self.processor
        fast = self._fast
        if fast is None:
            fast = self._fast = processor.tumbling_update
        if fast:
            update = processor.update_tumbling(txn, raw, value, ts)  # type: ignore[misc]
            if update is None:
                self._late(key, value, ts)
            elif self._emitter is not None:
                start, aggregate, result_ts = update
                self._emitter.send(worker, raw, start, start + self._size, aggregate, result_ts)
            return
        result = processor.process(txn, raw, value, ts)
        if result.results and self._emitter is not None:
            self._emitter.send_all(worker, result.results)
        if result.late:
            self._late(key, value, ts)

    def __getitem__(self, key: Any) -> "WindowSet":
        return WindowSet(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, WindowSet) and value.applied:
            return  # ``table[k] += v`` already aggregated through WindowSet.__iadd__
        raise TypeError(f"windowed table {self.name}: update it with table[key] += value or "
                        "table.add(key, value)")

    def __delitem__(self, key: Any) -> None:
        raise TypeError(f"windowed table {self.name}: windows expire after retention; they are "
                        "not deleted one by one")

    def _emit(self, results: list[WindowResult]) -> None:
        """Send window results that time moving produced (see advance and flush)."""
        if self._emitter is not None and results:
            self._emitter.send_all(running_worker(self.app, self._what), results)

    def _late(self, key: Any, value: Any, ts: int) -> None:
        self.late_events += 1
        topic = self.late_topic
        if topic is None:
            return
        output = running_worker(self.app, self._what).output
        ctx = current_context.get()
        event = ctx.event if ctx is not None else None
        headers = None
        if event is not None:
            headers = [("streamflow.topic", event.topic.encode()),
                       ("streamflow.partition", str(event.partition).encode()),
                       ("streamflow.offset", str(event.offset).encode())]
        raw_value = event.value if event is not None else value
        output.add_nowait(topic.name, topic.encode_key(key), topic.encode_value(raw_value),
                          None, ts, headers)

    # -- time moving without records ---------------------------------------------------------------
    def advance(self, txn: "PartitionTransaction", timestamp: int) -> None:
        self._emit(self.processor.advance(txn, timestamp))

    def flush(self, txn: "PartitionTransaction") -> None:
        self._emit(self.processor.flush(txn))

    # -- reads -------------------------------------------------------------------------------------
    def windows_of(self, key: Any, time_from: int, time_to: int) -> list[tuple[Window, Any]]:
        """``key``'s windows whose start lies in ``[time_from, time_to]`` (ms), oldest first."""
        raw = self._keys.raw(key)
        show = self.aggregation.result
        txn = self._state.txn(raw)
        return [(w, show(v)) for w, v in self.processor.windows_of(txn, raw, time_from, time_to)]

    def value_at(self, key: Any, timestamp: int) -> Any:
        """The value of ``key``'s window that holds ``timestamp`` (ms): the latest-starting one
        for hopping windows; None when there is none."""
        w = self.windows
        if isinstance(w, HoppingWindows):
            lo = timestamp - w.size + 1
        elif isinstance(w, SlidingWindows):
            lo = timestamp - w.time_difference
        else:
            lo = 0
        found = None
        for window, value in self.windows_of(key, max(0, lo), timestamp):
            if _holds(w, window, timestamp):
                found = value
        return found

    # -- no reads of a plain table: one value per key *and window* -------------------------------
    # Defined to raise, not left out: without them ``key in table`` and ``for k in table`` would
    # fall back to ``table[0]``, ``table[1]``, ... (a WindowSet each) and never end.
    def items(self) -> Iterator[tuple[Any, Any]]:
        """Refused: there is a value per key *and window*, not per key."""
        raise _not_per_key(self.name, "items()")

    def __iter__(self) -> Iterator[Any]:
        raise _not_per_key(self.name, "iterating over it")

    def __contains__(self, key: Any) -> bool:
        raise _not_per_key(self.name, "`key in table`")


def _not_per_key(table: str, what: str) -> TypeError:
    return TypeError(f"windowed table {table}: {what} reads a table with one value per key, and "
                     f"this one has a value per key and window: read windows with "
                     f"table[key].current(), .value_at(ts), .range(from_ms, to_ms) or "
                     f"table.windows_of(key, from_ms, to_ms)")


def _holds(definition: Any, window: Window, ts: int) -> bool:
    if isinstance(definition, HoppingWindows):
        return window.start <= ts < window.end
    return window.start <= ts <= window.end


class WindowSet:
    """``table[key]`` of a windowed table: ``+=`` aggregates, the methods read."""

    __slots__ = ("table", "key", "applied")

    def __init__(self, table: WindowedTable, key: Any) -> None:
        self.table, self.key, self.applied = table, key, False

    def __iadd__(self, value: Any) -> "WindowSet":
        self.table.add(self.key, value)
        self.applied = True
        return self

    def current(self) -> Any:
        """The window holding the event being processed."""
        return self.table.value_at(self.key, self.table._event_time(None))

    def now(self) -> Any:
        """The window holding the current wall-clock time (virtual time under the test driver)."""
        now = running_worker(self.table.app, self.table._what).now_ms()
        return self.table.value_at(self.key, now)

    def value_at(self, timestamp: int) -> Any:
        """The value of the window holding ``timestamp`` (ms), None when there is none."""
        return self.table.value_at(self.key, timestamp)

    def range(self, time_from: int, time_to: int) -> list[tuple[Window, Any]]:
        """The windows whose start lies in ``[time_from, time_to]`` (ms), oldest first."""
        return self.table.windows_of(self.key, time_from, time_to)

    def delta(self, seconds: Duration) -> Any:
        """Current window's value minus the value of the window ``seconds`` (or a timedelta)
        earlier (missing windows count as the aggregation's initial value)."""
        now = self.table._event_time(None)
        initial = self.table.aggregation.result(self.table.aggregation.initializer())
        current = self.value_at(now)
        before = self.value_at(now - to_ms(seconds, "delta"))
        return operator.sub(initial if current is None else current,
                            initial if before is None else before)

    def __repr__(self) -> str:
        return f"<WindowSet {self.table.name}[{self.key!r}]>"


def tumbling(table: Table, size: Duration, *, grace: Duration = 0, retention: Duration | None = None,
             agg: Aggregation | None = None, timestamp: Callable[[Any], int] | None = None) -> WindowedTable:
    """``table`` windowed in fixed, non-overlapping windows of ``size``."""
    return WindowedTable(table, TumblingWindows(to_ms(size, "size"), to_ms(grace, "grace")), agg=agg,
                         retention=retention, timestamp=timestamp)


def hopping(table: Table, size: Duration, step: Duration, *, grace: Duration = 0, retention: Duration | None = None,
            agg: Aggregation | None = None, timestamp: Callable[[Any], int] | None = None) -> WindowedTable:
    """``table`` windowed in windows of ``size`` starting every ``step`` (overlapping when
    ``step < size``)."""
    return WindowedTable(table, HoppingWindows(to_ms(size, "size"), to_ms(step, "step"), to_ms(grace, "grace")),
                         agg=agg, retention=retention, timestamp=timestamp)


def sliding(table: Table, size: Duration, *, grace: Duration = 0, retention: Duration | None = None,
            agg: Aggregation | None = None, timestamp: Callable[[Any], int] | None = None) -> WindowedTable:
    """``table`` windowed in sliding windows of ``size`` around records (Kafka Streams'
    ``SlidingWindows``: a record's window ends at it, and one starts just after it)."""
    return WindowedTable(table, SlidingWindows(to_ms(size, "size"), to_ms(grace, "grace")), agg=agg,
                         retention=retention, timestamp=timestamp)


def session(table: Table, gap: Duration, *, grace: Duration = 0, retention: Duration | None = None,
            agg: Aggregation | None = None, timestamp: Callable[[Any], int] | None = None) -> WindowedTable:
    """``table`` windowed in sessions: a key's events closer than ``gap`` share a window."""
    return WindowedTable(table, SessionWindows(to_ms(gap, "gap"), to_ms(grace, "grace")), agg=agg,
                         retention=retention, timestamp=timestamp)
