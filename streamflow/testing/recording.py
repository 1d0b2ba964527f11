"""Recordings: topics captured as JSON Lines, one record a line.

```
{"topic": "orders", "partition": 0, "offset": 12, "timestamp": 1700000000000,
 "key": "c1", "value": "{\"id\": 1}", "headers": [["trace", "abc"]]}
```
``key``, ``value`` and header values are the record's bytes as UTF-8 text; bytes that are not
UTF-8 are stored as base64 with ``"key_encoding": "base64"`` (``value_encoding``, and
``["name", "b64", "base64"]`` for a header). ``null`` is a null key or value (a tombstone).
Replaying a recording feeds the exact bytes back, so codecs see what they saw live.
"""
from __future__ import annotations

import base64
import heapq
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ..exceptions import StreamflowError


@dataclass(frozen=True)
class RecordedRecord:
    """One record of a recording, as it was on the topic (bytes, not decoded)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


class BadRecording(StreamflowError):
    """A recording line that cannot be read; names the file and line."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}:{line}: {reason}")


def _enc(data: bytes | None, out: dict[str, Any], field: str) -> None:
    if data is None:
        out[field] = None
        return
    try:
        out[field] = data.decode("utf-8")
    except UnicodeDecodeError:
        out[field] = base64.b64encode(data).decode()
        out[f"{field}_encoding"] = "base64"


def encode_line(r: RecordedRecord) -> bytes:
    """``r`` as one JSON Lines line (a key or value that is not UTF-8 in base64, marked so)."""
    out: dict[str, Any] = {"topic": r.topic, "partition": r.partition, "offset": r.offset,
                           "timestamp": r.timestamp}
    _enc(r.key, out, "key")
    _enc(r.value, out, "value")
    headers = []
    for name, value in r.headers:
        try:
            headers.append([name, value.decode("utf-8")])
        except UnicodeDecodeError:
            headers.append([name, base64.b64encode(value).decode(), "base64"])
    out["headers"] = headers
    return orjson.dumps(out)


def _dec(obj: dict[str, Any], field: str) -> bytes | None:
    value = obj.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field!r} must be a string or null, got {type(value).__name__}")
    encoding = obj.get(f"{field}_encoding", "utf-8")
    if encoding == "base64":
        return base64.b64decode(value, validate=True)
    if encoding != "utf-8":
        raise ValueError(f"unknown {field}_encoding {encoding!r}")
    return value.encode("utf-8")


def decode_line(line: bytes) -> RecordedRecord:
    """One recording line read back; ValueError saying what is wrong with it."""
    obj = orjson.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("a line must be a JSON object")
    missing = [f for f in ("topic", "partition", "timestamp") if f not in obj]
    if missing:
        raise ValueError(f"missing field(s) {missing}")
    if not isinstance(obj["topic"], str) or not obj["topic"]:
        raise ValueError("'topic' must be a non-empty string")
    for f in ("partition", "timestamp"):
        if not isinstance(obj[f], int) or isinstance(obj[f], bool) or obj[f] < 0:
            raise ValueError(f"{f!r} must be a non-negative integer")
    headers = []
    for h in obj.get("headers") or []:
        if not isinstance(h, list) or len(h) not in (2, 3):
            raise ValueError("headers must be [name, value] or [name, value, 'base64'] pairs")
        raw = base64.b64decode(h[1], validate=True) if len(h) == 3 and h[2] == "base64" else str(h[1]).encode()
        headers.append((str(h[0]), raw))
    return RecordedRecord(obj["topic"], obj["partition"], int(obj.get("offset", -1)), obj["timestamp"],
                          _dec(obj, "key"), _dec(obj, "value"), tuple(headers))


def read_recording(path: str | Path, skip_bad: bool = False,
                   skipped: list[BadRecording] | None = None) -> list[RecordedRecord]:
    """All records of a recording file; a bad line raises :class:`BadRecording` unless
    ``skip_bad``, in which case it is appended to ``skipped``."""
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(decode_line(line))
            except (ValueError, TypeError) as exc:
                bad = BadRecording(str(path), n, str(exc).splitlines()[0])
                if not skip_bad:
                    raise bad from None
                if skipped is not None:
                    skipped.append(bad)
    return out


def merge_by_timestamp(recordings: Iterable[list[RecordedRecord]]) -> Iterator[RecordedRecord]:
    """One sequence ordered by timestamp, keeping each topic partition's own order (records of
    one partition are never reordered, even when their timestamps go backwards)."""
    queues: dict[tuple[str, int], list[RecordedRecord]] = {}
    for records in recordings:
        for r in records:
            queues.setdefault((r.topic, r.partition), []).append(r)
    heap = [(q[0].timestamp, tp, 0) for tp, q in queues.items()]
    heapq.heapify(heap)
    while heap:
        _, tp, i = heapq.heappop(heap)
        q = queues[tp]
        yield q[i]
        if i + 1 < len(q):
            heapq.heappush(heap, (q[i + 1].timestamp, tp, i + 1))


def write_recording(path: str | Path, records: Iterable[RecordedRecord]) -> int:
    """Write ``records`` as a recording file; returns how many."""
    n = 0
    with open(path, "wb") as f:
        for r in records:
            f.write(encode_line(r) + b"\n")
            n += 1
    return n
