"""Rewrite the golden files of ``streamflow graph`` for the examples, and the README's copy of
the joins example's graph (text and Mermaid).

    .venv/bin/python -m tests.unit.topology.update_goldens

Then read the diff (``git diff tests/unit/topology/golden``) before committing: the goldens are
what the test compares with, exactly.
"""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from streamflow.cli.main import main

GOLDEN = Path(__file__).resolve().parent / "golden"
README = Path(__file__).resolve().parents[3] / "README.md"
EXAMPLES = ("orders", "joins")
FORMATS = {"text": "txt", "mermaid": "mmd"}


def golden_path(example: str, fmt: str) -> Path:
    return GOLDEN / f"{example}.{FORMATS[fmt]}"


def graph_output(example: str, fmt: str) -> str:
    result = CliRunner().invoke(main, ["graph", f"examples.{example}:app", "--format", fmt])
    if result.exit_code != 0:
        raise RuntimeError(f"streamflow graph examples.{example}:app failed: {result.output}")
    return result.output


def readme_with_graphs(readme: str) -> str:
    """``readme`` with its ```text block of the joins example's graph and the ```mermaid block
    after it replaced by today's output."""
    text_start = readme.index("```text\nTopology of app joins-example\n")
    text_end = readme.index("```\n", text_start + 8)
    readme = readme[:text_start] + "```text\n" + graph_output("joins", "text") + readme[text_end:]
    mermaid_start = readme.index("```mermaid\n", text_start)
    mermaid_end = readme.index("```\n", mermaid_start + 11)
    return readme[:mermaid_start] + "```mermaid\n" + graph_output("joins", "mermaid") + readme[mermaid_end:]


def main_() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for example in EXAMPLES:
        for fmt in FORMATS:
            path = golden_path(example, fmt)
            path.write_text(graph_output(example, fmt))
            print(f"wrote {path}")
    README.write_text(readme_with_graphs(README.read_text()))
    print(f"updated the joins example's graph in {README}")


if __name__ == "__main__":
    main_()
