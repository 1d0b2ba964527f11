"""``streamflow graph`` of the examples, compared exactly with golden files (text and Mermaid).

Regenerate after an intended change with ``python -m tests.unit.topology.update_goldens`` and
read the diff before committing.
"""
from __future__ import annotations

import pytest

from .update_goldens import EXAMPLES, FORMATS, README, golden_path, graph_output


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("example", EXAMPLES)
def test_graph_of_example_matches_its_golden_file(example: str, fmt: str) -> None:
    expected = golden_path(example, fmt).read_text()
    actual = graph_output(example, fmt)
    assert actual == expected, (f"streamflow graph examples.{example}:app --format {fmt} changed; "
                                "if intended: python -m tests.unit.topology.update_goldens")


def test_the_readme_shows_the_graph_of_the_joins_example() -> None:
    readme = README.read_text()
    assert graph_output("joins", "text") in readme
    assert "```mermaid\n" + graph_output("joins", "mermaid") + "```" in readme
