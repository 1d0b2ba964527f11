"""Imports point one way, and the DSL does not touch the runtime: the rules of docs/layers.md.

The layers, their order and the exceptions are read from that one spec (its tables), so the
doc a reader trusts and the check that keeps the code so cannot drift apart.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "streamflow"
SPEC = ROOT / "docs" / "layers.md"


def _tables(text: str) -> dict[str, list[dict[str, str]]]:
    """The markdown tables of ``text``, by the first column's header: rows as dicts."""
    out: dict[str, list[dict[str, str]]] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| ]+\|$", lines[i + 1]):
            header = [_cell(c) for c in lines[i].strip().strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(dict(zip(header, (_cell(c) for c in lines[i].strip().strip("|").split("|")))))
                i += 1
            out[header[0]] = rows
        else:
            i += 1
    return out


def _cell(text: str) -> str:
    return text.strip().replace("\\_", "_").strip("`")


@dataclass(frozen=True)
class Spec:
    rank: dict[str, int]            # layer -> rank
    owner: dict[str, str]           # first package/module name -> layer
    default: str                    # the layer of a module named nowhere ("*")
    forbidden: frozenset[str]       # attributes the DSL must not read
    allowed: frozenset[tuple[str, str, str]]  # (module, function, imported) DSL -> runtime

    @classmethod
    def read(cls, path: Path = SPEC) -> "Spec":
        tables = _tables(path.read_text())
        rank, owner, default = {}, {}, ""
        for row in tables["rank"]:
            rank[row["layer"]] = int(row["rank"])
            for name in (n.strip() for n in row["packages and modules"].split(",")):
                if name == "*":
                    default = row["layer"]
                elif name:
                    owner[name] = row["layer"]
        forbidden = frozenset(r["forbidden attribute in the DSL"]
                              for r in tables["forbidden attribute in the DSL"])
        allowed = frozenset((r["module"], r["function"], r["imports"]) for r in tables["module"])
        return cls(rank, owner, default, forbidden, allowed)

    def layer_of(self, parts: tuple[str, ...]) -> str:
        return self.owner.get(parts[0], self.default)


SPEC_RULES = Spec.read()


@dataclass(frozen=True)
class Import:
    target: tuple[str, ...]   # streamflow.<target>
    function: str | None      # the enclosing function's name, None at module level
    type_checking: bool       # under ``if TYPE_CHECKING:``
    line: int


def module_parts(path: Path, package: Path = PACKAGE) -> tuple[str, ...]:
    return tuple(path.relative_to(package).with_suffix("").parts)


def imports_of(path: Path, package: Path = PACKAGE) -> list[Import]:
    """Every import of a streamflow module in ``path``, at any level, with where it is."""
    here = module_parts(path, package)
    out: list[Import] = []

    def visit(node: ast.AST, function: str | None, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, function or child.name, type_checking)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.body:
                    visit_one(sub, function, True)
                for sub in child.orelse:
                    visit_one(sub, function, type_checking)
            else:
                visit_one(child, function, type_checking)

    def visit_one(node: ast.AST, function: str | None, type_checking: bool) -> None:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                package_parts = here[:-1]  # a module's package; an __init__'s own package
                base = package_parts[:len(package_parts) - (node.level - 1)]
                target = base + tuple((node.module or "").split("."))
            elif node.module and node.module.startswith("streamflow."):
                target = tuple(node.module.split(".")[1:])
            else:
                return
            target = tuple(p for p in target if p)
            if node.module is None:  # ``from . import x``: x is a module or a name of base
                for alias in node.names:
                    out.append(Import(target + (alias.name,), function, type_checking, node.lineno))
            elif target:
                out.append(Import(target, function, type_checking, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("streamflow."):
                    out.append(Import(tuple(alias.name.split(".")[1:]), function, type_checking,
                                      node.lineno))
        else:
            visit(node, function, type_checking)

    visit(ast.parse(path.read_text()), None, False)
    return out


def runtime_attribute_reads(path: Path, forbidden: frozenset[str]) -> list[tuple[int, str]]:
    """``x.<name>`` and ``getattr(x, "<name>")`` of a forbidden name in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in forbidden:
            found.append((node.lineno, node.attr))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "setattr", "hasattr") and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant) and node.args[1].value in forbidden):
            found.append((node.lineno, node.args[1].value))
    return sorted(found)


def layering_problems(package: Path, spec: Spec = SPEC_RULES) -> list[str]:
    """What in ``package`` breaks the spec's rules (empty: nothing)."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        parts = module_parts(path, package)
        mine = spec.layer_of(parts)
        where = path.relative_to(package)
        for imp in imports_of(path, package):
            if not imp.target or imp.target[0] == "__init__":
                continue
            theirs = spec.layer_of(imp.target)
            name = "streamflow." + ".".join(imp.target)
            if mine == "dsl" and theirs == "runtime":
                allowed = (".".join(parts), imp.function or "", ".".join(imp.target))
                if allowed not in spec.allowed:
                    problems.append(f"{where}:{imp.line} (dsl) imports {name} (runtime): DSL "
                                    f"objects reach the worker through runtime_api.WorkerContext")
            elif (spec.rank[theirs] > spec.rank[mine] and imp.function is None
                  and not imp.type_checking):
                problems.append(f"{where}:{imp.line} ({mine}) imports {name} ({theirs})")
        if mine == "dsl":
            for line, attr in runtime_attribute_reads(path, spec.forbidden):
                problems.append(f"{where}:{line} (dsl) reads .{attr}: the running worker is "
                                f"reached through runtime_api, not the App")
    return problems


def test_the_package_keeps_the_layers_of_docs_layers_md() -> None:
    assert layering_problems(PACKAGE) == []


# -- the checker itself ---------------------------------------------------------------------------
def test_the_spec_is_read() -> None:
    assert SPEC_RULES.layer_of(("serialization", "codecs")) == "serialization"
    assert SPEC_RULES.layer_of(("tables",)) == "dsl" == SPEC_RULES.layer_of(("runtime_api",))
    assert SPEC_RULES.layer_of(("runtime", "worker")) == "runtime"
    assert SPEC_RULES.rank["runtime"] > SPEC_RULES.rank["dsl"] > SPEC_RULES.rank["operators"]
    assert SPEC_RULES.forbidden == {"_runtime", "_require_runtime"}
    assert ("app", "run", "runtime.worker") in SPEC_RULES.allowed


def test_the_checker_sees_relative_and_absolute_imports_at_any_level() -> None:
    parts = [i.target for i in imports_of(PACKAGE / "table_parts.py")]
    assert ("serialization",) in parts and ("context",) in parts
    assert ("state", "store") in [i.target for i in imports_of(PACKAGE / "state" / "transaction.py")]
    run = [i for i in imports_of(PACKAGE / "app.py") if i.target == ("runtime", "worker")]
    assert [(i.function, i.type_checking) for i in run] == [("run", False)]


def _write(root: Path, files: dict[str, str]) -> Path:
    package = root / "streamflow"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def test_a_dsl_module_reaching_the_runtime_any_way_is_reported(tmp_path: Path) -> None:
    package = _write(tmp_path, {
        "runtime/__init__.py": "",
        "runtime/worker.py": "class Worker: pass\n",
        "tables.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from .runtime.worker import Worker\n"
            "def f(app):\n"
            "    from streamflow.runtime import worker\n"
            "    return app._runtime.transaction, getattr(app, '_require_runtime')\n"),
        "app.py": "class App:\n    async def run(self):\n        from .runtime.worker import Worker\n",
        "operators/__init__.py": "from ..tables import f\n",
    })
    problems = layering_problems(package)
    assert [p.split(" ", 1)[0] for p in problems] == [
        "operators/__init__.py:1", "tables.py:3", "tables.py:5", "tables.py:6", "tables.py:6"], problems
    assert "imports streamflow.runtime.worker (runtime)" in problems[1]
    reads = " ".join(problems[3:])
    assert "reads ._runtime:" in reads and "reads ._require_runtime:" in reads
