"""Replay recordings through an app with the test driver, and compare with golden output."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path


import orjson

from ..app import App
from ..exceptions import StreamflowError
from .driver import OutputRecord, TestDriver
from .recording import BadRecording, merge_by_timestamp, read_recording


@dataclass
class ReplayResult:
    """A replay's output records, how many input records it read, and the bad lines skipped."""

    outputs: list[OutputRecord]
    inputs: int
    skipped: list[BadRecording] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [orjson.dumps(o.to_json(), option=orjson.OPT_SORT_KEYS).decode() for o in self.outputs]


def input_topics(app: App) -> set[str]:
    """What a recording may hold: every topic the app reads (see ``App.source_topics``)."""
    return app.source_topics()


async def replay(app: App, files: list[str | Path], skip_bad: bool = False,
                 start_time: float = 0.0) -> ReplayResult:
    """Run ``app`` on the recordings ``files`` (merged by timestamp) on virtual time, with the
    test driver; the records it produced."""
    skipped: list[BadRecording] = []
    recordings = [read_recording(f, skip_bad, skipped) for f in files]
    consumed = input_topics(app)
    for f, records in zip(files, recordings, strict=True):
        foreign = sorted({r.topic for r in records} - consumed)
        if foreign:
            raise StreamflowError(f"{f}: records of {', '.join(foreign)}, which app {app.id} does "
                                  f"not consume (it consumes: {', '.join(sorted(consumed)) or 'nothing'})")
    driver = TestDriver(app, start_time=start_time)
    await driver.start()
    try:
        n = 0
        for r in merge_by_timestamp(recordings):
            driver.append_raw(r.topic, r.partition, r.key, r.value, r.timestamp, r.headers)
            n += 1
        await driver.run()
        outputs = driver.produced()
    finally:
        await driver.stop()
    return ReplayResult(outputs, n, skipped)


def write_lines(path: str | Path, lines: list[str]) -> None:
    """Write output lines (a golden file) one per line."""
    Path(path).write_text("".join(line + "\n" for line in lines))


def compare(expected_path: str | Path, actual: list[str], context: int = 2, limit: int = 60) -> str | None:
    """None when equal, else a concise unified diff (golden vs actual)."""
    expected = Path(expected_path).read_text().splitlines()
    if expected == actual:
        return None
    diff = list(difflib.unified_diff(expected, actual, fromfile=f"{expected_path} (golden)",
                                     tofile="replay (actual)", lineterm="", n=context))
    if len(diff) > limit:
        diff = diff[:limit] + [f"... {len(diff) - limit} more diff lines"]
    return "\n".join(diff)


__all__ = ["replay", "compare", "ReplayResult", "write_lines"]
