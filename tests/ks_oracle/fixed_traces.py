"""The traces recorded from Kafka Streams (``tests/unit/operators``) as oracle scenarios.

``kafka_traces.json`` (windows) and ``KAFKA_TRACES`` (joins) hold inputs and what Kafka
Streams 4.1.1 emitted for them; here each becomes a scenario in the oracle's format together
with Kafka's outputs, so that ``compare.check`` can replay them without Java (through the
operators and through an app on the TestDriver), and so that a scenario shrunk from a
mismatch can be written back in the traces' formats.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


OPERATORS = Path(__file__).resolve().parents[1] / "unit" / "operators"
WINDOW_TRACES = OPERATORS / "kafka_traces.json"
_JOIN_TYPES = {"ss": "stream-stream", "tt": "table-table", "fk": "foreign-key",
               "st": "stream-table", "gt": "stream-globaltable"}

__all__ = ["window_traces", "join_traces", "window_trace_of", "join_trace_lines_of"]


def window_traces() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    out = []
    for t in json.loads(WINDOW_TRACES.read_text()):
        a, b, c = t["params"]
        s: dict[str, Any] = {"topology": "window", "kind": t["kind"], "emit": t["emit"],
                             "retention": None if t["retention"] < 0 else t["retention"],
                             "records": [{"topic": "input", "key": k, "value": v, "ts": ts}
                                         for k, ts, v in t["events"]]}
        if t["kind"] == "tumbling":
            s.update(size=a, advance=a, grace=c)
        elif t["kind"] == "hopping":
            s.update(size=a, advance=b, grace=c)
        elif t["kind"] == "sliding":
            s.update(difference=a, grace=b)
        else:
            s.update(gap=a, grace=b)
        outputs = [{"index": i, "key": k, "start": start, "end": end, "value": v, "ts": ts}
                   for i, k, start, end, v, ts in t["kafka"]]
        out.append((s, outputs))
    return out


def join_traces() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    from . import compare  # noqa: F401  (puts tests/unit/operators on sys.path)
    from join_model_kafka import load_traces
    out = []
    for t in load_traces():
        s = {"topology": "join", "type": _JOIN_TYPES[t.type], "kind": t.kind,
             "before": t.before, "after": t.after, "grace": t.grace,
             "records": [{"topic": side, "key": k, "value": v, "ts": ts}
                         for side, k, v, ts in t.inputs]}
        outputs = [{"index": i, "key": k, "value": v, "ts": ts} for i, k, v, ts in t.kafka]
        out.append((s, outputs))
    return out


def window_trace_of(s: dict[str, Any], outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """A single-partition window scenario and Kafka's outputs as a ``kafka_traces.json`` entry."""
    kind = s["kind"]
    params = {"tumbling": [s.get("size"), s.get("size"), s["grace"]],
              "hopping": [s.get("size"), s.get("advance"), s["grace"]],
              "sliding": [s.get("difference"), s["grace"], 0],
              "session": [s.get("gap"), s["grace"], 0]}[kind]
    return {"kind": kind, "params": params, "emit": s["emit"],
            "retention": -1 if s.get("retention") is None else s["retention"],
            "events": [[r["key"], r["ts"], r["value"]] for r in s["records"]],
            "kafka": [[o["index"], o["key"], o["start"], o["end"], o["value"], o["ts"]]
                      for o in outputs]}


def join_trace_lines_of(s: dict[str, Any], outputs: list[dict[str, Any]]) -> str:
    """A single-partition join scenario and Kafka's outputs in ``KAFKA_TRACES``' format."""
    short = {v: k for k, v in _JOIN_TYPES.items()}[s["type"]]

    def show(x: Any) -> str:
        return "-" if x is None else str(x)

    head = f"{short} {s['kind']} {s['before']} {s['after']} {s['grace']}"
    inputs = " ".join(f"{'L' if r['topic'] == 'left' else 'R'}{show(r['key'])},"
                      f"{show(r['value'])},{r['ts']}" for r in s["records"])
    outs = " ".join(f"{o['index']},{show(o['key'])},{show(o['value'])},{o['ts']}"
                    for o in outputs) or "."
    return f"{head}\n{inputs}\n{outs}"
