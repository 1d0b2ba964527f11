"""Random scenarios aimed at the edges of window and join semantics (seeded, reproducible).

Timestamps are not uniform: each record picks a *target* near something that matters at the
current stream time (a window boundary, the grace limit, a session's reach, a join window's
edge, the time before the first full window, a RocksDB segment boundary), then sometimes moves one ms either way. Keys come
from a small set with a null key among them, values are ``v<index>`` or null, table inputs carry
tombstones (including deletes of rows that never existed), and some scenarios spread their keys
over two partitions.
"""
from __future__ import annotations

import random
from typing import Any

__all__ = ["random_scenario", "window_scenario", "join_scenario"]

KEYS = ["a", "b", "ab", "ba"]


def random_scenario(rng: random.Random) -> dict[str, Any]:
    s = window_scenario(rng) if rng.random() < 0.55 else join_scenario(rng)
    s["app_store"] = rng.choice(["memory", "rocksdb"])  # only the app side reads it
    if len(s["records"]) > 2 and rng.random() < 0.3:  # the app restarts there, on an empty disk
        s["app_restart_at"] = rng.randrange(1, len(s["records"]))
    return s


def _records(rng: random.Random, topics: list[str], horizons: list[int], *,
             null_value: float, null_key: float, partitions: int,
             value_of=None) -> list[dict[str, Any]]:
    """Records whose timestamps hover around the edges ``horizons`` (ms behind stream time)."""
    n = rng.choice([3, 6, 10, 15, 25, 25, 60])  # long ones reach expiry and retention
    keys = KEYS[:rng.choice([1, 2, 3, 4])]
    partition_of = {k: rng.randrange(partitions) for k in keys}
    stream_time = rng.choice([0, 0, 1, 5, 20])
    # now and then near a multiple of 60 s, where Kafka's RocksDB stores cut segments
    base = rng.choice([60_000, 120_000]) - rng.choice([0, 3, 10]) if rng.random() < 0.1 else 0
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.35:  # moves forward
            ts = stream_time + rng.choice([0, 0, 1, 1, 2, 3, 5, 8])
        elif r < 0.75:  # late by one of the horizons, give or take one ms
            ts = stream_time - rng.choice(horizons) + rng.choice([-1, 0, 0, 1])
        elif r < 0.85:  # very early: before the first full window
            ts = rng.randrange(0, 4)
        else:  # on a multiple of something (window starts and ends)
            unit = max(1, rng.choice(horizons))
            ts = (stream_time // unit) * unit + rng.choice([-unit, 0, unit])
        ts = max(0, ts)
        stream_time = max(stream_time, ts)
        ts += base
        key = None if rng.random() < null_key else rng.choice(keys)
        value = None if rng.random() < null_value else (
            value_of(rng, i) if value_of else f"v{i}")
        topic = rng.choice(topics)
        record = {"topic": topic, "key": key, "value": value, "ts": ts}
        if partitions > 1:
            record["partition"] = rng.randrange(partitions) if key is None else partition_of[key]
        out.append(record)
    return out


def window_scenario(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(["tumbling", "hopping", "sliding", "session"])
    grace = rng.choice([0, 0, 1, 2, 3, 5, 10])
    s: dict[str, Any] = {"topology": "window", "kind": kind, "grace": grace,
                         "emit": rng.choice(["update", "final"])}
    if kind in ("tumbling", "hopping"):
        size = rng.choice([1, 2, 3, 5, 7, 10])
        advance = size if kind == "tumbling" else rng.choice(
            [a for a in range(1, size + 1) if a == size or rng.random() < 0.5] or [size])
        s.update(size=size, advance=advance)
        horizons = [0, grace, size, size + grace, advance, size + grace - advance]
        minimum = size + grace
    elif kind == "sliding":
        d = rng.choice([1, 2, 3, 5, 10])
        s["difference"] = d
        horizons = [0, d, d + 1, d + grace, d + grace + 1, 2 * d + grace, grace]
        minimum = 2 * d + grace
    else:
        gap = rng.choice([1, 2, 3, 5, 10])
        s["gap"] = gap
        horizons = [0, gap, gap + 1, gap + grace, gap + grace + 1, 2 * gap + grace, grace]
        minimum = gap + grace
    s["retention"] = None if rng.random() < 0.75 else minimum + rng.choice([0, 1, 3, 10])
    s["app_codec"] = rng.choice(["json", "text", "str"])  # only the app side reads it
    s["records"] = _records(rng, ["input"], horizons, null_value=rng.choice([0, 0.1, 0.25]),
                            null_key=rng.choice([0, 0.1]),
                            partitions=rng.choice([1, 1, 1, 2]))
    return s


def _fk_value(rng: random.Random, i: int) -> str:
    return f"{rng.choice(['a', 'b', 'ab', '_'])}:{i}"


def join_scenario(rng: random.Random) -> dict[str, Any]:
    typ = rng.choice(["stream-stream", "stream-stream", "stream-table", "stream-globaltable",
                      "table-table", "foreign-key"])
    kinds = {"stream-stream": ["inner", "left", "outer"], "table-table": ["inner", "left", "outer"],
             "stream-table": ["inner", "left"], "stream-globaltable": ["inner", "left"],
             "foreign-key": ["inner", "left"]}[typ]
    s: dict[str, Any] = {"topology": "join", "type": typ, "kind": rng.choice(kinds),
                         "before": 0, "after": 0, "grace": 0}
    if typ == "stream-stream":
        before, after, grace = (rng.choice([0, 1, 2, 3, 5]) for _ in range(3))
        if rng.random() < 0.3:
            after = before  # the symmetric JoinWindows.ofTimeDifference
        s.update(before=before, after=after, grace=grace)
        horizons = [0, before, after, before + grace, after + grace, before + after + grace,
                    before + after + grace + 1]
    else:
        horizons = [0, 1, 2, 5]
    s["records"] = _records(
        rng, ["left", "right"], horizons,
        null_value=rng.choice([0, 0.15, 0.3]) if typ != "stream-stream" else rng.choice([0, 0.1]),
        null_key=rng.choice([0, 0.1]), partitions=rng.choice([1, 1, 1, 2]),
        value_of=None)
    if typ != "stream-stream" and rng.random() < 0.4:
        # No stream time here, so results do not depend on partitioning: the app side spreads
        # the keys over several partitions (by key hash) while Kafka runs one
        for r in s["records"]:
            r.pop("partition", None)
        s["app_partitions"] = rng.choice([2, 3])
    if typ in ("foreign-key", "stream-globaltable"):
        # left values name a right key; right keys come from the same set
        for i, r in enumerate(s["records"]):
            if r["topic"] == "left" and r["value"] is not None:
                r["value"] = _fk_value(rng, i)
        for r in s["records"]:  # the right table is one table, whatever the partitions
            r.pop("partition", None)
    return s
