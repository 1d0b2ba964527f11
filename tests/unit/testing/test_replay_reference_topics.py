"""Replaying recordings of the topics an app reads besides its agents' inputs: a global
table's topic and a foreign-key join's right side (they used to be refused as "not consumed")."""
from __future__ import annotations

from pathlib import Path

import pytest

import streamflow
from streamflow.testing import replay
from streamflow.testing.recording import RecordedRecord, write_recording


def enrich_app() -> streamflow.App:
    app = streamflow.App("enrich")
    customers = app.topic("customers", partitions=2)
    orders = app.topic("orders", partitions=2)
    products = app.topic("products", partitions=1)
    enriched = app.topic("enriched", partitions=2)
    names = app.global_table("names", topic=customers)
    app.join_foreign_key("order-products", left=orders, right=products,
                         foreign_key=lambda o: o["product"], kind="left",
                         joiner=lambda o, p: {"order": o["id"], "product": p and p["name"]})

    @app.agent(orders, sink=[enriched])
    async def enrich(stream):
        async for order in stream:
            yield {"order": order["id"], "customer": names.get(order["customer"])}

    return app


def _write(path: Path, topic: str, rows: list[tuple[str, str, int]]) -> Path:
    write_recording(path, [RecordedRecord(topic, 0, i, ts, k.encode(), v.encode())
                           for i, (k, v, ts) in enumerate(rows)])
    return path


async def test_recordings_of_a_global_tables_topic_and_a_foreign_key_right_side_replay(tmp_path: Path) -> None:
    customers = _write(tmp_path / "customers.jsonl", "customers", [("c1", '"Ann"', 1)])
    products = _write(tmp_path / "products.jsonl", "products", [("p1", '{"name": "pen"}', 2)])
    orders = _write(tmp_path / "orders.jsonl", "orders",
                    [("o1", '{"id": "o1", "customer": "c1", "product": "p1"}', 10)])
    result = await replay(enrich_app(), [customers, products, orders])
    assert result.inputs == 3
    values = {o.topic: o.value for o in result.outputs}
    assert values["enriched"] == {"order": "o1", "customer": "Ann"}
    assert values["enrich-order-products-join"] == {"order": "o1", "product": "pen"}


async def test_a_topic_the_app_does_not_read_is_still_refused(tmp_path: Path) -> None:
    other = _write(tmp_path / "other.jsonl", "enriched", [("o1", "{}", 1)])
    with pytest.raises(streamflow.StreamflowError, match="records of enriched, which app enrich "
                                                         "does not consume"):
        await replay(enrich_app(), [other])
