"""An app's topology: an immutable description of its topics, processors, stores and internal
topics, built from its declarations (``app.topology()``), printed by ``streamflow graph``.

- :mod:`.model`: the values (nodes, edges, sub-topologies, task groups);
- :mod:`.discovery`: what agents declare at their top (``group_by``, ``stream.join``), found by
  running them up to their first wait for input;
- :mod:`.references`: the tables and topics an agent's code names;
- :mod:`.build`: the builder; :mod:`.grouping`: sub-topologies and task groups;
- :mod:`.text` and :mod:`.graphs`: the renderers.
"""
from .build import build_topology, build_topology_async, topology_from
from .model import (Edge, ProcessorNode, Ref, StoreNode, SubTopology, TaskGroup, TopicNode,
                    Topology, WindowSpec)

__all__ = ["Topology", "TopicNode", "StoreNode", "ProcessorNode", "Edge", "Ref", "SubTopology",
           "TaskGroup", "WindowSpec", "build_topology", "build_topology_async", "topology_from"]
