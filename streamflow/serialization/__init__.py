"""Codecs (bytes <-> Python values) and typed records. Imports nothing else from streamflow."""
from .codecs import Codec, JsonCodec, RawCodec, StrCodec, RecordCodec, codec_for
from .records import Record

__all__ = ["Codec", "JsonCodec", "RawCodec", "StrCodec", "RecordCodec", "Record", "codec_for"]
