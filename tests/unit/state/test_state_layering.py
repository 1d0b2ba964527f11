"""The state layer stands alone: it never imports the rest of streamflow."""
from __future__ import annotations

import ast
from pathlib import Path

import streamflow.state

STATE_DIR = Path(streamflow.state.__file__).parent


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_state_imports_nothing_from_the_rest_of_streamflow() -> None:
    offenders = {
        f"{path.name}: {module}"
        for path in STATE_DIR.glob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] == "streamflow" and not module.startswith("streamflow.state")
    }
    assert not offenders
