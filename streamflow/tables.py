"""Tables as agents use them: a dict per key, partitioned like the stream that updates it.

``counts[click.user] += 1`` inside an agent reads and writes table partition p, where p is
the partition of the event being processed. That is only right when the table is
*co-partitioned* with the stream (same partition count, same keys): checked the first time a
topic updates it, and ``stream.group_by`` re-keys a stream through a repartition topic when the
stream's key is not the table's. Outside an agent (a timer, a task) and inside a ``take()``
chunk (whose items may come from several partitions), a key's partition is computed with
Kafka's partitioner, which agrees with the event's partition when the key codecs agree.

Writes go to the partition's per-commit transaction (see ``streamflow.state.transaction``) and
reach RocksDB and the changelog topic at the next commit. This module holds no state itself:
the worker's table manager owns the stores. The other kinds of table (fed from a topic, global,
windowed) are classes of their own built from the same parts (:mod:`streamflow.table_parts`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .durations import Duration
from .serialization import Codec, codec_for, key_codec_for
from .table_parts import PartitionedReads, PartitionedState, TableKeys, partition_count, store_kind
from .topics import Topic

if TYPE_CHECKING:
    from .aggregations import Aggregation
    from .app import App
    from .windowed_tables import WindowedTable

_MISSING: Any = object()
_MUTABLE = (list, dict, set, bytearray)


class Table(PartitionedReads):
    """A changelog-backed key/value table (RocksDB by default).

    ``default`` is a factory for missing keys, as in ``collections.defaultdict``, except that a
    read alone does not insert. A mutable value (list, dict) read through ``table[key]`` is
    marked written, so ``table[k].append(x)`` is persisted.

    Over twenty methods on purpose: it is the dict-like API users write agents against
    (mapping protocol, ``get``/``pop``/``items``, windowing constructors); each method is a
    short call into the partition transaction the worker context hands it.
    """

    kind = "table"
    #: A table's changelog is its own topic ``{app id}-{name}-changelog`` (for a table fed
    #: from a topic, :class:`~streamflow.topic_tables.TopicTable`, it is that topic).
    changelog_is_source = False

    def __init__(self, app: "App", name: str, *, key_type: Any = None, value_type: Any = None,
                 default: Callable[[], Any] | None = None, partitions: int | None = None,
                 store: str | None = None,
                 changelog_config: dict[str, str] | None = None) -> None:
        self.app = app
        self.name = name
        self.key_type = key_type
        self.key_codec: Codec = key_codec_for(key_type if key_type is not None else app.key_type)
        self.value_codec: Codec = codec_for(value_type)
        self.default = default
        self.declared_partitions = partitions
        self.store_kind = store_kind(name, store)
        self.changelog: Topic = app.topic(
            f"{app.id}-{name}-changelog", key_type=bytes, value_type=bytes, partitions=partitions,
            config={"cleanup.policy": "compact", **(changelog_config or {})})
        self.changelog.internal = True
        self._keys = TableKeys(app, name, self.key_codec)
        self._state = PartitionedState(self, self._keys)

    @property
    def partitions(self) -> int:
        """The partition count in effect: the changelog's on the broker once a worker runs."""
        return partition_count(self.app, self.changelog, self.declared_partitions)

    def key_format_problem(self, topic: str, doing: str) -> str | None:
        """Why events of ``topic`` cannot update (or be joined with) this table because their
        keys are laid out differently, or None."""
        return self._keys.format_problem(topic, doing)

    def check_in_use(self) -> None:
        """Refuse a table that ``.tumbling()`` (or another window) replaced."""
        self._state.check_in_use()

    # -- dict interface ---------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        raw = self._keys.raw(key)
        txn = self._state.txn(raw)
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
        raw = self._keys.raw(key)
        self._state.txn(raw).set(raw, value)

    def __delitem__(self, key: Any) -> None:
        raw = self._keys.raw(key)
        txn = self._state.txn(raw)
        if not txn.contains(raw):
            raise KeyError(key)
        txn.delete(raw)

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of ``key``, or ``default`` (``default()`` is not called)."""
        raw = self._keys.raw(key)
        return self._state.txn(raw).get(raw, default)

    def __contains__(self, key: Any) -> bool:
        raw = self._keys.raw(key)
        return self._state.txn(raw).contains(raw)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its value (``default``, or KeyError, when absent)."""
        raw = self._keys.raw(key)
        txn = self._state.txn(raw)
        value = txn.get(raw, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(key)
            return default
        txn.delete(raw)
        return value

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


__all__ = ["Table"]
