"""Joins declared on the app: stream-stream (windowed) and table-table.

``app.join_streams(...)`` and ``app.join_tables(...)`` each run as an internal agent over their
two input topics (so both sides of a key are processed by the same worker, in order), keep
their state in an internal changelog-backed table, and write results to an output topic, which
agents consume like any other. The decisions themselves (what matches, what is emitted, when)
are the pure processors in ``streamflow.operators.joins``, proven against brute-force models and
Kafka Streams' own output; this module wires them to topics, partitions and time.

Output records are keyed by the input key *bytes* (so the output topic's key codec should match
the inputs'), their value is ``joiner(left, right)`` (default: the pair, a JSON array), ``null``
for a tombstone, and their timestamp is the one the processor gives (the larger of the two sides).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .durations import Duration, to_ms
from .exceptions import ConfigError, CopartitioningError
from .operators.joins import JoinResult, StreamStreamJoin, TableTableJoin, pair
from .serialization.records import build
from .runtime_api import WorkerContext, running_worker
from .state.keys import right_position_key
from .table_kinds import ChangelogTable, changelog_table
from .tables import Table
from .topics import Topic

if TYPE_CHECKING:
    from .app import App

Joiner = Callable[[Any, Any], Any]


Side = Topic | ChangelogTable


def _source(side: Side, doing: str) -> tuple[Topic, Callable[[bytes | None], Any]]:
    """The topic to read for a join side and how to decode its values (a table is read from
    its changelog, whose records hold the table's encoded values). Sides that are no
    partitioned table with one row per key (windowed, global) are refused here."""
    table = changelog_table(side, doing)
    if table is None:
        if not isinstance(side, Topic):
            raise TypeError(f"{doing}: a join side is a topic or a table, not {side!r}")
        return side, (lambda value: value)
    if table.changelog_is_source:  # app.table(topic=...): its topic, decoded as such
        return table.changelog, (lambda value: value)
    loads = table.value_codec.loads
    return table.changelog, (lambda raw: None if raw is None else loads(raw))


def _reviver(side: Side) -> Callable[[Any], Any] | None:
    """How to give a value of ``side`` read back from join state its declared type again.

    Join state is kept as JSON (it reaches a changelog), so a Record or dataclass value that
    was stored and committed comes back from the store as a dict; a value still pending in the
    partition transaction is the object itself. None when the side's values are plain JSON."""
    record_type = getattr(side.value_codec, "record_type", None)
    if record_type is None:
        return None

    def revive(value: Any) -> Any:
        return value if value is None or isinstance(value, record_type) else build(record_type, value)
    return revive


def typed_joiner(joiner: Joiner, left: Side, right: Side) -> Joiner:
    """``joiner`` receiving both sides as their topic's (or table's) value type, whether the
    processor read them from the store (JSON) or got them from the record just decoded."""
    revive_left, revive_right = _reviver(left), _reviver(right)
    if revive_left is None and revive_right is None:
        return joiner
    revive_left = revive_left or (lambda v: v)
    revive_right = revive_right or (lambda v: v)
    return lambda lv, rv: joiner(revive_left(lv), revive_right(rv))


class _Join:
    kind_name = "join"

    def __init__(self, app: "App", name: str, left: Side, right: Side,
                 into: Topic | None, partitions: int | None) -> None:
        self.app, self.name = app, name
        self.left_topic, self.decode_left = _source(left, f"{self.kind_name} {name}")
        self.right_topic, self.decode_right = _source(right, f"{self.kind_name} {name}")
        if self.left_topic.name == self.right_topic.name:
            raise ConfigError(f"{self.kind_name} {name}: the two sides must be different topics")
        n = partitions or self.left_topic.declared_partitions or app.settings.topic_partitions
        self.state = self._state_table(f"{name}-join-state", n)
        # Results are keyed by the input key's bytes: by default they decode as the left's keys.
        self.key_codec = left.key_codec
        self.output = into or app.topic(f"{app.id}-{name}-join", key_type=self.key_codec, partitions=n)
        app._start_checks.append(self._check_copartitioned)
        app.agent(self.left_topic, self.right_topic, name=f"join:{name}")(self._run)

    def _check_copartitioned(self, worker: WorkerContext) -> None:
        left, right = self.left_topic.name, self.right_topic.name
        nl, nr = worker.partition_count(left), worker.partition_count(right)
        if nl != nr:
            raise CopartitioningError(
                f"{self.kind_name} {self.name}: {left} has {nl} partitions and {right} has {nr}; "
                f"a key must be on the same partition number on both sides. Re-key one side "
                f"into a topic with {nl} partitions (stream.group_by(key_fn, name=..., "
                f"partitions={nl}) in an agent that writes it), or recreate the topics with "
                f"the same partition count")
        if self.state.partitions != nl:
            raise CopartitioningError(
                f"{self.kind_name} {self.name}: its state has {self.state.partitions} partitions "
                f"but {left} has {nl}: pass partitions={nl}")

    async def _run(self, stream: Any) -> None:
        worker = running_worker(self.app, f"{self.kind_name} {self.name}")
        transaction, output = worker.transaction, worker.output
        left_name = self.left_topic.name
        out_name, encode = self.output.name, self.output.encode_value
        state = self.state
        async for event in stream.events():
            txn = transaction(state, event.partition)
            if event.topic == left_name:
                results = self._left(txn, event.raw_key, self.decode_left(event.value), event.timestamp)
            else:
                results = self._right(txn, event.raw_key, self.decode_right(event.value), event.timestamp)
            for r in results:
                output.add_nowait(out_name, r.key, encode(r.value), None, r.timestamp, None)
            if results:
                self._emitted(worker, event.partition, results)

    def _state_table(self, name: str, partitions: int) -> Table:
        return self.app.table(name, partitions=partitions)

    def _send(self, results: list[JoinResult]) -> None:
        """Results released outside the join's agent (``flush``), keyed as the agent keys them."""
        output = running_worker(self.app, f"{self.kind_name} {self.name}").output
        for r in results:
            output.add_nowait(self.output.name, r.key, self.output.encode_value(r.value), None,
                              r.timestamp, None)

    def _emitted(self, worker: WorkerContext, partition: int, results: list[JoinResult]) -> None:
        """Hook for joins that also materialise their results."""

    # Each join kind binds these to its processor's two entry points.
    _left: Callable[[Any, bytes | None, Any, int], list[JoinResult]]
    _right: Callable[[Any, bytes | None, Any, int], list[JoinResult]]


class StreamStreamJoinSpec(_Join):
    """``app.join_streams``: records of two streams whose keys match within a time window."""

    kind_name = "stream-stream join"

    def __init__(self, app: "App", name: str, left: Topic, right: Topic, *, within: Duration | None,
                 before: Duration | None, after: Duration | None, grace: Duration, kind: str,
                 joiner: Joiner | None, into: Topic | None, partitions: int | None) -> None:
        if within is not None:
            before = after = within
        if before is None or after is None:
            raise ConfigError(f"stream-stream join {name}: give within= or both before= and after=")
        self.processor = StreamStreamJoin(to_ms(before, "before"), to_ms(after, "after"),
                                          to_ms(grace, "grace"), kind,  # type: ignore[arg-type]
                                          typed_joiner(joiner or pair, left, right))
        self._left, self._right = self.processor.process_left, self.processor.process_right
        super().__init__(app, name, left, right, into, partitions)

    def _state_table(self, name: str, partitions: int) -> Table:
        self.app._check_table_name(name)
        table = self.app.tables[name] = _StreamJoinState(self, name, partitions)
        return table

    def flush(self, txn: Any) -> None:
        """Emit the records of one state partition still waiting to be emitted unmatched
        (left/outer): the end of a bounded input (``TestDriver.flush_windows``)."""
        self._send(self.processor.flush(txn))


class _StreamJoinState(Table):
    """A stream-stream join's state table. Like a windowed table it holds records waiting for
    stream time to close a window, so the runtime's ``flush_windows`` releases them too."""

    def __init__(self, spec: StreamStreamJoinSpec, name: str, partitions: int) -> None:
        super().__init__(spec.app, name, partitions=partitions)
        self.spec = spec

    def flush(self, txn: Any) -> None:
        self.spec.flush(txn)



class TableTableJoinSpec(_Join):
    """``app.join_tables``: a result table kept up to date when either side changes."""

    kind_name = "table-table join"

    def __init__(self, app: "App", name: str, left: Side, right: Side, *,
                 kind: str, joiner: Joiner | None, into: Topic | None,
                 partitions: int | None) -> None:
        self.processor = TableTableJoin(kind, typed_joiner(joiner or pair, left, right))  # type: ignore[arg-type]
        self._left, self._right = self.processor.update_left, self.processor.update_right
        super().__init__(app, name, left, right, into, partitions)
        self.table = app.table(name, key_type=self.key_codec, partitions=self.state.partitions)


    def _emitted(self, worker: WorkerContext, partition: int, results: list[JoinResult]) -> None:
        txn = worker.transaction(self.table, partition)
        for r in results:
            assert r.key is not None  # a table-table join drops records without a key
            if r.value is None:
                txn.delete(r.key)
            else:
                txn.set(r.key, list(r.value) if isinstance(r.value, tuple) else r.value)


class ForeignKeyJoinSpec:
    """``app.join_foreign_key``: a left table joined to a right table by a key taken from each
    left value.

    The left side is partitioned as usual (its rows, and the index from foreign key to left
    keys, live in the left partition's state). The right side is read in full by every worker,
    like a global table, and every right update is applied to each left partition the worker
    holds, which emits one result per left row pointing at the updated key. Each partition's
    state remembers the last right offset it applied (in the same per-commit batch as the rows),
    so restarts and rebalances never apply a right record twice or skip one.
    """

    kind_name = "foreign-key join"

    def __init__(self, app: "App", name: str, left: Side, right: Side, *,
                 foreign_key: Callable[[Any], Any], kind: str, joiner: Joiner | None,
                 into: Topic | None, partitions: int | None) -> None:
        from .operators.joins import ForeignKeyJoin
        self.app, self.name = app, name
        self.left_topic, self.decode_left = _source(left, f"foreign-key join {name}")
        self.topic, self.decode_right = _source(right, f"foreign-key join {name}")
        right_key = right.key_codec.dumps

        def extract(value: Any) -> bytes | None:
            fk = foreign_key(value)
            return None if fk is None else right_key(fk)

        self.processor = ForeignKeyJoin(kind, extract,  # type: ignore[arg-type]
                                        typed_joiner(joiner or pair, left, right))
        n = partitions or self.left_topic.declared_partitions or app.settings.topic_partitions
        self.state = app.table(f"{name}-join-state", partitions=n)
        self.output = into or app.topic(f"{app.id}-{name}-join", key_type=left.key_codec, partitions=n)
        self.table = app.table(name, key_type=left.key_codec, partitions=n)
        self.agent_name = f"join:{name}"
        app._broadcasts.append(self)
        app._start_checks.append(self._check)
        app.agent(self.left_topic, name=self.agent_name)(self._run)

    def _check(self, worker: WorkerContext) -> None:
        n = worker.partition_count(self.left_topic.name)
        if self.state.partitions != n:
            raise CopartitioningError(
                f"foreign-key join {self.name}: its state has {self.state.partitions} partitions "
                f"but {self.left_topic.name} has {n}: pass partitions={n}")

    def restart_positions(self, held: list[tuple[int, Any]],
                          right_partitions: int) -> dict[int, int]:
        """Per right partition (of ``right_partitions``), the first offset that some held
        partition of the join's state (``held``: (partition, transaction)) still needs."""
        out: dict[int, int] = {}
        for rp in range(right_partitions):
            key = right_position_key(rp)
            out[rp] = min((txn.get(key, -1) + 1 for _, txn in held), default=0)
        return out

    async def _run(self, stream: Any) -> None:
        worker = running_worker(self.app, f"foreign-key join {self.name}")
        left_name, proc, state = self.left_topic.name, self.processor, self.state
        out_name, encode = self.output.name, self.output.encode_value
        async for event in stream.events():
            if event.topic == left_name:
                txn = worker.transaction(state, event.partition)
                results = proc.update_left(txn, txn, event.raw_key, self.decode_left(event.value),
                                           event.timestamp)
                self._emit(worker, out_name, encode, event.partition, results)
                continue
            position = right_position_key(event.partition)
            value = self.decode_right(event.value)
            for partition, txn in worker.held(state):
                if event.offset <= txn.get(position, -1):
                    continue  # this partition's state already has it
                results = proc.update_right(txn, txn, event.raw_key, value, event.timestamp)
                txn.set(position, event.offset)
                self._emit(worker, out_name, encode, partition, results)

    def _emit(self, worker: WorkerContext, out_name: str, encode: Callable[[Any], Any],
              partition: int, results: list[JoinResult]) -> None:
        if not results:
            return
        output, txn = worker.output, worker.transaction(self.table, partition)
        for r in results:
            output.add_nowait(out_name, r.key, encode(r.value), partition, r.timestamp, None)
            if r.key is None:  # sent, but no row to keep
                continue
            if r.value is None:
                txn.delete(r.key)
            else:
                txn.set(r.key, list(r.value) if isinstance(r.value, tuple) else r.value)
