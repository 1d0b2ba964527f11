"""The shared inputs: topics every worker reads in full, in their turn in the processing order.

Two kinds, each read by a group-less reader over all its partitions:

- a **global table's topic**: its records are written to the table's store (and the cached
  lookups of their keys forgotten) when their turn comes;
- a **foreign-key join's right side**: its records are handed to the join's agent, which
  applies each one to every left partition the worker holds.

Their turn: what a reader fetched waits in the worker's :class:`~.ordering.InputOrder`, which
merges it by timestamp with every task's records: a stream record with timestamp t sees
every shared record merged before it (timestamp <= t, in head order) and none merged after.

Where reading starts: a global table goes on from what its store holds; a foreign-key right
side from the first right offset that some held left partition has not applied yet
(``ForeignKeyJoinSpec.restart_positions``), read again after every restore and rollback.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Hashable, Sequence, cast

from ..types import KEY, OFFSET, PARTITION, TP, VALUE

# A shared record is an event tuple with one more field: which input it came from.
INPUT = 8

if TYPE_CHECKING:
    from ..exceptions import DecodeError
    from .ordering import InputOrder
    from .global_tables import GlobalTables
    from .tables import TableManager
    from .transport.base import BroadcastReader, Transport

log = logging.getLogger("streamflow.tables")

Decode = Callable[[TP, list], "tuple[list, DecodeError | None]"]


def timestamp_at(records: Sequence[Any], offset: int) -> int:
    """The timestamp of the fetched record at ``offset``."""
    return next(r.timestamp for r in records if r.offset == offset)


class SharedInput:
    """One shared topic read for one purpose: ``tables`` (global tables fed by it) or
    ``join`` (a foreign-key join spec) with the ``channel`` of its agent."""

    def __init__(self, topic: str, partitions: int, reader: "BroadcastReader",
                 tables: list[Any] | None = None, join: Any = None, channel: Any = None) -> None:
        self.topic, self.partitions, self.reader = topic, partitions, reader
        self.tables = tables or []
        self.join, self.channel = join, channel


class GlobalFeed:
    """Every shared input of a worker. Queue names are ``(input index, partition)``."""

    def __init__(self, transport: "Transport", global_tables: "GlobalTables", tables: "TableManager",
                 partition_count: Callable[[str], int], decode: Decode) -> None:
        """``tables``: the held table partitions, which foreign-key joins' state is read from."""
        self.transport, self.global_tables, self.tables = transport, global_tables, tables
        self.partition_count, self.decode = partition_count, decode
        self.inputs: list[SharedInput] = []

    def add_global_tables(self, tables: list[Any]) -> None:
        """Read the topics of ``tables`` (global tables), one input per topic."""
        by_topic: dict[str, list[Any]] = {}
        for table in tables:
            by_topic.setdefault(table.source.name, []).append(table)
        for topic, fed in sorted(by_topic.items()):
            self.add_tables(topic, fed)

    def add_tables(self, topic: str, tables: list[Any]) -> None:
        """Read ``topic`` (all its partitions) into ``tables``, global tables fed by it."""
        n = self.partition_count(topic)
        self.inputs.append(SharedInput(topic, n, self.transport.broadcast_reader(topic, n), tables=tables))

    def add_join(self, spec: Any, channel: Any) -> None:
        """Read a foreign-key join's right side and hand its records to ``channel``."""
        topic = spec.topic.name
        n = self.partition_count(topic)
        self.inputs.append(SharedInput(topic, n, self.transport.broadcast_reader(topic, n),
                                       join=spec, channel=channel))

    def names(self) -> list[Hashable]:
        """The queue name of every partition of every input, in rank order."""
        return [(i, p) for i, inp in enumerate(self.inputs) for p in range(inp.partitions)]

    async def start(self) -> None:
        """Start the readers; global tables' from the offsets their stores hold."""
        for inp in self.inputs:
            await inp.reader.start()
            if inp.tables:
                for p in range(inp.partitions):
                    inp.reader.seek(p, self.global_tables.position(inp.tables[0], p))

    async def stop(self) -> None:
        """Stop the readers."""
        for inp in self.inputs:
            await inp.reader.stop()

    # -- reading -----------------------------------------------------------------------------
    async def poll(self, order: "InputOrder", max_records: int) -> tuple[int, "DecodeError | None"]:
        """Queue what the readers have fetched; returns how many records, and the first one
        that did not decode (its partition is held there; the worker stops)."""
        fetched, failure = 0, None
        for i, inp in enumerate(self.inputs):
            records = await inp.reader.poll(max_records)
            if not records:
                continue
            fetched += len(records)
            by_partition: dict[int, list[Any]] = {}
            for r in records:
                by_partition.setdefault(r.partition, []).append(r)
            topic = inp.topic
            for p, recs in by_partition.items():
                if inp.tables:
                    # Stored as they came: the table decodes on lookup. i: which input.
                    events = [(topic, p, r.offset, r.timestamp, r.key, r.value, r.headers, r.key, i)
                              for r in recs]
                    order.add_shared((i, p), events, recs[-1].offset + 1)
                    continue
                decoded, bad = self.decode(TP(topic, p), recs)
                events = [(*e, i) for e in decoded]
                if bad is None:
                    order.add_shared((i, p), events, recs[-1].offset + 1)
                else:
                    order.add_shared((i, p), events, bad.offset, stop_at=timestamp_at(recs, bad.offset))
                failure = failure or bad
        return fetched, failure

    def lag(self, name: Hashable) -> int | None:
        """Records of the input partition ``name`` not fetched yet (None: unknown)."""
        i, p = cast("tuple[int, int]", name)  # a shared partition: (input, partition)
        return self.inputs[i].reader.lag(p)

    def pause(self, name: Hashable) -> None:
        """Stop fetching the input partition ``name`` (its queue is full)."""
        i, p = cast("tuple[int, int]", name)  # a shared partition: (input, partition)
        self.inputs[i].reader.pause(p)

    def resume(self, name: Hashable) -> None:
        """Fetch the input partition ``name`` again."""
        i, p = cast("tuple[int, int]", name)  # a shared partition: (input, partition)
        self.inputs[i].reader.resume(p)

    def reseek_joins(self, order: "InputOrder | None") -> None:
        """Read foreign-key right sides again from what the (restored or rolled back) left
        partitions still need; what was queued from them is dropped."""
        for i, inp in enumerate(self.inputs):
            if inp.join is None:
                continue
            held = self.tables.held(inp.join.state)
            for p, offset in inp.join.restart_positions(held, inp.partitions).items():
                inp.reader.seek(p, offset)
                if order is not None:
                    order.clear_shared((i, p))

    # -- applying ----------------------------------------------------------------------------
    def apply(self, records: list) -> dict[Any, list]:
        """Apply shared records whose turn came, in order: global tables' are written to
        their stores; foreign-key right sides' come back per join channel, to be delivered."""
        batches: dict[Any, list] = {}
        run: list = []
        for e in records:
            inp = self.inputs[e[INPUT]]
            if inp.join is not None:
                batches.setdefault(inp.channel, []).append(e[:INPUT])
                continue
            if run and (run[-1][INPUT], run[-1][PARTITION]) != (e[INPUT], e[PARTITION]):
                self._write(run)
                run = []
            run.append(e)
        if run:
            self._write(run)
        return batches

    def _write(self, run: list) -> None:
        """Consecutive records of one partition of one global table topic."""
        inp = self.inputs[run[0][INPUT]]
        partition = run[0][PARTITION]
        for e in run:
            if e[KEY] is None:  # restore() skips it: a table has no row without a key
                log.warning("global table %s: skipping a record without a key at %s[%d] offset %d",
                            inp.tables[0].name, inp.topic, partition, e[OFFSET],
                            extra={"topic": inp.topic, "partition": partition, "offset": e[OFFSET]})
        for table in inp.tables:
            self.global_tables.apply(table, partition, [(e[KEY], e[VALUE], e[OFFSET]) for e in run])
