"""Partition assignment that keeps state where it is.

A *task* is one partition number across topics that have the same partition count (Kafka
Streams' notion): partition 3 of ``orders``, of ``orders-repartition`` and of a table's
changelog belong together, because the table partition 3 is updated by events of partition 3.
Tasks, not single partitions, are what we assign, so co-partitioned topics stay together.

``assign_tasks`` is pure: it balances tasks over members (counts differ by at most one), keeps
a task on the member that held it last (its state is local there), and otherwise prefers a
member that holds a warm standby copy. Members tell what they hold in their join metadata.
aiokafka accepts assignor *classes*; ``assignor_for`` makes one bound to a worker's view of
what it holds.

Members also tell where their HTTP server is (``web_advertised_url``), and every member's
assignment carries who owns which task at which address (Kafka Streams'
``application.server``): a worker asked for a table key another worker owns redirects there.
"""
from __future__ import annotations

import collections
import logging
from typing import Any, Callable, Mapping

import orjson
from aiokafka.coordinator.assignors.abstract import AbstractPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment, ConsumerProtocolMemberMetadata

log = logging.getLogger("streamflow.assignor")

Task = tuple[int, int]  # (partition count of the topic group, partition number)


def assign_tasks(members: Mapping[str, dict[str, set[Task]]], tasks: list[Task]) -> dict[str, list[Task]]:
    """``members``: id -> {"active": tasks held, "standby": tasks with state on disk}.

    Returns id -> tasks. Deterministic for the same input.
    """
    ids = sorted(members)
    out: dict[str, list[Task]] = {m: [] for m in ids}
    if not ids:
        return out
    tasks = sorted(set(tasks))
    base, extra = divmod(len(tasks), len(ids))
    # Members that already hold more get the "+1" slots first, so fewer tasks move.
    held = {m: len(members[m].get("active", set()) & set(tasks)) for m in ids}
    by_holding = sorted(ids, key=lambda m: (-held[m], m))
    capacity = {m: base + (1 if i < extra else 0) for i, m in enumerate(by_holding)}
    unassigned = []
    for task in tasks:
        owner = next((m for m in ids if task in members[m].get("active", ()) and len(out[m]) < capacity[m]), None)
        if owner is None:
            unassigned.append(task)
        else:
            out[owner].append(task)
    rest = []
    for task in unassigned:
        standby = next((m for m in ids if task in members[m].get("standby", ()) and len(out[m]) < capacity[m]), None)
        if standby is None:
            rest.append(task)
        else:
            out[standby].append(task)
    for task in rest:
        target = min((m for m in ids if len(out[m]) < capacity[m]), key=lambda m: (len(out[m]), m))
        out[target].append(task)
    return out


def assign_standbys(members: Mapping[str, dict[str, set[Task]]], active: Mapping[str, list[Task]],
                    replicas: int) -> dict[str, list[Task]]:
    """Up to ``replicas`` warm copies of every task, never on its active member: members that
    already have the task's state on disk first, then the least loaded."""
    ids = sorted(active)
    out: dict[str, list[Task]] = {m: [] for m in ids}
    if replicas <= 0 or len(ids) < 2:
        return out
    owner = {task: m for m, tasks in active.items() for task in tasks}
    for task in sorted(owner):
        candidates = [m for m in ids if m != owner[task]]
        candidates.sort(key=lambda m: (task not in members[m].get("standby", ())
                                       and task not in members[m].get("active", ()),
                                       len(out[m]) + len(active[m]), m))
        for m in candidates[:replicas]:
            out[m].append(task)
    return out


def encode_holdings(active: set[Task], standby: set[Task], replicas: int = 0,
                    url: str | None = None) -> bytes:
    """A member's join metadata: the tasks it holds state of (active, standby), its
    ``table_standby_replicas`` and the HTTP address it advertises (``web_advertised_url``)."""
    obj: dict[str, Any] = {"active": sorted(active), "standby": sorted(standby), "replicas": replicas}
    if url:
        obj["url"] = url
    return orjson.dumps(obj)


def decode_holdings(data: bytes) -> dict[str, Any]:
    """:func:`encode_holdings`' bytes read back; unreadable metadata (another client's) as
    holding nothing."""
    try:
        obj = orjson.loads(data) if data else {}
        out: dict[str, Any] = {k: {(int(a), int(b)) for a, b in obj.get(k, [])} for k in ("active", "standby")}
        out["replicas"] = int(obj.get("replicas", 0))
        url = obj.get("url")
        out["url"] = url if isinstance(url, str) else None
        return out
    except (ValueError, TypeError, AttributeError):
        return {"active": set(), "standby": set(), "replicas": 0, "url": None}


def hosts_of(plan: Mapping[str, list[Task]], urls: Mapping[str, str | None]) -> dict[str, list[Task]]:
    """Advertised address -> the tasks its member was assigned (members without one left out)."""
    hosts: dict[str, list[Task]] = {}
    for member, tasks in plan.items():
        url = urls.get(member)
        if url and tasks:
            hosts.setdefault(url, []).extend(sorted(tasks))
    return hosts


def owners_from(hosts: Mapping[str, Any]) -> dict[Task, str]:
    """Task -> advertised address of its owner, from :func:`hosts_of`'s shape (as decoded)."""
    owners: dict[Task, str] = {}
    for url, tasks in hosts.items():
        for n, p in tasks:
            owners[(int(n), int(p))] = url
    return owners


class CopartitionedAssignor(AbstractPartitionAssignor):
    """aiokafka adapter for :func:`assign_tasks`. Subclassed per worker by ``assignor_for``."""

    name = "streamflow-copartitioned"
    version = 0
    holdings: Callable[[], tuple[set[Task], set[Task]]] = staticmethod(lambda: (set(), set()))
    replicas = 0
    standby_listener: Callable[[set[Task]], None] = staticmethod(lambda tasks: None)
    endpoint: Callable[[], str | None] = staticmethod(lambda: None)
    owners_listener: Callable[[dict[Task, str]], None] = staticmethod(lambda owners: None)

    @classmethod
    def metadata(cls, topics: Any) -> ConsumerProtocolMemberMetadata:
        active, standby = cls.holdings()
        return ConsumerProtocolMemberMetadata(cls.version, list(topics),
                                              encode_holdings(active, standby, cls.replicas,
                                                              cls.endpoint()))

    @classmethod
    def on_assignment(cls, assignment: Any) -> None:
        try:
            data = orjson.loads(assignment.user_data or b"{}")
            standby = data.get("standby", [])
            owners = owners_from(data.get("hosts", {}))
        except (ValueError, TypeError, AttributeError):
            standby, owners = [], {}
        cls.standby_listener({(int(n), int(p)) for n, p in standby})
        cls.owners_listener(owners)

    @classmethod
    def on_generation_assignment(cls, generation: int) -> None:
        pass

    @classmethod
    def assign(cls, cluster: Any, members: Mapping[str, ConsumerProtocolMemberMetadata]
               ) -> dict[str, ConsumerProtocolMemberAssignment]:
        counts: dict[str, int] = {}
        for meta in members.values():
            for topic in meta.subscription:
                parts = cluster.partitions_for_topic(topic)
                if parts:
                    counts[topic] = len(parts)
        tasks = sorted({(n, p) for n in counts.values() for p in range(n)})
        holdings = {m: decode_holdings(meta.user_data) for m, meta in members.items()}
        plan = assign_tasks(holdings, tasks)
        replicas = max((h["replicas"] for h in holdings.values()), default=0)
        standbys = assign_standbys(holdings, plan, replicas)
        hosts = hosts_of(plan, {m: h["url"] for m, h in holdings.items()})
        result = {}
        for member, member_tasks in plan.items():
            subscription = set(members[member].subscription)
            per_topic: dict[str, list[int]] = collections.defaultdict(list)
            for n, p in member_tasks:
                for topic, count in counts.items():
                    if count == n and topic in subscription:
                        per_topic[topic].append(p)
            result[member] = ConsumerProtocolMemberAssignment(
                cls.version, sorted((t, sorted(ps)) for t, ps in per_topic.items()),
                orjson.dumps({"standby": standbys.get(member, []), "hosts": hosts}))
        log.info("assigned %d tasks to %d members", len(tasks), len(members))
        return result


def assignor_for(holdings: Callable[[], tuple[set[Task], set[Task]]], replicas: int = 0,
                 on_standby: Callable[[set[Task]], None] | None = None,
                 endpoint: Callable[[], str | None] | None = None,
                 on_owners: Callable[[dict[Task, str]], None] | None = None,
                 ) -> type[CopartitionedAssignor]:
    """An assignor class bound to one worker: its join metadata reports ``holdings()``, the
    standby replicas it wants and ``endpoint()``, its advertised HTTP address; ``on_standby``
    receives the standby tasks it is given, ``on_owners`` the address of every task's owner."""
    attrs: dict[str, Any] = {"holdings": staticmethod(holdings), "replicas": replicas}
    if on_standby is not None:
        attrs["standby_listener"] = staticmethod(on_standby)
    if endpoint is not None:
        attrs["endpoint"] = staticmethod(endpoint)
    if on_owners is not None:
        attrs["owners_listener"] = staticmethod(on_owners)
    return type("CopartitionedAssignor", (CopartitionedAssignor,), attrs)
