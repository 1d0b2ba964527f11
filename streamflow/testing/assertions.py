"""Readable comparison of output records."""
from __future__ import annotations

import difflib
from typing import Any

from .output_record import OutputRecord


def _line(r: Any) -> str:
    if isinstance(r, OutputRecord):
        return (f"{r.topic} key={r.key!r} value={r.value!r} ts={r.timestamp}"
                + (f" headers={r.headers!r}" if r.headers else ""))
    return repr(r)


def record_diff(expected: list[Any], actual: list[Any]) -> str:
    """A unified diff of two lists of output records, one record per line."""
    return "\n".join(difflib.unified_diff([_line(r) for r in expected], [_line(r) for r in actual],
                                          fromfile="expected", tofile="actual", lineterm=""))


def assert_outputs(actual: list[OutputRecord], expected: list[Any]) -> None:
    """Compare outputs with ``expected`` (OutputRecords, or ``(key, value)`` pairs)."""
    if expected and not isinstance(expected[0], OutputRecord):
        actual_cmp: list[Any] = [(r.key, r.value) for r in actual]
    else:
        actual_cmp = list(actual)
    if actual_cmp != list(expected):
        lines_e = [repr(x) if not isinstance(x, OutputRecord) else _line(x) for x in expected]
        lines_a = [repr(x) if not isinstance(x, OutputRecord) else _line(x) for x in actual_cmp]
        diff = "\n".join(difflib.unified_diff(lines_e, lines_a, fromfile="expected", tofile="actual", lineterm=""))
        raise AssertionError(f"output records differ:\n{diff}")
