"""``streamflow dead-letters``: list the records a worker could not decode, and send them back
to where they came from once the app can read them (``--redrive``).

A dead letter is the record as it came (key, value, timestamp, headers) plus the headers
``streamflow.topic``, ``streamflow.partition``, ``streamflow.offset``, ``streamflow.error`` and,
for an agent's failure, ``streamflow.agent`` (see ``runtime.failures.DeadLetters``). A re-drive
sends it to its source topic and partition without those headers, so a record that fails again
is dead-lettered again with fresh ones.

Progress is kept per source topic in a consumer group of its own,
``{app id}-dead-letters-redrive-{topic}``, as committed offsets on the dead-letter topic's
partitions: a dead letter of topic T below that offset was re-driven (or passed over by a
``since``). A re-drive commits after each chunk of records the broker acknowledged, so running
it twice re-sends nothing the second time, and one that crashes re-sends at most the chunk it
was working on (at-least-once; docs/decisions.md says why not a transaction). Keeping one
group per source topic is what lets ``--topic A`` re-drive A's dead letters without marking
B's as done.
"""
from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable

from ..app import App
from ..exceptions import StreamflowError
from ..partitioner import partition_for
from ..types import TP
from .connect import connected
from .reset import input_topics
from .topics import dead_letter_topic

HEADERS = ("streamflow.topic", "streamflow.partition", "streamflow.offset", "streamflow.error",
           "streamflow.agent")
CHUNK = 500


@dataclass
class DeadLetter:
    """One record of the dead-letter topic, with where it came from and why."""

    at: TP                      # the dead-letter topic partition
    offset: int                 # its offset there
    timestamp: int              # the original record's timestamp
    topic: str | None           # source coordinates (None: not a streamflow dead letter)
    partition: int | None
    source_offset: int | None
    error: str | None
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)  # the original ones
    pending: bool = True        # not re-driven (nor passed over) yet
    agent: str | None = None    # the agent that raised on it (on_agent_error=dead_letter)

    @property
    def source(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.source_offset}"

    def as_json(self) -> dict[str, Any]:
        return {"dead_letter": f"{self.at}@{self.offset}", "topic": self.topic,
                "partition": self.partition, "offset": self.source_offset,
                "timestamp": self.timestamp, "error": self.error, "agent": self.agent,
                "key": _text(self.key),
                "value": _text(self.value),
                "headers": {k: _text(v) for k, v in self.headers} or None,
                "pending": self.pending}


def _text(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


def redrive_group(app: App, topic: str) -> str:
    """The consumer group that keeps the re-drive progress of ``topic``'s dead letters."""
    return f"{app.id}-dead-letters-redrive-{topic}"


def parse(record: Any) -> DeadLetter:
    """A dead-letter record read back: its source, error and agent from streamflow's headers,
    the record's own headers kept apart."""
    own: dict[str, bytes] = {}
    kept = []
    for name, value in record.headers or ():
        if name in HEADERS:
            own[name] = value  # the last one wins: a record dead-lettered twice has two sets
        else:
            kept.append((name, value))

    def number(name: str) -> int | None:
        raw = own.get(name)
        return int(raw) if raw is not None and raw.isdigit() else None

    def text(name: str) -> str | None:
        raw = own.get(name)
        return raw.decode(errors="replace") if raw is not None else None

    return DeadLetter(TP(record.topic, record.partition), record.offset, record.timestamp,
                      text("streamflow.topic"), number("streamflow.partition"),
                      number("streamflow.offset"), text("streamflow.error"), record.key,
                      record.value, kept, agent=text("streamflow.agent"))


class _Session:
    """The dead-letter topic's partitions, offsets and the re-drive groups' progress."""

    def __init__(self, app: App, transport: Any, admin: Any) -> None:
        self.app, self.transport, self.admin = app, transport, admin
        self.topic = dead_letter_topic(app)
        self.tps: list[TP] = []
        self.starts: dict[TP, int] = {}
        self.ends: dict[TP, int] = {}
        self.progress: dict[str, dict[TP, int]] = {}

    async def open(self) -> None:
        count = await self.transport.partition_count(self.topic)
        if count is None:
            raise StreamflowError(
                f"there is no dead-letter topic {self.topic!r} on {self.transport.describe()}: "
                "workers create it when they run with on_decode_error=dead_letter "
                "(or set dead_letter_topic to the one they use)")
        self.tps = [TP(self.topic, p) for p in range(count)]
        self.starts = await self.admin.offsets(self.tps, "earliest")
        self.ends = await self.admin.offsets(self.tps, "latest")

    async def watermark(self, source: str, tp: TP) -> int:
        if source not in self.progress:
            committed = await self.admin.committed_offsets(redrive_group(self.app, source))
            self.progress[source] = {t: committed[t] for t in self.tps if t in committed}
        return max(self.progress[source].get(tp, 0), self.starts[tp])

    async def read(self, tp: TP, start: int, end: int) -> Any:
        """Chunks of dead letters of ``tp`` from ``start`` to ``end``."""
        if start >= end:
            return
        reader = self.transport.changelog_reader()
        try:
            async with contextlib.aclosing(reader.read_many({tp: (start, end)}, CHUNK)) as chunks:
                async for _, records in chunks:
                    yield [parse(r) for r in records]
        finally:
            await reader.stop()


def _wanted(letter: DeadLetter, topics: list[str] | None, since_ms: int | None) -> bool:
    return ((topics is None or letter.topic in topics)
            and (since_ms is None or letter.timestamp >= since_ms))


async def list_dead_letters(app: App, *, topics: list[str] | None = None,
                            since_ms: int | None = None) -> list[DeadLetter]:
    """Every dead letter (of ``topics``, at or after ``since_ms``), pending or not."""
    out = []
    async with connected(app) as transport:
        admin = transport.admin()
        await admin.start()
        try:
            session = _Session(app, transport, admin)
            await session.open()
            for tp in session.tps:
                async for letters in session.read(tp, session.starts[tp], session.ends[tp]):
                    for letter in letters:
                        if letter.topic is not None:
                            letter.pending = letter.offset >= await session.watermark(letter.topic, tp)
                        if _wanted(letter, topics, since_ms):
                            out.append(letter)
        finally:
            await admin.stop()
    return out


@dataclass
class Redrive:
    """What one ``--redrive`` did: re-sent, passed over, and foreign records left alone."""

    resent: list[tuple[DeadLetter, int]]  # each dead letter re-sent, and the partition it went to
    passed: int                           # pending but older than since: passed over
    foreign: int                          # records without streamflow headers, left alone


async def redrive(app: App, *, topics: list[str] | None = None, since_ms: int | None = None,
                  chunk: int = CHUNK,
                  on_chunk: Callable[[int], None] | None = None) -> Redrive:
    """Send pending dead letters (of ``topics``; from ``since_ms`` on) back to their source
    partitions and commit the progress after each acknowledged chunk."""
    result = Redrive([], 0, 0)
    async with connected(app) as transport:
        admin = transport.admin()
        await admin.start()
        producer = transport.producer()
        await producer.start()
        try:
            session = _Session(app, transport, admin)
            await session.open()
            declared, repartition = input_topics(app, await admin.list_topics())
            sources = topics or declared + repartition
            counts: dict[str, int] = {}
            for name in sources:
                count = await transport.partition_count(name)
                if count is None:
                    raise StreamflowError(f"source topic {name!r} does not exist on "
                                          f"{transport.describe()}")
                counts[name] = count
            for tp in session.tps:
                marks = {s: await session.watermark(s, tp) for s in sources}
                start = min(marks.values(), default=session.ends[tp])
                position = start
                batch: list[tuple[DeadLetter, int]] = []
                async for letters in session.read(tp, start, session.ends[tp]):
                    for letter in letters:
                        position = letter.offset + 1
                        if letter.topic is None:
                            result.foreign += 1
                            continue
                        if letter.topic not in marks:
                            if topics is None:
                                raise StreamflowError(
                                    f"dead letter {letter.at}@{letter.offset} comes from "
                                    f"{letter.topic!r}, which app {app.id} does not consume; "
                                    "re-drive the app's topics with --topic")
                            continue
                        if letter.offset < marks[letter.topic]:
                            continue
                        if since_ms is not None and letter.timestamp < since_ms:
                            result.passed += 1
                            continue
                        batch.append((letter, _partition(letter, counts[letter.topic])))
                        if len(batch) >= chunk:
                            await _send(producer, batch)
                            await _commit(app, admin, sources, tp, marks, position)
                            result.resent += batch
                            if on_chunk:
                                on_chunk(len(result.resent))
                            batch = []
                await _send(producer, batch)
                await _commit(app, admin, sources, tp, marks, max(position, session.ends[tp]))
                result.resent += batch
        finally:
            await producer.stop()
            await admin.stop()
    return result


def _partition(letter: DeadLetter, partitions: int) -> int:
    """The partition it was read from, as long as the topic still has it."""
    if letter.partition is not None and letter.partition < partitions:
        return letter.partition
    if letter.key is not None:
        return partition_for(letter.key, partitions)
    return letter.offset % partitions


async def _send(producer: Any, batch: list[tuple[DeadLetter, int]]) -> None:
    by_partition: dict[tuple[str, int], list[Any]] = {}
    for letter, partition in batch:
        assert letter.topic is not None
        by_partition.setdefault((letter.topic, partition), []).append(
            (letter.key, letter.value, letter.timestamp, letter.headers or None))
    futures = []
    for (topic, partition), records in by_partition.items():
        futures += await producer.send_batch(topic, partition, records)
    for future in futures:
        await future  # acknowledged, before the progress past it is committed


async def _commit(app: App, admin: Any, sources: list[str], tp: TP, marks: dict[str, int],
                  position: int) -> None:
    for source in sources:
        if position > marks[source]:
            await admin.reset_offsets(redrive_group(app, source), {tp: position})
            marks[source] = position


__all__ = ["DeadLetter", "Redrive", "list_dead_letters", "parse", "redrive", "redrive_group"]
