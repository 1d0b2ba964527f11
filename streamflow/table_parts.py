"""The parts every kind of table is built from: composed, not inherited.

``Table``, ``TopicTable``, ``GlobalTable`` and ``WindowedTable`` are distinct classes with
distinct contracts (Kafka Streams' ``KTable``, ``GlobalKTable`` and ``KTable<Windowed<K>, V>``
are distinct types too); what they share lives here, as small objects each table holds:

- :class:`TableKeys`: how a table's keys become bytes (its key codec, the event's own key bytes
  reused when its topic encodes keys the same way) and whether a topic's keys fit the table.
- :class:`PartitionedState`: which partition's per-commit transaction a read or write of a
  partitioned table uses (the partition of the event being processed), and the co-partitioning
  check that makes that right.
- :class:`ItemReads`: ``keys``, ``values``, iteration and ``as_dict``, derived from a table's
  own ``items()`` (shared as a base, like ``collections.abc.Mapping``'s mixin methods: four
  one-liners that hold no state).
- :class:`FedFromTopic`: what a read-only table fed from a topic (``TopicTable``,
  ``GlobalTable``) takes from that topic, and the error a write raises (a base too:
  the two differ in how they hold partitions, not in what they take from their topic).
- :func:`partition_count` and :func:`store_kind`: the table's partition count in effect and its
  store kind, checked.

Nothing here holds run state: the worker running the calling task is asked for transactions
and partition counts (:mod:`streamflow.runtime_api`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, NoReturn, Protocol

from .context import current_context
from .exceptions import CodecError, ConfigError, CopartitioningError, StreamflowError
from .partitioner import partition_for
from .runtime_api import WorkerContext, find_worker, running_worker
from .serialization import Codec, describe_key_format, key_format
from .types import KEY, PARTITION, RAW_KEY, TOPIC

if TYPE_CHECKING:
    from .app import App
    from .state import PartitionTransaction
    from .topics import Topic

__all__ = ["FedFromTopic", "ItemReads", "PartitionedReads", "PartitionedState", "TableKeys",
           "partition_count", "store_kind"]

_NOTHING: Any = object()
_SIMPLE_KEYS = (str, int, bytes)


class _HasItems(Protocol):
    def items(self) -> Iterator[tuple[Any, Any]]: ...


class ItemReads:
    """The reads derived from ``items()``: what ``items()`` covers (the partitions this worker
    holds; every key for a global table) is what these cover. Each table kind defines
    ``items()`` itself."""

    def keys(self: _HasItems) -> Iterator[Any]:
        """The keys ``items()`` covers."""
        return (k for k, _ in self.items())

    def values(self: _HasItems) -> Iterator[Any]:
        """The values ``items()`` covers."""
        return (v for _, v in self.items())

    def __iter__(self: _HasItems) -> Iterator[Any]:
        return (k for k, _ in self.items())

    def as_dict(self: _HasItems) -> dict[Any, Any]:
        """What ``items()`` covers, as a dict."""
        return dict(self.items())


class PartitionedReads(ItemReads):
    """The reads of a table whose partitions follow the assignment (``Table``, ``TopicTable``):
    the stream-table join's ``lookup`` and ``items``, through the table's ``_keys`` and
    ``_state``, which each kind sets up in its ``__init__``."""

    _keys: "TableKeys"
    _state: "PartitionedState"

    def lookup(self, key: Any, event: Any) -> Any:
        """The value of ``key`` in the table partition of ``event`` (None when absent): the
        stream-table join's read."""
        raw = self._keys.raw_for(key, event)
        return self._state.txn_of(event).get(raw)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Every key and value in the partitions this worker holds (pending writes included)."""
        return self._keys.items(self._state.held())


class FedFromTopic:
    """A read-only table whose rows are its ``source`` topic's records: key and value types,
    codecs and partition count are the topic's. Writes raise the error ``_read_only`` words
    (write to the topic instead)."""

    def __init__(self, app: "App", name: str, topic: "Topic",
                 default: "Callable[[], Any] | None", store: str | None) -> None:
        self.app = app
        self.name = name
        self.source = topic
        self.key_type, self.value_type = topic.key_type, topic.value_type
        self.key_codec, self.value_codec = topic.key_codec, topic.value_codec
        self.default = default
        self.declared_partitions = topic.declared_partitions
        self.store_kind = store_kind(name, store)
        self._keys: TableKeys = TableKeys(app, name, self.key_codec)

    @property
    def partitions(self) -> int:
        """The partition count of its topic."""
        return partition_count(self.app, self.source, self.declared_partitions)

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        raise self._read_only()

    def __delitem__(self, key: Any) -> NoReturn:
        raise self._read_only()

    def _read_only(self) -> StreamflowError:
        return StreamflowError(f"table {self.name} is fed from topic {self.source.name}: send to "
                               f"the topic instead (a record with value None deletes a key)")


def store_kind(table: str, store: str | None) -> str | None:
    """``store=`` of a table declaration, checked (None: the app's ``store`` setting)."""
    if store not in (None, "rocksdb", "memory"):
        raise ConfigError(f"table {table}: store must be 'rocksdb' or 'memory'")
    return store


def partition_count(app: "App", topic: "Topic | None", declared: int | None) -> int:
    """The partition count of a table stored along ``topic`` (its changelog or source): the
    broker's once a worker of ``app`` runs, else the declared one or the app's default."""
    if topic is not None:
        worker = find_worker(app)
        if worker is not None:
            return worker.partition_count(topic.name)
    return declared or app.settings.topic_partitions


class TableKeys:
    """How a table lays its keys out in bytes, and which topics lay them out the same way."""

    __slots__ = ("app", "table", "codec", "same_codec", "_last_key", "_last_raw")

    def __init__(self, app: "App", table: str, codec: Codec) -> None:
        self.app, self.table, self.codec = app, table, codec
        #: topic name -> whether its key codec is this table's (the event's key bytes reused)
        self.same_codec: dict[str, bool] = {}
        self._last_key: Any = _NOTHING
        self._last_raw = b""

    def raw(self, key: Any) -> bytes:
        """``key``'s bytes, for the event being processed when it is that event's key."""
        # Keys repeat between the read and the write of ``t[k] += 1``: encode once.
        if key is self._last_key and type(key) in _SIMPLE_KEYS:
            return self._last_raw
        ctx = current_context.get()
        raw = self.raw_for(key, ctx.current if ctx is not None else None)
        self._last_key, self._last_raw = key, raw
        return raw

    def raw_for(self, key: Any, event: Any) -> bytes:
        """The key's bytes; for the event's own key they are at hand when its topic encodes
        keys as this table does. ``event`` is an Event or the worker's plain tuple laid out
        like one (see :mod:`streamflow.types`)."""
        if event is not None and event[KEY] is key and event[RAW_KEY] is not None:
            same = self.same_codec.get(event[TOPIC])
            if same is None:
                topic = self.app.topics.get(event[TOPIC])
                same = self.same_codec[event[TOPIC]] = (
                    topic is not None and topic.key_codec is self.codec)
            if same:
                return event[RAW_KEY]
        try:
            return self.codec.dumps(key)
        except (TypeError, ValueError) as exc:
            raise CodecError(f"table {self.table}: {exc} (on app.table({self.table!r}, "
                             f"key_type=...))") from None

    def format_problem(self, topic: str, doing: str) -> str | None:
        """Why events of ``topic`` cannot update (or be joined with) this table because their
        keys are laid out differently, or None. The same key as ``"k1"`` (JSON) and ``k1``
        (text) is two byte strings on two partitions: the table would hold it twice."""
        source = self.app.topics.get(topic)
        if source is None or key_format(source.key_codec) == key_format(self.codec):
            return None
        return (f"table {self.table} {doing} {topic}, but {topic} has "
                f"{describe_key_format(source.key_codec)} and the table has "
                f"{describe_key_format(self.codec)}: the same key would be two different "
                f"byte strings on two partitions, and the table would hold it twice. Declare "
                f"the same key_type on both (app.topic({topic!r}, key_type=...) and "
                f"app.table({self.table!r}, key_type=...), or App(..., key_type=...) for all)")

    def items(self, held: list[tuple[int, "PartitionTransaction"]]) -> Iterator[tuple[Any, Any]]:
        """Every key (decoded) and value in the transactions ``held``, pending writes included."""
        loads = self.codec.loads
        for _, txn in held:
            for raw, value in txn.iter_range(None, None):
                yield loads(raw), value


class PartitionedState:
    """The partitions of a table that is partitioned like the stream updating it.

    ``table[k]`` inside an agent reads and writes table partition p, p being the partition of
    the event being processed. That is only right when the table is *co-partitioned* with the
    event's topic (same partition count, keys laid out alike): checked the first time each
    topic updates it (:class:`CopartitioningError` otherwise). Outside an event (a timer, a
    task) and inside a ``take()`` chunk, a key's partition is Kafka's partitioner's, which
    agrees with the event's partition when the key layouts agree.
    """

    __slots__ = ("table", "keys", "what", "copartitioned", "replaced_by")

    def __init__(self, table: Any, keys: TableKeys) -> None:
        self.table, self.keys = table, keys
        self.what = f"table {table.name}"  # how errors name it
        #: topic name -> True once its events were found to fit this table
        self.copartitioned: dict[str, bool] = {}
        #: set when another declaration took this table's place (``Table.tumbling``)
        self.replaced_by: str | None = None

    def worker(self) -> WorkerContext:
        """The worker running the calling task (one clear error outside a running app)."""
        return running_worker(self.table.app, self.what)

    def txn(self, raw_key: bytes) -> "PartitionTransaction":
        """The transaction of the partition that holds ``raw_key`` for the calling code."""
        worker = running_worker(self.table.app, self.what)
        ctx = current_context.get()
        current = ctx.current if ctx is not None and not ctx.batch else None
        if current is not None:
            if not self.copartitioned.get(current[TOPIC]):
                self.check_updated_from(current[TOPIC], worker)
            return worker.transaction(self.table, current[PARTITION])
        self.check_in_use()
        return worker.transaction(self.table, partition_for(raw_key, self.table.partitions))

    def txn_of(self, event: Any) -> "PartitionTransaction":
        """The transaction of ``event``'s partition (a stream-table join's read; the join was
        checked for co-partitioning when its agent started)."""
        return running_worker(self.table.app, self.what).transaction(self.table, event[PARTITION])

    def held(self) -> list[tuple[int, "PartitionTransaction"]]:
        """``(partition, transaction)`` of the partitions the calling worker holds."""
        self.check_in_use()
        return running_worker(self.table.app, self.what).held(self.table)

    def check_in_use(self) -> None:
        """Refuse a table another declaration replaced (its partitions are that one's)."""
        if self.replaced_by is not None:
            raise StreamflowError(f"table {self.table.name} became {self.replaced_by}: use "
                                  f"that (what .tumbling(), .hopping(), .sliding() or "
                                  f".session() returned) instead")

    def check_updated_from(self, topic: str, worker: WorkerContext) -> None:
        """An update made while processing partition p of ``topic`` lands in table partition
        p: right only when ``topic`` has the table's partition count and lays keys out as the
        table does. Raises :class:`CopartitioningError` otherwise; remembers a topic that fits."""
        self.check_in_use()
        table = self.table
        n, mine = worker.partition_count(topic), table.partitions
        if n != mine:
            raise CopartitioningError(
                f"table {table.name} has {mine} partitions but is updated from "
                f"{topic}, which has {n}: an update made while processing partition p must "
                f"land in table partition p. Re-key the stream with stream.group_by(key_fn, "
                f"name=...) so it goes through a repartition topic with {mine} "
                f"partitions, or declare the table with partitions={n}")
        problem = self.keys.format_problem(topic, "is updated from")
        if problem is not None:
            raise CopartitioningError(problem)
        self.copartitioned[topic] = True
