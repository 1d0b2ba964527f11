"""Tables as agents use them: a dict per key, partitioned like the stream that updates it.

``counts[click.user] += 1`` inside an agent reads and writes table partition p, where p is
the partition of the event being processed. That is only right when the table is
*co-partitioned* with the stream (same partition count, same keys): the worker checks the
partition counts, and ``stream.group_by`` re-keys a stream through a repartition topic when the
stream's key is not the table's. Outside an agent (a timer, a task) and inside a ``take()``
chunk (whose items may come from several partitions), a key's partition is computed with
Kafka's partitioner, which agrees with the event's partition when the key codecs agree.

Writes go to the partition's per-commit transaction (see ``streamflow.state.transaction``) and
reach RocksDB and the changelog topic at the next commit. This module holds no state itself:
the worker's table manager owns the stores.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator

from .context import current_context
from .durations import Duration
from .exceptions import CodecError, ConfigError, CopartitioningError, StreamflowError
from .partitioner import partition_for
from .runtime_api import WorkerContext, find_worker, running_worker
from .serialization import Codec, codec_for, describe_key_format, key_codec_for, key_format
from .topics import Topic
from .types import KEY, PARTITION, RAW_KEY, TOPIC

if TYPE_CHECKING:
    from .aggregations import Aggregation
    from .app import App
    from .state import PartitionTransaction
    from .windowed_tables import WindowedTable

_MISSING: Any = object()
_UNCACHED: Any = object()
_MUTABLE = (list, dict, set, bytearray)


class Table:
    """A changelog-backed key/value table (RocksDB by default).

    ``default`` is a factory for missing keys, as in ``collections.defaultdict``, except that a
    read alone does not insert. A mutable value (list, dict) read through ``table[key]`` is
    marked written, so ``table[k].append(x)`` is persisted.
    """

    kind = "table"
    #: True when the table's changelog is the topic it is fed from (``app.table(topic=...)``):
    #: commits then store the input offset applied instead of producing changelog records.
    changelog_is_source = False

    def __init__(self, app: "App", name: str, *, key_type: Any = None, value_type: Any = None,
                 default: Callable[[], Any] | None = None, partitions: int | None = None,
                 store: str | None = None, changelog: bool = True,
                 changelog_config: dict[str, str] | None = None) -> None:
        self.app = app
        self.name = name
        self.key_type = key_type
        self.key_codec: Codec = key_codec_for(key_type if key_type is not None else app.key_type)
        self.value_codec: Codec = codec_for(value_type)
        self.default = default
        self.declared_partitions = partitions
        self.store_kind = store
        if store not in (None, "rocksdb", "memory"):
            raise ConfigError(f"table {name}: store must be 'rocksdb' or 'memory'")
        self.changelog: Topic | None = None
        if changelog:
            self.changelog = app.topic(f"{app.id}-{name}-changelog", key_type=bytes, value_type=bytes,
                                       partitions=partitions,
                                       config={"cleanup.policy": "compact", **(changelog_config or {})})
            self.changelog.internal = True
        self._what = f"table {name}"  # how errors name it
        self._copartitioned: dict[str, bool] = {}
        self._same_key_codec: dict[str, bool] = {}
        self._last_key: Any = _MISSING
        self._last_raw = b""

    def forget_cached_state(self) -> None:
        """Drop what is cached outside the partition transactions: their pending writes were
        just rolled back (an aborted exactly-once transaction) or handed to another worker."""

    # -- where a key lives ------------------------------------------------------------------
    @property
    def partitions(self) -> int:
        worker = find_worker(self.app)
        if worker is not None and self.changelog is not None:
            return worker.partition_count(self.changelog.name)
        return self.declared_partitions or self.app.settings.topic_partitions

    def _raw(self, key: Any) -> bytes:
        # Keys repeat between the read and the write of ``t[k] += 1``: encode once.
        if key is self._last_key and type(key) in (str, int, bytes):
            return self._last_raw
        ctx = current_context.get()
        raw = self._raw_for(key, ctx.current if ctx is not None else None)
        self._last_key, self._last_raw = key, raw
        return raw

    def _raw_for(self, key: Any, event: Any) -> bytes:
        """The key's bytes; for the event's own key they are at hand when its topic encodes
        keys as this table does. ``event`` is an Event or the worker's plain tuple laid out
        like one (see :mod:`streamflow.types`)."""
        if event is not None and event[KEY] is key and event[RAW_KEY] is not None:
            same = self._same_key_codec.get(event[TOPIC])
            if same is None:
                topic = self.app.topics.get(event[TOPIC])
                same = self._same_key_codec[event[TOPIC]] = (
                    topic is not None and topic.key_codec is self.key_codec)
            if same:
                return event[RAW_KEY]
        try:
            return self.key_codec.dumps(key)
        except (TypeError, ValueError) as exc:
            raise CodecError(f"table {self.name}: {exc} (on app.table({self.name!r}, "
                             f"key_type=...))") from None

    def _txn(self, raw_key: bytes) -> "PartitionTransaction":
        worker = running_worker(self.app, self._what)
        ctx = current_context.get()
        current = ctx.current if ctx is not None and not ctx.batch else None
        if current is not None:
            if not self._copartitioned.get(current[TOPIC]):
                self._check_updated_from(current[TOPIC], worker)
            partition = current[PARTITION]
        else:
            partition = partition_for(raw_key, self.partitions)
        return worker.transaction(self, partition)

    def _check_updated_from(self, topic: str, worker: WorkerContext) -> None:
        """An update made while processing partition p of ``topic`` lands in table partition
        p: right only when ``topic`` has the table's partition count and encodes keys as the
        table does. Raises :class:`CopartitioningError` otherwise; remembers a topic that fits."""
        n = worker.partition_count(topic)
        if n != self.partitions:
            raise CopartitioningError(
                f"table {self.name} has {self.partitions} partitions but is updated from "
                f"{topic}, which has {n}: an update made while processing partition p must "
                f"land in table partition p. Re-key the stream with stream.group_by(key_fn, "
                f"name=...) so it goes through a repartition topic with {self.partitions} "
                f"partitions, or declare the table with partitions={n}")
        problem = self.key_format_problem(topic, "is updated from")
        if problem is not None:
            raise CopartitioningError(problem)
        self._copartitioned[topic] = True

    def key_format_problem(self, topic: str, doing: str) -> str | None:
        """Why events of ``topic`` cannot update (or be joined with) this table because their
        keys are laid out differently, or None. The same key as ``"k1"`` (JSON) and ``k1``
        (text) is two byte strings on two partitions: the table would hold it twice."""
        source = self.app.topics.get(topic)
        if source is None or key_format(source.key_codec) == key_format(self.key_codec):
            return None
        return (f"table {self.name} {doing} {topic}, but {topic} has "
                f"{describe_key_format(source.key_codec)} and the table has "
                f"{describe_key_format(self.key_codec)}: the same key would be two different "
                f"byte strings on two partitions, and the table would hold it twice. Declare "
                f"the same key_type on both (app.topic({topic!r}, key_type=...) and "
                f"app.table({self.name!r}, key_type=...), or App(..., key_type=...) for all)")

    # -- dict interface ---------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        raw = self._raw(key)
        txn = self._txn(raw)
        value = txn.get(raw, _MISSING)
        if value is _MISSING:
            if self.default is None:
                raise KeyError(key)
            value = self.default()
            if isinstance(value, _MUTABLE):
                txn.set(raw, value)
        elif isinstance(value, _MUTABLE):
            txn.set(raw, value)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        if value is None:
            raise ValueError(f"table {self.name}: None is not a value (it is a tombstone); use del")
        raw = self._raw(key)
        self._txn(raw).set(raw, value)

    def __delitem__(self, key: Any) -> None:
        raw = self._raw(key)
        txn = self._txn(raw)
        if not txn.contains(raw):
            raise KeyError(key)
        txn.delete(raw)

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self._raw(key)
        return self._txn(raw).get(raw, default)

    def __contains__(self, key: Any) -> bool:
        raw = self._raw(key)
        return self._txn(raw).contains(raw)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        raw = self._raw(key)
        txn = self._txn(raw)
        value = txn.get(raw, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(key)
            return default
        txn.delete(raw)
        return value

    def lookup(self, key: Any, event: Any) -> Any:
        """The value of ``key`` in the table partition of ``event`` (None when absent): the
        stream-table join's read."""
        raw = self._raw_for(key, event)
        return running_worker(self.app, self._what).transaction(self, event[PARTITION]).get(raw)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Every key and value in the partitions this worker holds (pending writes included)."""
        loads = self.key_codec.loads
        for _, txn in running_worker(self.app, self._what).held(self):
            for raw, value in txn.iter_range(None, None):
                yield loads(raw), value

    def keys(self) -> Iterator[Any]:
        return (k for k, _ in self.items())

    def values(self) -> Iterator[Any]:
        return (v for _, v in self.items())

    def __iter__(self) -> Iterator[Any]:
        return self.keys()

    def as_dict(self) -> dict[Any, Any]:
        return dict(self.items())

    # -- windowing ----------------------------------------------------------------------------
    def tumbling(self, size: Duration, *, grace: Duration = 0, retention: Duration | None = None,
                 agg: "Aggregation | None" = None,
                 timestamp: Callable[[Any], int] | None = None) -> "WindowedTable":
        """This table as tumbling windows of ``size`` (seconds or a timedelta) with ``grace``,
        kept for ``retention``, aggregated by ``agg`` (default: ``+=`` on ``default()``), on
        event time or ``timestamp(value)`` (ms); see :mod:`streamflow.windowed_tables`."""
        from .windowed_tables import tumbling
        return tumbling(self, size, grace=grace, retention=retention, agg=agg, timestamp=timestamp)

    def hopping(self, size: Duration, step: Duration, *, grace: Duration = 0,
                retention: Duration | None = None, agg: "Aggregation | None" = None,
                timestamp: Callable[[Any], int] | None = None) -> "WindowedTable":
        """Windows of ``size`` starting every ``step``."""
        from .windowed_tables import hopping
        return hopping(self, size, step, grace=grace, retention=retention, agg=agg,
                       timestamp=timestamp)

    def sliding(self, size: Duration, *, grace: Duration = 0, retention: Duration | None = None,
                agg: "Aggregation | None" = None,
                timestamp: Callable[[Any], int] | None = None) -> "WindowedTable":
        """Kafka Streams' sliding windows: a window per record, ``size`` long."""
        from .windowed_tables import sliding
        return sliding(self, size, grace=grace, retention=retention, agg=agg, timestamp=timestamp)

    def session(self, gap: Duration, *, grace: Duration = 0, retention: Duration | None = None,
                agg: "Aggregation | None" = None,
                timestamp: Callable[[Any], int] | None = None) -> "WindowedTable":
        """Sessions of activity separated by more than ``gap`` of inactivity."""
        from .windowed_tables import session
        return session(self, gap, grace=grace, retention=retention, agg=agg, timestamp=timestamp)

    def __repr__(self) -> str:
        return f"<Table {self.name}>"


class GlobalTable(Table):
    """A read-only table every worker holds in full, fed from ``topic``.

    Lookups need no co-partitioning: a key is looked up in the partition Kafka's partitioner
    puts it in, and, if absent there (a producer with another partitioner), in the others.
    """

    kind = "global"

    def __init__(self, app: "App", name: str, *, topic: Topic, **kwargs: Any) -> None:
        super().__init__(app, name, key_type=topic.key_type, value_type=topic.value_type,
                         changelog=False, **kwargs)
        self.source = topic
        self.key_codec, self.value_codec = topic.key_codec, topic.value_codec
        self._what = f"global table {name}"
        # Decoded lookups (misses too): joins read the same rows over and over. Values are
        # shared, which is fine for a read-only table; updates invalidate their keys.
        self._cache: dict[bytes, Any] = {}

    @property
    def partitions(self) -> int:
        return self.source.partitions

    def _txn(self, raw_key: bytes) -> "PartitionTransaction":
        worker = running_worker(self.app, self._what)
        return worker.transaction(self, partition_for(raw_key, self.partitions))

    def _find(self, raw: bytes) -> Any:
        cache = self._cache
        value = cache.get(raw, _UNCACHED)
        if value is not _UNCACHED:
            return value
        worker = running_worker(self.app, self._what)
        n = self.partitions
        first = partition_for(raw, n)
        value = worker.transaction(self, first).get(raw, _MISSING)
        if value is _MISSING:
            for p in range(n):
                if p != first:
                    value = worker.transaction(self, p).get(raw, _MISSING)
                    if value is not _MISSING:
                        break
        if len(cache) >= 100_000:
            cache.clear()
        cache[raw] = value
        return value

    def invalidate(self, raw_keys: Any) -> None:
        """Forget cached lookups of keys the source topic just updated."""
        cache = self._cache
        if cache:
            for raw in raw_keys:
                cache.pop(raw, None)

    def __getitem__(self, key: Any) -> Any:
        value = self._find(self._raw(key))
        if value is _MISSING:
            if self.default is None:
                raise KeyError(key)
            return self.default()
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = self._find(self._raw(key))
        return default if value is _MISSING else value

    def lookup(self, key: Any, event: Any) -> Any:
        """Global tables ignore the event's partition: every worker holds every key."""
        value = self._find(self._raw_for(key, event))
        return None if value is _MISSING else value

    def __contains__(self, key: Any) -> bool:
        return self._find(self._raw(key)) is not _MISSING

    def _read_only(self, *args: Any) -> None:
        raise StreamflowError(f"global table {self.name} is read-only: write to its topic "
                              f"{self.source.name} instead")

    __setitem__ = __delitem__ = pop = _read_only  # type: ignore[assignment]
