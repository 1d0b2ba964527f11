"""How a windowed table's results become records of its emit topic.

A result's key is ``{"key", "start", "end"}`` and its value ``{"key", "start", "end", "value"}``
(None: a tombstone, for a session merged away), with the result's timestamp. Like Kafka
Streams' windowed partitioner, a result goes to the partition of its *key* (not of key and
window), so all windows of a key stay together, on the partition a producer puts that key on.

With JSON values and a key that the JSON can hold as it is (JSON keys) or as a string (text
keys), results are spliced from the key's bytes instead of decoded and encoded again. Both the
direct path of tumbling windows and the general path send through :meth:`Emitter.send`, and
its one cache (per worker: key bytes -> partition and the key as JSON) serves both.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

import orjson

from .aggregations import _identity
from .serialization import key_format
from .serialization.codecs import JsonCodec, dumps_to_keep

if TYPE_CHECKING:
    from .runtime_api import WorkerContext

__all__ = ["Emitter"]

_dumps = orjson.dumps
_MAX_CACHED_KEYS = 200_000


class Emitter:
    """Sends the results of one windowed table to its emit topic."""

    __slots__ = ("topic", "key_codec", "show", "_key_json", "_worker", "_partitions", "_keys")

    def __init__(self, topic: Any, key_codec: Any, show: Callable[[Any], Any]) -> None:
        """``show``: the aggregation's ``result``, what a window's aggregate looks like outside
        (None when it is the aggregate itself: one call less per result)."""
        self.topic = topic
        self.key_codec = key_codec
        self.show: Callable[[Any], Any] | None = None if show is _identity else show
        # How to write a key's bytes into a spliced result; None: encode results as objects.
        self._key_json = _key_as_json(key_codec) if type(topic.value_codec) is JsonCodec else None
        self._worker: Any = None
        self._partitions = 0
        # key bytes -> [partition, key as JSON or None, and for spliced results the last
        # window sent: its start and end (sessions of one start grow), its result key, and
        # its result value up to the aggregate]
        self._keys: dict[bytes, list[Any]] = {}

    @property
    def splices(self) -> bool:
        """Whether results are spliced from the key's bytes (see the module docstring)."""
        return self._key_json is not None

    def send(self, worker: "WorkerContext", raw: bytes, start: int, end: int, aggregate: Any,
             timestamp: int) -> None:
        """Send the result of window ``[start, end]`` of the key with bytes ``raw``
        (``aggregate`` None: a tombstone) through the worker's output buffer.

        A key's results come mostly from one window at a time (the one stream time is in), so
        the spliced result's key, and its value up to the aggregate, are kept per key for the
        last window sent: the common result is one ``dumps`` and two concatenations."""
        keys = self._keys
        if worker is not self._worker:
            keys = self._start(worker)
        cached = keys.get(raw)
        if cached is None:
            cached = self._learn(raw, worker)
        if cached[1] is not None:
            if cached[2] != start or cached[3] != end:
                _splice_window(cached, start, end)
            show = self.show
            value = (None if aggregate is None else cached[5] + _dumps(
                aggregate if show is None else show(aggregate)) + b"}")
            worker.output.add_nowait(self.topic.name, cached[4], value, cached[0], timestamp,
                                      None)
            return
        topic = self.topic
        wkey = {"key": self.key_codec.loads(raw), "start": start, "end": end}
        result = None if aggregate is None else {
            **wkey, "value": aggregate if self.show is None else self.show(aggregate)}
        worker.output.add_nowait(topic.name, topic.encode_key(wkey), topic.encode_value(result),
                                  cached[0], timestamp, None)

    def send_all(self, worker: "WorkerContext", results: Iterable[Any]) -> None:
        """Send :class:`~streamflow.operators.windowed.WindowResult` records, in order."""
        send = self.send
        for r in results:
            send(worker, r.key, r.window.start, r.window.end, r.value, r.timestamp)

    def _start(self, worker: Any) -> dict[bytes, list[Any]]:
        """A new run: the emit topic's partition count, and an empty cache."""
        self._worker = worker
        self._partitions = worker.partition_count(self.topic.name)
        self._keys = {}
        return self._keys

    def _learn(self, raw: bytes, worker: Any) -> list[Any]:
        keys = self._keys
        if len(keys) > _MAX_CACHED_KEYS:
            keys.clear()
        key_json = self._key_json
        cached = keys[raw] = [worker.output.partition_of(raw, self._partitions),
                              None if key_json is None else key_json(raw), None, None, None, None]
        return cached


def _splice_window(cached: list[Any], start: int, end: int) -> None:
    """Make ``cached`` (see ``Emitter._keys``) hold window ``[start, end]``, its result key
    ``{"key":K,"start":S,"end":E}`` and its value up to the aggregate (the same head, then
    ``,"value":``)."""
    head = b'{"key":%b,"start":%d,"end":%d' % (cached[1], start, end)
    cached[2:] = start, end, head + b"}", head + b',"value":'


def _key_as_json(codec: Any) -> Callable[[bytes], bytes] | None:
    """How to write a table key's bytes into a JSON result: as they are (JSON keys), as a
    JSON string (text keys), or None (other codecs: the result is decoded and re-encoded)."""
    fmt = key_format(codec)
    if fmt == "json":
        return _same
    if fmt == "text" and codec.name == "str":
        return _json_string
    return None


def _same(raw: bytes) -> bytes:
    return raw


def _json_string(raw: bytes) -> bytes:
    return dumps_to_keep(raw.decode())  # kept in the key cache: right-sized
