"""``streamflow graph``: formats, and one readable line for a bad MODULE:ATTR."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from streamflow.cli.main import main


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "views_app.py").write_text(textwrap.dedent("""
        import streamflow
        app = streamflow.App("views", topic_partitions=2)
        pageviews = app.topic("pageviews")
        per_page = app.table("per-page", default=int).tumbling(60, grace=5)
        per_page.emit_to(app.topic("views-per-minute"), mode="final")

        @app.agent(pageviews)
        async def count(stream):
            async for view in stream.group_by(lambda v: v["page"], name="by-page"):
                per_page[view["page"]] += 1
    """))
    (tmp_path / "broken_at_import.py").write_text("raise RuntimeError('boom at import')\n")
    return tmp_path


def test_text_is_the_default_format(app_dir: Path) -> None:
    result = CliRunner().invoke(main, ["graph", "views_app:app"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Topology of app views\n")
    assert "    Processor: count.group_by(by-page) (group_by, re-keyed into views-by-page-repartition)" in result.output
    assert "tumbling 1m, grace 5s, retention 65s, emit final; stores: [per-page]" in result.output


@pytest.mark.parametrize("fmt,start,edge", [
    ("mermaid", "flowchart LR\n", "p_window_per_page -->|emit final| t_views_per_minute"),
    ("dot", 'digraph "views" {\n', '"processor:window:per-page" -> "topic:views-per-minute" [label="emit final"];'),
])
def test_mermaid_and_dot(app_dir: Path, fmt: str, start: str, edge: str) -> None:
    result = CliRunner().invoke(main, ["graph", "views_app:app", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(start) and edge in result.output


@pytest.mark.parametrize("spec,message", [
    ("nocolon", "give MODULE:ATTR"),
    ("no_such_module_abc:app", "cannot import 'no_such_module_abc': no such module"),
    ("broken_at_import:app", "importing 'broken_at_import' failed: RuntimeError: boom at import"),
    ("views_app:missing", "module 'views_app' has no attribute 'missing'"),
])
def test_a_bad_app_spec_is_one_line(app_dir: Path, spec: str, message: str) -> None:
    result = CliRunner().invoke(main, ["graph", spec])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_installed_command_prints_the_graph(app_dir: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "streamflow", "graph", "views_app:app", "--format", "dot"],
                         capture_output=True, text=True, timeout=60, cwd=app_dir)
    assert out.returncode == 0, out.stderr
    assert '"topic:views-by-page-repartition"' in out.stdout and not out.stderr
