"""Is what a data dir holds still the table's state? After a failover, the partitions another
worker took over keep, on the old worker's disk, the state of the moment they left: a dump of
them would show old values as if they were current (it printed 428 where the truth was 838).

A partition is *stale* when its changelog holds a record past the offset its store reflects
(another worker wrote since). Transaction markers and aborted records do not count: the check
reads what a worker restoring the store would read.
"""
from __future__ import annotations

import asyncio
import dataclasses

from ..app import App
from ..config import Settings
from ..exceptions import StreamflowError
from ..inspection import PartitionInfo
from ..runtime.transport import transport_for
from ..types import TP

CONNECT_TIMEOUT = 5.0
CHECK_TIMEOUT = 60.0


async def check_freshness(app: App, infos: list[PartitionInfo]) -> str | None:
    """Set ``changelog_end`` and ``stale`` of each partition; returns None, or why it could
    not check (then ``stale`` stays None)."""
    if not infos:
        return None
    reason = cannot_check(app)
    if reason is not None:
        return reason
    settings = dataclasses.replace(app.settings,
                                   broker_timeout=min(app.settings.broker_timeout, CONNECT_TIMEOUT))
    try:
        return await asyncio.wait_for(_check(app, settings, infos), CHECK_TIMEOUT)
    except StreamflowError as exc:
        return f"{exc}"
    except (TimeoutError, OSError) as exc:
        return f"the broker did not answer ({type(exc).__name__}: {str(exc) or 'timeout'})"


def cannot_check(app: App) -> str | None:
    """Why the check cannot even be tried (memory://), without an event loop."""
    if app.settings.broker.startswith("memory://"):
        return (f"the app's broker is {app.settings.broker} (inside the worker's process), so "
                "whether these partitions are still current cannot be checked; give "
                "--broker kafka://host:port")
    return None


async def _check(app: App, settings: Settings, infos: list[PartitionInfo]) -> str | None:
    transport = transport_for(settings)
    await transport.start()
    reader = transport.changelog_reader()
    missing = []
    try:
        for info in infos:
            changelog = app.tables[info.table].changelog
            if changelog is None:
                continue
            if await transport.partition_count(changelog.name) is None:
                missing.append(changelog.name)
                continue
            tp = TP(changelog.name, info.partition)
            end = (await reader.end_offsets([tp]))[tp]
            start = 0 if info.changelog_offset is None else info.changelog_offset + 1
            info.changelog_end = end
            info.stale = start < end and bool(await reader.read(tp, start, end, 1))
    finally:
        await reader.stop()
        await transport.stop()
    if missing:
        return f"changelog topic(s) {', '.join(sorted(set(missing)))} not found on the broker"
    return None


__all__ = ["cannot_check", "check_freshness"]
