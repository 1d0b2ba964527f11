"""Put the latest benchmark report into the README, between its ``benchmarks:begin`` and
``benchmarks:end`` markers, so that the README's table is always one run's, unedited.

    python -m benchmarks.readme [benchmarks/results/<timestamp>.md]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- benchmarks:begin (generated from benchmarks/results/latest.md) -->"
END = "<!-- benchmarks:end -->"


def splice(readme: str, report: str, report_name: str) -> str:
    lines = report.strip().splitlines()
    title = lines[0].lstrip("# ").strip()  # "streamflow benchmarks, 2026-11-30 02:16"
    started = title.split(", ", 1)[-1]
    body = "\n".join(lines[1:]).strip()
    body = re.sub(r"\n###", "\n####", "\n" + body).strip()  # under the README's own "## Benchmarks"
    body = re.sub(r"\]\((\d{8}-\d{6}\.png)\)", r"](benchmarks/results/\1)", body)  # from the README
    png = report_name.replace(".md", ".png")
    chart = ""
    intro = ("Run with `python -m benchmarks.run --events 300000` (issue 14's size, 3 rounds, about "
             "half an hour on 2 cores), `python -m benchmarks.run` (1,000,000 events, about an hour) or "
             "`python -m benchmarks.run --quick` (100,000 events, one round, a few minutes); method "
             "and contenders in [docs/benchmarks.md](docs/benchmarks.md). The latest run, started "
             f"{started}, from `benchmarks/results/{report_name}`:")
    block = f"{BEGIN}\n{intro}\n{body}{chart}\n{END}"
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    return readme[:start] + block + readme[end:]


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else ROOT / "benchmarks" / "results" / "latest.md"
    report = path.read_text()
    name = path.name
    if name == "latest.md":  # name the timestamped report it was written with
        stamps = sorted(p.name for p in (ROOT / "benchmarks" / "results").glob("2*.md")
                        if p.read_text() == report)
        name = stamps[-1] if stamps else name
    readme = ROOT / "README.md"
    readme.write_text(splice(readme.read_text(), report, name))
    print(f"README.md: benchmark section now from {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
