"""The dead-letter topic: where the ``dead_letter`` policies (``on_decode_error``,
``on_agent_error``) send the records they give up on, as they came, with headers saying where
they came from and why. See README, "Bad input and failures".
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ..types import OFFSET, PARTITION, TOPIC, TP
from .failures import Coordinates, coordinates

if TYPE_CHECKING:
    from ..app import App
    from ..config import Settings
    from .output import OutputBuffer
    from .transport.base import ChangelogReader, RawRecord, Transport


def dead_letter_topic(app: "App", settings: "Settings") -> str | None:
    """Declare the dead-letter topic when ``on_decode_error`` or ``on_agent_error`` is
    ``dead_letter`` (default name ``{app id}-dead-letters``); its name, or None."""
    if "dead_letter" not in (settings.on_decode_error, settings.on_agent_error):
        return None
    name = settings.dead_letter_topic or f"{app.id}-dead-letters"
    topic = app.topic(name, key_type=bytes, value_type=bytes)
    topic.internal = True
    return name


class DeadLetters:
    """Sends records, as they came, to the dead-letter topic with headers saying where they
    came from and why (``streamflow.topic``, ``.partition``, ``.offset``, ``.error``, and
    ``.agent`` for an agent's failure). They go through the output buffer, so they are
    acknowledged (exactly-once: committed) before the offsets past them are committed."""

    def __init__(self, topic: str, output: Callable[[], "OutputBuffer"],
                 partition_count: Callable[[str], int], transport: "Transport") -> None:
        self.topic = topic
        self._output = output
        self._partition_count = partition_count
        self._transport = transport
        self._reader: "ChangelogReader | None" = None
        self.sent = 0
        self.per_topic: dict[str, int] = {}  # records sent, by the topic they came from

    def send(self, record: "RawRecord", where: Any, error: str, agent: str | None = None) -> int:
        """Send ``record`` (fetched from ``where``: an event or ``(topic, partition,
        offset)``); returns the dead-letter partition."""
        topic, partition, offset = coordinates(where)
        headers = [*(record.headers or ()),
                   ("streamflow.topic", topic.encode()),
                   ("streamflow.partition", str(partition).encode()),
                   ("streamflow.offset", str(offset).encode()),
                   ("streamflow.error", error.encode())]
        if agent is not None:
            headers.append(("streamflow.agent", agent.encode()))
        target = partition % self._partition_count(self.topic)
        self._output().add_nowait(self.topic, record.key, record.value, target,
                                  record.timestamp, headers)
        self.sent += 1
        self.per_topic[topic] = self.per_topic.get(topic, 0) + 1
        return target

    async def fetch(self, events: list[Any]) -> dict[Coordinates, "RawRecord"]:
        """The records of decoded ``events`` as they are on their topics: the worker keeps
        decoded values only, so the bytes are read back (failures only, never per event)."""
        if self._reader is None:
            self._reader = self._transport.changelog_reader()
        by_tp: dict[TP, set[int]] = {}
        for e in events:
            by_tp.setdefault(TP(e[TOPIC], e[PARTITION]), set()).add(e[OFFSET])
        out: dict[Coordinates, RawRecord] = {}
        for tp, offsets in by_tp.items():
            lo, hi = min(offsets), max(offsets) + 1
            position = lo
            while position < hi:
                records = await self._reader.read(tp, position, hi, hi - position)
                if not records:
                    break
                for r in records:
                    if r.offset in offsets:
                        out[(tp.topic, tp.partition, r.offset)] = r
                position = records[-1].offset + 1
        return out

    async def stop(self) -> None:
        """Close the reader used to read failed records back."""
        if self._reader is not None:
            await self._reader.stop()
            self._reader = None


__all__ = ["DeadLetters", "dead_letter_topic"]
