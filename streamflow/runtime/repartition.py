"""``stream.group_by``: forward re-keyed events to an internal topic and consume it back.

The forwarder is a task of its own that drains the agent's original channel: for each batch it
computes the new keys, adds the records to the output buffer (partitioned by the new key) and
asks for the next batch, which marks the source batch processed. The worker's commit waits for
the broker to acknowledge those records before it commits the source offsets, so a crash can
duplicate re-keyed events but never lose one.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from ..streams import FLUSH

if TYPE_CHECKING:
    from ..streams import Stream
    from ..topics import Topic
    from .output import OutputBuffer


async def forward(upstream: "Stream", key_fn: Callable[[Any], Any], topic: "Topic",
                  output: Callable[[], "OutputBuffer"]) -> None:
    name = topic.name
    kdumps, vdumps = topic.key_codec.dumps, topic.value_codec.dumps
    async for events, items in upstream.batches():
        if not items or events is FLUSH:
            continue
        add = output().add_nowait
        for event, item in zip(events, items):
            key = key_fn(item)
            add(name, None if key is None else kdumps(key), None if item is None else vdumps(item),
                None, event[3], event[6] or None)  # the timestamp, the headers
        await asyncio.sleep(0)  # let a full output buffer be flushed by the worker loop
