"""How an app's processors are grouped into units of work, both ways (see :mod:`.build`).

- :func:`cut_subtopologies`: Kafka Streams' sub-topologies;
- :func:`task_groups`: the runtime's tasks today (the sticky assignor's unit).

Pure functions over the topology's nodes and edges.
"""
from __future__ import annotations

from .model import (PROCESSOR, READ_IN_FULL, STORE, TOPIC, Edge, ProcessorNode, StoreNode,
                    SubTopology, TaskGroup, TopicNode)


def task_groups(edges: tuple[Edge, ...], topics: dict[str, TopicNode],
                stores: dict[str, StoreNode]) -> tuple[tuple[TaskGroup, ...], list[str]]:
    """Task groups by partition count, and the problems seen on the way (a table whose
    partition count no consumed topic has: the worker refuses to start it)."""
    consumed = {e.source.name for e in edges if e.source.kind == TOPIC
                and e.target.kind == PROCESSOR and e.role != READ_IN_FULL}
    counts = sorted({topics[t].partitions for t in consumed})
    partitioned = [s for s in stores.values() if s.kind != "global table"]
    problems = [f"table {store.name} has {store.partitions} partitions and no consumed topic "
                f"has {store.partitions} (with the declared counts): the worker would refuse "
                "to start" for store in partitioned if consumed and store.partitions not in counts]
    groups = tuple(TaskGroup(n, tuple(sorted(t for t in consumed if topics[t].partitions == n)),
                             tuple(sorted(s.name for s in partitioned if s.partitions == n)))
                   for n in counts)
    return groups, problems


def cut_subtopologies(processors: tuple[ProcessorNode, ...], edges: tuple[Edge, ...],
                   topics: dict[str, TopicNode], stores: dict[str, StoreNode]) -> tuple[SubTopology, ...]:
    """Union processors joined directly, by a (partitioned) store, or by a topic they both read.
    Timers and tasks read nothing: they belong to no sub-topology."""
    order = [p.name for p in processors if p.kind not in ("timer", "task")]
    parent = {name: name for name in order}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def union(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            first, second = sorted((ra, rb), key=order.index)
            parent[second] = first

    by_store: dict[str, str] = {}
    by_source: dict[str, str] = {}
    for e in edges:
        if e.source.kind == PROCESSOR and e.source.name not in parent:
            continue  # a timer or task
        if e.source.kind == PROCESSOR and e.target.kind == PROCESSOR and e.target.name in parent:
            union(e.source.name, e.target.name)
        elif e.source.kind == PROCESSOR and e.target.kind == STORE:
            if stores[e.target.name].kind != "global table":
                union(e.source.name, by_store.setdefault(e.target.name, e.source.name))
        elif e.source.kind == TOPIC and e.target.kind == PROCESSOR and e.role != READ_IN_FULL:
            union(e.target.name, by_source.setdefault(e.source.name, e.target.name))
    groups: dict[str, list[str]] = {}
    for name in order:
        groups.setdefault(root(name), []).append(name)
    out = []
    for i, members in enumerate(sorted(groups.values(), key=lambda m: order.index(m[0]))):
        inside = set(members)
        sources = sorted({e.source.name for e in edges if e.target.name in inside
                          and e.target.kind == PROCESSOR and e.source.kind == TOPIC
                          and e.role != READ_IN_FULL})
        broadcast = sorted({e.source.name for e in edges if e.target.name in inside
                            and e.target.kind == PROCESSOR and e.role == READ_IN_FULL})
        sinks = sorted({e.target.name for e in edges if e.source.name in inside
                        and e.source.kind == PROCESSOR and e.target.kind == TOPIC})
        used = sorted({e.target.name for e in edges if e.source.name in inside
                       and e.source.kind == PROCESSOR and e.target.kind == STORE})
        counts = tuple(sorted({topics[t].partitions for t in sources}))
        out.append(SubTopology(i, tuple(members), tuple(sources), tuple(broadcast), tuple(sinks),
                               tuple(used), counts))
    return tuple(out)
