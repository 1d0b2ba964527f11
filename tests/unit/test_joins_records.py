"""Joins whose topics declare a Record value type: the joiner gets both sides as that type.

Join state is kept as JSON, so a side read back from the store after a commit is a plain
dict unless the join rebuilds it; with ``commit_every_step`` on and off, the joiner must see
the same Records either way.
"""
from __future__ import annotations

import pytest

import streamflow
from streamflow.testing import TestDriver


class Order(streamflow.Record):
    id: str
    product: str | None = None


class Payment(streamflow.Record):
    order: str
    amount: float


class Product(streamflow.Record):
    name: str


def _both_typed(left_type, right_type):
    """A joiner that fails unless each present side has its declared type."""
    def joiner(left, right):
        assert left is None or isinstance(left, left_type), f"left is a {type(left).__name__}"
        assert right is None or isinstance(right, right_type), f"right is a {type(right).__name__}"
        return {"left": left and left.to_dict(), "right": right and right.to_dict()}
    return joiner


@pytest.mark.parametrize("commit_every_step", [True, False])
@pytest.mark.parametrize("kind", ["inner", "left", "outer"])
async def test_stream_stream_join_hands_the_joiner_records(kind, commit_every_step) -> None:
    app = streamflow.App("ssr")
    orders = app.topic("orders", value_type=Order, partitions=2)
    payments = app.topic("payments", value_type=Payment, partitions=2)
    out = app.topic("out", partitions=2)
    app.join_streams("pay", left=orders, right=payments, within=10, kind=kind,
                     joiner=_both_typed(Order, Payment), into=out)
    async with TestDriver(app, commit_every_step=commit_every_step) as d:
        await d.send("orders", key="o1", value=Order(id="o1"), timestamp=1_000)
        await d.send("payments", key="o1", value=Payment(order="o1", amount=5), timestamp=2_000)
        await d.send("payments", key="o2", value=Payment(order="o2", amount=7), timestamp=3_000)
        await d.send("orders", key="o1", value=Order(id="o1b"), timestamp=4_000)
        await d.flush_windows()  # left/outer: the unmatched stored records, also decoded
        values = [o.value for o in d.outputs("out")]
    assert {"left": {"id": "o1", "product": None}, "right": {"order": "o1", "amount": 5.0}} in values
    assert {"left": {"id": "o1b", "product": None}, "right": {"order": "o1", "amount": 5.0}} in values
    if kind == "outer":
        assert {"left": None, "right": {"order": "o2", "amount": 7.0}} in values


@pytest.mark.parametrize("right_side,commit_every_step", [
    ("topic", True), ("topic", False),
    ("table", True),  # a table side is read from its changelog: it changes at commits only
])
async def test_table_table_join_hands_the_joiner_records(right_side, commit_every_step) -> None:
    app = streamflow.App("ttr")
    orders = app.topic("orders", value_type=Order, partitions=2)
    updates = app.topic("product-updates", value_type=Product, partitions=2)
    right = updates
    if right_side == "table":
        right = products = app.table("products", value_type=Product, partitions=2)

        @app.agent(updates)
        async def keep(stream):
            async for event in stream.events():
                products[event.key] = event.value

    app.join_tables("op", left=orders, right=right, kind="outer",
                    joiner=_both_typed(Order, Product), into=app.topic("out", partitions=2))
    async with TestDriver(app, commit_every_step=commit_every_step) as d:
        await d.send("orders", key="k1", value=Order(id="o1"), timestamp=1)
        await d.send("product-updates", key="k1", value=Product(name="pen"), timestamp=2)
        await d.send("orders", key="k1", value=Order(id="o1", product="x"), timestamp=3)
        await d.send("product-updates", key="k2", value=Product(name="ink"), timestamp=4)
        values = [o.value for o in d.outputs("out")]
    assert values == [
        {"left": {"id": "o1", "product": None}, "right": None},
        {"left": {"id": "o1", "product": None}, "right": {"name": "pen"}},
        {"left": {"id": "o1", "product": "x"}, "right": {"name": "pen"}},
        {"left": None, "right": {"name": "ink"}},
    ]


@pytest.mark.parametrize("commit_every_step", [True, False])
async def test_foreign_key_join_hands_the_joiner_records(commit_every_step) -> None:
    app = streamflow.App("fkr")
    orders = app.topic("orders", value_type=Order, partitions=3)
    products = app.topic("products", value_type=Product, partitions=2)
    app.join_foreign_key("op", left=orders, right=products, foreign_key=lambda o: o.product,
                         kind="left", joiner=_both_typed(Order, Product),
                         into=app.topic("out", partitions=3))
    async with TestDriver(app, commit_every_step=commit_every_step) as d:
        await d.send("orders", key="o1", value=Order(id="o1", product="p1"), timestamp=1)
        await d.send("products", key="p1", value=Product(name="pen"), timestamp=2)
        await d.send("products", key="p1", value=Product(name="pencil"), timestamp=3)
        await d.send("orders", key="o1", value=Order(id="o1", product="p1"), timestamp=4)
        values = [o.value for o in d.outputs("out")]
    assert values == [
        {"left": {"id": "o1", "product": "p1"}, "right": None},
        {"left": {"id": "o1", "product": "p1"}, "right": {"name": "pen"}},
        {"left": {"id": "o1", "product": "p1"}, "right": {"name": "pencil"}},
        {"left": {"id": "o1", "product": "p1"}, "right": {"name": "pencil"}},
    ]
