"""The sink of an async-generator agent: what it yields, on its way to the output buffer.

The agent's loop stays short: each yielded value is encoded at once (an error names the event
being processed) and staged with its key bytes and timestamp. Staged records are routed to
the output buffer's partitions a batch at a time, by ``drain``, which runs

- when the agent asks for its next input batch (the channel calls ``ctx.before_next``), so
  an input batch counts as processed only once its results are in the output buffer: the
  commit order (output acknowledged, then offsets committed) is unchanged;
- before anything else is added to the output buffer and before it is flushed (it sets
  ``output.staged``), so records reach the producer in the order they were produced.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ..serialization.codecs import dict_encoder
from ..types import KEY, RAW_KEY, TIMESTAMP, TOPIC, Message

if TYPE_CHECKING:
    from ..topics import Topic
    from .output import OutputBuffer


class SinkStage:
    """What one async-generator agent yielded, encoded and staged per sink until
    :meth:`drain` (see the module docstring)."""

    def __init__(self, output: "OutputBuffer", sinks: Sequence["Topic"],
                 sources: Sequence["Topic"]) -> None:
        self.output = output
        #: per sink: (name, source topics whose key bytes it reuses, encode_key, encode_value,
        #: orjson.dumps or None, its option, staged records)
        self.targets: list[tuple[str, set[str], Any, Any, Any, int, list]] = []
        for sink in sinks:
            same_key = {t.name for t in sources if t.key_codec is sink.key_codec}
            fast = dict_encoder(sink.value_codec)
            self.targets.append((sink.name, same_key, sink.encode_key, sink.encode_value,
                                 fast[0] if fast else None, fast[1] if fast else 0, []))

    def stage(self, result: Any, event: Any) -> None:
        """Encode and stage one yielded ``result`` of ``event`` (the general path: any number
        of sinks, a :class:`Message`, or a value yielded outside any event)."""
        if isinstance(result, Message):
            key, value, headers = result.key, result.value, result.headers
            ts = result.timestamp if result.timestamp is not None else (
                event[TIMESTAMP] if event is not None else None)
            for _, _, encode_key, encode_value, _, _, staged in self.targets:
                staged.append((encode_key(key), encode_value(value), ts, headers))
        elif event is None:
            for _, _, _, encode_value, _, _, staged in self.targets:
                staged.append((None, encode_value(result), None, None))
        else:
            ts = event[TIMESTAMP]
            for _, same_key, encode_key, encode_value, dumps, opt, staged in self.targets:
                raw = event[RAW_KEY] if event[TOPIC] in same_key else encode_key(event[KEY])
                if dumps is not None and result.__class__ is dict:
                    staged.append((raw, dumps(result, option=opt), ts, None))
                else:
                    staged.append((raw, encode_value(result), ts, None))
        self.output.staged = True

    @property
    def pending(self) -> int:
        """Records staged for the sink that holds the most."""
        return max(len(t[6]) for t in self.targets)

    def drain(self) -> None:
        """Route everything staged to the output buffer."""
        add = self.output.add_records
        for name, _, _, _, _, _, staged in self.targets:
            if staged:
                add(name, staged)
                staged.clear()
