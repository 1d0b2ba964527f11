"""Retention: which windows a store still shows, and the sweep that deletes the others.

*Retention is visibility*, as in Kafka Streams 4.1's window and session stores: a window is
hidden once its segment time (window start; session end) is below
``store_time - retention + 1``, where ``store_time`` is the largest segment time written to
the partition (all keys). This is part of the results: a record never merges into a session
(or reads a sliding window) the store no longer shows, and a hidden window is rewritten from
scratch, as Kafka overwrites it.

Physical deletion runs one ms behind visibility, in ranges, whenever a bucket of
``max(1, retention // 2)`` ms expires: the expiry index (``streamflow.state.keys``, namespace 03) says
which keys have windows in which bucket, so a sweep reads the expired buckets' markers and
deletes, per key, one range of windows, never scanning the windows themselves.
"""
from __future__ import annotations

from typing import Any

from ...state.keys import (EXPIRY, expiry_marker, marker_bucket, marker_key, window_at, window_key,
                            window_prefix)

__all__ = ["Expiry"]

# Markers known to be written, per transaction: past this many they are forgotten and relearnt.
_MAX_KNOWN_MARKERS = 100_000


class Expiry:
    """Retention and the sweep of one windowed aggregation."""

    __slots__ = ("retention", "bucket", "one_window_per_marker")

    def __init__(self, retention: int, one_window_per_marker: int | None) -> None:
        """``one_window_per_marker``: the window size of tumbling windows whose buckets are no
        longer than a window, so that a marker stands for exactly one window; else None."""
        self.retention = retention
        self.bucket = max(1, retention // 2)
        self.one_window_per_marker = one_window_per_marker

    def visible_from(self, store_time: int) -> int:
        """The smallest segment time the store still shows."""
        return store_time - self.retention + 1

    def mark(self, txn: Any, segment_time: int, key: bytes, absent: bool = False) -> None:
        """Note in the expiry index that ``key`` has a window in this segment's bucket.

        Markers repeat for every window of a key in a bucket: the ones already written are
        remembered (in ``txn.derived``, which an abort clears) instead of read from the store
        each time; a forgotten one costs a read. ``absent``: the caller knows that no marker
        of this key and bucket exists, so there is nothing to look up.
        """
        marker = expiry_marker(segment_time // self.bucket, key)
        if absent:
            txn.set(marker, 1)
            return
        known = txn.derived.get(self)
        if known is None:
            known = txn.derived[self] = set()
        if marker not in known:
            if not txn.contains(marker):
                txn.set(marker, 1)
            if len(known) > _MAX_KNOWN_MARKERS:
                known.clear()
            known.add(marker)

    def sweep(self, txn: Any, old_store_time: int, store_time: int) -> None:
        """Delete windows whose segment time is below ``store_time - retention``, by ranges.

        One ms behind visibility on purpose: a window exactly at the visibility edge may still
        be rewritten (Kafka overwrites it blindly) and must stay known as emitted.
        """
        limit = store_time - self.retention
        bucket_limit = limit // self.bucket  # buckets below it are wholly expired
        if limit <= 0 or bucket_limit <= (old_store_time - self.retention) // self.bucket:
            return
        index_end = expiry_marker(bucket_limit, b"")
        size = self.one_window_per_marker
        if size is not None:
            # Tumbling windows with buckets no longer than a window: a marker stands for exactly
            # one window, deleted by key (ranges cost a sorted index now and a seek per range
            # at commit). The rest of the last bucket goes with the next sweep.
            bucket = self.bucket
            for marker, _ in txn.iter_range(EXPIRY, index_end):
                start = -(-marker_bucket(marker) * bucket // size) * size
                txn.delete(window_key(marker_key(marker), start))
                txn.delete(marker)
            return
        keys = {marker_key(marker) for marker, _ in txn.iter_range(EXPIRY, index_end)}
        for key in sorted(keys):
            prefix = window_prefix(key)
            txn.delete_range(prefix, window_at(prefix, limit))
        if keys:
            txn.delete_range(EXPIRY, index_end)
