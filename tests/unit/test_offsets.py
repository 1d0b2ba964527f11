"""Input positions: what is committed, and where an aborted transaction rewinds to."""
from streamflow.runtime.commits import Offsets
from streamflow.types import TP

A, B = TP("in", 0), TP("in", 1)


def test_only_moved_positions_of_assigned_partitions_are_committed() -> None:
    offsets = Offsets()
    offsets.processed({A: 10, B: 5})
    assert offsets.to_commit({A}) == {A: 10}
    offsets.mark_committed({A: 10})
    assert offsets.to_commit({A, B}) == {B: 5}


def test_rewind_goes_to_the_last_commit_or_to_where_processing_began() -> None:
    offsets = Offsets()
    offsets.fetched(A, 7)        # assigned with a committed offset of 7 (or reset to it)
    offsets.processed({A: 20})
    assert offsets.rewind_point(A) == 7
    assert offsets.positions[A] == 7
    assert offsets.rewind_point(A) == 7  # again: the consumer may have fetched past it
    offsets.processed({A: 30})
    offsets.mark_committed({A: 30})
    offsets.fetched(A, 30)       # later fetches do not move the starting point
    offsets.processed({A: 42})
    assert offsets.rewind_point(A) == 30


def test_a_revoked_partition_is_forgotten() -> None:
    offsets = Offsets()
    offsets.fetched(A, 0)
    offsets.processed({A: 3})
    offsets.mark_committed({A: 3})
    offsets.forget([A])
    assert offsets.to_commit({A}) == {} and offsets.rewind_point(A) is None
