"""Operators: window definitions (pure arithmetic) and the stateful processors that run them."""
from streamflow.operators.windowed import ProcessResult, WindowedAggregation, WindowResult
from streamflow.operators.windows import (
    HoppingWindows,
    SessionWindows,
    SlidingWindows,
    TumblingWindows,
    Window,
)

__all__ = [
    "HoppingWindows",
    "ProcessResult",
    "SessionWindows",
    "SlidingWindows",
    "TumblingWindows",
    "Window",
    "WindowResult",
    "WindowedAggregation",
]
