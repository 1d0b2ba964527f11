"""``streamflow send``: records typed at a shell, encoded and partitioned as the app's own.

A value is checked the way a worker would read it (encoded with the topic's codec, then decoded
with it again: a ``Record`` type checks every field), so a bad value is refused at the prompt
instead of stopping a worker later. Every record is checked before the first is sent: a file
with one bad line sends nothing. Keys go to Kafka's default partition for their bytes, as the
worker's output does; records without a key are spread round-robin.
"""
from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Iterable

import orjson

from ..app import App
from ..exceptions import StreamflowError
from ..partitioner import partition_for
from ..topics import Topic
from .connect import connected, partitions_of

_ENVELOPE = {"key", "value", "timestamp", "headers", "partition"}


@dataclass
class Outgoing:
    """One record, encoded and checked, ready to send."""

    key: bytes | None
    value: bytes | None
    timestamp: int | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    partition: int | None = None


@dataclass
class Sent:
    """Where records went: count and last offset per partition."""

    topic: str
    counts: dict[int, int]
    last_offsets: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        if self.total == 1:
            (p, offset), = self.last_offsets.items()
            return f"sent 1 record to {self.topic}[{p}]@{offset}"
        parts = ", ".join(f"[{p}] {self.counts[p]} up to offset {self.last_offsets[p]}"
                          for p in sorted(self.counts))
        return f"sent {self.total} records to {self.topic}: {parts}"


class BadRecord(StreamflowError):
    """A record that does not fit its topic; says which one and why."""


def find_topic(app: App, name: str) -> Topic:
    """The app's topic ``name``; an error listing the app's topics if it has none of that name."""
    topic = app.topics.get(name)
    if topic is None:
        public = sorted(t.name for t in app.topics.values() if not t.internal)
        raise StreamflowError(f"app {app.id} declares no topic {name!r} (its topics: "
                              f"{', '.join(public) or 'none'})")
    return topic


def _is_text(codec: Any) -> bool:
    return getattr(codec, "name", "") in ("str", "raw")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or "JSON"


def _encode(codec: Any, obj: Any, what: str, topic: Topic, tp: Any) -> bytes | None:
    """``obj`` through ``codec``, then read back as a worker would: a value that encodes but
    does not decode (a Record with a wrong field) is refused here."""
    if obj is None:
        return None
    try:
        data = codec.dumps(obj)
        codec.loads(data)
    except Exception as exc:  # noqa: BLE001 - any codec's complaint, reported in one line
        raise BadRecord(f"{what} does not fit topic {topic.name} ({_type_name(tp)}): "
                        f"{exc}") from None
    return data


def parse_key(topic: Topic, text: str | None) -> Any:
    """``--key``: as text for str/bytes keys; otherwise JSON, and text when it is not JSON
    (so ``--key alice`` is the string "alice" and ``--key 42`` the number 42)."""
    if text is None or _is_text(topic.key_codec):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def parse_value(topic: Topic, text: str, what: str = "--value") -> Any:
    """``--value`` / a plain stdin line: text for str/bytes values, JSON otherwise."""
    if _is_text(topic.value_codec):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRecord(f"{what} is not JSON ({exc}); topic {topic.name} takes JSON values "
                        f"({_type_name(topic.value_type)})") from None


def parse_time(value: Any, what: str) -> int | None:
    """Milliseconds since the epoch, from a number or an ISO 8601 string (UTC if no zone)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return int(when.timestamp() * 1000)
    raise BadRecord(f"{what}: give milliseconds since the epoch or ISO 8601, got {value!r}")


def _headers(raw: Any, what: str) -> list[tuple[str, bytes]]:
    if raw is None:
        return []
    pairs = raw.items() if isinstance(raw, dict) else raw
    try:
        out = [(str(k), v.encode() if isinstance(v, str) else bytes(v)) for k, v in pairs]
    except (TypeError, ValueError):
        raise BadRecord(f"{what}: headers must be an object of strings or a list of "
                        f"[name, value] pairs, got {raw!r}") from None
    return out


def record(topic: Topic, key: Any, value: Any, *, timestamp: Any = None, headers: Any = None,
           partition: int | None = None, where: str = "") -> Outgoing:
    """Encode and check one record given as Python values (JSON-decoded)."""
    at = f"{where}: " if where else ""
    return Outgoing(_encode(topic.key_codec, key, f"{at}key {key!r}", topic, topic.key_type),
                    _encode(topic.value_codec, value, f"{at}value", topic, topic.value_type),
                    parse_time(timestamp, f"{at}timestamp"), _headers(headers, f"{at}headers"),
                    partition)


def parse_lines(topic: Topic, lines: Iterable[str], *, plain: bool = False, key: Any = None,
                source: str = "stdin") -> list[Outgoing]:
    """JSON Lines, one ``{"key", "value", "timestamp", "headers", "partition"}`` object per
    line (all optional but ``value``), or with ``plain`` one value per line keyed by ``key``.
    Blank lines are skipped. Raises :class:`BadRecord` naming the line."""
    out = []
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        where = f"{source} line {n}"
        if plain:
            out.append(record(topic, key, parse_value(topic, line, where), where=where))
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise BadRecord(f"{where} is not JSON ({exc}); give one {{\"key\": ..., \"value\": ...}} "
                            "object per line, or --plain for one value per line") from None
        if not isinstance(obj, dict) or "value" not in obj or set(obj) - _ENVELOPE:
            raise BadRecord(f"{where}: expected an object with \"value\" and optionally \"key\", "
                            f"\"timestamp\", \"headers\", \"partition\"; got {line[:80]!r} "
                            "(use --plain for one value per line)")
        out.append(record(topic, obj.get("key", key), obj["value"], timestamp=obj.get("timestamp"),
                          headers=obj.get("headers"), partition=obj.get("partition"), where=where))
    return out


async def send(app: App, topic_name: str, records: list[Outgoing]) -> Sent:
    """Send ``records`` to ``topic_name`` and wait until the broker acknowledged them all."""
    async with connected(app) as transport:
        n = await partitions_of(transport, app, topic_name)
        spread = itertools.count(random.randrange(n))
        by_partition: dict[int, list[Any]] = {}
        for r in records:
            if r.partition is not None:
                if not 0 <= r.partition < n:
                    raise BadRecord(f"{topic_name} has no partition {r.partition} (it has {n})")
                p = r.partition
            elif r.key is not None:
                p = partition_for(r.key, n)
            else:
                p = next(spread) % n
            by_partition.setdefault(p, []).append((r.key, r.value, r.timestamp, r.headers or None))
        producer = transport.producer()
        await producer.start()
        try:
            futures = {p: await producer.send_batch(topic_name, p, recs)
                       for p, recs in sorted(by_partition.items())}
            last = {p: max(await asyncio.gather(*fs)) for p, fs in futures.items()}
        finally:
            await producer.stop()
    return Sent(topic_name, {p: len(recs) for p, recs in by_partition.items()}, last)


__all__ = ["BadRecord", "Outgoing", "Sent", "find_topic", "parse_key", "parse_lines",
           "parse_value", "record", "send"]
