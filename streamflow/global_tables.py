"""Global tables: ``app.global_table(name, topic=...)``, Kafka Streams' ``GlobalKTable``.

Every worker holds every partition of the table, restored from its topic before the worker
consumes and kept up to date by the worker as the topic grows, so lookups need no
co-partitioning: a stream keyed by anything can look rows up (``stream.join(table,
key=...)``). Agents read it; they cannot write it (write to its topic instead), which this
class says by having no writes but one clear error for ``table[k] = v`` and ``del table[k]``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .exceptions import StreamflowError
from .partitioner import partition_for
from .runtime_api import running_worker
from .table_parts import FedFromTopic, ItemReads
from .topics import Topic

if TYPE_CHECKING:
    from .app import App

_MISSING: Any = object()
_UNCACHED: Any = object()
_CACHE_SIZE = 100_000


class GlobalTable(FedFromTopic, ItemReads):
    """A read-only table every worker holds in full, fed from ``topic``.

    Lookups need no co-partitioning: a key is looked up in the partition Kafka's partitioner
    puts it in, and, if absent there (a producer with another partitioner), in the others.
    """

    kind = "global"
    #: Restored from and kept up to date with ``source``; it has no changelog of its own.
    changelog = None
    changelog_is_source = False

    def __init__(self, app: "App", name: str, *, topic: Topic,
                 default: Callable[[], Any] | None = None, store: str | None = None) -> None:
        super().__init__(app, name, topic, default, store)
        self._what = f"global table {name}"
        # Decoded lookups (misses too): joins read the same rows over and over. Values are
        # shared, which is fine for a read-only table; updates invalidate their keys.
        self._cache: dict[bytes, Any] = {}

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
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[raw] = value
        return value

    def invalidate(self, raw_keys: Iterable[bytes | None]) -> None:
        """Forget cached lookups of keys the source topic just updated (the runtime calls it
        as it applies the topic's new records)."""
        cache = self._cache
        if cache:
            for raw in raw_keys:
                if raw is not None:  # a record without a key updates no row
                    cache.pop(raw, None)

    # -- reads ----------------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        value = self._find(self._keys.raw(key))
        if value is _MISSING:
            if self.default is None:
                raise KeyError(key)
            return self.default()
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        value = self._find(self._keys.raw(key))
        return default if value is _MISSING else value

    def __contains__(self, key: Any) -> bool:
        return self._find(self._keys.raw(key)) is not _MISSING

    def lookup(self, key: Any, event: Any) -> Any:
        """The value of ``key`` (None when absent): the stream-table join's read. The event's
        partition does not matter: every worker holds every key."""
        value = self._find(self._keys.raw_for(key, event))
        return None if value is _MISSING else value

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Every key and value of the table (every worker holds all of them)."""
        return self._keys.items(running_worker(self.app, self._what).held(self))

    # -- no writes (FedFromTopic raises this) ---------------------------------------------------
    def _read_only(self) -> StreamflowError:
        return StreamflowError(f"global table {self.name} is read-only: write to its topic "
                               f"{self.source.name} instead (a record with value None deletes a key)")

    def __repr__(self) -> str:
        return f"<GlobalTable {self.name} from topic {self.source.name}>"


__all__ = ["GlobalTable"]
