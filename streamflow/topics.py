"""Topics as the DSL declares them: a name, partitions, codecs, and ``send``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from .context import current_context
from .exceptions import CodecError
from .runtime_api import find_worker, running_worker
from .serialization import Codec, codec_for, key_codec_for
from .types import TIMESTAMP

if TYPE_CHECKING:
    from .app import App


class Topic:
    """A Kafka topic declared on an app.

    ``partitions`` is used when streamflow creates the topic (default: the app's
    ``topic_partitions``); an existing topic keeps its own partition count, which is read from
    the broker at start.
    """

    def __init__(self, app: "App", name: str, *, key_type: Any = None, value_type: Any = None,
                 partitions: int | None = None, config: dict[str, str] | None = None,
                 internal: bool = False) -> None:
        self.app = app
        self.name = name
        self.key_type, self.value_type = key_type, value_type
        self.key_codec: Codec = key_codec_for(key_type if key_type is not None else app.key_type)
        self.value_codec: Codec = codec_for(value_type)
        self.declared_partitions = partitions
        self.config = dict(config or {})
        self.internal = internal
        # Where this topic's key type is declared, for error messages (group_by sets its own).
        self.declared_by = f"app.topic({name!r}, key_type=...)"

    @property
    def partitions(self) -> int:
        """The partition count in effect (the broker's, once the app has started)."""
        worker = find_worker(self.app)
        if worker is not None:
            return worker.partition_count(self.name)
        return self.declared_partitions or self.app.settings.topic_partitions

    def encode_key(self, key: Any) -> bytes | None:
        if key is None:
            return None
        try:
            return self.key_codec.dumps(key)
        except (TypeError, ValueError) as exc:
            raise CodecError(f"topic {self.name}: {exc} (on {self.declared_by})") from None

    def encode_value(self, value: Any) -> bytes | None:
        return None if value is None else self.value_codec.dumps(value)

    async def send(self, key: Any = None, value: Any = None, *, partition: int | None = None,
                   timestamp: int | None = None,
                   headers: Sequence[tuple[str, bytes]] | None = None) -> None:
        """Queue a record for this topic.

        Returns as soon as the record is buffered (it waits only when the buffer is full). The
        broker's acknowledgement is awaited before the offsets of the input being processed are
        committed, which is what makes delivery at-least-once. ``timestamp`` (ms) defaults to
        the timestamp of the event being processed, so replays produce identical output; outside
        an agent it is the current time.
        """
        output = running_worker(self.app, f"{self.name}.send()").output
        if timestamp is None:
            ctx = current_context.get()
            if ctx is not None and ctx.current is not None:
                timestamp = ctx.current[TIMESTAMP]  # an Event or the worker's tuple
        await output.add(self.name, self.encode_key(key), self.encode_value(value),
                                 partition, timestamp, headers)

    def __repr__(self) -> str:
        return f"<Topic {self.name}>"
