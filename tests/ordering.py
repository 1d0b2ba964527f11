"""The reference processing order, as the README defines it, for the tests to compare with.

Deliberately the naive algorithm (look at every head, take the smallest), not the one the
runtime uses (a merge by partition time, see streamflow/runtime/partition_group.py).
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Mapping, Sequence


def merged_order(partitions: Mapping[Hashable, Sequence[Any]],
                 timestamp: Callable[[Any], int] = lambda r: r[0],
                 rank: Callable[[Hashable], Any] = lambda p: p) -> list[Any]:
    """Every record of ``partitions`` (partition -> its records in offset order), in the
    order they are processed: repeatedly the head with the smallest timestamp; on a tie, the
    head of the partition with the smallest ``rank`` (the runtime's rule: global tables' and
    foreign-key right sides' topics first, then topics by name)."""
    order = sorted(partitions, key=rank)
    heads = dict.fromkeys(order, 0)
    out = []
    while True:
        best = None
        for p in order:
            i = heads[p]
            if i < len(partitions[p]):
                ts = timestamp(partitions[p][i])
                if best is None or ts < best[0]:
                    best = (ts, p)
        if best is None:
            return out
        p = best[1]
        out.append(partitions[p][heads[p]])
        heads[p] += 1
