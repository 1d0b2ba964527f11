"""Which objects a function's code names: the tables it updates, the topics it sends to.

An agent's body is Python, so what it writes is only known by reading it. This reads the
bytecode of the function (and of the lambdas, comprehensions and inner functions in it) for
names loaded from its module's globals and from its closure, and resolves them to objects. It
sees ``counts[k] += 1`` and ``await large.send(...)``; it does not see what a helper function
called from the body does, nor ``self.table`` or ``module.topic``. A guess, labelled as one.
"""
from __future__ import annotations

import dis
import inspect
from types import CodeType
from typing import Any, Callable, Iterator

_GLOBAL = {"LOAD_GLOBAL", "LOAD_NAME"}
_CELL = {"LOAD_DEREF", "LOAD_CLASSDEREF"}


def referenced_objects(fn: Callable[..., Any]) -> list[Any]:
    """The objects ``fn``'s code loads by name from its globals or its closure, in order of
    first appearance, without repeats (by identity)."""
    fn = inspect.unwrap(getattr(fn, "__func__", fn))
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    namespace = getattr(fn, "__globals__", {})
    cells: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or (), strict=True):
        try:
            cells[name] = cell.cell_contents
        except ValueError:  # an empty cell: assigned later
            pass
    out: list[Any] = []
    seen: set[int] = set()
    for opname, name in _loads(code):
        source = namespace if opname in _GLOBAL else cells
        if name in source:
            obj = source[name]
            if id(obj) not in seen:
                seen.add(id(obj))
                out.append(obj)
    return out


def _loads(code: CodeType) -> Iterator[tuple[str, str]]:
    for instruction in dis.get_instructions(code):
        if instruction.opname in _GLOBAL or instruction.opname in _CELL:
            yield instruction.opname, instruction.argval
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _loads(const)
