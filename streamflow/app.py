"""The App: a registry of what a pipeline declares. It has no run loop of its own.

``streamflow worker module:app`` (or ``await app.run()``) hands the app to
:class:`streamflow.runtime.worker.Worker`, which creates topics, consumes, runs agents and
commits. Keeping declaration and execution apart keeps this file readable and lets the test
driver run the same declarations under virtual time.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar, overload

from .agents import AgentSpec, TaskSpec, TimerSpec
from .config import Settings
from .durations import Duration, seconds
from .exceptions import ConfigError
from .serialization import key_codec_for
from .global_tables import GlobalTable
from .tables import Table
from .topic_tables import TopicTable, check_declaration
from .runtime_api import current_worker, workers_of
from .topics import Topic

if TYPE_CHECKING:
    from .joins import ForeignKeyJoinSpec, StreamStreamJoinSpec, TableTableJoinSpec
    from .table_kinds import AnyTable
    from .topology import Topology

AgentFn = TypeVar("AgentFn", bound=Callable[..., Any])
TaskFn = TypeVar("TaskFn", bound=Callable[[], Any])

_ID = re.compile(r"^[A-Za-z0-9._-]+$")


class App:
    """A stream-processing application.

    ``id`` names the consumer group and prefixes internal topics. Keyword settings (see
    :class:`streamflow.config.Settings`) are overridden by ``STREAMFLOW_*`` environment variables
    and by CLI flags. ``key_type`` is the key type of the topics and tables that declare none
    (default: text keys; ``key_type="json"`` keeps the JSON keys of streamflow before 0.2).
    """

    def __init__(self, id: str, *, broker: str | None = None, key_type: Any = None,
                 **settings: Any) -> None:
        if not _ID.match(id):
            raise ConfigError(f"app id {id!r}: use letters, digits, '.', '_' and '-'")
        self.id = id
        self.key_type = key_type
        key_codec_for(key_type)  # an unknown key type fails here, not at the first topic
        if broker is not None:
            settings["broker"] = broker
        self._code_settings = settings
        self.settings = Settings.from_sources(settings)
        self.topics: dict[str, Topic] = {}
        self.agents: list[AgentSpec] = []
        self.timers: list[TimerSpec] = []
        self.tasks: list[TaskSpec] = []
        self.tables: dict[str, AnyTable] = {}
        self.joins: list[Any] = []  # app.join_streams / join_tables / join_foreign_key specs
        self._start_checks: list[Callable[[Any], None]] = []  # run by the worker at start
        self._broadcasts: list[Any] = []  # topics every worker reads in full (FK joins)

    def configure(self, **overrides: Any) -> Settings:
        """Re-resolve settings with ``overrides`` (CLI flags) on top of env and code."""
        self.settings = Settings.from_sources(self._code_settings, cli=overrides)
        return self.settings

    # -- declarations ----------------------------------------------------------------------
    def topic(self, name: str, *, key_type: Any = None, value_type: Any = None,
              partitions: int | None = None, config: dict[str, str] | None = None) -> Topic:
        """Declare a topic (created at start when missing). Declaring a name twice returns the
        first declaration if the types agree."""
        existing = self.topics.get(name)
        if existing is not None:
            if ((existing.key_type, existing.value_type) != (key_type, value_type)
                    and (key_type, value_type) != (None, None)):
                raise ConfigError(f"topic {name!r} declared twice with different types")
            return existing
        topic = Topic(self, name, key_type=key_type, value_type=value_type,
                      partitions=partitions, config=config)
        self.topics[name] = topic
        return topic

    @overload
    def table(self, name: str, *, topic: Topic | str, default: Callable[[], Any] | None = None,
              store: str | None = None) -> TopicTable: ...

    @overload
    def table(self, name: str, *, default: Callable[[], Any] | None = None, key_type: Any = None,
              value_type: Any = None, partitions: int | None = None, store: str | None = None,
              changelog_config: dict[str, str] | None = None) -> Table: ...

    def table(self, name: str, *, topic: Topic | str | None = None,
              default: Callable[[], Any] | None = None, key_type: Any = None,
              value_type: Any = None, partitions: int | None = None,
              store: str | None = None,
              changelog_config: dict[str, str] | None = None) -> Table | TopicTable:
        """Declare a table backed by the compacted topic ``{app id}-{name}-changelog``.

        ``partitions`` defaults to the app's ``topic_partitions``; it must equal the partition
        count of the stream that updates the table (checked at start). ``changelog_config``
        adds topic configs to the changelog (e.g. ``{"segment.ms": "600000"}``).

        With ``topic=`` (Kafka Streams' ``builder.table``) the table is fed straight from that
        topic instead: each record sets its key's row, a null value deletes it, and the topic
        serves as the changelog (none is created); types and partitions are the topic's, and
        agents read the table but do not write it (see :mod:`streamflow.topic_tables`).
        """
        self._check_table_name(name)
        if topic is not None:
            check_declaration(name, key_type=key_type, value_type=value_type,
                              partitions=partitions, changelog_config=changelog_config)
            source = topic if isinstance(topic, Topic) else self.topic(topic)
            table: Table | TopicTable = TopicTable(self, name, topic=source, default=default,
                                                   store=store)
        else:
            table = Table(self, name, key_type=key_type, value_type=value_type, default=default,
                          partitions=partitions, store=store, changelog_config=changelog_config)
        self.tables[name] = table
        return table

    def global_table(self, name: str, *, topic: Topic | str | None = None,
                     default: Callable[[], Any] | None = None, store: str | None = None) -> GlobalTable:
        """Declare a read-only table that every worker holds in full, fed from ``topic``
        (default: a topic named ``name``). For lookups that need no co-partitioning."""
        self._check_table_name(name)
        source = topic if isinstance(topic, Topic) else self.topic(topic or name)
        table = GlobalTable(self, name, topic=source, default=default, store=store)
        self.tables[name] = table
        return table

    def join_streams(self, name: str, *, left: Topic, right: Topic, within: Duration | None = None,
                     before: Duration | None = None, after: Duration | None = None, grace: Duration = 0,
                     kind: str = "inner", joiner: Callable[[Any, Any], Any] | None = None,
                     into: Topic | None = None, partitions: int | None = None) -> "StreamStreamJoinSpec":
        """Join two streams on key within a time window (seconds or timedelta): a right record matches a
        left one when ``left.ts - before <= right.ts <= left.ts + after`` (``within`` sets
        both). ``kind``: inner, left or outer; unmatched records are emitted (with None for the
        other side) once stream time passes the window plus ``grace``. Results go to ``into``
        (default: the topic ``{app id}-{name}-join``); see :mod:`streamflow.joins`."""
        from .joins import StreamStreamJoinSpec
        return self._joined(StreamStreamJoinSpec(self, name, left, right, within=within, before=before,
                                    after=after, grace=grace, kind=kind, joiner=joiner, into=into,
                                    partitions=partitions))

    def join_tables(self, name: str, *, left: Topic | Table | TopicTable,
                    right: Topic | Table | TopicTable,
                    kind: str = "inner", joiner: Callable[[Any, Any], Any] | None = None,
                    into: Topic | None = None, partitions: int | None = None) -> "TableTableJoinSpec":
        """Join two tables (topics read as tables, or this app's tables through their
        changelogs) on key: an update on either side emits the joined row, a delete emits a
        tombstone when the row disappears. ``.table`` holds the result; results also go to
        ``into`` (default ``{app id}-{name}-join``)."""
        from .joins import TableTableJoinSpec
        return self._joined(TableTableJoinSpec(self, name, left, right, kind=kind, joiner=joiner, into=into,
                                  partitions=partitions))

    def join_foreign_key(self, name: str, *, left: Topic | Table | TopicTable,
                         right: Topic | Table | TopicTable,
                         foreign_key: Callable[[Any], Any], kind: str = "inner",
                         joiner: Callable[[Any, Any], Any] | None = None,
                         into: Topic | None = None, partitions: int | None = None) -> "ForeignKeyJoinSpec":
        """Join a table to another through a key taken from its value
        (``foreign_key(left_value)``, None for "no reference"): results keyed by the left key,
        one per left row, updated when either side changes, correct when the foreign key of a
        row changes. Every worker reads the right side in full (like a global table); the left
        side is partitioned as usual. ``kind``: inner or left."""
        from .joins import ForeignKeyJoinSpec
        return self._joined(ForeignKeyJoinSpec(self, name, left, right, foreign_key=foreign_key, kind=kind,
                                  joiner=joiner, into=into, partitions=partitions))

    def _joined(self, spec: Any) -> Any:
        self.joins.append(spec)
        return spec

    def _check_table_name(self, name: str) -> None:
        if name in self.tables:
            raise ConfigError(f"table {name!r} declared twice")
        if not _ID.match(name):
            raise ConfigError(f"table name {name!r}: use letters, digits, '.', '_' and '-'")

    def agent(self, *topics: Topic | str, sink: Iterable[Topic] | Topic | None = None,
              name: str | None = None) -> Callable[[AgentFn], AgentFn]:
        """Run the decorated ``async def f(stream)`` over events of ``topics``."""
        resolved = [t if isinstance(t, Topic) else self.topic(t) for t in topics]
        sinks = [] if sink is None else [sink] if isinstance(sink, Topic) else list(sink)

        def register(fn: AgentFn) -> AgentFn:
            agent_name = name or fn.__name__
            if any(a.name == agent_name for a in self.agents):
                raise ConfigError(f"two agents named {agent_name!r}; pass name=...")
            self.agents.append(AgentSpec(agent_name, fn, resolved, sinks))
            return fn
        return register

    def timer(self, interval: Duration, *, on_start: bool = False) -> Callable[[TaskFn], TaskFn]:
        """Call the decorated ``async def f()`` every ``interval`` (seconds or a timedelta)."""
        every = seconds(interval, "timer interval", positive=True)

        def register(fn: TaskFn) -> TaskFn:
            self.timers.append(TimerSpec(fn.__name__, fn, every, on_start))
            return fn
        return register

    def task(self, fn: TaskFn) -> TaskFn:
        """Call the decorated ``async def f()`` once the worker has started."""
        self.tasks.append(TaskSpec(fn.__name__, fn))
        return fn

    def source_topics(self) -> set[str]:
        """The topics this app reads records from: its agents' (joins' included), its global
        tables' and its foreign-key joins' right sides (read in full by every worker)."""
        names = {t.name for a in self.agents for t in a.topics}
        names |= {t.source.name for t in self.tables.values() if isinstance(t, GlobalTable)}
        names |= {spec.topic.name for spec in self._broadcasts}
        return names

    def topology(self, timeout: float = 10.0) -> "Topology":
        """What this app is made of: topics, agents and their steps, tables, joins, windowed
        aggregations, internal topics, sub-topologies and tasks (``streamflow graph`` prints
        it). Runs each agent up to its first wait for input (no broker, no worker) to see the
        ``group_by`` and ``stream.join`` calls at its top; ``timeout`` bounds that wait."""
        from .topology import build_topology
        return build_topology(self, timeout)

    # -- running -----------------------------------------------------------------------------
    async def run(self, **overrides: Any) -> None:
        """Run a worker for this app until it is stopped (see ``streamflow worker``)."""
        from .runtime.worker import Worker
        if overrides:
            self.configure(**overrides)
        await Worker(self).run()

    def stop(self) -> None:
        """Stop the running worker of this app, as SIGTERM does: it finishes the batch in
        progress, flushes and commits, leaves the group, and ``app.run()`` returns.

        Call it from an agent, a timer or a task of the app (a bounded job that knows when it
        is done), from another task, or from another thread (a notebook cell); it returns at
        once without waiting for the worker to stop. Without a running worker it does nothing.
        From the app's own code it stops the worker running that code; from elsewhere, every
        worker of the app in this process (the test driver may run several).
        """
        mine = current_worker.get()
        if mine is not None and mine.app is self:
            mine.request_stop_threadsafe()
            return
        for worker in workers_of(self):
            worker.request_stop_threadsafe()

    def __repr__(self) -> str:
        return f"<App {self.id} broker={self.settings.broker}>"
