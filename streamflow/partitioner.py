"""Key -> partition, exactly as Kafka's Java client does it (murmur2, positive, modulo).

Both brokers use this function, so a key lands on the same partition number on ``memory://``
as on a real cluster, and as with any Java or librdkafka-murmur2 producer.
"""
from __future__ import annotations

import struct

_M = 0x5BD1E995
_SEED = 0x9747B28C
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 hash of ``data`` as an unsigned 32-bit integer."""
    length = len(data)
    h = (_SEED ^ length) & _MASK
    n4 = length // 4
    if n4:
        for k in struct.unpack_from(f"<{n4}I", data):
            k = (k * _M) & _MASK
            k ^= k >> 24
            k = (k * _M) & _MASK
            h = ((h * _M) & _MASK) ^ k
    index = n4 * 4
    extra = length - index
    if extra >= 3:
        h ^= data[index + 2] << 16
    if extra >= 2:
        h ^= data[index + 1] << 8
    if extra >= 1:
        h ^= data[index]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for a non-null ``key``."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class Partitioner:
    """``partition_for`` with a bounded cache: keys repeat, and murmur2 in Python costs ~1 µs.

    The one partition cache of the package. ``by_count`` (partition count -> key -> partition)
    is public so that a hot loop (the output buffer's) can look keys up inline with
    ``dict.get`` and call the partitioner only on a miss."""

    __slots__ = ("by_count", "_limit")

    def __init__(self, limit: int = 200_000) -> None:
        self.by_count: dict[int, dict[bytes, int]] = {}
        self._limit = limit  # keys per partition count before that cache starts over

    def cache_for(self, partitions: int) -> dict[bytes, int]:
        """The key -> partition cache of one partition count (created empty)."""
        cache = self.by_count.get(partitions)
        if cache is None:
            cache = self.by_count[partitions] = {}
        return cache

    def __call__(self, key: bytes, partitions: int) -> int:
        cache = self.by_count.get(partitions)
        if cache is None:
            cache = self.by_count[partitions] = {}
        p = cache.get(key)
        if p is None:
            if len(cache) >= self._limit:
                cache.clear()
            p = cache[key] = (murmur2(key) & 0x7FFFFFFF) % partitions
        return p
