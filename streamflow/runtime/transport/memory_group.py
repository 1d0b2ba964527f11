"""Consumer groups of a ``memory://`` broker (see ``memory.py``): members, committed offsets,
and rebalances that assign with the Kafka transport's assignor (tasks, stickiness to the
member holding their state, standby tasks), so several workers of one app in one process
behave as on Kafka.

A commit whose offsets the group no longer assigns to the committing member is refused; a
member assigned partitions whose offsets an open transaction holds waits for it, as Kafka's
``require_stable`` offset fetch does (KIP-447).
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Callable

from ...config import Settings
from ...types import TP
from .assignor import Task, assign_standbys, assign_tasks, hosts_of, owners_from
from .base import CommitFailed, RebalanceCallback
from .memory_broker import MemoryBroker, MemoryRecord


class MemoryGroup:
    """A consumer group: members, their assignment, committed offsets."""

    def __init__(self, broker: MemoryBroker, name: str) -> None:
        self.broker, self.name = broker, name
        self.members: list[MemoryConsumer] = []
        self.committed: dict[TP, int] = {}
        self.generation = 0
        self.assignment: dict[int, set[TP]] = {}
        self.standbys: dict[int, set[Task]] = {}
        self.owners: dict[Task, str] = {}  # task -> its member's advertised HTTP address
        self._joined = itertools.count()

    def join(self, member: "MemoryConsumer") -> None:
        member.member_id = f"{self.name}-{next(self._joined):06d}"  # join order: deterministic
        self.members.append(member)
        self.rebalance()

    def evict(self, member: "MemoryConsumer") -> None:
        """Drop ``member`` as Kafka does when its session times out; it finds out, gives up
        its partitions and rejoins on its next fetch (tests use this to make a zombie)."""
        self.members.remove(member)
        self.rebalance()

    def subscribed_topics(self) -> set[str]:
        return {t for m in self.members for t in m.topics}

    def rebalance(self) -> None:
        """Assign as the Kafka transport's assignor does: a task (one partition number across
        the topics with the same partition count) goes to one member, balanced, staying with
        the member that holds its state (or a standby copy of it); then up to the largest
        ``table_standby_replicas`` of the members standby copies of each task elsewhere.
        Members report what they hold when the group rebalances, as in their join metadata."""
        self.generation += 1
        counts = {t: len(self.broker.topics[t]) for t in sorted(self.subscribed_topics())
                  if t in self.broker.topics}
        tasks = sorted({(n, p) for n in counts.values() for p in range(n)})
        holdings = {m.member_id: m.holdings() for m in self.members}
        plan = assign_tasks(holdings, tasks)
        replicas = max((m.settings.table_standby_replicas for m in self.members), default=0)
        standbys = assign_standbys(holdings, plan, replicas)
        self.owners = owners_from(hosts_of(plan, {m.member_id: m.endpoint() for m in self.members}))
        self.assignment, self.standbys = {}, {}
        for member in self.members:
            self.assignment[id(member)] = {
                TP(topic, p) for n, p in plan[member.member_id]
                for topic in member.topics if counts.get(topic) == n}
            self.standbys[id(member)] = set(standbys.get(member.member_id, ()))
        self.broker._wake()


class MemoryConsumer:
    """A member of a ``memory://`` consumer group (the real assignor assigns it)."""

    def __init__(self, broker: MemoryBroker, group: str, topics: list[str], settings: Settings,
                 on_revoked: RebalanceCallback, on_assigned: RebalanceCallback,
                 holdings: Callable[[], tuple[set[Task], set[Task]]] | None = None,
                 on_standby: Callable[[set[Task]], None] | None = None, *,
                 endpoint: Callable[[], str | None] | None = None,
                 on_owners: Callable[[dict[Task, str]], None] | None = None) -> None:
        self.broker, self.group_name, self.topics = broker, group, list(topics)
        self.settings = settings
        self.on_revoked, self.on_assigned = on_revoked, on_assigned
        self._holdings = holdings
        self._on_standby = on_standby
        self._endpoint = endpoint
        self._on_owners = on_owners
        self.member_id = ""
        self._assigned: set[TP] = set()
        self._generation = -1
        self._positions: dict[TP, int] = {}
        self._paused: set[TP] = set()
        self._group: MemoryGroup | None = None

    async def start(self) -> None:
        self._group = self.broker.groups.setdefault(self.group_name, MemoryGroup(self.broker, self.group_name))
        self._group.join(self)

    async def stop(self) -> None:
        group = self._group
        if group is None:
            return
        if self._assigned:
            await self.on_revoked(set(self._assigned))
        self._assigned = set()
        self._group = None
        if self in group.members:  # else evicted already: the group rebalanced then
            group.members.remove(self)
            group.rebalance()

    async def _maybe_rebalance(self) -> None:
        group = self._group
        assert group is not None
        if self not in group.members:
            # Evicted (what a missed session timeout does on Kafka): like aiokafka, give the
            # partitions up first (a commit attempted now is refused: not a member), then rejoin.
            if self._assigned:
                await self.on_revoked(set(self._assigned))
            self._assigned = set()
            group.join(self)
        while self._generation != group.generation:
            generation = group.generation
            if self._assigned:
                await self.on_revoked(set(self._assigned))
            self._assigned = set(group.assignment.get(id(self), set()))
            self._generation = generation
            self._positions = {}
            for tp in self._assigned:
                self._position_from_committed(tp)
            self._paused &= self._assigned
            if self._on_standby is not None:  # as the Kafka assignor's on_assignment: first
                self._on_standby(set(group.standbys.get(id(self), ())))
            if self._on_owners is not None:
                self._on_owners(dict(group.owners))
            await self.on_assigned(set(self._assigned))

    async def getmany(self, timeout: float, max_records: int) -> dict[TP, list[MemoryRecord]]:
        await self._maybe_rebalance()
        out = self._collect(max_records)
        if not out and timeout > 0:
            await self.broker.wait_for_data(timeout)
            await self._maybe_rebalance()
            out = self._collect(max_records)
        return out

    def _position_from_committed(self, tp: TP) -> None:
        """Start ``tp`` at its committed offset, once no open transaction holds it."""
        assert self._group is not None
        if self.broker.offsets_pending(self.group_name, tp):
            return  # no position yet: _collect asks again
        committed = self._group.committed.get(tp)
        if committed is None:
            committed = 0 if self.settings.auto_offset_reset == "earliest" else self.broker.end_offset(tp)
        self._positions[tp] = committed

    def _collect(self, max_records: int) -> dict[TP, list[MemoryRecord]]:
        out: dict[TP, list[MemoryRecord]] = {}
        budget = max_records
        for tp in sorted(self._assigned - self._paused):
            if budget <= 0:
                break
            if tp not in self._positions:
                self._position_from_committed(tp)
                if tp not in self._positions:
                    continue
            chunk, self._positions[tp] = self.broker.readable(tp, self._positions[tp], budget)
            if chunk:
                out[tp] = chunk
                budget -= len(chunk)
        return out

    async def commit(self, offsets: dict[TP, int]) -> None:
        assert self._group is not None
        if self not in self._group.members:
            raise CommitFailed(f"member of group {self.group_name} was evicted: the group "
                               "rebalanced and the partitions may have another owner")
        for tp, offset in offsets.items():
            if tp in self._assigned:
                self._group.committed[tp] = offset

    async def committed(self, tp: TP) -> int | None:
        return self._group.committed.get(tp) if self._group else None

    async def lease(self) -> float | None:
        """Forever while a member (the group takes partitions from a member only by
        evicting it or on its own next poll); None once evicted."""
        group = self._group
        return math.inf if group is not None and self in group.members else None

    async def unstable(self, tps: set[TP]) -> set[TP]:
        return {tp for tp in tps if self.broker.offsets_pending(self.group_name, tp)}

    def assignment(self) -> set[TP]:
        return set(self._assigned)

    def holdings(self) -> dict[str, set[Task]]:
        """What this member tells the assignor it holds (its join metadata on Kafka)."""
        if self._holdings is None:
            return {}
        active, standby = self._holdings()
        return {"active": set(active), "standby": set(standby)}

    def endpoint(self) -> str | None:
        """The HTTP address this member advertises (its join metadata on Kafka)."""
        return None if self._endpoint is None else self._endpoint()

    def pause(self, tps: set[TP]) -> None:
        self._paused |= tps & self._assigned

    def resume(self, tps: set[TP]) -> None:
        self._paused -= tps

    def seek(self, tp: TP, offset: int) -> None:
        self._positions[tp] = offset

    def lag(self, tp: TP) -> int | None:
        position = self._positions.get(tp)
        return None if position is None else max(0, self.broker.stable_offset(tp) - position)

    def group_metadata(self) -> "MemoryConsumer":
        return self

    def owns(self, tps: Any) -> bool:
        """Would the group accept offsets for ``tps`` from this member now?"""
        group = self._group
        return group is not None and self in group.members and set(tps) <= self._assigned
