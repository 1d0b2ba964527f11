"""Order-preserving key encoding helpers: pure functions over bytes.

Stores sort keys bytewise, so anything that needs key order (windows by start time, a range
of one entity's keys) must encode so that bytewise order is the logical order. Kept here so
tables and window operators agree on one encoding.
"""
from __future__ import annotations

import struct

__all__ = ["decode_i64", "encode_i64", "prefix_end"]

_U64 = struct.Struct(">Q")
_SIGN = 1 << 63


def encode_i64(value: int) -> bytes:
    """8 bytes whose bytewise order is the numeric order of ``value`` (negatives included)."""
    return _U64.pack(value + _SIGN)


def decode_i64(raw: bytes) -> int:
    """Inverse of :func:`encode_i64`."""
    return _U64.unpack(raw)[0] - _SIGN


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with ``prefix``.

    Use as the exclusive end of a scan or ``delete_range`` over a prefix. ``None`` means no
    such key exists (the prefix is empty or all 0xff), i.e. scan to the end.
    """
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))
