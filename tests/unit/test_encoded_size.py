"""Encoded values that are kept (a commit's pending writes, the window emitter's key cache)
cost about their length, not orjson's output buffer (4 KiB or more each since orjson 3.12):
tens of thousands of them are held at once, and that once made a windowed worker's peak
memory twice the stateless one's (issue 14)."""
from __future__ import annotations

import tracemalloc
from typing import Any, Callable

import streamflow
from streamflow.serialization import codec_for
from streamflow.state import MemoryStore, PartitionTransaction
from streamflow.windowed_emit import _key_as_json


class Count(streamflow.Record):
    n: int


def _bytes_per_value(make: Callable[[int], Any], n: int = 2_000) -> float:
    """Traced memory held per value while ``n`` values made by ``make`` are kept."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [make(i) for i in range(n)]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(kept) == n
    return held / n


def test_json_and_record_values_cost_about_their_length() -> None:
    json, record = codec_for(None), codec_for(Count)
    # A 20-byte window state costs its bytes object (~55 B) plus the list slot, not 4 KiB.
    assert _bytes_per_value(lambda i: json.dumps([i, 1_733_300_000_000 + i])) < 200
    assert _bytes_per_value(lambda i: record.dumps(Count(i))) < 200
    # Larger values: orjson rounds its buffer up to a power of two; kept ones are exact.
    assert _bytes_per_value(lambda i: json.dumps({"i": i, "pad": "x" * 1500}), 500) < 1_700


def test_a_commits_encoded_changes_cost_about_their_length() -> None:
    store = MemoryStore()
    txn = PartitionTransaction(store, codec_for(None).dumps, codec_for(None).loads)
    for i in range(5_000):
        txn.set(b"window-%06d" % i, [i, 1_733_300_000_000])
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        changes = txn.changes()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(changes) == 5_000
    # The (key, encoded value) pairs, the encoded values and the memo commit() reuses.
    assert held / 5_000 < 400


def test_the_window_emitters_text_key_cache_costs_about_the_keys_length() -> None:
    as_json = _key_as_json(codec_for(str))
    assert as_json is not None
    assert as_json(b"u00042") == b'"u00042"'
    assert _bytes_per_value(lambda i: as_json(b"u%05d" % i)) < 200
