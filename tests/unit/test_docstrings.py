"""Every module of streamflow/ and every public class and function at a module's top level
has a docstring that says what it is for.

Public: a name without a leading underscore. Methods are not checked: many implement a
protocol whose methods are documented once (``runtime/transport/base.py``), and dataclass
fields say what they hold. The test lists every name that lacks one, so a failure says what
to write.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "streamflow"


def undocumented(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """``path:line name`` of the module (``<module>``) and each public top-level class or
    function in it without a docstring (``path`` shown relative to ``root``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(root)
    missing = [] if ast.get_docstring(tree) else [f"{where}:1 <module>"]
    for node in tree.body:
        if (isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and not node.name.startswith("_") and ast.get_docstring(node) is None):
            missing.append(f"{where}:{node.lineno} {node.name}")
    return missing


def test_public_classes_and_functions_have_docstrings() -> None:
    missing = [name for path in sorted(PACKAGE.rglob("*.py")) for name in undocumented(path)]
    assert not missing, "no docstring:\n  " + "\n  ".join(missing)


def test_the_check_finds_what_lacks_one(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text('def documented():\n    """Yes."""\n\n'
                      'def bare():\n    pass\n\nclass _Private:\n    pass\n')
    assert undocumented(module, tmp_path) == ["example.py:1 <module>", "example.py:4 bare"]
