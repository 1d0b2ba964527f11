"""The runtime hands agents plain tuples laid out like ``Event`` and reads them by the named
indices of ``streamflow.types``: the names must say where each field of an Event is."""
from __future__ import annotations

from streamflow import types
from streamflow.types import Event


def test_each_index_names_the_event_field_at_that_position() -> None:
    names = ["TOPIC", "PARTITION", "OFFSET", "TIMESTAMP", "KEY", "VALUE", "HEADERS", "RAW_KEY"]
    assert [getattr(types, n) for n in names] == [Event._fields.index(n.lower()) for n in names]
    assert len(names) == len(Event._fields)


def test_a_plain_tuple_and_an_event_read_the_same_by_name() -> None:
    fields = ("t", 3, 7, 1000, "k", {"v": 1}, (("h", b"1"),), b"k")
    event = Event(*fields)
    for index in range(len(fields)):
        assert event[index] == fields[index]
    assert (event[types.KEY], event[types.RAW_KEY], event[types.TIMESTAMP]) == ("k", b"k", 1000)
    assert event.key == fields[types.KEY] and event.offset == fields[types.OFFSET]
