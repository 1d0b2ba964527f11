"""``memory://`` operations from outside the app's group, on the in-process broker (the
operations commands' tests; from a shell, memory:// holds nothing of a worker's)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...types import TP
from .base import GroupNotEmpty

if TYPE_CHECKING:
    from .memory_broker import MemoryBroker


class MemoryAdmin:
    """The operations commands' side of a ``memory://`` broker (see ``base.Admin``)."""

    def __init__(self, broker: "MemoryBroker") -> None:
        self.broker = broker

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def list_topics(self) -> list[str]:
        return sorted(self.broker.topics)

    async def offsets(self, tps: list[TP], which: str) -> dict[TP, int]:
        # Nothing is ever deleted here: every log starts at 0.
        return {tp: 0 if which == "earliest" else self.broker.end_offset(tp) for tp in tps}

    async def offsets_for_time(self, tps: list[TP], timestamp_ms: int) -> dict[TP, int]:
        out = {}
        for tp in tps:
            log = self.broker.topics[tp.topic][tp.partition]
            out[tp] = next((r.offset for r in log if r.timestamp >= timestamp_ms), len(log))
        return out

    async def committed_offsets(self, group: str) -> dict[TP, int]:
        g = self.broker.groups.get(group)
        return dict(g.committed) if g is not None else {}

    async def group_members(self, group: str) -> list[str]:
        g = self.broker.groups.get(group)
        return [f"member-{i}@memory" for i, _ in enumerate(g.members)] if g is not None else []

    async def reset_offsets(self, group: str, offsets: dict[TP, int]) -> None:
        members = await self.group_members(group)
        if members:
            raise GroupNotEmpty(group, members)
        from .memory_group import MemoryGroup
        g = self.broker.groups.setdefault(group, MemoryGroup(self.broker, group))
        g.committed.update(offsets)
