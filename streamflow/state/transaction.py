"""The per-commit batch of one table partition, and changelog restoration.

A :class:`PartitionTransaction` collects a commit interval's writes as Python objects, answers
reads from them first, and at commit encodes each key once and hands the store one atomic
batch together with the changelog offset. Aborting drops the writes, which is how local state
rolls back with an aborted Kafka transaction. Nothing reaches the store before ``commit``.

A commit that does not stop processing uses two layers: :meth:`~PartitionTransaction.freeze`
turns the pending writes into a read-only *committing* layer and starts an empty one, so that
processing goes on while the committing layer's changelog records are acknowledged (or its
Kafka transaction commits); :meth:`~PartitionTransaction.commit_frozen` then writes it to the
store. Reads see the pending layer, then the committing one, then the store.

This module knows nothing of Kafka or of the runtime: codecs come in as callables, and the
changelog is only described (``changes()``), never produced here.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from heapq import merge
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from streamflow.state.store import Store, StoreBatch

__all__ = ["PartitionTransaction", "restore"]

_DELETED: Any = object()  # pending value of a deleted key
_MISSING: Any = object()


# Keys added since the last scan that _sorted_keys inserts one by one; past this many it
# sorts once (measured: the break-even is ~100-200 keys, from 2,000 to 100,000 keys held).
_INSORT_AT_MOST = 128


def _first(item: tuple[bytes, Any]) -> bytes:
    return item[0]


class PartitionTransaction:
    """Pending writes of one table partition between two commits.

    Keys are bytes (encoded by the caller, so key order is the store's order); values are
    Python objects, encoded with ``dumps`` once per key at commit. Reads see pending writes
    first, then the store (decoded with ``loads``).

    Values are not copied: an object returned by :meth:`get` and mutated in place without a
    :meth:`set` is the caller's concern. If it was pending, the mutation will be committed;
    if it came from the store, it is lost. Call ``set`` after mutating.

    The object is reusable: :meth:`commit` and :meth:`abort` leave it empty.

    Two layers: :meth:`freeze` makes the pending writes the *committing* layer (read-only) and
    starts an empty pending layer; reads see pending writes, then the committing layer, then
    the store, and a ``delete_range`` of the pending layer hides the keys of both below it.
    :meth:`changes` describes the committing layer while there is one; :meth:`commit_frozen`
    writes it to the store and drops it. At most one layer is committing at a time.

    ``derived`` is where the code that writes a partition keeps what it learnt about its
    contents (keyed by its own object), e.g. "this key was written": it survives commits,
    which keep every write, and :meth:`abort` empties it, since what it describes may be gone.
    """

    __slots__ = ("_store", "_dumps", "_loads", "_updates", "_ranges", "_range_starts",
                 "_range_deleted", "_index", "_encoded", "_frozen", "derived")

    def __init__(self, store: Store, dumps: Callable[[Any], bytes],
                 loads: Callable[[bytes], Any]) -> None:
        self._store = store
        self._dumps = dumps
        self._loads = loads
        self.derived: dict[Any, Any] = {}
        self._frozen: _Frozen | None = None  # the committing layer (see freeze)
        self._clear()

    def _clear(self) -> None:
        # key -> latest value or _DELETED. Keys leave it only through delete_range, which is
        # what lets _sorted_keys() treat dict order past len(_index) as "keys added since".
        self._updates: dict[bytes, Any] = {}
        # delete_range calls, merged: sorted, disjoint (begin, end) pairs, so that "is this key
        # range-deleted?" is a bisect, not a scan, however many ranges a commit collects.
        self._ranges: list[tuple[bytes, bytes]] = []
        self._range_starts: list[bytes] = []
        self._range_deleted: set[bytes] = set()  # pending keys a delete_range dropped
        self._index: list[bytes] | None = None  # sorted pending keys, for scans
        self._encoded: dict[bytes, bytes | None] | None = None  # memo shared by changes/commit

    # -- reads ------------------------------------------------------------------------------

    def get(self, key: bytes, default: Any = None) -> Any:
        value = self._updates.get(key, _MISSING)
        if value is not _MISSING:
            return default if value is _DELETED else value
        if self._ranges and self._range_deleted_in_store(key):
            return default
        frozen = self._frozen
        if frozen is not None:
            value = frozen.updates.get(key, _MISSING)
            if value is not _MISSING:
                return default if value is _DELETED else value
            if frozen.ranges and _in_ranges(key, frozen.ranges, frozen.starts):
                return default
        raw = self._store.get(key)
        return default if raw is None else self._loads(raw)

    def raise_to(self, key: bytes, value: Any) -> Any:
        """Set ``key`` to ``value`` unless it holds one at least as large; return what it
        holds then. A stream time is such a maximum, read and moved once per record: one call
        instead of :meth:`get` and :meth:`set`, reading the pending layer inline."""
        held = self._updates.get(key, _MISSING)
        if held is _MISSING or held is _DELETED:
            held = self.get(key)
        if held is None or value > held:
            self._updates[key] = value
            self._encoded = None
            return value
        return held

    def contains(self, key: bytes) -> bool:
        value = self._updates.get(key, _MISSING)
        if value is not _MISSING:
            return value is not _DELETED
        if self._ranges and self._range_deleted_in_store(key):
            return False
        frozen = self._frozen
        if frozen is not None:
            value = frozen.updates.get(key, _MISSING)
            if value is not _MISSING:
                return value is not _DELETED
            if frozen.ranges and _in_ranges(key, frozen.ranges, frozen.starts):
                return False
        return self._store.get(key) is not None

    def iter_range(self, begin: bytes | None, end: bytes | None,
                   reverse: bool = False) -> Iterator[tuple[bytes, Any]]:
        """Items with ``begin <= key < end`` in key order: pending writes merged over the
        committing layer, merged over the store.

        The view is taken when called; writes made while iterating are not seen (nor is the
        committing layer's move into the store: the store's scan is a snapshot too).
        """
        pending = _slice(self._sorted_keys(), self._updates, begin, end)
        shadowed = {k for k, _ in pending}  # pending keys, deleted or not, hide those below
        live = [item for item in pending if item[1] is not _DELETED]
        hiding = [(list(self._ranges), list(self._range_starts))] if self._ranges else []
        frozen = self._frozen
        streams: list[Iterable[tuple[bytes, Any]]] = [live]
        if frozen is not None:
            below = _slice(frozen.sorted_keys(), frozen.updates, begin, end)
            visible = [item for item in below if item[1] is not _DELETED
                       and item[0] not in shadowed and not _hidden(item[0], hiding)]
            shadowed.update(k for k, _ in below)
            if frozen.ranges:
                hiding.append((frozen.ranges, frozen.starts))
            if reverse:
                visible.reverse()
            streams.append(visible)
        if reverse:
            live.reverse()
        stored = self._store.iter_range(begin, end, reverse)
        streams.append(self._decoded(stored, shadowed, hiding))
        return merge(*streams, key=_first, reverse=reverse)

    def _decoded(self, stored: Iterator[tuple[bytes, bytes]], shadowed: set[bytes],
                 hiding: list[tuple[list[tuple[bytes, bytes]], list[bytes]]]
                 ) -> Iterator[tuple[bytes, Any]]:
        loads = self._loads
        for key, raw in stored:
            if key in shadowed or (hiding and _hidden(key, hiding)):
                continue
            yield key, loads(raw)

    # -- writes -----------------------------------------------------------------------------

    def set(self, key: bytes, value: Any) -> None:
        self._updates[key] = value
        self._encoded = None

    def delete(self, key: bytes) -> None:
        self._updates[key] = _DELETED
        self._encoded = None

    def delete_range(self, begin: bytes, end: bytes) -> None:
        """Delete every key with ``begin <= key < end``; later writes in this batch survive."""
        if not begin < end:
            return
        # The sorted index finds the pending keys in range by bisection; removing the same
        # slice from index and dict keeps the index valid (see _sorted_keys).
        index = self._sorted_keys()
        lo, hi = bisect_left(index, begin), bisect_left(index, end)
        if hi > lo:
            doomed = index[lo:hi]
            del index[lo:hi]
            updates = self._updates
            for key in doomed:
                del updates[key]
            self._range_deleted.update(doomed)
        self._add_range(begin, end)
        self._encoded = None

    def _add_range(self, begin: bytes, end: bytes) -> None:
        ranges, starts = self._ranges, self._range_starts
        i = bisect_left(starts, begin)
        if i > 0 and ranges[i - 1][1] >= begin:
            i -= 1
            begin, end = ranges[i][0], max(end, ranges[i][1])
        j = i
        while j < len(ranges) and ranges[j][0] <= end:
            end = max(end, ranges[j][1])
            j += 1
        ranges[i:j] = [(begin, end)]
        starts[i:j] = [begin]

    # -- commit -----------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """The pending layer holds writes (the committing layer is not counted)."""
        return bool(self._updates or self._ranges)

    @property
    def frozen(self) -> bool:
        """A committing layer waits for :meth:`commit_frozen` (or :meth:`abort`)."""
        return self._frozen is not None

    def freeze(self) -> None:
        """Make the pending writes the committing layer and start an empty pending layer.

        Reads go on seeing them; :meth:`changes` describes them; :meth:`commit_frozen` writes
        them. Only one layer commits at a time: freezing again before ``commit_frozen`` is an
        error (the caller's commit protocol waits for the commit in flight).
        """
        if self._frozen is not None:
            raise RuntimeError("freeze(): a committing layer is still waiting for commit_frozen")
        self._frozen = _Frozen(self._updates, self._ranges, self._range_starts,
                               self._range_deleted, self._index, self._encoded)
        self._clear()

    def changes(self) -> list[tuple[bytes, bytes | None]]:
        """What the changelog must receive for the committing layer (or, with none, for the
        pending writes): the latest value per key, or None for a delete.

        A ``delete_range`` becomes one tombstone per key it removed from the store or from
        the layer's writes (the changelog is compacted per key; it has no range delete): the
        store holds everything older, since only one layer commits at a time. Encoded values
        are kept for the commit, so each key is encoded once.
        """
        frozen = self._frozen
        if frozen is not None:
            return _changes(self._store, frozen.ranges, frozen.range_deleted,
                            frozen.encode(self._dumps))
        return _changes(self._store, self._ranges, self._range_deleted, self._encode())

    def commit(self, changelog_offset: int | None) -> None:
        """Write the pending writes to the store in one batch with ``changelog_offset``, then
        clear them (the stop-the-world commit: no committing layer may be waiting).

        With nothing pending, a given offset is still recorded. If the store write raises,
        the pending writes are kept: the caller decides between retrying and :meth:`abort`.
        """
        if self._frozen is not None:
            raise RuntimeError("commit(): a committing layer is waiting for commit_frozen")
        _write(self._store, self._ranges, self._encode(), changelog_offset)
        self._clear()

    def commit_frozen(self, changelog_offset: int | None) -> None:
        """Write the committing layer to the store in one batch with ``changelog_offset`` (the
        offset its own changelog records reached), then drop it. Without a committing layer,
        a given offset is still recorded. If the store write raises, the layer is kept."""
        frozen = self._frozen
        if frozen is None:
            _write(self._store, [], {}, changelog_offset)
            return
        _write(self._store, frozen.ranges, frozen.encode(self._dumps), changelog_offset)
        self._frozen = None

    def abort(self) -> None:
        """Forget every pending write and the committing layer, and what was derived from
        them; the store is untouched."""
        self._clear()
        self._frozen = None
        self.derived.clear()

    # -- internals --------------------------------------------------------------------------

    def _encode(self) -> dict[bytes, bytes | None]:
        if self._encoded is None:
            self._encoded = _encoded(self._updates, self._dumps)
        return self._encoded

    def _range_deleted_in_store(self, key: bytes) -> bool:
        return _in_ranges(key, self._ranges, self._range_starts)

    def _sorted_keys(self) -> list[bytes]:
        index = self._index
        if index is None:
            index = self._index = sorted(self._updates)
        elif len(index) < len(self._updates):
            # Dicts keep insertion order and only delete_range removes keys (resetting the
            # index), so the keys past len(index) are exactly the ones added since.
            added = islice(self._updates, len(index), None)
            if len(self._updates) - len(index) <= _INSORT_AT_MOST:
                for key in added:
                    insort(index, key)
            else:  # each insort moves the list's tail; one sort finds the sorted part a run
                index.extend(added)
                index.sort()
        return index


class _Frozen:
    """The committing layer: the pending writes as :meth:`PartitionTransaction.freeze` found
    them (never written to again), and their encoding once done."""

    __slots__ = ("updates", "ranges", "starts", "range_deleted", "_index", "_encoded")

    def __init__(self, updates: dict[bytes, Any], ranges: list[tuple[bytes, bytes]],
                 starts: list[bytes], range_deleted: set[bytes], index: list[bytes] | None,
                 encoded: dict[bytes, bytes | None] | None) -> None:
        self.updates, self.ranges, self.starts = updates, ranges, starts
        self.range_deleted = range_deleted
        # The pending layer's index and encoding are valid if no write came after them.
        self._index = index if index is not None and len(index) == len(updates) else None
        self._encoded = encoded

    def sorted_keys(self) -> list[bytes]:
        if self._index is None:
            self._index = sorted(self.updates)
        return self._index

    def encode(self, dumps: Callable[[Any], bytes]) -> dict[bytes, bytes | None]:
        if self._encoded is None:
            self._encoded = _encoded(self.updates, dumps)
        return self._encoded


def _encoded(updates: dict[bytes, Any], dumps: Callable[[Any], bytes]) -> dict[bytes, bytes | None]:
    """Each key's value encoded (None for a delete); an error names the key."""
    encoded: dict[bytes, bytes | None] = {}
    key = None
    try:
        for key, value in updates.items():
            encoded[key] = None if value is _DELETED else dumps(value)
    except Exception as exc:
        raise ValueError(f"cannot encode the value of key {key!r} for commit: {exc}") from exc
    return encoded


def _changes(store: Store, ranges: list[tuple[bytes, bytes]], range_deleted: set[bytes],
             encoded: dict[bytes, bytes | None]) -> list[tuple[bytes, bytes | None]]:
    """One layer's changelog records (see :meth:`PartitionTransaction.changes`)."""
    out: dict[bytes, bytes | None] = {}
    if ranges:
        scan = getattr(store, "keys_in_ranges", None)
        if scan is not None:
            out.update(dict.fromkeys(scan(ranges)))
        else:
            for begin, end in ranges:
                for key, _ in store.iter_range(begin, end):
                    out[key] = None
    out.update(dict.fromkeys(range_deleted))
    out.update(encoded)  # later writes win over the range deletes
    return list(out.items())


def _write(store: Store, ranges: list[tuple[bytes, bytes]], encoded: dict[bytes, bytes | None],
           changelog_offset: int | None) -> None:
    """One layer to the store in one batch: its range deletes first, then its writes."""
    ops: list[tuple[str, bytes, bytes | None]] = [
        ("delete_range", begin, end) for begin, end in ranges]
    for key, raw in encoded.items():
        ops.append(("put", key, raw) if raw is not None else ("delete", key, None))
    if ops or changelog_offset is not None:
        store.write(StoreBatch(ops), changelog_offset)


def _slice(keys: list[bytes], updates: dict[bytes, Any], begin: bytes | None,
           end: bytes | None) -> list[tuple[bytes, Any]]:
    """``(key, value)`` of the sorted ``keys`` with ``begin <= key < end``."""
    lo = 0 if begin is None else bisect_left(keys, begin)
    hi = len(keys) if end is None else bisect_left(keys, end)
    return [(k, updates[k]) for k in keys[lo:hi]]


def _hidden(key: bytes, hiding: list[tuple[list[tuple[bytes, bytes]], list[bytes]]]) -> bool:
    """Is ``key`` inside one of the layers' range deletes?"""
    return any(_in_ranges(key, ranges, starts) for ranges, starts in hiding)


def _in_ranges(key: bytes, ranges: list[tuple[bytes, bytes]], starts: list[bytes]) -> bool:
    """Is ``key`` inside one of the sorted, disjoint ``ranges``?"""
    i = bisect_right(starts, key) - 1
    return i >= 0 and key < ranges[i][1]


def restore(store: Store, records: Iterable[tuple[bytes | None, bytes | None, int]]) -> int | None:
    """Apply changelog records ``(key, value or None for a tombstone, offset)`` in one batch.

    The store's changelog offset becomes the last record's, atomically with the data, so a
    crash mid-recovery resumes after the last applied batch. The caller chooses the batch
    size (thousands of records per call keep recovery fast). Returns the offset written, or
    None if ``records`` was empty. A record without a key is no row and is skipped: changelogs
    never hold one, but a global table's source topic may (Kafka Streams skips them too).
    """
    ops: list[tuple[str, bytes, bytes | None]] = []
    append = ops.append
    offset: int | None = None
    for key, value, offset in records:  # noqa: B007 - the last one is the batch's offset
        if key is None:
            continue
        append(("put", key, value) if value is not None else ("delete", key, None))
    if offset is not None:
        store.write(StoreBatch(ops), offset)
    return offset
