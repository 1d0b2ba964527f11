"""The targets the issues set (issue 14's, the latest), checked against one run's medians, and
the memory comparison they ask for: printed under the tables so that every run says where it
stands, with "not measured" where the run left a workload or contender out.

The ratios are between medians of the same run (contenders run one after another on the same
input, so a slow period of the machine spreads over all of them); they are only as good as
the run: a ``--quick`` run on a loaded machine is a smoke test, not a verdict.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Summaries = dict[str, dict[str, dict[str, Any]]]     # workload -> contender -> harness.summarize()
Latency = dict[tuple[str, str], dict[str, Any]]     # (workload, contender) -> latency result


@dataclass(frozen=True)
class Target:
    what: str
    limit: float
    at_least: bool                       # True: measured >= limit; False: measured <= limit
    measure: Callable[[Summaries, Latency], float | None]
    unit: str = "x"

    def verdict(self, value: float | None) -> str:
        if value is None:
            return "not measured"
        return "met" if (value >= self.limit if self.at_least else value <= self.limit) else "missed"

    def show(self, value: float | None) -> str:
        if value is None:
            return "-"
        if self.unit == "s":
            return f"{value:.1f} s"
        return f"{value:.2f}x" if self.unit == "x" else f"{value:,.0f} {self.unit}"


def median(s: Summaries, workload: str, contender: str) -> float | None:
    summary = s.get(workload, {}).get(contender, {})
    return summary.get("median") if summary.get("status") == "ok" else None


def rss(s: Summaries, workload: str, contender: str) -> float | None:
    summary = s.get(workload, {}).get(contender, {})
    return summary.get("rss_mb") if summary.get("status") == "ok" else None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _vs(workload: str, other: str, of_workload: str | None = None):
    return lambda s, lat: ratio(median(s, workload, "streamflow"), median(s, of_workload or workload, other))


def _eos_vs_alo(s: Summaries, lat: Latency) -> float | None:
    """Both timed until the committed offsets reach the end of the input: exactly-once output
    counts only once its transaction commits, so at-least-once is timed to its commit too
    (else exactly-once is charged up to one commit interval more)."""
    alo = s.get("windowed", {}).get("streamflow", {})
    return ratio(median(s, "eos", "streamflow"), alo.get("committed_rate") if alo.get("status") == "ok" else None)


def _p99(workload: str):
    def measure(s: Summaries, lat: Latency) -> float | None:
        result = lat.get((workload, "streamflow")) or {}
        return result.get("p99") if result.get("status") == "ok" else None
    return measure


STARTUP_WORKLOADS = ("stateless", "windowed", "windowed_ts", "enrichment", "eos")


def _startup(s: Summaries, lat: Latency) -> float | None:
    """The slowest of streamflow's workloads (median first output after process start): issue
    8's "consuming within 5 s of start on a warm broker", which issue 14 must not regress."""
    values = [s[w]["streamflow"]["startup_s"] for w in STARTUP_WORKLOADS
              if s.get(w, {}).get("streamflow", {}).get("status") == "ok"
              and s[w]["streamflow"].get("startup_s") is not None]
    return max(values) if values else None


def _rss_ratio(workload: str):
    return lambda s, lat: ratio(rss(s, workload, "streamflow"), rss(s, "stateless", "streamflow"))


TARGETS = [
    Target("windowed (record timestamps) >= 0.6x the hand-written loop", 0.6, True, _vs("windowed", "ceiling")),
    Target("windowed (event time from the value) >= 0.6x the hand-written loop", 0.6, True,
           _vs("windowed_ts", "ceiling")),
    Target("windowed (record timestamps) >= 5x Quix Streams", 5, True, _vs("windowed", "quix")),
    Target("windowed (event time from the value) >= 5x Quix Streams", 5, True, _vs("windowed_ts", "quix")),
    Target("stateless >= 1.0x the hand-written loop", 1.0, True, _vs("stateless", "ceiling")),
    Target("p99 < 50 ms at the latency runs' rate, stateless", 50, False, _p99("stateless"), "ms"),
    Target("p99 < 50 ms at the latency runs' rate, windowed (record timestamps)", 50, False,
           _p99("windowed"), "ms"),
    Target("p99 < 50 ms at the latency runs' rate, windowed (event time from the value)", 50, False,
           _p99("windowed_ts"), "ms"),
    Target("exactly-once windowed >= 0.8x the same workload at-least-once (both timed to their "
           "last offset commit)", 0.8, True, _eos_vs_alo),
    Target("recovery >= 300,000 records/s", 300_000, True,
           lambda s, lat: median(s, "restore", "streamflow"), "records/s"),
    Target("start-up: first output <= 5 s after process start on a warm broker (slowest workload)", 5, False,
           _startup, "s"),
    Target("peak RSS of windowed (record timestamps) <= 1.5x stateless", 1.5, False, _rss_ratio("windowed")),
    Target("peak RSS of windowed (event time from the value) <= 1.5x stateless", 1.5, False,
           _rss_ratio("windowed_ts")),
]


def targets_table(s: Summaries, lat: Latency) -> list[str]:
    """Markdown: every target, the figure this run measured for it, met / missed / not measured."""
    out = ["| target (issue 14) | this run | |", "|---|---|---|"]
    for t in TARGETS:
        value = t.measure(s, lat)
        out.append(f"| {t.what} | {t.show(value)} | {t.verdict(value)} |")
    return out


MEMORY_WORKLOADS = ("windowed", "windowed_ts", "eos", "enrichment")


def memory_table(s: Summaries, contenders: list[str]) -> list[str]:
    """Markdown: each contender's peak RSS per workload and its ratio to its own stateless run."""
    present = [w for w in MEMORY_WORKLOADS if w in s]
    if "stateless" not in s or not present:
        return []
    out = ["| contender | stateless MB | " + " | ".join(f"{w} MB (vs stateless)" for w in present) + " |",
           "|" + "---|" * (2 + len(present))]
    for c in contenders:
        base = rss(s, "stateless", c)
        cells = []
        for w in present:
            mb = rss(s, w, c)
            r = ratio(mb, base)
            cells.append("-" if mb is None else f"{mb:.0f}" + ("" if r is None else f" ({r:.2f}x)"))
        if base is None and all(cell == "-" for cell in cells):
            continue
        out.append(f"| {c} | {'-' if base is None else f'{base:.0f}'} | " + " | ".join(cells) + " |")
    return out
