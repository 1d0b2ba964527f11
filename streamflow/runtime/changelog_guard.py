"""At-least-once: a table partition's changelog holds its owner's values last.

Without transactions, nothing stops a worker the group replaced (a *zombie*, paused past
its session timeout) from appending to a changelog after the partition's new owner restored
from it. Two rules keep the tables whole all the same (see docs/exactly-once.md, "At-least-
once"):

1. A store never records a changelog offset it did not itself produce up to. The owner knows
   where its records should start (the changelog's end when it restored, then one past its
   last acknowledged record) and how many it sent; if the acknowledged offsets do not end
   exactly that far on, someone else wrote in between.
2. What someone else wrote is overwritten with the owner's values: for every key of those
   records whose value is not the owner's current one, the owner appends its current value
   (a tombstone if it has none), so that the changelog's last record per key is the owner's
   again before it commits its offsets. A restore from the changelog then gets the owner's
   state, not the zombie's stale counts.

The worker avoids producing as a zombie in the first place (its group lease, see
``transport.kafka_lease``); this is for what a zombie appended anyway (a send that left
before it learnt it was one and reached the broker late).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable

from ..exceptions import StreamflowError
from ..types import TP

if TYPE_CHECKING:
    from .output import OutputBuffer
    from .tables import TablePartition
    from .transport.base import ChangelogReader

log = logging.getLogger("streamflow.tables")

READ_BATCH = 5_000
# Rounds of rewriting what another writer appended to a changelog before giving up.
MAX_REWRITES = 5


async def verify(parts: list["TablePartition"], acked: dict[TP, int], output: "OutputBuffer",
                 final: bool, reader: Callable[[], Awaitable["ChangelogReader"]]) -> dict[TP, int]:
    """Check the changelog partitions of ``parts`` (whose ``next_offset`` is known) after
    this commit's records were acknowledged (``acked``: last offset per partition), overwrite
    what someone else appended, and return ``acked`` with the rewrites' acknowledgements.
    ``final``: the partitions are about to be handed over, so also look past this commit's
    records (one end-offsets request)."""
    suspects: dict["TablePartition", tuple[int, int]] = {}
    for part in parts:
        span = misplaced(part, acked.get(_tp(part)))
        if span is not None:
            suspects[part] = span
    if final and parts:
        ends = await (await reader()).end_offsets([_tp(part) for part in parts])
        for part in parts:
            expected_end = _expected_end(part, acked)
            if part not in suspects and ends[_tp(part)] > expected_end:
                suspects[part] = (expected_end, ends[_tp(part)] - 1)
    for _ in range(MAX_REWRITES):
        if not suspects:
            return acked
        changelogs = await reader()
        rewritten = []
        for part, (first, last) in suspects.items():
            count = await overwrite_foreign(changelogs, part, first, last, output)
            part.committing = True  # its store records the offset reached, even if empty
            part.next_offset, part.produced = last + 1, count
            if count:
                rewritten.append(part)
        acked = {**acked, **await output.acks_so_far()}
        suspects = {}
        for part in rewritten:
            span = misplaced(part, acked.get(_tp(part)))
            if span is not None:
                suspects[part] = span
    raise StreamflowError("table changelogs keep receiving records from another writer: "
                          + ", ".join(str(_tp(part)) for part in suspects))


def _tp(part: "TablePartition") -> TP:
    assert part.changelog_tp is not None
    return part.changelog_tp


def _expected_end(part: "TablePartition", acked: dict[TP, int]) -> int:
    """Where the changelog should end once this commit's records are in."""
    last = acked.get(_tp(part)) if part.committing else None
    if last is not None:
        return last + 1
    assert part.next_offset is not None
    return part.next_offset + (part.produced if part.committing else 0)


def misplaced(part: "TablePartition", last_acked: int | None) -> tuple[int, int] | None:
    """The changelog offsets ``[first, last]`` holding someone else's records among (or
    after) this commit's, or None when this commit's records sit where they should."""
    expected = part.next_offset
    if expected is None or last_acked is None or not part.committing:
        return None
    if last_acked - part.produced + 1 == expected:
        return None
    return expected, last_acked


async def overwrite_foreign(reader: "ChangelogReader", part: "TablePartition", first: int,
                            last: int, output: "OutputBuffer") -> int:
    """Append this worker's current value of every key whose record in ``[first, last]``
    differs from it. Returns how many records were added to ``output``."""
    tp = part.changelog_tp
    assert tp is not None
    mine = dict(part.changes or ())
    store = part.store
    stale: dict[bytes, bytes | None] = {}
    async for record in _read(reader, tp, first, last + 1):
        key = record.key
        if key is None or key in stale:
            continue
        current = mine[key] if key in mine else store.get(key)
        if record.value != current:
            stale[key] = current
    for key, value in stale.items():
        output.add_nowait(tp.topic, key, value, tp.partition, None, None)
    if stale:
        log.warning("table %s[%d]: changelog %s[%d] offsets %d..%d hold records this worker did "
                    "not write (a previous owner that was replaced while paused?); rewrote the "
                    "current value of %d key(s) over them", part.table.name, part.partition,
                    tp.topic, tp.partition, first, last, len(stale))
    return len(stale)


async def _read(reader: "ChangelogReader", tp: Any, start: int, end: int) -> AsyncIterator[Any]:
    position = start
    while position < end:
        records = await reader.read(tp, position, end, READ_BATCH)
        if not records:
            return
        for record in records:
            yield record
        position = records[-1].offset + 1


__all__ = ["misplaced", "overwrite_foreign", "verify"]
