"""Stream-table joins through the DSL (the pure decision is tested in tests/unit/operators)."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.testing import TestDriver


def enrichment_app(kind="inner", partitions=(2, 2), use_global=False):
    app = streamflow.App("enrich")
    orders = app.topic("orders", partitions=partitions[0])
    customers = app.topic("customers", partitions=partitions[1])
    enriched = app.topic("enriched", partitions=partitions[0])
    if use_global:
        directory = app.global_table("directory", topic=customers)
    else:
        directory = app.table("directory", partitions=partitions[1])

        @app.agent(customers)
        async def load(stream):
            async for event in stream.events():
                if event.value is None:
                    directory.pop(event.key, None)
                else:
                    directory[event.key] = event.value

    key = (lambda o: o["customer"]) if use_global else None

    @app.agent(orders, sink=[enriched])
    async def enrich(stream):
        async for order, customer in stream.join(directory, kind=kind, key=key):
            yield {"order": order["id"], "name": None if customer is None else customer["name"]}

    return app


@pytest.mark.parametrize("kind,expected", [
    ("inner", [(1, "Ann")]),
    ("left", [(1, "Ann"), (2, None)]),
])
async def test_orders_are_enriched_with_the_current_customer(kind, expected) -> None:
    async with TestDriver(enrichment_app(kind)) as d:
        await d.send("customers", key="c1", value={"name": "Ann"}, timestamp=1)
        await d.send("orders", key="c1", value={"id": 1, "customer": "c1"}, timestamp=5)
        await d.send("orders", key="c2", value={"id": 2, "customer": "c2"}, timestamp=6)
        out = d.outputs("enriched")
    assert [(o.value["order"], o.value["name"]) for o in out] == expected
    assert [o.timestamp for o in out] == [5, 6][:len(expected)]   # the stream record's timestamp


async def test_table_updates_never_emit_and_later_orders_see_the_new_value() -> None:
    async with TestDriver(enrichment_app("left")) as d:
        await d.send("orders", key="c1", value={"id": 1, "customer": "c1"})
        await d.send("customers", key="c1", value={"name": "Ann"})
        assert len(d.outputs("enriched")) == 1
        await d.send("customers", key="c1", value={"name": "Anna"})
        await d.send("orders", key="c1", value={"id": 2, "customer": "c1"})
        await d.send("customers", key="c1", value=None)        # deleted
        await d.send("orders", key="c1", value={"id": 3, "customer": "c1"})
        assert [o.value["name"] for o in d.outputs("enriched")] == [None, "Anna", None]


async def test_global_table_join_picks_the_key_from_the_event() -> None:
    app = enrichment_app("inner", partitions=(3, 2), use_global=True)
    async with TestDriver(app) as d:
        await d.send("customers", key="c1", value={"name": "Ann"})
        await d.send("orders", key="order-9", value={"id": 9, "customer": "c1"})
        [out] = d.outputs("enriched")
    assert out.value == {"order": 9, "name": "Ann"}


async def test_a_global_table_skips_source_records_without_a_key(caplog) -> None:
    """As Kafka Streams' global tables do (found by tests/ks_oracle): a null-key record on the
    source topic is no row; it used to crash the worker inside the store."""
    app = enrichment_app("left", partitions=(1, 1), use_global=True)
    async with TestDriver(app) as d:
        await d.send("customers", key=None, value={"name": "Nobody"})
        await d.send("customers", key="c1", value={"name": "Ann"})
        await d.send("orders", key="o1", value={"id": 1, "customer": "c1"})
        await d.send("orders", key="o2", value={"id": 2, "customer": None})
        assert [o.value for o in d.outputs("enriched")] == [
            {"order": 1, "name": "Ann"}, {"order": 2, "name": None}]
    assert "skipping a record without a key at customers[0] offset 0" in caplog.text


async def test_a_join_that_is_not_copartitioned_fails_fast_naming_both_topics() -> None:
    app = enrichment_app("inner", partitions=(3, 2))
    with pytest.raises(streamflow.CopartitioningError) as info:
        async with TestDriver(app):
            pass
    message = str(info.value)
    assert "cannot join orders (3 partitions) with table directory" in message
    assert "enrich-directory-changelog, 2 partitions" in message
    assert "group_by" in message and "global table" in message
