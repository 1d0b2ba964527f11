"""Stream-stream and table-table joins declared on the app, run by the test driver. The
decisions are proven against models in tests/unit/operators; these check the wiring."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.testing import TestDriver

MIN = 60_000


def payments_app(kind="inner", grace=60):
    app = streamflow.App("pay")
    orders = app.topic("orders", partitions=2)
    payments = app.topic("payments", partitions=2)
    matched = app.topic("matched", partitions=2)
    app.join_streams("pay-orders", left=orders, right=payments, within=300, grace=grace, kind=kind,
                     joiner=lambda o, p: {"order": o and o["id"], "paid": p and p["amount"]}, into=matched)
    return app


async def test_payments_match_orders_within_five_minutes() -> None:
    async with TestDriver(payments_app()) as d:
        await d.send("orders", key="o1", value={"id": "o1"}, timestamp=0)
        await d.send("payments", key="o1", value={"amount": 10}, timestamp=5 * MIN)       # on the edge
        await d.send("payments", key="o1", value={"amount": 11}, timestamp=5 * MIN + 1)   # outside
        await d.send("orders", key="o2", value={"id": "o2"}, timestamp=6 * MIN)
        await d.send("payments", key="o2", value={"amount": 12}, timestamp=1 * MIN)      # 5 min before
        out = [(o.key, o.value, o.timestamp) for o in d.outputs("matched")]
    assert out == [("o1", {"order": "o1", "paid": 10}, 5 * MIN),
                   ("o2", {"order": "o2", "paid": 12}, 6 * MIN)]


async def test_left_join_emits_the_unmatched_order_once_the_window_and_grace_passed() -> None:
    async with TestDriver(payments_app(kind="left", grace=60)) as d:
        await d.send("orders", key="o1", value={"id": "o1"}, timestamp=0)
        # stream time must pass 0 + 5 min + 1 min grace, on the same partition
        await d.send("orders", key="o1", value={"id": "o1-again"}, timestamp=6 * MIN)
        assert d.outputs("matched") == []
        await d.send("orders", key="o1", value={"id": "o1-later"}, timestamp=6 * MIN + 1)
        out = [(o.value, o.timestamp) for o in d.outputs("matched")]
    assert out == [({"order": "o1", "paid": None}, 0)]


@pytest.mark.parametrize("kind", ["inner", "left", "outer"])
async def test_flush_windows_releases_records_still_waiting_for_a_partner(kind) -> None:
    """The end of a bounded input: what waits for stream time to close its window comes out."""
    app = payments_app(kind=kind, grace=60)
    async with TestDriver(app) as d:
        await d.send("orders", key="o1", value={"id": "o1"}, timestamp=0)
        await d.send("orders", key="o2", value={"id": "o2"}, timestamp=MIN)
        await d.send("payments", key="o2", value={"amount": 3}, timestamp=2 * MIN)
        await d.send("payments", key="o3", value={"amount": 4}, timestamp=2 * MIN)
        assert [o.value for o in d.outputs("matched")] == [{"order": "o2", "paid": 3}]
        await d.flush_windows()
        await d.flush_windows()  # nothing is released twice
        out = sorted((o.key, o.value["paid"], o.timestamp) for o in d.outputs("matched"))
    expected = {"inner": [("o2", 3, 2 * MIN)],
                "left": [("o1", None, 0), ("o2", 3, 2 * MIN)],
                "outer": [("o1", None, 0), ("o2", 3, 2 * MIN), ("o3", 4, 2 * MIN)]}[kind]
    assert out == expected


async def test_join_state_survives_a_restart(tmp_path) -> None:
    from ..conftest import memory_log, running, wait_until
    app = payments_app()
    app.configure(commit_interval=0.05, data_dir=str(tmp_path / "a"))
    async with running(app):
        await app.topics["orders"].send(key="o1", value={"id": "o1"}, timestamp=1_000)
        await wait_until(lambda: memory_log(app, "pay-pay-orders-join-state-changelog"), what="state committed")
    app.configure(commit_interval=0.05, data_dir=str(tmp_path / "b"))
    async with running(app):
        await app.topics["payments"].send(key="o1", value={"amount": 5}, timestamp=2_000)
        await wait_until(lambda: memory_log(app, "matched"), what="match after restart")
    [(_, _, key, value)] = memory_log(app, "matched")
    assert key == "o1" and value == {"order": "o1", "paid": 5}


def accounts_app(kind):
    app = streamflow.App("acct")
    customers = app.topic("customers", partitions=2)
    accounts = app.topic("accounts", partitions=2)
    joined = app.join_tables("customer-accounts", left=customers, right=accounts, kind=kind)
    return app, joined


@pytest.mark.parametrize("kind,expected", [
    ("inner", [("c1", ["Ann", 100], 5), ("c1", ["Ann", 150], 7), ("c1", None, 9)]),
    ("left", [("c1", ["Ann", None], 1), ("c1", ["Ann", 100], 5), ("c1", ["Ann", 150], 7),
              ("c1", ["Ann", None], 9), ("c1", None, 11)]),
    ("outer", [("c1", ["Ann", None], 1), ("c1", ["Ann", 100], 5), ("c1", ["Ann", 150], 7),
               ("c1", ["Ann", None], 9), ("c1", None, 11)]),
])
async def test_table_table_join_updates_and_tombstones(kind, expected) -> None:
    app, joined = accounts_app(kind)
    async with TestDriver(app) as d:
        await d.send("customers", key="c1", value="Ann", timestamp=1)
        await d.send("accounts", key="c1", value=100, timestamp=5)
        await d.send("accounts", key="c1", value=150, timestamp=7)
        await d.send("accounts", key="c1", value=None, timestamp=9)     # delete the right side
        await d.send("customers", key="c1", value=None, timestamp=11)   # delete the left side
        await d.send("accounts", key="zz", value=None, timestamp=12)    # delete of nothing: silent
        out = [(o.key, o.value, o.timestamp) for o in d.outputs("acct-customer-accounts-join")]
        assert out == expected
        assert d.table("customer-accounts") == {}


async def test_join_sides_with_different_partition_counts_fail_fast() -> None:
    app = streamflow.App("bad")
    left, right = app.topic("l", partitions=3), app.topic("r", partitions=4)
    app.join_streams("j", left=left, right=right, within=1)
    with pytest.raises(streamflow.CopartitioningError) as info:
        async with TestDriver(app):
            pass
    assert "l has 3 partitions and r has 4" in str(info.value) and "group_by" in str(info.value)


def fk_app(kind="inner"):
    app = streamflow.App("fk")
    orders = app.topic("orders", partitions=3)          # keyed by order id
    products = app.topic("products", partitions=2)      # keyed by product id
    joined = app.join_foreign_key("order-products", left=orders, right=products,
                                  foreign_key=lambda o: o["product"], kind=kind,
                                  joiner=lambda o, p: {"order": o["id"], "product": p and p["name"]})
    return app, joined


async def test_foreign_key_join_follows_both_sides_and_fk_changes() -> None:
    app, joined = fk_app("inner")
    async with TestDriver(app) as d:
        await d.send("products", key="p1", value={"name": "pen"}, timestamp=1)
        await d.send("orders", key="o1", value={"id": "o1", "product": "p1"}, timestamp=2)
        await d.send("orders", key="o2", value={"id": "o2", "product": "p2"}, timestamp=3)   # no p2 yet
        await d.send("products", key="p2", value={"name": "ink"}, timestamp=4)
        await d.send("products", key="p1", value={"name": "pencil"}, timestamp=5)
        await d.send("orders", key="o1", value={"id": "o1", "product": "p3"}, timestamp=6)   # FK change, p3 missing
        await d.send("products", key="p2", value=None, timestamp=7)                        # right delete
        out = [(o.key, o.value, o.timestamp) for o in d.outputs("fk-order-products-join")]
        assert out == [
            ("o1", {"order": "o1", "product": "pen"}, 2),
            ("o2", {"order": "o2", "product": "ink"}, 4),
            ("o1", {"order": "o1", "product": "pencil"}, 5),
            ("o1", None, 6),
            ("o2", None, 7),
        ]
        assert d.table("order-products") == {}


async def test_foreign_key_left_join_and_restart_apply_each_right_update_once(tmp_path) -> None:
    from ..conftest import memory_log, ready, running, wait_until
    app, joined = fk_app("left")
    app.configure(commit_interval=0.05, data_dir=str(tmp_path / "a"))
    async with running(app):
        await app.topics["products"].send(key="p1", value={"name": "pen"}, timestamp=1)
        await app.topics["orders"].send(key="o1", value={"id": "o1", "product": "p1"}, timestamp=2)
        await wait_until(lambda: _last(app) == {"order": "o1", "product": "pen"}, what="joined with pen")
    before = len(memory_log(app, "fk-order-products-join"))
    app.configure(commit_interval=0.05, data_dir=str(tmp_path / "b"))        # empty disk
    async with running(app) as worker:
        await ready(worker)
        await app.topics["products"].send(key="p1", value={"name": "pencil"}, timestamp=3)
        await wait_until(lambda: _last(app) == {"order": "o1", "product": "pencil"}, what="joined with pencil")
        await app.topics["orders"].send(key="o9", value={"id": "o9", "product": None}, timestamp=4)
        await wait_until(lambda: _last(app) == {"order": "o9", "product": None}, what="a later result")
    # after the restart (state rebuilt from the changelog, right side read again from the
    # start), exactly the two new results came out: "pen" was not applied a second time
    assert len(memory_log(app, "fk-order-products-join")) == before + 2


def _last(app):
    """The value of the last record the join produced (None when none)."""
    import orjson

    from streamflow.runtime.transport.memory import broker_for
    records = sorted((r for p in broker_for("memory://").topics["fk-order-products-join"] for r in p),
                     key=lambda r: r.seq)
    return orjson.loads(records[-1].value) if records and records[-1].value is not None else None
