"""``.ci/run`` is the README's test command (the suite, then ruff and mypy), word for word, so
what the README tells a contributor to run is what CI runs."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _command(lines: list[str]) -> str:
    return " ".join(line.strip().rstrip("\\").strip() for line in lines
                    if line.strip() and not line.lstrip().startswith("#"))


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    readme = _command(blocks[1].splitlines())
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    ci = _command(script[script.index('cd "$(dirname "$0")/.."') + 1:])
    assert ci == readme
    assert "-m pytest" in ci and "-m ruff check streamflow" in ci and "-m mypy streamflow" in ci
