"""Window definitions are pure arithmetic: alignment, bounds, validation."""
from __future__ import annotations

import pytest

from streamflow.operators.windows import (
    HoppingWindows,
    SessionWindows,
    SlidingWindows,
    TumblingWindows,
    Window,
)


def test_tumbling_windows_are_epoch_aligned_and_end_exclusive() -> None:
    windows = TumblingWindows(10)
    assert windows.windows_for(0) == [Window(0, 10)]
    assert windows.windows_for(9) == [Window(0, 10)]
    assert windows.windows_for(10) == [Window(10, 20)]
    assert windows.windows_for(12345) == [Window(12340, 12350)]


def test_tumbling_is_hopping_with_advance_equal_to_size() -> None:
    assert TumblingWindows(7, grace=3) == TumblingWindows(7, grace=3)
    assert TumblingWindows(7).advance == 7
    assert isinstance(TumblingWindows(7), HoppingWindows)
    assert repr(TumblingWindows(7, grace=3)) == "TumblingWindows(size=7, grace=3)"


def test_hopping_windows_for_a_timestamp_by_ascending_start() -> None:
    windows = HoppingWindows(size=10, advance=5)
    assert windows.windows_for(12) == [Window(5, 15), Window(10, 20)]
    assert windows.windows_for(15) == [Window(10, 20), Window(15, 25)]


def test_hopping_early_records_belong_to_fewer_windows() -> None:
    windows = HoppingWindows(size=10, advance=3)
    assert windows.windows_for(0) == [Window(0, 10)]
    assert windows.windows_for(4) == [Window(0, 10), Window(3, 13)]
    assert windows.windows_for(9) == [Window(0, 10), Window(3, 13), Window(6, 16), Window(9, 19)]
    assert windows.windows_for(10) == [Window(3, 13), Window(6, 16), Window(9, 19)]


def test_hopping_size_not_a_multiple_of_advance() -> None:
    windows = HoppingWindows(size=5, advance=3)
    assert windows.windows_for(4) == [Window(0, 5), Window(3, 8)]
    assert windows.windows_for(5) == [Window(3, 8)]


def test_time_window_lateness_is_end_greater_than_stream_time_minus_grace() -> None:
    windows = TumblingWindows(10, grace=5)
    assert windows.is_open(Window(0, 10), stream_time=14)
    assert not windows.is_open(Window(0, 10), stream_time=15)


def test_sliding_left_right_and_early_windows() -> None:
    windows = SlidingWindows(time_difference=10)
    assert windows.left_window(25) == Window(15, 25)
    assert windows.left_window(10) == Window(0, 10)
    assert windows.left_window(3) == Window(0, 10)  # ts < D: the shared window [0, D]
    assert windows.right_window(25) == Window(26, 36)


def test_sliding_window_open_while_stream_time_at_most_end_plus_grace() -> None:
    windows = SlidingWindows(10, grace=2)
    assert windows.is_open(Window(0, 10), stream_time=12)
    assert not windows.is_open(Window(0, 10), stream_time=13)


def test_session_gap_is_inclusive_on_both_sides() -> None:
    windows = SessionWindows(gap=5)
    session = Window(10, 20)
    assert windows.reaches(session, 25) and windows.reaches(session, 5)
    assert not windows.reaches(session, 26) and not windows.reaches(session, 4)
    assert SessionWindows.merge(Window(1, 3), Window(5, 9)) == Window(1, 9)


def test_session_open_while_stream_time_at_most_end_plus_gap_plus_grace() -> None:
    windows = SessionWindows(gap=5, grace=2)
    assert windows.is_open(Window(0, 10), stream_time=17)
    assert not windows.is_open(Window(0, 10), stream_time=18)


@pytest.mark.parametrize("make, message", [
    (lambda: TumblingWindows(0), "window size must be positive"),
    (lambda: TumblingWindows(10, grace=-1), "grace must be zero or more"),
    (lambda: HoppingWindows(10, 0), "window advance must be positive"),
    (lambda: HoppingWindows(10, 11), "must not exceed the window size"),
    (lambda: SlidingWindows(0), "time_difference must be positive"),
    (lambda: SessionWindows(0), "session gap must be positive"),
    (lambda: SessionWindows(5, grace=-3), "grace must be zero or more"),
])
def test_invalid_definitions_are_refused_with_a_reason(make, message) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_non_integer_durations_are_refused() -> None:
    with pytest.raises(TypeError, match="int number of milliseconds"):
        TumblingWindows(1.5)  # type: ignore[arg-type]


def test_negative_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        TumblingWindows(10).windows_for(-1)
