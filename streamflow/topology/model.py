"""The topology model: what an app is made of, as plain immutable values.

Nodes are topics, processors and stores; edges say who reads, writes or uses what, and how we
know it: from a declaration (``sink=``, ``group_by``, ``stream.join``, ``app.join_*``,
``emit_to``, a changelog), or from the names an agent's, timer's or task's code refers to
(``found="code"``: a table it updates, a topic it ``send``s to). Sub-topologies and tasks are
given twice, as Kafka Streams would cut them and as the runtime actually groups partitions
today; see :mod:`streamflow.topology.build` for the rules.

Nothing here runs anything or knows a broker: builders make these values, renderers print them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from .discovery import AgentDiscovery

TOPIC, PROCESSOR, STORE = "topic", "processor", "store"
READ_IN_FULL = "read in full"  # the role of an edge from a topic every worker reads whole


def fmt_ms(ms: int) -> str:
    """A duration as people write it: 250ms, 10s, 5m, 1h, 1d."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms" if ms else "0s"


@dataclass(frozen=True, order=True)
class Ref:
    """A node: its kind (``topic``, ``processor`` or ``store``) and name. A table and a topic
    may share a name, so a name alone does not say which node is meant."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Edge:
    """``source`` feeds ``target``. ``found``: ``declaration`` or ``code`` (the source's code
    refers to the target: a guess from names, so it may miss what a helper function does).
    ``role`` qualifies it: ``left``/``right`` side of a join, ``read in full``, ``changelog``,
    ``emit update``/``emit final``, ``late``."""

    source: Ref
    target: Ref
    found: str = "declaration"
    role: str = ""


@dataclass(frozen=True)
class TopicNode:
    """A Kafka topic. ``kind``: ``topic`` (declared by the app), ``repartition``,
    ``changelog``, ``join output`` (a join's default output) or ``dead letters``.
    ``partitions`` is what streamflow creates it with (an existing topic keeps its own count,
    read from the broker at start); ``owner`` is the store, join or group_by it belongs to."""

    name: str
    kind: str
    partitions: int
    partitions_declared: bool
    key_codec: str
    value_codec: str
    config: tuple[tuple[str, str], ...] = ()
    owner: str | None = None

    @property
    def internal(self) -> bool:
        return self.kind != "topic"


@dataclass(frozen=True)
class WindowSpec:
    """A windowed table's windows, all durations in ms. ``size`` is a session's gap;
    ``step`` is set for hopping windows only; ``retention`` is the effective one."""

    kind: str  # tumbling, hopping, sliding or session
    size: int
    step: int | None
    grace: int
    retention: int
    emit_mode: str | None  # None: results are not sent anywhere
    timestamp: str | None  # the name of the timestamp= function; None: the record's timestamp

    def describe(self) -> str:
        """``tumbling 1m, grace 10s, retention 1h, emit final``."""
        w = self
        size = f"gap {fmt_ms(w.size)}" if w.kind == "session" else fmt_ms(w.size)
        parts = [f"{w.kind} {size}"]
        if w.step is not None:
            parts[0] += f" every {fmt_ms(w.step)}"
        parts.append(f"grace {fmt_ms(w.grace)}")
        parts.append(f"retention {fmt_ms(w.retention)}")
        if w.emit_mode is not None:
            parts.append(f"emit {w.emit_mode}")
        if w.timestamp is not None:
            parts.append(f"time from {w.timestamp}")
        return ", ".join(parts)


@dataclass(frozen=True)
class StoreNode:
    """A state store. ``kind``: ``table``, ``windowed table``, ``global table`` (every worker
    holds all partitions, fed from ``source``), ``join state`` or ``join result``
    (``owner``: the join). ``backend``: ``rocksdb`` or ``memory``."""

    name: str
    kind: str
    partitions: int
    backend: str
    changelog: str | None = None
    source: str | None = None
    window: WindowSpec | None = None
    owner: str | None = None


@dataclass(frozen=True)
class ProcessorNode:
    """A step records go through. ``kind``: ``agent`` (its body), ``group_by`` and
    ``stream-table join`` (steps of an agent, ``agent`` names it), ``stream-stream join``,
    ``table-table join``, ``foreign-key join``, ``windowed aggregation`` (applied by whatever
    updates the table), ``timer`` or ``task``. ``details``: short facts for people."""

    name: str
    kind: str
    details: tuple[str, ...] = ()
    agent: str | None = None


@dataclass(frozen=True)
class SubTopology:
    """Kafka Streams' sub-topology: processors connected directly or through a store (not
    through a topic one writes and another reads), with the topics they read and write.
    Kafka Streams would run it as one task per partition of its sources (``tasks``, ``i_p``);
    ``partition_counts`` lists the counts of its partitioned sources (more than one: Kafka
    Streams would refuse it, streamflow runs it, see :class:`TaskGroup`)."""

    id: int
    processors: tuple[str, ...]
    sources: tuple[str, ...]
    broadcast_sources: tuple[str, ...]  # read in full by every worker: no tasks of their own
    sinks: tuple[str, ...]
    stores: tuple[str, ...]
    partition_counts: tuple[int, ...]

    @property
    def tasks(self) -> tuple[str, ...]:
        if len(self.partition_counts) != 1:
            return ()
        return tuple(f"{self.id}_{p}" for p in range(self.partition_counts[0]))


@dataclass(frozen=True)
class TaskGroup:
    """How the runtime groups work today: task ``(n, p)`` is partition ``p`` of every topic the
    worker consumes that has ``n`` partitions, with partition ``p`` of every (non-global) table
    of ``n`` partitions. The assignor moves tasks between workers as wholes."""

    partitions: int
    topics: tuple[str, ...]
    stores: tuple[str, ...]

    @property
    def tasks(self) -> tuple[tuple[int, int], ...]:
        return tuple((self.partitions, p) for p in range(self.partitions))


@dataclass(frozen=True)
class Topology:
    """An app's topology: build it with ``app.topology()``; print it with :meth:`describe`,
    :meth:`to_mermaid` or :meth:`to_dot` (``streamflow graph``)."""

    app_id: str
    topics: tuple[TopicNode, ...]
    stores: tuple[StoreNode, ...]
    processors: tuple[ProcessorNode, ...]
    edges: tuple[Edge, ...]
    subtopologies: tuple[SubTopology, ...]
    task_groups: tuple[TaskGroup, ...]
    notes: tuple[str, ...] = ()  # what could not be known (an agent that raised before iterating)
    #: What running each agent up to its first wait for input showed (agents declared by a
    #: join or a table have none): the stretches of the agent between topics, with the topics
    #: each reads, its ``group_by``/``through`` topics (types included) and its stream-table
    #: joins. The edges above are made from these; the runtime wires agents' channels from them.
    agents: tuple["AgentDiscovery", ...] = ()

    # -- lookups -------------------------------------------------------------------------------
    def topic(self, name: str) -> TopicNode:
        return _find(self.topics, name, "topic")

    def store(self, name: str) -> StoreNode:
        return _find(self.stores, name, "store")

    def processor(self, name: str) -> ProcessorNode:
        return _find(self.processors, name, "processor")

    def agent(self, name: str) -> "AgentDiscovery | None":
        """What the discovery found of agent ``name`` (None: declared by a join or a table)."""
        return next((a for a in self.agents if a.agent == name), None)

    def edges_from(self, ref: Ref) -> Iterator[Edge]:
        return (e for e in self.edges if e.source == ref)

    def edges_to(self, ref: Ref) -> Iterator[Edge]:
        return (e for e in self.edges if e.target == ref)

    def readers(self, topic: str) -> tuple[str, ...]:
        """Processors that consume ``topic``."""
        return tuple(e.target.name for e in self.edges_from(Ref(TOPIC, topic)) if e.target.kind == PROCESSOR)

    def writers(self, topic: str) -> tuple[str, ...]:
        """Processors that write to ``topic`` (declared or found in their code)."""
        return tuple(e.source.name for e in self.edges_to(Ref(TOPIC, topic)) if e.source.kind == PROCESSOR)

    # -- renderings ----------------------------------------------------------------------------
    def describe(self) -> str:
        """Text in the manner of Kafka Streams' ``TopologyDescription``."""
        from .text import render_text
        return render_text(self)

    def to_mermaid(self) -> str:
        from .graphs import render_mermaid
        return render_mermaid(self)

    def to_dot(self) -> str:
        from .graphs import render_dot
        return render_dot(self)

    def __str__(self) -> str:
        return self.describe()


def _find(nodes: tuple, name: str, what: str):  # type: ignore[no-untyped-def]
    for node in nodes:
        if node.name == name:
            return node
    raise KeyError(f"no {what} {name!r} in this topology")
