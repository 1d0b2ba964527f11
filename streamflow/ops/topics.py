"""``streamflow topics``: the app's topics, their end offsets, the group's position and lag.

The app's topics are the ones it declares (inputs, outputs, table changelogs, join outputs,
global tables' sources), the dead-letter topic when ``on_decode_error=dead_letter``, and every
topic on the broker whose name carries the app's internal prefix (``{app id}-...``):
repartition topics are only named once an agent runs its ``group_by``, so the broker is where
they are found.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..app import App
from ..types import TP
from .connect import connected


@dataclass
class PartitionRow:
    """One partition of ``streamflow topics``: its offsets, the group's committed offset, lag."""

    topic: str
    kind: str
    partition: int
    start: int
    end: int
    committed: int | None
    lag: int | None


@dataclass
class TopicReport:
    """What ``streamflow topics`` shows: the group's partitions and the declared topics missing
    from the broker."""

    group: str
    rows: list[PartitionRow]
    missing: list[tuple[str, str]]  # (topic, kind) declared but not on the broker


def dead_letter_topic(app: App) -> str:
    """The app's dead-letter topic's name (the setting, or ``{app id}-dead-letters``)."""
    return app.settings.dead_letter_topic or f"{app.id}-dead-letters"


def kinds(app: App, on_broker: list[str]) -> dict[str, str]:
    """Every topic of the app, by name, with what it is to the app."""
    inputs = {t.name for a in app.agents for t in a.topics}
    # A table fed from a topic reads that topic as its changelog: it stays a source.
    changelogs = {t.changelog.name for t in app.tables.values() if t.changelog is not None
                  and not getattr(t, "changelog_is_source", False)}
    sources = {t.source.name for t in app.tables.values() if hasattr(t, "source")}
    out: dict[str, str] = {}
    for name, topic in app.topics.items():
        if name in changelogs:
            out[name] = "changelog"
        elif name in sources:
            out[name] = "table source"
        elif name in inputs:
            out[name] = "input"
        elif name.startswith(f"{app.id}-") and name.endswith("-join"):
            out[name] = "join output"
        else:
            out[name] = "internal" if topic.internal else "topic"
    policies = (app.settings.on_decode_error, getattr(app.settings, "on_agent_error", None))
    if "dead_letter" in policies or dead_letter_topic(app) in on_broker:
        out[dead_letter_topic(app)] = "dead letters"
    for name in on_broker:
        if name.startswith(f"{app.id}-") and name not in out:
            out[name] = ("repartition" if name.endswith("-repartition") else
                         "changelog" if name.endswith("-changelog") else
                         "join output" if name.endswith("-join") else "internal")
    return out


async def describe_topics(app: App) -> TopicReport:
    """Partitions, offsets and the app's consumer group's lag, for every topic of the app."""
    async with connected(app) as transport:
        admin = transport.admin()
        await admin.start()
        try:
            on_broker = await admin.list_topics()
            by_name = kinds(app, on_broker)
            present = set(on_broker)
            tps = []
            for name in sorted(by_name):
                if name in present:
                    count = await transport.partition_count(name) or 0
                    tps += [TP(name, p) for p in range(count)]
            starts = await admin.offsets(tps, "earliest")
            ends = await admin.offsets(tps, "latest")
            committed = await admin.committed_offsets(app.id)
        finally:
            await admin.stop()
    rows = [PartitionRow(tp.topic, by_name[tp.topic], tp.partition, starts[tp], ends[tp],
                         committed.get(tp), _lag(app, by_name[tp.topic], starts[tp], ends[tp],
                                                 committed.get(tp))) for tp in tps]
    missing = [(name, kind) for name, kind in sorted(by_name.items()) if name not in present]
    return TopicReport(app.id, rows, missing)


def _lag(app: App, kind: str, start: int, end: int, committed: int | None) -> int | None:
    """Records the group has yet to process (with exactly-once, transaction markers count
    too: an idle group may show one per transaction). Without a commit the group starts at
    ``auto_offset_reset``; topics the group does not read have no lag."""
    if committed is not None:
        return max(0, end - committed)
    if kind not in ("input", "repartition"):
        return None
    return end - start if app.settings.auto_offset_reset == "earliest" else 0


def render(report: TopicReport) -> list[str]:
    """The table ``streamflow topics`` prints."""
    lines = [f"consumer group {report.group}",
             f"{'topic':<40} {'kind':<13} {'part':>4} {'start':>10} {'end':>10} "
             f"{'committed':>10} {'lag':>8}"]
    total_lag = 0
    for r in report.rows:
        lag = r.lag
        total_lag += lag or 0
        lines.append(f"{r.topic:<40} {r.kind:<13} {r.partition:>4} {r.start:>10} {r.end:>10} "
                     f"{'-' if r.committed is None else r.committed:>10} "
                     f"{'-' if lag is None else lag:>8}")
    for name, kind in report.missing:
        lines.append(f"{name:<40} {kind:<13} (not on the broker yet: a worker creates it at start)")
    lines.append(f"total lag of {report.group}: {total_lag}")
    return lines


__all__ = ["PartitionRow", "TopicReport", "describe_topics", "kinds", "render"]
