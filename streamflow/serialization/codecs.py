"""Codecs turn keys and values into bytes and back.

JSON goes through orjson (dataclasses and ``Record`` encode natively). Decoding never evaluates
or unpickles anything: bytes off a topic are data. ``codec_for`` picks the codec from a topic's
declared type, so users rarely name a codec themselves.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import orjson

from .records import RecordTypeError, build


class Codec(Protocol):
    """Bytes <-> Python values. ``loads`` raises ``ValueError`` (or a subclass) on bad input."""

    name: str

    def dumps(self, value: Any) -> bytes: ...

    def loads(self, data: bytes) -> Any: ...


_OPTS = orjson.OPT_SERIALIZE_NUMPY if hasattr(orjson, "OPT_SERIALIZE_NUMPY") else 0


class JsonCodec:
    """JSON through orjson: the default for keys and values."""

    name = "json"

    def dumps(self, value: Any) -> bytes:
        if isinstance(value, bytes):
            # Already encoded bytes pass through: lets pipelines forward raw payloads cheaply.
            return value
        return orjson.dumps(value, option=_OPTS)

    # orjson's own function, not a method wrapping it: the worker calls it once per record.
    loads = staticmethod(orjson.loads)


class RawCodec:
    """Bytes in, bytes out."""

    name = "raw"

    def dumps(self, value: Any) -> bytes:
        if isinstance(value, str):
            return value.encode()
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"raw codec needs bytes, got {type(value).__name__}")
        return bytes(value)

    def loads(self, data: bytes) -> Any:
        return data


class StrCodec:
    """UTF-8 text."""

    name = "str"

    def dumps(self, value: Any) -> bytes:
        return (value if isinstance(value, str) else str(value)).encode()

    def loads(self, data: bytes) -> Any:
        return data.decode()


class RecordCodec:
    """JSON objects decoded into a dataclass / ``Record`` with field type checks."""

    def __init__(self, record_type: type) -> None:
        if not dataclasses.is_dataclass(record_type):
            raise TypeError(f"{record_type!r} is not a dataclass or streamflow.Record")
        self.record_type = record_type
        self.name = f"record:{record_type.__name__}"

    def dumps(self, value: Any) -> bytes:
        return orjson.dumps(value, option=_OPTS)

    def loads(self, data: bytes) -> Any:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"malformed JSON: {exc}") from None
        try:
            return build(self.record_type, obj)
        except RecordTypeError as exc:
            raise ValueError(str(exc)) from None


def dict_encoder(codec: Codec) -> tuple[Any, int] | None:
    """``(orjson.dumps, option)`` when ``codec`` is plain JSON, else None: the hot path calls
    it directly for ``dict`` values, which encode the same as through ``codec.dumps``."""
    return (orjson.dumps, _OPTS) if type(codec) is JsonCodec else None


JSON = JsonCodec()
RAW = RawCodec()
STR = StrCodec()
_BY_NAME: dict[str, Codec] = {"json": JSON, "raw": RAW, "bytes": RAW, "str": STR}


def codec_for(spec: Any) -> Codec:
    """The codec for a declared type or codec name: ``None``/"json", ``bytes``/"raw",
    ``str``/"str", a dataclass/``Record`` (typed JSON), or any object with dumps/loads."""
    if spec is None or spec is Any:
        return JSON
    if isinstance(spec, str):
        try:
            return _BY_NAME[spec]
        except KeyError:
            raise ValueError(f"unknown codec {spec!r}; use one of {sorted(_BY_NAME)}") from None
    if spec is bytes:
        return RAW
    if spec is str:
        return STR
    if spec in (int, float, dict, list, bool):
        return JSON
    if isinstance(spec, type) and dataclasses.is_dataclass(spec):
        return RecordCodec(spec)
    if hasattr(spec, "dumps") and hasattr(spec, "loads"):
        return spec
    raise ValueError(f"cannot pick a codec for {spec!r}: give a dataclass, str, bytes, "
                     "a codec name or an object with dumps/loads")
