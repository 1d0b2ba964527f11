"""``streamflow reset``: move the app's consumer group on its input topics, while no worker runs.

As Kafka Streams' application reset tool does: the input topics go to the position asked for,
repartition topics (the app's own intermediate topics) go to their end, so that re-read input
is re-keyed once rather than twice. Tables are left alone: their state and changelogs are
kept, so re-processed input is applied on top of it (see the README, "Operations").
The broker refuses the commit if a worker joined meanwhile (see ``kafka_admin``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..app import App
from ..exceptions import StreamflowError
from ..runtime.transport.base import GroupNotEmpty
from ..types import TP
from .connect import connected

POSITIONS = ("earliest", "latest", "datetime")


@dataclass
class Move:
    """One partition's committed offset before and after a reset (``before`` None: none)."""

    tp: TP
    before: int | None
    after: int


def input_topics(app: App, on_broker: list[str]) -> tuple[list[str], list[str]]:
    """(declared inputs, repartition topics on the broker) of the app's consumer group."""
    declared = sorted({t.name for a in app.agents for t in a.topics})
    repartition = sorted(n for n in on_broker
                         if n.startswith(f"{app.id}-") and n.endswith("-repartition"))
    return declared, repartition


async def reset_offsets(app: App, to: str, *, timestamp_ms: int | None = None,
                        topics: list[str] | None = None, dry_run: bool = False) -> list[Move]:
    """Commit new offsets for the app's group (``to``: earliest, latest, or datetime with
    ``timestamp_ms``) on its input topics, or on ``topics`` only. Raises StreamflowError,
    one line, while the group has members."""
    if to not in POSITIONS:
        raise StreamflowError(f"reset to {to!r}: use one of {', '.join(POSITIONS)}")
    async with connected(app) as transport:
        admin = transport.admin()
        await admin.start()
        try:
            members = await admin.group_members(app.id)
            if members:
                raise _refused(app, GroupNotEmpty(app.id, members))
            on_broker = await admin.list_topics()
            declared, repartition = input_topics(app, on_broker)
            chosen = list(topics) if topics else declared
            unknown = [t for t in chosen if t not in declared + repartition]
            if unknown:
                raise StreamflowError(f"{', '.join(unknown)}: not an input topic of app {app.id} "
                                      f"(its inputs: {', '.join(declared + repartition) or 'none'})")
            missing = [t for t in chosen if t not in on_broker]
            if missing:
                raise StreamflowError(f"topic {missing[0]!r} does not exist on "
                                      f"{transport.describe()}: nothing to reset")
            to_end = [] if topics else repartition
            tps: list[TP] = []
            end_tps: list[TP] = []
            for name in chosen + to_end:
                count = await transport.partition_count(name) or 0
                (tps if name in chosen else end_tps).extend(TP(name, p) for p in range(count))
            if to == "datetime":
                if timestamp_ms is None:
                    raise StreamflowError("reset to a datetime needs the time (--to-datetime T)")
                target = await admin.offsets_for_time(tps, timestamp_ms)
            else:
                target = await admin.offsets(tps, to)
            target.update(await admin.offsets(end_tps, "latest"))
            before = await admin.committed_offsets(app.id)
            moves = [Move(tp, before.get(tp), target[tp]) for tp in tps + end_tps]
            if not dry_run:
                try:
                    await admin.reset_offsets(app.id, target)
                except GroupNotEmpty as exc:
                    raise _refused(app, exc) from None
        finally:
            await admin.stop()
    return moves


def _refused(app: App, exc: GroupNotEmpty) -> StreamflowError:
    return StreamflowError(f"refusing to reset: {exc}; stop every worker of {app.id} first "
                           "(a running group owns its offsets and would overwrite them)")


def render(moves: list[Move], dry_run: bool = False) -> list[str]:
    """The lines ``streamflow reset`` prints: one per partition, then how many moved."""
    verb = "would move" if dry_run else "moved"
    lines = [f"{m.tp}: {'-' if m.before is None else m.before} -> {m.after}" for m in moves]
    changed = sum(1 for m in moves if m.before != m.after)
    lines.append(f"{verb} {changed} of {len(moves)} partitions")
    return lines


__all__ = ["Move", "input_topics", "render", "reset_offsets"]
