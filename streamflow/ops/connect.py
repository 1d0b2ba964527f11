"""Open the app's transport for a one-off operation and close it afterwards."""
from __future__ import annotations

import contextlib
from typing import AsyncIterator

from ..app import App
from ..exceptions import StreamflowError
from ..runtime.transport import transport_for
from ..runtime.transport.base import Transport

MEMORY_NOTE = ("memory:// is an embedded broker inside one process: a command run from the "
               "shell sees an empty broker of its own, never a worker's. Point it at your Kafka "
               "cluster with --broker kafka://host:port (or STREAMFLOW_BROKER)")


def require_kafka(app: App, command: str) -> None:
    """Refuse a shell command against ``memory://`` with a sentence that says why."""
    if app.settings.broker.startswith("memory://"):
        raise StreamflowError(f"streamflow {command}: app {app.id} uses {app.settings.broker}. "
                              + MEMORY_NOTE)


@contextlib.asynccontextmanager
async def connected(app: App) -> AsyncIterator[Transport]:
    """The app's transport, started for the duration of the ``async with`` block."""
    transport = transport_for(app.settings)
    await transport.start()
    try:
        yield transport
    finally:
        await transport.stop()


async def partitions_of(transport: Transport, app: App, topic: str) -> int:
    """The partition count of ``topic`` on the broker; an error naming it if it does not exist."""
    count = await transport.partition_count(topic)
    if count is None:
        raise StreamflowError(f"topic {topic!r} does not exist on {transport.describe()}: a worker "
                              f"of {app.id} creates the app's topics when it starts")
    return count
