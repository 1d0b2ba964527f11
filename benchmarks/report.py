"""The results: one markdown table per workload (printed and written to
``benchmarks/results/<timestamp>.md`` and ``latest.md``), the raw runs as JSON, and a PNG bar
chart of each contender's ratio to streamflow (skipped with a note without matplotlib)."""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from . import harness as h
from . import targets

if TYPE_CHECKING:
    from .run import Bench

UNIT = {"restore": "records/s"}


def tables(bench: "Bench") -> tuple[str, dict[str, dict[str, float]]]:
    from .run import LATENCY_WORKLOADS, TITLES
    out: list[str] = []
    ratios: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    summaries: targets.Summaries = {}
    for workload in bench.args.workloads:
        runs = [r for r in bench.runs if r.workload == workload]
        if not runs:
            continue
        summary = {c: h.summarize([r for r in runs if r.contender == c]) for c in bench.args.contenders}
        summaries[workload] = summary
        base = summary.get("streamflow", {}).get("median")
        latency = workload in LATENCY_WORKLOADS and bench.args.latency_seconds > 0
        unit = UNIT.get(workload, "events/s")
        ceiling = summary.get("ceiling", {}).get("median")
        head = ["contender", f"{unit} (median)", "spread (min–max, rounds)", "vs streamflow",
                "vs ceiling", "peak RSS MB", "CPU µs/event",
                "ready after start s" if workload == "restore" else "first output after start s"]
        if latency:
            head.append(f"latency p50 / p99 ms @ {bench.args.rate:,}/s")
        out += [f"### {TITLES[workload]}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for c in bench.args.contenders:
            s = summary[c]
            if s["status"] == "n/a" and "workload 1 only" in s.get("reason", ""):
                continue  # the broker's perf tools: a reference row in workload 1 only
            if s["status"] != "ok":
                reason = s.get("reason", "")
                cell = reason if s["status"] == "n/a" else f"**{s['status']}**"
                if s.get("partial_rate"):
                    cell += f" (≈{h.fmt_rate(s['partial_rate'])} from partial progress)"
                elif s.get("rate_if_valid"):
                    cell += f" ({h.fmt_rate(s['rate_if_valid'])} events/s, output wrong: see below)"
                elif s["status"] != "n/a":
                    cell += f" ({_short(reason, 100)})"
                if s["status"] != "n/a" and reason:
                    notes.append(f"- {workload} / {c}: {s['status']}: {reason}")
                row = [c, cell] + ["-"] * (len(head) - 2 - latency)
            else:
                ratio = s["median"] / base if base else None
                if ratio is not None:
                    ratios.setdefault(workload, {})[c] = ratio
                row = [c, h.fmt_rate(s["median"]),
                       f"{h.fmt_rate(s['min'])}–{h.fmt_rate(s['max'])} (n={s['n']})",
                       "-" if ratio is None else f"{ratio:.2f}x",
                       "-" if not ceiling else f"{s['median'] / ceiling:.2f}x",
                       "-" if s["rss_mb"] is None else f"{s['rss_mb']:.0f}",
                       "-" if s.get("cpu_us") is None else f"{s['cpu_us']:.1f}",
                       "-" if s["startup_s"] is None else f"{s['startup_s']:.1f}"]
                for f in s["failed_rounds"]:
                    notes.append(f"- {workload} / {c}: {f}")
            if latency:
                lat = bench.latency.get((workload, c))
                if not lat:
                    row.append("-")
                elif lat["status"] == "ok":
                    seen = "" if lat["received"] >= 0.99 else f" ({lat['received']:.0%} of outputs seen)"
                    rate = s.get("median") or s.get("partial_rate")
                    slow = rate and rate < lat.get("rate", 0)
                    behind = " (throughput below the input rate: the backlog grows)" if slow else ""
                    row.append(f"{lat['p50']:.0f} / {lat['p99']:.0f}{seen}{behind}")
                else:
                    row.append("n/a" if lat["status"] == "n/a" else f"{lat['status']}")
                    if lat["status"] != "n/a":
                        notes.append(f"- latency {workload} / {c}: {lat['status']}: {lat.get('reason')}")
            out.append("| " + " | ".join(row) + " |")
        if latency:
            out += _latency_split(bench, workload)
        revisions = [(r.round, r.extra["revision"]) for r in runs
                     if r.contender == "streamflow" and r.extra.get("revision")]
        if revisions:
            by_rev: dict[str, list[str]] = {}
            for rnd, rev in revisions:
                by_rev.setdefault(rev, []).append(str(rnd))
            out += ["", "streamflow code measured: " + "; ".join(
                f"`{rev}` (round {', '.join(rs)})" for rev, rs in by_rev.items()) + "."]
        capped = {r.contender: r.extra["events"] for r in runs if r.extra.get("events")}
        if capped:
            out += ["", "Events per run: " + ", ".join(f"{c} {n:,}" for c, n in capped.items())
                    + f" (`--cap`: too slow for the full input), the others {bench.args.events:,}; "
                    "ratios with a capped contender compare rates over different input sizes."]
        checked = sorted({r.contender for r in runs if r.extra.get("checked")})
        if checked:
            out += ["", "Output checked right (`benchmarks/validate.py`) for: " + ", ".join(checked) + "."]
        if workload == "restore" and bench.restarts.get("streamflow"):
            vals = sorted(bench.restarts["streamflow"])
            out += ["", f"Restart of streamflow with its data dir intact (only the changelog tail is read): "
                        f"all 8 partitions ready {vals[len(vals) // 2]:.2f} s after process start "
                        f"(median of {len(vals)})."]
        out.append("")
    memory = targets.memory_table(summaries, bench.args.contenders)
    if memory:
        out += ["### Peak RSS of the stateful workloads against the stateless one", "", *memory, ""]
    out += ["### Against the targets", "",
            *targets.targets_table(summaries, {k: v for k, v in bench.latency.items()}), ""]
    if notes:
        out += ["### Failures, time-outs, wrong outputs and their reasons", "", *notes, ""]
    return "\n".join(out), ratios


def _latency_split(bench: "Bench", workload: str) -> list[str]:
    """Each latency run split at the input's append time (see ``benchmarks.latency``)."""
    lines = []
    for c in bench.args.contenders:
        lat = bench.latency.get((workload, c)) or {}
        if lat.get("status") != "ok" or "in_p99" not in lat:
            continue
        lines.append(f"- {c}: send -> input appended {lat['in_p50']:.0f} / {lat['in_p99']:.0f} ms, "
                     f"input -> output appended {lat['app_p50']:.0f} / {lat['app_p99']:.0f} ms (p50 / p99); "
                     f"slowest 1%: median {lat['tail_in_median']:.0f} ms in + {lat['tail_app_median']:.0f} ms app, "
                     f"{lat['tail_in_worst_second']:.0%} of it sent within one second; "
                     f"median of the per-second p99s {lat['p99_per_second_median']:.0f} ms")
    if not lines:
        return []
    return ["", "Latency split at the input's append time (docs/benchmarks.md, \"How each figure is "
            "measured\"):", "", *lines]


def _short(text: str, n: int = 160) -> str:
    text = text.replace("|", "/")
    return text if len(text) <= n else text[:n] + "…"


def write_report(bench: "Bench") -> None:
    results = getattr(bench, "results", h.BENCH / "results")
    results.mkdir(parents=True, exist_ok=True)
    machine = h.machine_info()
    body, ratios = tables(bench)
    capped = {r.contender: r.extra["events"] for r in bench.runs if r.extra.get("events")}
    chart = chart_png(ratios, results / f"{bench.stamp}.png",
                      {c: f"{c} ({n:,} events per run)" for c, n in capped.items()})
    versions = ", ".join(f"{k} {v}" for k, v in bench.versions.items())
    lines = [
        f"# streamflow benchmarks, {time.strftime('%Y-%m-%d %H:%M', time.strptime(bench.stamp, '%Y%m%d-%H%M%S'))}",
        "",
        f"`{bench.args.argv}`: {bench.args.events:,} events per workload (~200-byte JSON, "
        f"{h.PARTITIONS} partitions, {h.KEY_COUNT:,} keys), {bench.args.rounds} round(s), contenders "
        "run one after another in rotating order on the same input, each in its own process.",
        "",
        f"Machine: {machine['cores']} cores, {machine['cpu']}, {machine['memory']} RAM, Python {machine['python']}. "
        f"Versions: {versions}.",
        "",
        "events/s = input events / (broker append time of the last output record - of the first); "
        "exactly-once: until the committed offsets reach the end of the input. "
        "\"vs streamflow\" = median / streamflow's median in this run. Peak RSS = VmHWM of the "
        "contender's process tree. CPU µs/event = CPU time of the contender's process tree from "
        "its first output on, per event processed meanwhile. See docs/benchmarks.md for the method.",
        "",
        body,
        chart,
        "",
    ]
    text = "\n".join(lines)
    (results / f"{bench.stamp}.md").write_text(text)
    (results / "latest.md").write_text(text)
    (results / f"{bench.stamp}.json").write_text(json.dumps({
        "args": {k: v for k, v in vars(bench.args).items()}, "machine": machine,
        "versions": bench.versions, "runs": [asdict(r) for r in bench.runs],
        "latency": {f"{w}/{c}": v for (w, c), v in bench.latency.items()},
        "restarts": bench.restarts}, indent=1, default=str))
    print("\n" + text)
    print(f"[bench] wrote {results / (bench.stamp + '.md')} and {results / 'latest.md'}")


def chart_png(ratios: dict[str, dict[str, float]], path, labels: dict[str, str] | None = None) -> str:
    """``labels``: a legend entry per contender where its name alone would mislead (capped)."""
    if not ratios:
        return ""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "(No chart: matplotlib is not installed; `pip install matplotlib` to get one.)"
    workloads = list(ratios)
    contenders = sorted({c for r in ratios.values() for c in r}, key=lambda c: (c != "streamflow", c))
    fig, ax = plt.subplots(figsize=(max(7, 1.8 * len(workloads) + 3), 4.5))
    width = 0.8 / max(len(contenders), 1)
    for i, c in enumerate(contenders):
        xs = [j + i * width for j, w in enumerate(workloads) if c in ratios[w]]
        ys = [ratios[w][c] for w in workloads if c in ratios[w]]
        bars = ax.bar(xs, ys, width, label=(labels or {}).get(c, c))
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_yscale("log")  # the ratios span 0.01x to 30x
    ax.set_xticks([j + width * (len(contenders) - 1) / 2 for j in range(len(workloads))], workloads)
    ax.set_ylabel("throughput / streamflow's (same run, log scale)")
    ax.set_title("Throughput relative to streamflow (median over rounds)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    latest = path.parent / "latest.png"
    fig.savefig(latest, dpi=110)
    plt.close(fig)
    return f"![ratios to streamflow]({path.name})"


class _Loaded:
    """A finished run read back from its JSON (to rewrite the report)."""

    def __init__(self, path) -> None:
        import argparse
        from pathlib import Path
        data = json.loads(Path(path).read_text())
        self.args = argparse.Namespace(**data["args"])
        self.stamp = Path(path).stem
        self.versions = data["versions"]
        self.runs = [h.Run(**r) for r in data["runs"]]
        self.latency = {tuple(k.split("/", 1)): v for k, v in data["latency"].items()}
        self.restarts = data.get("restarts", {})


if __name__ == "__main__":
    import sys
    write_report(_Loaded(sys.argv[1]))  # python -m benchmarks.report benchmarks/results/<ts>.json
