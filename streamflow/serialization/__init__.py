"""Codecs (bytes <-> Python values) and typed records. Imports nothing else from streamflow."""
from .codecs import (Codec, JsonCodec, RawCodec, StrCodec, RecordCodec, TextKeyCodec, codec_for,
                     describe_key_format, key_codec_for, key_format)
from .records import Record

__all__ = ["Codec", "JsonCodec", "RawCodec", "StrCodec", "RecordCodec", "TextKeyCodec", "Record",
           "codec_for", "key_codec_for", "key_format", "describe_key_format"]
