"""A topology as a picture: Mermaid (renders in GitHub Markdown) and Graphviz dot.

Topics are drawn once each (internal ones dashed), processors as boxes grouped by
sub-topology with the stores they use, stores as cylinders; declared edges are solid, edges
found in the code dotted.
"""
from __future__ import annotations

import re

from .model import PROCESSOR, STORE, TOPIC, Ref, Topology

_SHAPES = {TOPIC: ('(["', '"])'), PROCESSOR: ('["', '"]'), STORE: ('[("', '")]')}


def _placement(topology: Topology) -> tuple[dict[int, list[Ref]], list[Ref]]:
    """Nodes per sub-topology (its processors, then the stores they use first), and the rest
    (topics, timers and tasks, stores nobody uses), in a stable order."""
    inside: dict[int, list[Ref]] = {}
    placed: set[Ref] = set()
    for sub in topology.subtopologies:
        refs = [Ref(PROCESSOR, p) for p in sub.processors]
        refs += [Ref(STORE, s) for s in sub.stores if Ref(STORE, s) not in placed
                 and topology.store(s).kind != "global table"]
        placed.update(refs)
        inside[sub.id] = refs
    rest = [Ref(TOPIC, t.name) for t in topology.topics]
    rest += [Ref(PROCESSOR, p.name) for p in topology.processors if Ref(PROCESSOR, p.name) not in placed]
    rest += [Ref(STORE, s.name) for s in topology.stores if Ref(STORE, s.name) not in placed]
    return inside, rest


def _label(topology: Topology, ref: Ref) -> tuple[str, str]:
    """(first line, second line) of a node's label."""
    if ref.kind == TOPIC:
        topic = topology.topic(ref.name)
        return ref.name, f"{topic.kind}, {topic.partitions} partitions"
    if ref.kind == STORE:
        return ref.name, topology.store(ref.name).kind
    return ref.name, topology.processor(ref.name).kind


def _ids(topology: Topology) -> dict[Ref, str]:
    ids: dict[Ref, str] = {}
    used: set[str] = set()
    nodes = ([Ref(TOPIC, t.name) for t in topology.topics] + [Ref(PROCESSOR, p.name) for p in topology.processors]
             + [Ref(STORE, s.name) for s in topology.stores])
    for ref in nodes:
        base = ref.kind[0] + "_" + re.sub(r"\W+", "_", ref.name).strip("_")
        node_id, n = base, 2
        while node_id in used:
            node_id, n = f"{base}_{n}", n + 1
        used.add(node_id)
        ids[ref] = node_id
    return ids


def render_mermaid(topology: Topology) -> str:
    """The topology as a Mermaid flowchart (sub-topologies as subgraphs)."""
    ids = _ids(topology)
    inside, rest = _placement(topology)

    def node(ref: Ref) -> str:
        first, second = _label(topology, ref)
        opening, closing = _SHAPES[ref.kind]
        text = f"{first}<br/>{second}".replace('"', "#quot;")
        cls = ref.kind
        if ref.kind == TOPIC and topology.topic(ref.name).internal:
            cls = "internal"
        return f"{ids[ref]}{opening}{text}{closing}:::{cls}"

    lines = ["flowchart LR"]
    for sub in topology.subtopologies:
        lines.append(f'  subgraph sub{sub.id}["Sub-topology {sub.id}"]')
        lines += [f"    {node(ref)}" for ref in inside[sub.id]]
        lines.append("  end")
    lines += [f"  {node(ref)}" for ref in rest]
    for e in topology.edges:
        arrow = "-->" if e.found == "declaration" else "-.->"
        label = f"|{e.role}|" if e.role else ""
        lines.append(f"  {ids[e.source]} {arrow}{label} {ids[e.target]}")
    lines += ["  classDef topic fill:#e8f0fe,stroke:#4a6fa5",
              "  classDef internal fill:#f4f4f4,stroke:#888,stroke-dasharray:4 3",
              "  classDef processor fill:#fff,stroke:#333",
              "  classDef store fill:#fff4dd,stroke:#b8860b"]
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DOT_SHAPES = {TOPIC: "box, style=rounded", PROCESSOR: "box", STORE: "cylinder"}


def render_dot(topology: Topology) -> str:
    """The topology as a Graphviz dot graph (sub-topologies as clusters)."""
    inside, rest = _placement(topology)

    def node_id(ref: Ref) -> str:
        return _dot_quote(f"{ref.kind}:{ref.name}")

    def node(ref: Ref) -> str:
        first, second = _label(topology, ref)
        style = _DOT_SHAPES[ref.kind]
        if ref.kind == TOPIC and topology.topic(ref.name).internal:
            style = "box, style=\"rounded,dashed\""
        label = _dot_quote(f"{first}\0{second}").replace("\0", "\\n")  # a line break, escaped
        return f"{node_id(ref)} [label={label}, shape={style}];"

    lines = [f"digraph {_dot_quote(topology.app_id)} {{", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    for sub in topology.subtopologies:
        lines.append(f"  subgraph cluster_{sub.id} {{")
        lines.append(f"    label={_dot_quote(f'Sub-topology {sub.id}')};")
        lines += [f"    {node(ref)}" for ref in inside[sub.id]]
        lines.append("  }")
    lines += [f"  {node(ref)}" for ref in rest]
    for e in topology.edges:
        attrs = []
        if e.role:
            attrs.append(f"label={_dot_quote(e.role)}")
        if e.found == "code":
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {node_id(e.source)} -> {node_id(e.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
