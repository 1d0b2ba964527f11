"""``stream.group_by``: forward re-keyed events to an internal topic and consume it back.

The forwarder is a task of its own that drains the agent's original channel: for each batch it
computes the new keys, adds the records to the output buffer (partitioned by the new key) and
asks for the next batch, which marks the source batch processed. The worker's commit waits for
the broker to acknowledge those records before it commits the source offsets, so a crash can
duplicate re-keyed events but never lose one.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from ..streams import FLUSH
from ..types import HEADERS, KEY, RAW_KEY, TIMESTAMP, TOPIC

if TYPE_CHECKING:
    from ..streams import Stream
    from ..topics import Topic
    from .output import OutputBuffer


async def forward(upstream: "Stream", key_fn: Callable[[Any], Any] | None, topic: "Topic",
                  output: Callable[[], "OutputBuffer"],
                  key_failed: Callable[[list[tuple[Any, Exception]]], Awaitable[None]] | None = None
                  ) -> None:
    """``key_fn`` None (``through``): keyed as the events are (their key bytes reused when
    their topic encodes keys as ``topic`` does). The events on which ``key_fn`` raised are
    not forwarded: ``key_failed`` gets them after their batch (``on_agent_error`` applies;
    it raises to stop the worker), before the batch counts as processed."""
    name = topic.name
    kdumps, vdumps = topic.encode_key, topic.value_codec.dumps
    topics = topic.app.topics
    async for events, items in upstream.batches():
        if not items or events is FLUSH:
            continue
        add = output().add_nowait
        failed: list[tuple[Any, Exception]] = []
        for event, item in zip(events, items, strict=True):
            if key_fn is not None:
                try:
                    key = key_fn(item)
                except Exception as exc:  # a bad record for the policy below
                    if key_failed is None:
                        raise
                    failed.append((event, exc))
                    continue
                raw = kdumps(key)
            elif event[RAW_KEY] is not None and topics[event[TOPIC]].key_codec is topic.key_codec:
                raw = event[RAW_KEY]
            else:
                raw = kdumps(event[KEY])
            add(name, raw, None if item is None else vdumps(item),
                None, event[TIMESTAMP], event[HEADERS] or None)
        if failed:
            await key_failed(failed)  # type: ignore[misc]
        await asyncio.sleep(0)  # let a full output buffer be flushed by the worker loop
