"""A worker's memory budget: what its memory is made of and what bounds each part.

docs/memory.md states it for users; this module holds its figures, so that the documentation,
the test that holds a worker to it (tests/integration/test_memory_budget_kafka.py) and the
code that sets the bounds name the same numbers. Measured on CPython 3.11 with orjson,
aiokafka 0.14 and rocksdict 0.3 (docs/memory.md says how).
"""
from __future__ import annotations

from dataclasses import dataclass

from .transport.kafka_consumer import FETCH_MAX_BYTES

__all__ = ["MemoryBudget", "BASE_MB", "FETCH_MB", "PENDING_KEY_BYTES", "CACHED_KEY_BYTES",
           "OUTPUT_RECORDS"]

_MB = 1 << 20

#: The interpreter with streamflow, aiokafka, rocksdict and the app imported, connected and
#: assigned, before its first record: 55-60 MB measured.
BASE_MB = 64
#: aiokafka keeps the fetch response being handed out and one fetched ahead.
FETCH_MB = 2 * FETCH_MAX_BYTES // _MB
#: Per key written in one commit interval: its pending value (~250 B as Python objects), at
#: commit its encoded value and changelog record (~250 B) and the producer's copy; and, while
#: a commit is in flight, the next interval's writes alongside (a second layer).
PENDING_KEY_BYTES = 1024
#: Per distinct key seen, across the caches that spare work per event: a key's partition, its
#: JSON form and its last window's result bytes in window results (200,000 keys each), a
#: windowed table partition's newest window per key (500,000) and expiry markers written
#: (100,000). Each starts over when full.
CACHED_KEY_BYTES = 1024
#: The output buffer hands records to the producer every 10,000 (and after every fetched batch).
OUTPUT_RECORDS = 10_000


@dataclass(frozen=True)
class MemoryBudget:
    """The budget of one worker, in MB, for its settings and its input's shape.

    ``keys_per_commit``: the most keys (table rows, windows, expiry markers) written in one
    commit interval; ``distinct_keys``: the input's distinct keys; ``record_bytes``: the size
    of an output record.
    """

    rocksdb_memory_mb: int
    keys_per_commit: int
    distinct_keys: int
    record_bytes: int = 256

    @property
    def parts(self) -> dict[str, float]:
        """Each part's bound, in MB."""
        return {
            "interpreter and libraries": BASE_MB,
            "fetch buffers": FETCH_MB,
            "RocksDB (block cache and memtables)": self.rocksdb_memory_mb,
            "the commit's pending writes": self.keys_per_commit * PENDING_KEY_BYTES / _MB,
            "key caches": self.distinct_keys * CACHED_KEY_BYTES / _MB,
            "output buffer": OUTPUT_RECORDS * (self.record_bytes + 100) / _MB,
        }

    @property
    def total_mb(self) -> float:
        return sum(self.parts.values())
