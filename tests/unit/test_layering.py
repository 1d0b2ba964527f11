"""Imports point one way: serialization -> state -> operators -> DSL -> runtime -> cli/testing.

A lower layer never imports a higher one at module level (a function-level import for a
convenience such as ``App.run`` is allowed, and so are ``TYPE_CHECKING`` imports).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "streamflow"

LAYERS = {
    "base": 0,            # types, exceptions, config, partitioner, context, durations
    "serialization": 1,
    "state": 2,
    "operators": 3,
    "dsl": 4,             # app, topics, streams, agents, tables, windowed_tables, joins, aggregations
    "runtime": 5,
    "tooling": 6,         # cli, testing, inspection, ops
}
BASE = {"types", "exceptions", "config", "partitioner", "context", "durations"}
TOOLING = {"cli", "testing", "inspection", "ops", "__main__"}


def layer_of(parts: tuple[str, ...]) -> str:
    head = parts[0]
    if head in ("serialization", "state", "operators", "runtime"):
        return head
    if head in TOOLING:
        return "tooling"
    if head in BASE:
        return "base"
    if head == "__init__":
        return "tooling"   # the package root re-exports everything
    return "dsl"


def module_parts(path: Path) -> tuple[str, ...]:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return tuple(rel.parts)


def imported_modules(path: Path) -> list[tuple[str, ...]]:
    tree = ast.parse(path.read_text())
    here = module_parts(path)
    out = []
    for node in tree.body:   # module level only
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if isinstance(node, (ast.Import, ast.ImportFrom, ast.Try)) else []:
            if isinstance(sub, ast.ImportFrom):
                if sub.level:
                    base = here[:-sub.level] if path.name != "__init__.py" else here[:len(here) - sub.level]
                    target = base + tuple((sub.module or "").split(".")) if sub.module else base
                elif sub.module and sub.module.startswith("streamflow."):
                    target = tuple(sub.module.split(".")[1:])
                else:
                    continue
                if target:
                    out.append(tuple(p for p in target if p))
            elif isinstance(sub, ast.Import):
                for alias in sub.names:
                    if alias.name.startswith("streamflow."):
                        out.append(tuple(alias.name.split(".")[1:]))
    return out


FILES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path: Path) -> None:
    mine = layer_of(module_parts(path))
    for target in imported_modules(path):
        if not target or target[0] == "__init__":
            continue
        theirs = layer_of(target)
        assert LAYERS[theirs] <= LAYERS[mine], (
            f"{path.relative_to(PACKAGE)} ({mine}) imports streamflow.{'.'.join(target)} ({theirs})")


def test_the_checker_sees_relative_and_absolute_imports() -> None:
    parts = imported_modules(PACKAGE / "table_parts.py")
    assert ("serialization",) in parts and ("context",) in parts
    assert ("state", "store") in imported_modules(PACKAGE / "state" / "transaction.py")
    committer = imported_modules(PACKAGE / "runtime" / "committer.py")
    assert ("streams",) in committer and layer_of(("streams",)) == "dsl"
    assert LAYERS[layer_of(("runtime", "worker"))] > LAYERS[layer_of(("tables",))]
