"""The README's "How the code is laid out" names every module of streamflow/, and only
modules that exist: it is read as the architecture, so it must stay true.

The section's code blocks are trees: a first line giving the root (``streamflow/`` or
``streamflow/runtime/``), then lines indented two spaces per directory level, each a names
column (modules ``x.py`` and directories ``d/``) then, after two or more spaces, what they
are. A module is named when its file name is in the names column of a line in its
directory. ``__init__.py`` and ``__main__.py`` are left out (a package's and ``-m``'s
entry points).
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "streamflow"
SECTION = "## How the code is laid out"


def section(readme: str) -> str:
    """The text of the layout section (up to the next ``## `` heading)."""
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    return readme[start:end if end != -1 else len(readme)]


def named_paths(text: str) -> tuple[set[str], list[str]]:
    """The paths (relative to the repository) the section's trees name, and the lines it
    cannot read as a tree line."""
    named: set[str] = set()
    unreadable: list[str] = []
    for block in re.findall(r"```\n(.*?)```", text, re.S):
        lines = block.rstrip("\n").split("\n")
        root = lines[0].strip()
        dirs: list[str] = []  # the directory of each indentation level below the root
        for line in lines[1:]:
            indent = len(line) - len(line.lstrip(" "))
            level = indent // 2 - 1
            names = re.split(r" {2,}", line.strip(), maxsplit=1)[0].split()
            if indent % 2 or level < 0 or level > len(dirs) or not all(
                    n.endswith((".py", "/")) for n in names):
                unreadable.append(line)
                continue
            del dirs[level:]
            where = root + "".join(dirs)
            for name in names:
                named.add(where + name)
            subdirs = [n for n in names if n.endswith("/")]
            if len(subdirs) == 1 and len(names) == 1:
                dirs.append(subdirs[0])
    return named, unreadable


def modules() -> set[str]:
    """Every module of streamflow/ but the packages' ``__init__.py`` and ``__main__.py``."""
    return {p.relative_to(ROOT).as_posix() + ("" if p.is_file() else "/")
            for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")}


def test_every_module_is_named_in_the_layout_and_every_name_exists() -> None:
    named, unreadable = named_paths(section((ROOT / "README.md").read_text()))
    assert not unreadable, f"not a tree line (names column, then 2+ spaces): {unreadable}"
    named_modules = {n for n in named if n.endswith(".py")}
    missing = sorted(modules() - named_modules)
    assert not missing, f"modules the README's layout does not name: {missing}"
    stale = sorted(n for n in named if not (ROOT / n).exists())
    assert not stale, f"the README's layout names what does not exist: {stale}"


def test_a_tree_names_modules_in_nested_directories() -> None:
    text = ("```\nstreamflow/\n  a.py b.py      two modules\n  pkg/           a package\n"
            "    c.py         in it\n  d.py           back at the top\n```\n")
    assert named_paths(text) == ({"streamflow/a.py", "streamflow/b.py", "streamflow/pkg/",
                                  "streamflow/pkg/c.py", "streamflow/d.py"}, [])
