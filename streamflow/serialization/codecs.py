"""Codecs turn keys and values into bytes and back.

JSON goes through orjson (dataclasses and ``Record`` encode natively). Decoding never evaluates
or unpickles anything: bytes off a topic are data. ``codec_for`` picks a value codec and
``key_codec_for`` a key codec from a declared type, so users rarely name a codec themselves.

Keys and values have different defaults. Values are JSON. Keys are UTF-8 text unless a key type
is declared (``TEXT_KEY``), because that is what almost every producer sends (``user-42``,
an order id, Kafka's console producer, a ``StringSerializer``) and because a key's bytes decide
its partition: text keys are the bytes a Java producer hashes for the same string. Declaring
``key_type=int``, ``dict``, a Record or ``"json"`` makes keys JSON. The default key codec is
strict: it refuses to encode a key that is not text rather than turning ``42`` or a dict into
text that would decode as something else (docs/decisions.md, "Keys").
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
_orjson_dumps = orjson.dumps


def dumps_to_keep(value: Any, option: int = _OPTS) -> bytes:
    """``orjson.dumps`` for bytes that will be kept, right-sized.

    orjson (3.12 and later) hands back its whole output buffer: at least 4 KiB, and the next
    power of two above a larger output, however short the JSON. A few encoded values do not
    matter; a commit's worth of them does (40,000 window counts of 20 bytes held until the
    commit is written pinned 160 MB). Copying through ``%b`` gives an exactly sized object
    (small ones from Python's own allocator), for ~50 ns. The per-event output path, whose
    records are copied into the producer's batches right away, keeps orjson's own bytes.
    """
    return b"%b" % _orjson_dumps(value, option=option)


class JsonCodec:
    """JSON through orjson: the default for keys and values. Encoded values are right-sized
    (:func:`dumps_to_keep`): a table's pending writes are encoded once per commit and held
    until the commit is written."""

    name = "json"

    def dumps(self, value: Any) -> bytes:
        if isinstance(value, bytes):
            # Already encoded bytes pass through: lets pipelines forward raw payloads cheaply.
            return value
        return b"%b" % _orjson_dumps(value, option=_OPTS)  # dumps_to_keep, inlined

    # orjson's own function, not a method wrapping it: the worker calls it once per record.
    loads = staticmethod(orjson.loads)


class TextKeyCodec:
    """Keys as UTF-8 text: the default key codec, and ``key_type=str``.

    Encodes ``str`` (and passes ``bytes`` through, already encoded); anything else is a
    ``TypeError`` that says which ``key_type`` to declare, because ``str(42)`` would decode as
    ``"42"`` and ``str({...})`` as a Python repr: a key silently changing meaning."""

    name = "str"

    def dumps(self, value: Any) -> bytes:
        if value.__class__ is str:
            return value.encode()
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, str):
            return str(value).encode()
        raise TypeError(f"key {_show(value)} is not text: keys are text unless a key type is "
                        f"declared; declare key_type={_type_hint(value)} for JSON keys")

    def loads(self, data: bytes) -> Any:
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start}): keys are text "
                             "unless a key type is declared; declare key_type=bytes for binary "
                             "keys") from None


class JsonKeyCodec(JsonCodec):
    """Keys as JSON: what ``key_type=int``, ``dict``, ``list`` or ``"json"`` declares. The
    same bytes as :class:`JsonCodec`; only the decode error says what to declare instead."""

    name = "json"

    def loads(self, data: bytes) -> Any:  # type: ignore[override]
        try:
            return _json_loads(data)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc}): this key type is JSON (key_type=int, dict, "
                             "list, a Record or \"json\" was declared); for plain text keys "
                             "such as user-42 declare key_type=str or leave key_type out") from None


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


_json_loads = orjson.loads


def _show(value: Any) -> str:
    text = f"{type(value).__name__} {value!r}"
    return text if len(text) <= 60 else text[:57] + "..."


def _type_hint(value: Any) -> str:
    if isinstance(value, (bool, int, float)):
        return type(value).__name__
    if dataclasses.is_dataclass(value):
        return type(value).__name__
    if isinstance(value, (dict, list, tuple)):
        return "dict" if isinstance(value, dict) else "list"
    return '"json"'


class RecordCodec:
    """JSON objects decoded into a dataclass / ``Record`` with field type checks."""

    def __init__(self, record_type: type) -> None:
        if not dataclasses.is_dataclass(record_type):
            raise TypeError(f"{record_type!r} is not a dataclass or streamflow.Record")
        self.record_type = record_type
        self.name = f"record:{record_type.__name__}"

    def dumps(self, value: Any) -> bytes:
        return b"%b" % _orjson_dumps(value, option=_OPTS)  # dumps_to_keep, inlined

    def loads(self, data: bytes) -> Any:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"malformed JSON: {exc}") from None
        try:
            return build(self.record_type, obj)
        except RecordTypeError as exc:
            raise ValueError(str(exc)) from None


def unchecked_loads(codec: Codec) -> Any:
    """A C function that decodes what ``codec.loads`` decodes, with the same result, for the
    decoder's one-comprehension-per-batch hot path: ``bytes.decode`` for text keys and
    ``orjson.loads`` for JSON keys, instead of a Python method per record. On bad input it
    raises without the readable reason; the decoder then decodes the batch record by record
    with ``codec.loads``, which says what is wrong. Other codecs: their own ``loads``."""
    kind = type(codec)
    if kind is TextKeyCodec:
        return bytes.decode  # strict UTF-8, as TextKeyCodec.loads
    if kind is JsonKeyCodec or kind is JsonCodec:
        return _json_loads
    return codec.loads


def dict_encoder(codec: Codec) -> tuple[Any, int] | None:
    """``(orjson.dumps, option)`` when ``codec`` is plain JSON, else None: the hot path calls
    it directly for ``dict`` values, which encode the same as through ``codec.dumps``."""
    return (orjson.dumps, _OPTS) if type(codec) is JsonCodec else None


JSON = JsonCodec()
RAW = RawCodec()
STR = StrCodec()
TEXT_KEY = TextKeyCodec()
JSON_KEY = JsonKeyCodec()
_BY_NAME: dict[str, Codec] = {"json": JSON, "raw": RAW, "bytes": RAW, "str": STR}
_KEYS_BY_NAME: dict[str, Codec] = {"json": JSON_KEY, "raw": RAW, "bytes": RAW, "str": TEXT_KEY}


def codec_for(spec: Any) -> Codec:
    """The value codec for a declared type or codec name: ``None``/"json", ``bytes``/"raw",
    ``str``/"str", a dataclass/``Record`` (typed JSON), or any object with dumps/loads."""
    if spec is None or spec is Any:
        return JSON
    return _pick(spec, _BY_NAME, JSON, STR)


def key_codec_for(spec: Any) -> Codec:
    """The key codec for a declared key type: text (``None``, ``str``, "str"), raw bytes
    (``bytes``, "raw"), JSON (``int``, ``float``, ``dict``, ``list``, ``bool``, "json"), a
    dataclass/``Record`` (typed JSON) or any object with dumps/loads."""
    if spec is None or spec is str:
        return TEXT_KEY
    if spec is Any:
        return JSON_KEY
    return _pick(spec, _KEYS_BY_NAME, JSON_KEY, TEXT_KEY)


def _pick(spec: Any, by_name: dict[str, Codec], json: Codec, text: Codec) -> Codec:
    if isinstance(spec, str):
        try:
            return by_name[spec]
        except KeyError:
            raise ValueError(f"unknown codec {spec!r}; use one of {sorted(by_name)}") from None
    if spec is bytes:
        return RAW
    if spec is str:
        return text
    if spec in (int, float, dict, list, bool):
        return json
    if isinstance(spec, type) and dataclasses.is_dataclass(spec):
        return _record_codec(spec)
    if hasattr(spec, "dumps") and hasattr(spec, "loads"):
        return spec
    raise ValueError(f"cannot pick a codec for {spec!r}: give a dataclass, str, bytes, "
                     "a codec name or an object with dumps/loads")


_RECORD_CODECS: dict[type, RecordCodec] = {}


def _record_codec(record_type: type) -> RecordCodec:
    """One codec per record type, so that "the same codec" is an identity check (the hot
    path reuses a key's bytes when its source and destination share the codec)."""
    codec = _RECORD_CODECS.get(record_type)
    if codec is None:
        codec = _RECORD_CODECS[record_type] = RecordCodec(record_type)
    return codec


def key_format(codec: Codec) -> str:
    """How a key codec lays a key out: "text" (text and raw bytes: ``"k1"`` and ``b"k1"`` are
    the same bytes), "json" (JSON, records), or the codec's own identity. Two codecs of one
    format give the same bytes, hence the same partition, for the same key."""
    if isinstance(codec, (TextKeyCodec, StrCodec, RawCodec)):
        return "text"
    if isinstance(codec, (JsonCodec, RecordCodec)):
        return "json"
    return f"{type(codec).__name__}@{id(codec):x}"


def describe_key_format(codec: Codec) -> str:
    """``key_format`` for people: what to declare to get it."""
    fmt = key_format(codec)
    if fmt == "text":
        return "text keys (key_type=str, the default)" if not isinstance(codec, RawCodec) \
            else "raw keys (key_type=bytes)"
    if fmt == "json":
        return "JSON keys (key_type=int, dict, a Record or \"json\")"
    return f"keys encoded by {getattr(codec, 'name', type(codec).__name__)}"
