"""Build a :class:`Topology` from an app's declarations and what its agents declare at run time.

Declarations give topics, tables, windowed tables, global tables, the app's joins, agents'
input topics and ``sink=`` topics, timers and tasks. What agents declare in their bodies
(``group_by``, ``stream.join(table)``) comes from :mod:`.discovery`, which runs each agent up to
its first wait for input. What agents, timers and tasks do inside their loops (update a table,
``send`` to a topic) comes from the names their code refers to (:mod:`.references`), marked as
found in the code.

Two groupings of the work are computed, because they differ:

- Kafka Streams' *sub-topologies*: processors connected to each other, through a store they
  share, or through a topic they both read; a topic one processor writes and another reads is
  a boundary. Kafka Streams would run each as one task per partition of its sources.
- The runtime's *task groups* (what the assignor moves between workers today): one partition
  number across every consumed topic with the same partition count, with the table partitions
  of that count. Coarser: two sub-topologies whose topics have 4 partitions share the tasks
  (4, 0) .. (4, 3).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TYPE_CHECKING, Any, Iterable

from ..durations import to_ms
from ..joins import ForeignKeyJoinSpec, StreamStreamJoinSpec, TableTableJoinSpec
from ..operators.windows import HoppingWindows, SessionWindows, SlidingWindows, TumblingWindows
from ..global_tables import GlobalTable
from ..table_kinds import TABLE_TYPES, AnyTable
from ..topic_tables import TopicTable
from ..topics import Topic
from ..windowed_tables import WindowedTable
from .discovery import DEFAULT_TIMEOUT, AgentDiscovery, discover
from .grouping import cut_subtopologies, task_groups
from .model import (PROCESSOR, READ_IN_FULL, STORE, TOPIC, Edge, ProcessorNode, Ref, StoreNode,
                    TopicNode, Topology, WindowSpec, fmt_ms)
from .references import referenced_objects

if TYPE_CHECKING:
    from ..agents import AgentSpec
    from ..app import App

def build_topology(app: "App", timeout: float = DEFAULT_TIMEOUT) -> Topology:
    """The topology of ``app`` (``app.topology()``). Runs the agents' discovery on an event loop
    of its own: in this thread, or in a helper thread when this one already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        found = asyncio.run(_discover(app, timeout))
    else:
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="topology") as pool:
            found = pool.submit(asyncio.run, _discover(app, timeout)).result()
    return topology_from(app, found)


async def build_topology_async(app: "App", timeout: float = DEFAULT_TIMEOUT) -> Topology:
    """:func:`build_topology` on the running event loop."""
    return topology_from(app, await _discover(app, timeout))


def _declared_by(app: "App", spec: "AgentSpec") -> Any:
    """The join or table whose internal agent ``spec`` is (its shape is declared), or None."""
    owner = getattr(spec.fn, "__self__", None)
    if owner is None:
        return None
    if any(owner is j for j in app.joins) or any(owner is t for t in app.tables.values()):
        return owner
    return None


def _discover(app: "App", timeout: float) -> Any:
    return discover(app, timeout, skip=lambda spec: _declared_by(app, spec) is not None)


def topology_from(app: "App", found: list[AgentDiscovery]) -> Topology:
    """Assemble the topology from the app's declarations and its agents' discoveries."""
    return _Builder(app, found).build()


def dead_letter_topic(app: "App") -> str | None:
    """The dead-letter topic when a policy sends records there (the worker declares it then)."""
    s = app.settings
    if "dead_letter" not in (s.on_decode_error, s.on_agent_error):
        return None
    return s.dead_letter_topic or f"{app.id}-dead-letters"


def codec_name(codec: Any) -> str:
    """A codec as the topology shows it: the record type's name, or the codec's (``bytes`` for
    raw)."""
    record_type = getattr(codec, "record_type", None)
    if record_type is not None:
        return record_type.__name__
    name = getattr(codec, "name", None)
    return {"raw": "bytes"}.get(name, name) if isinstance(name, str) else type(codec).__name__


class _Builder:
    def __init__(self, app: "App", found: list[AgentDiscovery]) -> None:
        self.app = app
        self.default_partitions = app.settings.topic_partitions
        self.found = {d.agent: d for d in found}
        self.topics: dict[str, TopicNode] = {}
        self.stores: dict[str, StoreNode] = {}
        self.processors: dict[str, ProcessorNode] = {}
        self.edges: list[Edge] = []
        self.notes: list[str] = []

    def build(self) -> Topology:
        self._declared_topics()
        self._stores()
        for spec in self.app.agents:
            owner = _declared_by(self.app, spec)
            if isinstance(owner, TopicTable):
                self._topic_table(spec, owner)
            elif owner is not None:
                self._join(owner)
            else:
                self._agent(spec)
        for table in self.app.tables.values():
            if isinstance(table, WindowedTable):
                self._windowed(table)
        for timer in self.app.timers:
            self._add_processor(ProcessorNode(f"timer:{timer.name}", "timer",
                                              (f"every {fmt_ms(to_ms(timer.interval, 'interval'))}",)
                                              + (("first at start",) if timer.on_start else ())))
            self._code_edges(f"timer:{timer.name}", timer.fn)
        for task in self.app.tasks:
            self._add_processor(ProcessorNode(f"task:{task.name}", "task", ("once at start",)))
            self._code_edges(f"task:{task.name}", task.fn)
        self._changelog_edges()
        edges = tuple(dict.fromkeys(self.edges))  # repeated references count once
        subtopologies = cut_subtopologies(tuple(self.processors.values()), edges, self.topics, self.stores)
        groups, problems = task_groups(edges, self.topics, self.stores)
        self.notes += problems
        return Topology(self.app.id, tuple(sorted(self.topics.values(), key=lambda t: t.name)),
                        tuple(sorted(self.stores.values(), key=lambda s: s.name)),
                        tuple(self.processors.values()), edges, subtopologies, groups,
                        tuple(self.notes), tuple(self.found.values()))

    # -- nodes -----------------------------------------------------------------------------------
    def _declared_topics(self) -> None:
        app = self.app
        changelogs = {t.changelog.name: t.name for t in app.tables.values()
                      if t.changelog is not None and not _fed_from_topic(t)}
        join_outputs = {f"{app.id}-{j.name}-join": j.name for j in app.joins}
        for topic in app.topics.values():
            if topic.name in changelogs:
                self._add_topic(topic, "changelog", changelogs[topic.name])
            elif topic.name in join_outputs and any(j.output is topic for j in app.joins):
                self._add_topic(topic, "join output", join_outputs[topic.name])
            elif topic.name == dead_letter_topic(app) and topic.internal:
                self._add_topic(topic, "dead letters")
            elif topic.internal and topic.name.endswith("-repartition"):
                continue  # declared by a worker that ran here: discovery names it with its owner
            else:
                self._add_topic(topic, "topic")
        name = dead_letter_topic(app)
        if name is not None and name not in self.topics:
            self.topics[name] = TopicNode(name, "dead letters", self.default_partitions, False,
                                          "bytes", "bytes")

    def _add_topic(self, topic: Topic, kind: str, owner: str | None = None) -> None:
        self.topics[topic.name] = TopicNode(
            topic.name, kind, topic.declared_partitions or self.default_partitions,
            topic.declared_partitions is not None, codec_name(topic.key_codec),
            codec_name(topic.value_codec), tuple(sorted(topic.config.items())), owner)

    def _stores(self) -> None:
        owners: dict[int, tuple[str, str]] = {}
        for join in self.app.joins:
            owners[id(join.state)] = ("join state", join.name)
            result = getattr(join, "table", None)
            if result is not None:
                owners[id(result)] = ("join result", join.name)
        settings = self.app.settings
        for table in self.app.tables.values():
            kind, owner = owners.get(id(table), ("table", None))
            source = None
            window = None
            changelog = table.changelog.name if table.changelog is not None else None
            if isinstance(table, (GlobalTable, TopicTable)):
                source, changelog = table.source.name, None
                kind = "global table" if isinstance(table, GlobalTable) else "table from topic"
                partitions = table.source.declared_partitions or self.default_partitions
            else:
                partitions = table.declared_partitions or self.default_partitions
            if isinstance(table, WindowedTable):
                kind, window = "windowed table", _window_spec(table)
            self.stores[table.name] = StoreNode(
                table.name, kind, partitions, table.store_kind or settings.store,
                changelog, source, window, owner)
            if kind == "global table":
                assert source is not None
                self.edges.append(Edge(Ref(TOPIC, source), Ref(STORE, table.name), role=READ_IN_FULL))

    def _add_processor(self, node: ProcessorNode) -> str:
        name, n = node.name, 2
        while name in self.processors:  # e.g. the same table joined twice in one agent
            name, n = f"{node.name}#{n}", n + 1
        self.processors[name] = ProcessorNode(name, node.kind, node.details, node.agent)
        return name

    # -- agents ----------------------------------------------------------------------------------
    def _agent(self, spec: "AgentSpec") -> None:
        found = self.found.get(spec.name)
        if found is None or not found.segments:  # pragma: no cover - every agent is discovered
            return
        if found.outcome in ("raised", "timed out"):
            self.notes.append(f"agent {spec.name} {found.error}: group_by or stream.join calls "
                              "after that point are not shown")
        body_segment = next((s for s in found.segments if s.feeds_body), None)
        if body_segment is None:  # never waited for input: it reads its declared topics
            body_segment = found.segments[0]
        for segment in found.segments:
            for topic in segment.topics:
                if topic not in self.topics:  # a repartition topic
                    self._repartition_topic(topic, found)
            head: list[Ref] = [Ref(TOPIC, t) for t in segment.topics]
            for join in segment.joins:
                details = (join.kind,) + ((f"key from {join.key}",) if join.key else ())
                name = self._add_processor(ProcessorNode(f"{spec.name}.join({join.table})",
                                                         "stream-table join", details, spec.name))
                self._connect(head, Ref(PROCESSOR, name))
                self.edges.append(Edge(Ref(PROCESSOR, name), Ref(STORE, join.table), role="lookup"))
                head = [Ref(PROCESSOR, name)]
            ends: list[str] = []
            for group_by in segment.group_bys:
                if group_by.through:
                    node = ProcessorNode(f"{spec.name}.through({group_by.topic.name})", "through",
                                         (f"sent to {group_by.topic.name} and read back",), spec.name)
                else:
                    node = ProcessorNode(f"{spec.name}.group_by({group_by.name})", "group_by",
                                         (f"re-keyed into {group_by.topic.name}",), spec.name)
                name = self._add_processor(node)
                ends.append(name)
                self._connect(head, Ref(PROCESSOR, name))
                self.edges.append(Edge(Ref(PROCESSOR, name), Ref(TOPIC, group_by.topic.name)))
            if segment is body_segment:
                details = ("yields to its sinks",) if spec.sinks else ()
                body = self._add_processor(ProcessorNode(spec.name, "agent", details, spec.name))
                ends.insert(0, body)
                self._connect(head, Ref(PROCESSOR, body))
                for sink in spec.sinks:
                    self.edges.append(Edge(Ref(PROCESSOR, body), Ref(TOPIC, sink.name)))
                joined = {j.table for s in found.segments for j in s.joins}
                declared = ({t for s in found.segments for t, _ in s.outputs}
                            | {t for s in found.segments for t in s.topics})  # merge, through
                self._code_edges(body, spec.fn, skip={s.name for s in spec.sinks} | joined | declared)
            for topic, how in segment.outputs:  # branch(to=topic), to(topic)
                if ends:
                    self.edges.append(Edge(Ref(PROCESSOR, ends[0]), Ref(TOPIC, topic), role=how))

    def _repartition_topic(self, name: str, found: AgentDiscovery) -> None:
        for segment in found.segments:
            for group_by in segment.group_bys:
                if group_by.topic.name == name:
                    rt = group_by.topic
                    # Declared as the worker declares it, so the codecs are the same (unregistered).
                    codecs = Topic(self.app, name, key_type=rt.key_type, value_type=rt.value_type)
                    self.topics[name] = TopicNode(
                        name, "repartition", rt.partitions or self.default_partitions,
                        rt.partitions is not None, codec_name(codecs.key_codec),
                        codec_name(codecs.value_codec), (), f"{found.agent}.group_by({group_by.name})")
                    return

    def _connect(self, sources: list[Ref], target: Ref) -> None:
        for source in sources:
            self.edges.append(Edge(source, target))

    def _code_edges(self, processor: str, fn: Any, skip: Iterable[str] = ()) -> None:
        """Edges to the tables and topics of this app that ``fn``'s code names, but those in
        ``skip`` (what it declared: sinks, the tables it joins, the topics it merges, sends
        ``through``, branches or sends ``to``)."""
        skip = set(skip)
        source = Ref(PROCESSOR, processor)
        for obj in referenced_objects(fn):
            if (isinstance(obj, TABLE_TYPES) and obj.app is self.app and obj.name in self.app.tables
                    and obj.name not in skip):
                table = self.app.tables[obj.name]  # a windowed table replaced its base table
                if isinstance(table, WindowedTable):
                    self.edges.append(Edge(source, Ref(PROCESSOR, f"window:{table.name}"), "code"))
                else:
                    self.edges.append(Edge(source, Ref(STORE, table.name), "code"))
            elif isinstance(obj, Topic) and obj.app is self.app and obj.name not in skip:
                self.edges.append(Edge(source, Ref(TOPIC, obj.name), "code"))

    # -- declared processors ---------------------------------------------------------------------
    def _topic_table(self, spec: "AgentSpec", table: TopicTable) -> None:
        """``app.table(name, topic=)``: an internal agent applies the topic to the table."""
        name = self._add_processor(ProcessorNode(spec.name, "table from topic",
                                                 ("latest record per key; null deletes",)))
        for topic in spec.topic_names:
            self.edges.append(Edge(Ref(TOPIC, topic), Ref(PROCESSOR, name)))
        self.edges.append(Edge(Ref(PROCESSOR, name), Ref(STORE, table.name)))

    def _join(self, join: Any) -> None:
        name = f"join:{join.name}"
        details: tuple[str, ...]
        if isinstance(join, StreamStreamJoinSpec):
            p = join.processor
            details = (p.kind, f"left.ts - {fmt_ms(p.before)} <= right.ts <= left.ts + {fmt_ms(p.after)}",
                       f"grace {fmt_ms(p.grace)}")
            kind = "stream-stream join"
            right = join.right_topic.name
        elif isinstance(join, TableTableJoinSpec):
            details, kind, right = (join.processor.kind,), "table-table join", join.right_topic.name
        elif isinstance(join, ForeignKeyJoinSpec):
            details = (join.processor.kind, "right side read in full by every worker")
            kind, right = "foreign-key join", join.topic.name
        else:  # pragma: no cover - a new join kind must be described here
            raise TypeError(f"unknown join {join!r}")
        self._add_processor(ProcessorNode(name, kind, details))
        ref = Ref(PROCESSOR, name)
        self.edges.append(Edge(Ref(TOPIC, join.left_topic.name), ref, role="left"))
        self.edges.append(Edge(Ref(TOPIC, right), ref,
                               role=READ_IN_FULL if kind == "foreign-key join" else "right"))
        self.edges.append(Edge(ref, Ref(STORE, join.state.name)))
        result = getattr(join, "table", None)
        if result is not None:
            self.edges.append(Edge(ref, Ref(STORE, result.name), role="result"))
        self.edges.append(Edge(ref, Ref(TOPIC, join.output.name)))

    def _windowed(self, table: WindowedTable) -> None:
        window = self.stores[table.name].window
        assert window is not None
        details = [window.describe()]
        name = self._add_processor(ProcessorNode(f"window:{table.name}", "windowed aggregation",
                                                 tuple(details)))
        ref = Ref(PROCESSOR, name)
        self.edges.append(Edge(ref, Ref(STORE, table.name)))
        if table.emit_topic is not None:
            self.edges.append(Edge(ref, Ref(TOPIC, table.emit_topic.name), role=f"emit {table.emit_mode}"))
        if table.late_topic is not None:
            self.edges.append(Edge(ref, Ref(TOPIC, table.late_topic.name), role="late"))

    def _changelog_edges(self) -> None:
        for store in self.stores.values():
            if store.changelog is not None:
                self.edges.append(Edge(Ref(STORE, store.name), Ref(TOPIC, store.changelog), role="changelog"))


def _fed_from_topic(table: AnyTable) -> bool:
    """A table whose topic is its changelog (``app.table(name, topic=)``)."""
    return bool(getattr(table, "changelog_is_source", False))


def _window_spec(table: WindowedTable) -> WindowSpec:
    w = table.windows
    if isinstance(w, TumblingWindows):
        kind, size, step, minimum = "tumbling", w.size, None, w.size + w.grace
    elif isinstance(w, HoppingWindows):
        kind, size, step, minimum = "hopping", w.size, w.advance, w.size + w.grace
    elif isinstance(w, SlidingWindows):
        kind, size, step = "sliding", w.time_difference, None
        minimum = 2 * w.time_difference + w.grace
    elif isinstance(w, SessionWindows):
        kind, size, step, minimum = "session", w.gap, None, w.gap + w.grace
    else:  # pragma: no cover - a new window kind must be described here
        raise TypeError(f"unknown windows {w!r}")
    timestamp = None if table.timestamp_fn is None else getattr(table.timestamp_fn, "__name__", "fn")
    return WindowSpec(kind, size, step, w.grace, table.retention_ms or minimum,
                      table.emit_mode if table.emit_topic is not None else None, timestamp)
