"""Byte layouts of state keys: every key a table partition's store holds is built here.

Stores sort keys bytewise, so anything that needs key order (windows by start time, a range
of one entity's keys, buffered join records by time) must encode so that bytewise order is the
logical order. The operators (windowed aggregations, joins) compose their keys from these
functions and never pack bytes themselves, so one module says how state is laid out on disk
and in the changelogs (which makes it a compatibility surface: changing a layout here changes
what existing stores and changelogs mean).

Primitives: order-preserving integers (``encode_i64`` for signed, ``encode_u64`` for times and
sequence numbers that are never negative), length-prefixed keys (so that what follows a key can
never be read as more key), and ``prefix_end`` for scans over a prefix.

Windowed aggregations (``streamflow.operators.windowed``) lay their state out as below
(``K`` = the record key's bytes, ``u64`` = 8 bytes big-endian):

- ``00 "stream_time"``, ``00 "store_time"``, ``00 "next_close"``: the partition's clocks;

- ``01 len(K) K u64(start)`` a time window (tumbling, hopping, sliding) of K;
- ``01 len(K) K u64(end) u64(start)`` a session of K (end first: "sessions ending at or after
  t" is one forward scan);
- ``02 u64(end) K u64(start)`` (sessions ``02 u64(end) K u64(end) u64(start)``): final mode's
  index of windows not emitted yet, in (end, key) order;
- ``03 u64(bucket) K``: the expiry index, "K has windows in this bucket of segment time".
"""
from __future__ import annotations

import struct

__all__ = [
    "EXPIRY", "NEXT_CLOSE", "STORE_TIME", "STREAM_TIME", "PENDING", "WINDOW",
    "decode_i64", "decode_u32", "decode_u64", "encode_i64",
    "encode_u32", "encode_u64", "expiry_marker", "length_prefixed", "marker_bucket",
    "marker_key", "pending_key", "pending_until", "pending_window", "prefix_end",
    "read_length_prefixed", "right_position_key", "session_key", "window_at", "window_key", "window_prefix",
    "windows_key_of",
]

_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")
_SIGN = 1 << 63

encode_u64 = _U64.pack
"""8 bytes big-endian: bytewise order is numeric order for ints in ``[0, 2**64)``."""
encode_u32 = _U32.pack
"""4 bytes big-endian, for ints in ``[0, 2**32)`` (lengths, partition numbers)."""


def decode_u64(raw: bytes, at: int = 0) -> int:
    """The int :func:`encode_u64` wrote at ``raw[at:at + 8]``."""
    return _U64.unpack_from(raw, at)[0]


def decode_u32(raw: bytes, at: int = 0) -> int:
    """The int :func:`encode_u32` wrote at ``raw[at:at + 4]``."""
    return _U32.unpack_from(raw, at)[0]


def encode_i64(value: int) -> bytes:
    """8 bytes whose bytewise order is the numeric order of ``value`` (negatives included)."""
    return _U64.pack(value + _SIGN)


def decode_i64(raw: bytes) -> int:
    """Inverse of :func:`encode_i64`."""
    return _U64.unpack(raw)[0] - _SIGN


def length_prefixed(key: bytes) -> bytes:
    """``key`` behind its 4-byte big-endian length, so what follows it can never be mistaken
    for more key (``b"a" + ts`` and ``b"a\\x00" + ts`` stay apart)."""
    return _U32.pack(len(key)) + key


def read_length_prefixed(raw: bytes, at: int) -> tuple[bytes, int]:
    """The key :func:`length_prefixed` wrote at ``raw[at:]``, and where the bytes after it
    start."""
    n = _U32.unpack_from(raw, at)[0]
    end = at + 4 + n
    return raw[at + 4:end], end


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with ``prefix``.

    Use as the exclusive end of a scan or ``delete_range`` over a prefix. ``None`` means no
    such key exists (the prefix is empty or all 0xff), i.e. scan to the end.
    """
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))


# -- windowed aggregations (see the module docstring) -----------------------------------------
STREAM_TIME = b"\x00stream_time"  # -> int: the largest timestamp seen
STORE_TIME = b"\x00store_time"  # -> int: the largest segment time written
# Final mode: the smallest end among windows not emitted yet (2**64 - 1: none), so that a
# record that closes nothing costs a lookup, not a scan of the pending index.
NEXT_CLOSE = b"\x00next_close"
WINDOW = b"\x01"
PENDING = b"\x02"
EXPIRY = b"\x03"


def window_prefix(key: bytes) -> bytes:
    """What every window of ``key`` starts with (``window_prefix(k) + u64(start)`` is one)."""
    return WINDOW + _U32.pack(len(key)) + key


def window_key(key: bytes, start: int) -> bytes:
    """The key of ``key``'s time window starting at ``start``."""
    return WINDOW + _U32.pack(len(key)) + key + _U64.pack(start)


def window_at(prefix: bytes, time: int) -> bytes:
    """``window_prefix(k) + u64(time)``: the key of k's time window starting at ``time``, or
    where k's sessions ending at ``time`` begin (a scan bound)."""
    return prefix + _U64.pack(time)


def session_key(prefix: bytes, end: int, start: int) -> bytes:
    """The key of the session ``[start, end]`` of the key whose :func:`window_prefix` is
    ``prefix``."""
    return prefix + _U64.pack(end) + _U64.pack(start)


def windows_key_of(wkey: bytes) -> tuple[bytes, int]:
    """The record key of a window's key, and where the window's times start in it."""
    return read_length_prefixed(wkey, len(WINDOW))


def pending_key(key: bytes, end: int, start: int, session: bool) -> bytes:
    """Final mode: the index entry of ``key``'s window ``[start, end)`` not emitted yet."""
    if session:
        return PENDING + _U64.pack(end) + key + _U64.pack(end) + _U64.pack(start)
    return PENDING + _U64.pack(end) + key + _U64.pack(start)


def pending_window(pkey: bytes, session: bool) -> tuple[bytes, int, int]:
    """``(key, start, end)`` of a :func:`pending_key`."""
    end = _U64.unpack_from(pkey, 1)[0]
    start = _U64.unpack_from(pkey, len(pkey) - 8)[0]
    return (pkey[9:-16] if session else pkey[9:-8]), start, end


def pending_until(end: int) -> bytes:
    """The exclusive end of a scan over the pending windows that end before ``end``."""
    return PENDING + _U64.pack(end)


def expiry_marker(bucket: int, key: bytes) -> bytes:
    """The expiry index entry "``key`` has windows in ``bucket``"; ``expiry_marker(b, b"")``
    bounds a scan of the buckets below ``b``."""
    return EXPIRY + _U64.pack(bucket) + key


def marker_bucket(marker: bytes) -> int:
    """The bucket of an :func:`expiry_marker` (also: the end of a pending key)."""
    return _U64.unpack_from(marker, 1)[0]


def marker_key(marker: bytes) -> bytes:
    """The record key of an :func:`expiry_marker`."""
    return marker[9:]


# -- foreign-key joins -------------------------------------------------------------------------
_RIGHT_POSITION = b"\x00right-position:"


def right_position_key(partition: int) -> bytes:
    """Foreign-key join state: the key of the last offset of right ``partition`` applied to a
    left partition (the join's rows and index live in other namespaces, ``01``-``03``)."""
    return _RIGHT_POSITION + _U32.pack(partition)
