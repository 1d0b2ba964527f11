"""Tables fed straight from a topic: ``app.table(name, topic=...)``, Kafka Streams'
``builder.table(topic)``.

The topic *is* the table: a record sets its key's row, a record with a null value (a
tombstone) deletes it, so a compacted topic of customers or prices becomes a table that
``stream.join`` can look rows up in, partitioned like the topic. The topic also serves as the
table's changelog (Kafka Streams' source-topic optimisation): no changelog topic is created, a
partition is restored by reading the topic itself, and the offset a commit stores with the
table's batch is the input offset the table applied. Restoring stops at the app's committed
offset of the topic (not its end), so the table is exactly as it was when those offsets were
committed and the records after them are applied again, in order, as the worker reads them.

Records are applied by an internal agent ``table:{name}`` over the topic, one batch at a time,
into the partition transactions (see ``TableManager.apply_source``). Agents read the table like
any other; they cannot write it (write to the topic instead), so it never diverges from it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .exceptions import ConfigError
from .runtime_api import running_worker
from .table_parts import FedFromTopic, PartitionedReads, PartitionedState
from .topics import Topic

if TYPE_CHECKING:
    from .app import App

_MISSING: Any = object()


class TopicTable(FedFromTopic, PartitionedReads):
    """A read-only table whose rows are the latest record per key of ``topic``."""

    kind = "table"
    #: The topic is the table's changelog: commits store the input offset applied instead of
    #: producing changelog records, and a partition is restored by reading the topic.
    changelog_is_source = True

    def __init__(self, app: "App", name: str, *, topic: Topic,
                 default: Callable[[], Any] | None = None, store: str | None = None) -> None:
        super().__init__(app, name, topic, default, store)
        self.changelog = topic  # read to restore; never written (see changelog_is_source)
        self._state = PartitionedState(self, self._keys)
        app.agent(topic, name=f"table:{name}")(self._follow)

    def key_format_problem(self, topic: str, doing: str) -> str | None:
        """Why events of ``topic`` cannot be joined with this table because their keys are
        laid out differently, or None."""
        return self._keys.format_problem(topic, doing)

    async def _follow(self, stream: Any) -> None:
        """Apply the topic's records to the table a fetched batch at a time."""
        apply = running_worker(self.app, f"table {self.name}").apply_source
        async for events, _ in stream.batches():
            if events:
                apply(self, events)

    # -- reads only ---------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        # Unlike Table's, a mutable value read is not marked written: the topic owns the rows.
        raw = self._keys.raw(key)
        value = self._state.txn(raw).get(raw, _MISSING)
        if value is _MISSING:
            if self.default is None:
                raise KeyError(key)
            return self.default()
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        raw = self._keys.raw(key)
        return self._state.txn(raw).get(raw, default)

    def __contains__(self, key: Any) -> bool:
        raw = self._keys.raw(key)
        return self._state.txn(raw).contains(raw)

    def __repr__(self) -> str:
        return f"<Table {self.name} from topic {self.source.name}>"


def check_declaration(name: str, **given: Any) -> None:
    """``app.table(name, topic=...)`` takes its types and partitions from the topic."""
    extra = sorted(k for k, v in given.items() if v is not None)
    if extra:
        raise ConfigError(f"table {name} is fed from a topic: declare {', '.join(extra)} on the "
                          f"topic (app.topic(..., key_type=, value_type=, partitions=)), not on "
                          f"the table")


__all__ = ["TopicTable"]
