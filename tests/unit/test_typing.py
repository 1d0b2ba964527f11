"""The public API is typed precisely enough for an IDE: mypy checks tests/typing/readme_usage.py
(the README's pipelines with ``assert_type`` on what each call returns), and catches a wrong
item type downstream of ``map``."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is a test dependency: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")   # shared: the second run reuses the first's


def mypy(cache: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-error-summary",
         f"--cache-dir={cache}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_readme_usage_type_checks(cache: Path) -> None:
    result = mypy(cache, "tests/typing/readme_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_stream_knows_its_item_type(cache: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "import streamflow\n"
        "async def agent(stream: streamflow.Stream[int]) -> None:\n"
        "    async for text in stream.map(str).filter(lambda s: s.isdigit()):\n"
        "        text.bit_length()\n")
    result = mypy(cache, str(wrong))
    assert result.returncode == 1
    assert '"str" has no attribute "bit_length"' in result.stdout, result.stdout
