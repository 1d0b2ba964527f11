"""Events whose value is decoded when the agent first reads it.

An agent that iterates ``stream.events()`` and never reads ``event.value`` (counting keys in
windows, routing on the key) would otherwise pay for decoding every value: one
``orjson.loads`` of a ~230-byte value is ~8,300 instructions, about 7% of a windowed count's
whole cost per event. For such agents the worker (``runtime.decoding``) leaves the value's
bytes in the event's value slot and hands out a :class:`LazyEvent`; ``event.value`` decodes
them on first read and keeps the result (the same object on every read, so that changes to it
are seen).

Once an agent read one value of a topic, the worker decodes that topic's values at fetch again
(one comprehension per batch is cheaper than a descriptor call per event when every value is
read) and hands out a LazyEvent only for a value that does not decode. What an agent sees is
the same either way: a value that decodes is the same value, one that does not raises where
it is read.

A value that does not decode raises :class:`~streamflow.exceptions.DecodeError` (naming topic,
partition and offset) where it is read, inside the agent; the worker applies
``on_decode_error`` to that event as it does to a bad timestamp (``runtime.failures``). A value
that is never read is never decoded, so it is no error (docs/decisions.md).

Everything an agent reads through the Event API is decoded: ``event.value``, unpacking,
``tuple(event)``, ``==``, ``_asdict()``, ``_replace()``. Only an index read of the value slot
(``event[5]``) sees the bytes; the runtime reads events by index for their coordinates only.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from .exceptions import DecodeError
from .types import VALUE, Event

_new_tuple = tuple.__new__


class _DecodedOnRead:
    """The ``value`` of one topic's LazyEvents: decodes the bytes in the value slot with
    ``fast`` and stores the result in the event's ``__dict__``, which (this being a non-data
    descriptor) answers every later read without a call. ``checked`` says why a value does not
    decode. The first read also marks the type's ``values_read``: the agents read this topic's
    values, so the worker decodes them at fetch from then on (``runtime.decoding``)."""

    __slots__ = ("fast", "checked")

    def __init__(self, fast: Callable[[bytes], Any], checked: Callable[[bytes], Any]) -> None:
        self.fast, self.checked = fast, checked

    def __get__(self, event: Any, owner: Any = None) -> Any:
        if event is None:
            return self
        raw = event[VALUE]
        if raw is None:
            value = None
        else:
            try:
                value = self.fast(raw)
            except Exception:  # noqa: BLE001 - the codec's own loads says why
                value = self._checked(event, raw)
        event.value = value  # into the instance __dict__: no descriptor call for later reads
        kind = event.__class__
        if not kind.values_read:
            kind.values_read = True
        return value

    def _checked(self, event: Any, raw: bytes) -> Any:
        try:
            return self.checked(raw)
        except Exception as exc:  # noqa: BLE001
            text = str(exc) or type(exc).__name__
            reason = text if len(text) < 300 else text[:300] + "..."
            raise DecodeError(event[0], event[1], event[2], "value", reason) from None


class LazyEvent(Event):
    """An :class:`Event` whose value is decoded on first read (see the module docstring). The
    worker makes one subclass per topic (:func:`lazy_event_type`) that knows the decoder."""

    # No __slots__: the decoded value is kept in the instance __dict__ (made on first read).
    # ``value`` is each topic's own descriptor (lazy_event_type).
    #: Whether an agent read a value of this type's topic (see _DecodedOnRead).
    values_read = False

    @property
    def value_decoded(self) -> bool:
        """Whether ``value`` was read (and so decoded) already."""
        return "value" in self.__dict__

    def decoded(self) -> Event:
        """This event as a plain :class:`Event`, its value decoded."""
        return _new_tuple(Event, (*self[:VALUE], self.value, *self[VALUE + 1:]))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.decoded())

    def __eq__(self, other: object) -> bool:
        return self.decoded() == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.decoded())

    def __reduce__(self) -> Any:
        return (Event, tuple(self.decoded()))

    def _asdict(self) -> dict[str, Any]:
        return self.decoded()._asdict()

    def _replace(self, **changes: Any) -> Event:  # type: ignore[override]
        # (a plain Event, decoded: the replaced value may be anything)
        return self.decoded()._replace(**changes)

    def __repr__(self) -> str:
        if "value" in self.__dict__:
            return Event.__repr__(self)
        raw: Any = self[VALUE]  # (the bytes: not decoded yet)
        shown = "None" if raw is None else f"<{len(raw)} bytes, not decoded>"
        return (f"Event({self.coordinates}, ts={self.timestamp}, key={self.key!r}, "
                f"value={shown})")


def lazy_event_type(topic: str, fast: Callable[[bytes], Any],
                    checked: Callable[[bytes], Any]) -> type[LazyEvent]:
    """The :class:`LazyEvent` type of ``topic``'s events: values decoded with ``fast`` (a C
    function when the codec has one, see ``serialization.codecs.unchecked_loads``); when it
    raises, ``checked`` (the codec's ``loads``) says why, in a DecodeError."""
    return type(f"LazyEvent[{topic}]", (LazyEvent,),
                {"__slots__": (), "value": _DecodedOnRead(fast, checked), "values_read": False})


__all__ = ["LazyEvent", "lazy_event_type"]
