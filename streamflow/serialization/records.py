"""Typed records: dataclasses that are encoded as JSON objects and type-checked on decode.

``class Order(streamflow.Record): customer: str; amount: float`` is a plain dataclass (keyword
fields, slots) that knows how to build itself from a decoded JSON object. Plain ``@dataclass``
classes work too; ``Record`` only saves the decorator. Type checking is deliberately shallow and
fast: the declared field types that JSON can carry (str, int, float, bool, list, dict, nested
records and dataclasses, ``X | None``) are checked; anything else is passed through.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Callable


class Record:
    """Base class for typed event records (dataclass semantics, JSON on the wire)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__dataclass_fields__" not in cls.__dict__:
            dataclasses.dataclass(cls)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: Any) -> Any:
        return build(cls, data)


class RecordTypeError(TypeError):
    """A decoded value does not fit the declared record type."""


def build(cls: type, data: Any) -> Any:
    """Build ``cls`` (a dataclass) from a decoded JSON object, checking field types."""
    return _builder(cls)(data, cls.__name__)


_Check = Callable[[Any, str], Any]


@cache
def _builder(cls: type) -> _Check:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _checker(hints.get(f.name, Any)),
               f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
              for f in dataclasses.fields(cls) if f.init]
    names = {name for name, _, _ in fields}

    def check(data: Any, where: str) -> Any:
        if not isinstance(data, dict):
            raise RecordTypeError(f"{where}: expected a JSON object, got {type(data).__name__}")
        unknown = data.keys() - names
        if unknown:
            raise RecordTypeError(f"{where}: unknown field(s) {sorted(unknown)}")
        kwargs = {}
        for name, field_check, required in fields:
            if name in data:
                kwargs[name] = field_check(data[name], f"{where}.{name}")
            elif required:
                raise RecordTypeError(f"{where}: missing field {name!r}")
        return cls(**kwargs)

    return check


def _checker(tp: Any) -> _Check:
    """A function that checks (and, for nested records, builds) a value of type ``tp``."""
    if tp is Any or isinstance(tp, typing.TypeVar):
        return lambda v, where: v
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [_checker(a) for a in typing.get_args(tp)]
        allow_none = type(None) in typing.get_args(tp)

        def check_union(v: Any, where: str) -> Any:
            if v is None and allow_none:
                return None
            errors = []
            for option in options:
                try:
                    return option(v, where)
                except RecordTypeError as exc:
                    errors.append(str(exc))
            raise RecordTypeError(errors[0] if len(errors) == 1 else f"{where}: {v!r} fits none of {tp}")

        return check_union
    if tp is type(None):
        return _simple(type(None), "null")
    if dataclasses.is_dataclass(tp):
        return lambda v, where: _builder(tp)(v, where)  # type: ignore[arg-type]
    if tp is float:
        def check_float(v: Any, where: str) -> Any:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise RecordTypeError(f"{where}: expected a number, got {_kind(v)}")
            return float(v)
        return check_float
    if tp is int:
        return _simple(int, "an integer")
    if tp is bool:
        return _simple(bool, "a boolean")
    if tp is str:
        return _simple(str, "a string")
    if origin is list or tp is list:
        args = typing.get_args(tp)
        item = _checker(args[0]) if args else None

        def check_list(v: Any, where: str) -> Any:
            if not isinstance(v, list):
                raise RecordTypeError(f"{where}: expected a list, got {_kind(v)}")
            return v if item is None else [item(x, f"{where}[{i}]") for i, x in enumerate(v)]
        return check_list
    if origin is dict or tp is dict:
        args = typing.get_args(tp)
        val = _checker(args[1]) if len(args) == 2 else None

        def check_dict(v: Any, where: str) -> Any:
            if not isinstance(v, dict):
                raise RecordTypeError(f"{where}: expected an object, got {_kind(v)}")
            return v if val is None else {k: val(x, f"{where}.{k}") for k, x in v.items()}
        return check_dict
    return lambda v, where: v


def _simple(tp: type, name: str) -> _Check:
    def check(v: Any, where: str) -> Any:
        if type(v) is not tp and not (tp is int and isinstance(v, int) and not isinstance(v, bool)):
            raise RecordTypeError(f"{where}: expected {name}, got {_kind(v)}")
        return v
    return check


def _kind(v: Any) -> str:
    return "null" if v is None else f"{type(v).__name__} {v!r}"[:80]
