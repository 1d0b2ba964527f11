"""What the test driver hands back: a record an app produced, decoded."""
from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OutputRecord:
    """A record an app produced, decoded with its topic's codecs."""

    topic: str
    key: Any
    value: Any
    timestamp: int
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int = field(default=0, compare=False)
    offset: int = field(default=0, compare=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly dict (offsets left out: they are not part of the result)."""
        return {"topic": self.topic, "partition": self.partition, "timestamp": self.timestamp,
                "key": _jsonable(self.key), "value": _jsonable(self.value),
                "headers": [[k, _jsonable(v)] for k, v in self.headers]}


def _jsonable(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray)):
        try:
            return bytes(v).decode()
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(bytes(v)).decode()}
    if hasattr(v, "__dataclass_fields__"):
        return dataclasses.asdict(v)
    return v


__all__ = ["OutputRecord"]
