"""A topology as text, in the manner of Kafka Streams' ``TopologyDescription``.

Kafka Streams users know the shape: sub-topologies of sources, processors and sinks, each with
``-->`` successors and ``<--`` predecessors. Added here: what each node is, the stores, the
topics (internal ones with their owners), timers and tasks, and the task grouping the runtime
uses today, which is coarser than Kafka Streams' (see :mod:`streamflow.topology.build`).
"""
from __future__ import annotations

from .model import PROCESSOR, STORE, TOPIC, Edge, Ref, StoreNode, SubTopology, TopicNode, Topology

LEGEND = "Arrows: --> declared; ..> found in the code (the names it refers to; a helper it calls is not seen)"


def render_text(topology: Topology) -> str:
    """The topology as text, laid out as Kafka Streams' ``TopologyDescription`` prints."""
    lines = [f"Topology of app {topology.app_id}", "", "Sub-topologies (as Kafka Streams cuts them: "
             "processors joined directly, through a store, or by a topic they both read):"]
    for sub in topology.subtopologies:
        lines += _subtopology(topology, sub)
    for store in topology.stores:
        if store.kind == "global table" and store.source is not None:
            lines += [f"   Global table: {store.name} (will not generate tasks)",
                      f"    Source: {store.source} ({_topic_brief(topology.topic(store.source))})",
                      f"      --> {store.name} (global table, read in full by every worker)", ""]
    if lines[-1] == "":
        lines.pop()
    others = [p for p in topology.processors if p.kind in ("timer", "task")]
    if others:
        lines += ["", "Timers and tasks (no input topic; they run on every worker):"]
        for p in others:
            lines.append(f"  {p.name} ({', '.join(p.details)})")
            lines += _arrows(topology, Ref(PROCESSOR, p.name), predecessors=False)
    lines += ["", "Stores:"]
    lines += _table([(s.name, _store_brief(s)) for s in topology.stores]) or ["  (none)"]
    lines += ["", "Topics:"]
    lines += _table([(t.name, _topic_line(t)) for t in topology.topics]) or ["  (none)"]
    lines += ["", "Runtime tasks (how workers split the work today: task (n, p) is partition p of "
              "every consumed topic with n partitions, with partition p of every table with n "
              "partitions; the assignor moves tasks as wholes):"]
    for group in topology.task_groups:
        parts = [f"topics {', '.join(group.topics)}"]
        if group.stores:
            parts.append(f"tables {', '.join(group.stores)}")
        lines.append(f"  ({group.partitions}, 0) .. ({group.partitions}, {group.partitions - 1}): "
                     + "; ".join(parts))
    if not topology.task_groups:
        lines.append("  (none: the app consumes no topic)")
    if topology.notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in topology.notes]
    lines += ["", LEGEND]
    return "\n".join(lines) + "\n"


def _subtopology(topology: Topology, sub: SubTopology) -> list[str]:
    lines = [f"   Sub-topology: {sub.id}"]
    for name in sub.sources:
        lines.append(f"    Source: {name} ({_topic_brief(topology.topic(name))})")
        lines += _arrows(topology, Ref(TOPIC, name), predecessors=False, only=set(sub.processors))
    for name in sub.broadcast_sources:
        lines.append(f"    Source: {name} ({_topic_brief(topology.topic(name))}, read in full by "
                     "every worker)")
        lines += _arrows(topology, Ref(TOPIC, name), predecessors=False, only=set(sub.processors))
    for name in sub.processors:
        node = topology.processor(name)
        ref = Ref(PROCESSOR, name)
        what = [", ".join((node.kind,) + node.details)]
        declared = [e.target.name for e in topology.edges_from(ref)
                    if e.target.kind == STORE and e.found == "declaration"]
        in_code = [e.target.name for e in topology.edges_from(ref)
                   if e.target.kind == STORE and e.found == "code"]
        if declared:
            what.append(f"stores: [{', '.join(declared)}]")
        if in_code:
            what.append(f"stores in its code: [{', '.join(in_code)}]")
        lines.append(f"    Processor: {name} ({'; '.join(what)})")
        lines += _arrows(topology, ref, predecessors=True)
    for name in sub.sinks:
        lines.append(f"    Sink: {name} ({topology.topic(name).kind})")
        lines += _arrows(topology, Ref(TOPIC, name), successors=False, only=set(sub.processors))
    if sub.tasks:
        lines.append(f"    Kafka Streams tasks: {sub.tasks[0]} .. {sub.tasks[-1]} (one per partition of its sources)")
    elif len(sub.partition_counts) > 1:
        counts = " and ".join(map(str, sub.partition_counts))
        lines.append(f"    Kafka Streams tasks: none (its sources have {counts} partitions, which "
                     "Kafka Streams refuses; streamflow runs it, see Runtime tasks)")
    lines.append("")
    return lines


def _arrows(topology: Topology, ref: Ref, *, predecessors: bool = True, successors: bool = True,
            only: set[str] | None = None) -> list[str]:
    """``-->`` / ``..>`` lines to successors (processors and topics), ``<--`` / ``<..`` lines
    from predecessors; ``only`` keeps the processors of one sub-topology."""
    def keep(e: Edge, other: Ref) -> bool:
        return other.kind != STORE and (only is None or other.kind != PROCESSOR or other.name in only)

    lines = []
    if successors:
        out = [e for e in topology.edges_from(ref) if keep(e, e.target)]
        lines += _arrow_lines("-->", "..>", [(e, e.target) for e in out])
    if predecessors:
        into = [e for e in topology.edges_to(ref) if keep(e, e.source)]
        lines += _arrow_lines("<--", "<..", [(e, e.source) for e in into])
    return lines


def _arrow_lines(declared: str, code: str, pairs: list[tuple[Edge, Ref]]) -> list[str]:
    lines = []
    for arrow, found in ((declared, "declaration"), (code, "code")):
        names = [other.name + (f" ({e.role})" if e.role else "") for e, other in pairs if e.found == found]
        if names:
            lines.append(f"      {arrow} {', '.join(names)}")
    return lines


def _topic_brief(topic: TopicNode) -> str:
    kind = "" if topic.kind == "topic" else f"{topic.kind}, "
    return f"{kind}{topic.partitions} partitions"


def _topic_line(topic: TopicNode) -> str:
    kind = topic.kind + (f" of {topic.owner}" if topic.owner else "")
    parts = [kind, f"{topic.partitions} partitions" + ("" if topic.partitions_declared else " (default)"),
             f"key {topic.key_codec}, value {topic.value_codec}"]
    if topic.config:
        parts.append(" ".join(f"{k}={v}" for k, v in topic.config))
    return "; ".join(parts)


def _store_brief(store: StoreNode) -> str:
    kind = store.kind + (f" of join:{store.owner}" if store.owner else "")
    parts = [kind, f"{store.partitions} partitions", store.backend]
    if store.window is not None:
        parts.append(store.window.describe())
    if store.changelog:
        parts.append(f"changelog {store.changelog}")
    if store.source:
        parts.append(f"from {store.source}")
    return "; ".join(parts)


def _table(rows: list[tuple[str, str]]) -> list[str]:
    width = max((len(name) for name, _ in rows), default=0)
    return [f"  {name:<{width}}  {text}" for name, text in rows]
