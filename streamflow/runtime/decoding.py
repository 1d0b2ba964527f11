"""Decoding what was fetched: raw records of one topic partition to the worker's event tuples,
and ``on_decode_error`` for those that do not decode.

The common case is one list comprehension per fetched batch (no call per record but the
codecs', and for the built-in codecs the C function under them: ``unchecked_loads``). Only
when it raises are the records decoded one by one, to find the bad ones:
``skip`` logs each and goes on, ``dead_letter`` also sends it as it came to the dead-letter
topic, ``stop`` ends the batch before it (the worker processes what came before it, then
stops without committing past it).

With ``lazy`` (every agent reading the topic iterates ``events()``, see ``runtime.dispatch``)
only keys are decoded here: events are :class:`~streamflow.lazy_events.LazyEvent` of the
topic, holding the value's bytes until the agent reads ``event.value``. A value that does not
decode is then the agent's failure, and ``runtime.failures`` applies ``on_decode_error``.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from ..exceptions import ConfigError, DecodeError
from ..lazy_events import LazyEvent, lazy_event_type
from ..serialization.codecs import RawCodec, unchecked_loads
from ..types import TP, EventTuple
from .run_state import where

if TYPE_CHECKING:
    from ..topics import Topic
    from .dead_letters import DeadLetters
    from .transport.base import RawRecord

log = logging.getLogger("streamflow.worker")


class Decoder:
    """Decodes fetched records with their topic's codecs (``topics``: the app's, by name) and
    applies ``on_decode_error`` (``dead_letters()``: where ``dead_letter`` sends them)."""

    def __init__(self, topics: Mapping[str, "Topic"], on_decode_error: str,
                 dead_letters: Callable[[], "DeadLetters | None"]) -> None:
        self._topics = topics
        self._policy = on_decode_error
        self._dead_letters = dead_letters
        self.skipped = 0
        self.dead_lettered = 0
        #: Records that did not decode, whatever the policy did with them, per topic (metrics).
        self.failed_per_topic: dict[str, int] = {}
        self._lazy_types: dict[str, type[LazyEvent] | None] = {}

    def lazy_type(self, topic_name: str) -> type[LazyEvent] | None:
        """The LazyEvent type of ``topic_name``'s events; None when decoding its values later
        gains nothing (raw bytes values) or the topic is not the app's."""
        try:
            return self._lazy_types[topic_name]
        except KeyError:
            pass
        topic = self._topics.get(topic_name)
        codec = None if topic is None else topic.value_codec
        made = None if codec is None or isinstance(codec, RawCodec) else lazy_event_type(
            topic_name, unchecked_loads(codec), codec.loads)
        self._lazy_types[topic_name] = made
        return made

    def counted(self, topic: str, policy: str) -> None:
        """A value that did not decode when an agent read it (``runtime.failures``), which
        ``policy`` handled: counted with those found here."""
        self.failed_per_topic[topic] = self.failed_per_topic.get(topic, 0) + 1
        if policy == "skip":
            self.skipped += 1
        elif policy == "dead_letter":
            self.dead_lettered += 1

    def decode(self, tp: TP, recs: Sequence["RawRecord"],
               lazy: bool = False) -> tuple[list[EventTuple], DecodeError | None]:
        """The events of ``recs`` (fetched from ``tp``), and the record the input stops at
        (``on_decode_error=stop``), if any: the events are those before it. ``lazy``: values
        are left for the agent to decode (see the module docstring)."""
        topic = self._topics.get(tp.topic)
        if topic is None:
            raise ConfigError(f"records from undeclared topic {tp.topic}")
        kloads, vloads = unchecked_loads(topic.key_codec), unchecked_loads(topic.value_codec)
        name, partition = tp.topic, tp.partition
        lazy_type = self.lazy_type(name) if lazy else None
        # Until an agent read one of the topic's values, leave them all undecoded; from then
        # on decode them here and leave only those that do not decode to the agent.
        defer_all = lazy_type is not None and not lazy_type.values_read
        if lazy_type is not None and defer_all:
            new = tuple.__new__
            try:
                return [new(lazy_type, (name, partition, r.offset, r.timestamp,
                                        None if (k := r.key) is None else kloads(k),
                                        r.value, r.headers, k)) for r in recs], None
            except Exception:  # noqa: BLE001 - a key: find the bad record(s) below
                pass
        else:
            try:
                # Plain tuples laid out like Event (see ProcessingContext.current): a tuple
                # subclass costs a type call per record. The walrus reads each attribute once.
                return [(name, partition, r.offset, r.timestamp,
                         None if (k := r.key) is None else kloads(k),
                         None if (v := r.value) is None else vloads(v),
                         r.headers, k) for r in recs], None
            except Exception:  # noqa: BLE001 - find the bad record(s) below, one by one
                pass
        kloads, vloads = topic.key_codec.loads, topic.value_codec.loads  # their readable errors
        events: list[EventTuple] = []
        for r in recs:
            try:
                key = None if r.key is None else kloads(r.key)
            except Exception as exc:  # noqa: BLE001
                failure = DecodeError(name, partition, r.offset, "key", _reason(exc))
            else:
                try:
                    if defer_all:
                        raise _Deferred
                    value = None if r.value is None else vloads(r.value)
                except Exception as exc:  # noqa: BLE001
                    if lazy_type is not None:  # the agent decodes it where it reads it
                        events.append(tuple.__new__(lazy_type, (name, partition, r.offset, r.timestamp,
                                                                key, r.value, r.headers, r.key)))
                        continue
                    failure = DecodeError(name, partition, r.offset, "value", _reason(exc))
                else:
                    events.append((name, partition, r.offset, r.timestamp, key, value, r.headers, r.key))
                    continue
            self.failed_per_topic[name] = self.failed_per_topic.get(name, 0) + 1
            if self._policy == "skip":
                self.skipped += 1
                log.error("%s; skipped (on_decode_error=skip)", failure, extra=where(failure))
                continue
            dead_letters = self._dead_letters()
            if dead_letters is not None:
                self._dead_letter(dead_letters, r, failure)
                continue
            log.error("%s; stopping (on_decode_error=stop: fix the producer or set "
                      "on_decode_error=skip or dead_letter)", failure, extra=where(failure))
            return events, failure
        return events, None

    def _dead_letter(self, dead_letters: "DeadLetters", record: "RawRecord",
                     failure: DecodeError) -> None:
        """Send an undecodable record as it came, with where it came from and why, to the
        dead-letter topic. It is flushed and acknowledged (exactly-once: committed) before
        its offset is, like any output, so it cannot be lost."""
        partition = dead_letters.send(record, (failure.topic, failure.partition, failure.offset),
                                      str(failure))
        self.dead_lettered += 1
        log.error("%s; sent to %s[%d] (on_decode_error=dead_letter)", failure,
                  dead_letters.topic, partition, extra=where(failure))


class _Deferred(Exception):
    """Not decoded here: left for the agent (``lazy``)."""


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


__all__ = ["Decoder"]
