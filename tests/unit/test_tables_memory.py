"""Tables on the embedded broker: dict semantics, changelog, recovery, co-partitioning."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.runtime.transport.memory import broker_for

from ..conftest import memory_log, ready, running, wait_until


def counting_app(tmp_path, store="rocksdb", partitions=2):
    app = streamflow.App("cnt", commit_interval=0.05, data_dir=str(tmp_path), store=store)
    clicks = app.topic("clicks", partitions=partitions)
    counts = app.table("counts", default=int, partitions=partitions)
    seen: list[int] = []

    @app.agent(clicks)
    async def count(stream):
        async for click in stream:
            counts[click["user"]] += 1
            seen.append(1)

    return app, clicks, counts, seen


async def send_clicks(topic, users):
    for u in users:
        await topic.send(key=u, value={"user": u})


@pytest.mark.parametrize("store", ["rocksdb", "memory"])
async def test_counts_are_kept_per_key_and_readable(tmp_path, store) -> None:
    app, clicks, counts, seen = counting_app(tmp_path, store)
    users = ["a", "b", "a", "c", "a", "b"]
    async with running(app):
        await send_clicks(clicks, users)
        await wait_until(lambda: len(seen) == 6, what="6 clicks")
        assert counts.as_dict() == {"a": 3, "b": 2, "c": 1}
        assert "a" in counts and "zzz" not in counts
        assert counts.get("zzz") is None


async def test_changelog_gets_latest_value_per_key_per_commit(tmp_path) -> None:
    app, clicks, counts, seen = counting_app(tmp_path, partitions=1)
    app.configure(commit_interval=60)  # one commit, at shutdown
    async with running(app):
        await send_clicks(clicks, ["a"] * 5 + ["b"] * 2)
        await wait_until(lambda: len(seen) == 7, what="7 clicks")
    log = memory_log(app, "cnt-counts-changelog")
    assert sorted((k, v) for _, _, k, v in log) == [(b"a", b"5"), (b"b", b"2")]


async def test_a_new_worker_on_an_empty_disk_rebuilds_from_the_changelog(tmp_path) -> None:
    app, clicks, counts, seen = counting_app(tmp_path / "one")
    async with running(app):
        await send_clicks(clicks, ["a", "b", "a"])
        await wait_until(lambda: len(seen) == 3, what="3 clicks")
    app.configure(data_dir=str(tmp_path / "two"))
    async with running(app) as worker:
        await ready(worker)
        assert worker.restorer.restored_records == 2
        await send_clicks(clicks, ["a"])
        await wait_until(lambda: len(seen) == 4, what="4th click")
        assert counts.as_dict() == {"a": 3, "b": 1}


async def test_restart_with_data_dir_replays_only_the_tail(tmp_path) -> None:
    app, clicks, counts, seen = counting_app(tmp_path)
    async with running(app):
        await send_clicks(clicks, [f"u{i}" for i in range(100)])
        await wait_until(lambda: len(seen) == 100, what="100 clicks")
    async with running(app) as worker:
        await ready(worker)
        assert worker.restorer.restored_records == 0
        assert len(counts.as_dict()) == 100


async def test_deletes_reach_the_changelog_as_tombstones(tmp_path) -> None:
    app = streamflow.App("del", commit_interval=0.05, data_dir=str(tmp_path))
    cmds = app.topic("cmds", partitions=1)
    kv = app.table("kv", partitions=1)
    done: list[int] = []

    @app.agent(cmds)
    async def apply(stream):
        async for cmd in stream:
            if cmd["op"] == "set":
                kv[cmd["k"]] = cmd["v"]
            else:
                del kv[cmd["k"]]
            done.append(1)

    async with running(app):
        await cmds.send(key="x", value={"op": "set", "k": "x", "v": 1})
        await wait_until(lambda: len(done) == 1, what="set")
        await wait_until(lambda: memory_log(app, "del-kv-changelog"), what="changelog")
        await cmds.send(key="x", value={"op": "del", "k": "x"})
        await wait_until(lambda: len(done) == 2, what="del")
    log = memory_log(app, "del-kv-changelog")
    assert [(k, v) for _, _, k, v in log] == [(b"x", b"1"), (b"x", None)]
    app.configure(data_dir=str(tmp_path / "fresh"))
    async with running(app) as worker:
        await ready(worker)
        assert kv.as_dict() == {}


async def test_mutable_values_read_through_the_table_are_persisted(tmp_path) -> None:
    app = streamflow.App("lists", commit_interval=0.05, data_dir=str(tmp_path))
    src = app.topic("src", partitions=1)
    history = app.table("history", default=list, partitions=1)
    done: list[int] = []

    @app.agent(src)
    async def remember(stream):
        async for v in stream:
            history["k"].append(v)
            done.append(1)

    async with running(app):
        for i in range(3):
            await src.send(key="k", value=i)
        await wait_until(lambda: len(done) == 3, what="3 events")
    app.configure(data_dir=str(tmp_path / "fresh"))
    async with running(app) as worker:
        await ready(worker)
        assert history.as_dict() == {"k": [0, 1, 2]}


async def test_table_not_copartitioned_with_its_stream_is_refused_at_start(tmp_path) -> None:
    app = streamflow.App("bad", data_dir=str(tmp_path))
    src = app.topic("src", partitions=3)
    app.table("t", partitions=4)

    @app.agent(src)
    async def a(stream):
        async for _ in stream:
            pass

    with pytest.raises(streamflow.CopartitioningError) as info:
        async with running(app):
            pass
    message = str(info.value)
    assert "table t has 4 partitions" in message and "src (3)" in message
    assert "group_by" in message


async def test_global_table_holds_every_partition_and_follows_its_topic(tmp_path) -> None:
    app = streamflow.App("glob", commit_interval=0.05, data_dir=str(tmp_path))
    customers = app.topic("customers", partitions=3)
    directory = app.global_table("customer-directory", topic=customers)
    orders = app.topic("orders", partitions=1)
    enriched: list[tuple] = []

    @app.agent(orders)
    async def enrich(stream):
        async for order in stream:
            enriched.append((order["id"], directory.get(order["customer"])))

    broker = broker_for("memory://")
    broker.create_topic("customers", 3)
    from streamflow.partitioner import partition_for
    for name in ("alice", "bob", "carol"):
        key = name.encode()
        broker.append("customers", partition_for(key, 3), [(key, f'"{name.upper()}"'.encode(), 0, None)], 0)
    async with running(app):
        # Read in its turn in the processing order (nothing on "orders" to wait for), not
        # necessarily before the worker started.
        await wait_until(lambda: "carol" in directory, what="global table read")
        assert directory["alice"] == "ALICE"
        with pytest.raises(streamflow.StreamflowError, match="read-only"):
            directory["dave"] = "x"
        await customers.send(key="dave", value="DAVE")
        await wait_until(lambda: directory.get("dave") == "DAVE", what="global table update")
        await orders.send(key="o1", value={"id": 1, "customer": "bob"})
        await wait_until(lambda: enriched, what="enriched order")
    assert enriched == [(1, "BOB")]


class _Order(streamflow.Record):
    user: str
    amount: int


@pytest.mark.parametrize("batch", [1, 3])
async def test_group_by_after_map_carries_the_mapped_items_not_the_topic_type(batch) -> None:
    """The repartition topic of ``map(...).group_by(...)`` holds the mapped items: decoding
    them as the source topic's Record type failed ("unknown field(s)") and stopped the worker.
    A group_by after only ``filter`` still hands the agent the topic's Record type."""
    from streamflow.testing import TestDriver
    app = streamflow.App("rekey-mapped", topic_partitions=2, batch_size=batch)
    orders = app.topic("orders", value_type=_Order, partitions=2)
    totals = app.table("totals", default=int)
    big = app.table("big", default=int)

    @app.agent(orders)
    async def total(stream):
        async for item in stream.map(lambda o: {"who": o.user, "n": o.amount}).group_by(
                lambda v: v["who"], name="by-who"):
            totals[item["who"]] += item["n"]

    @app.agent(orders)
    async def large(stream):
        async for order in stream.filter(lambda o: o.amount > 2).group_by(
                lambda o: o.user, name="big-by-user"):
            assert isinstance(order, _Order)
            big[order.user] += order.amount

    records = [("orders", f"k{i}", {"user": user, "amount": amount}, None)
               for i, (user, amount) in enumerate([("x", 2), ("y", 3), ("x", 5), ("z", 1)])]
    async with TestDriver(app) as driver:
        await driver.send_many(records)
        await driver.run()
        assert driver.table("totals") == {"x": 7, "y": 3, "z": 1}
        assert driver.table("big") == {"x": 5, "y": 3}


async def test_group_by_rekeys_through_a_repartition_topic(tmp_path) -> None:
    app = streamflow.App("rekey", commit_interval=0.05, data_dir=str(tmp_path), topic_partitions=4)
    views = app.topic("views", partitions=3)   # keyed by session, not by page
    per_page = app.table("per-page", default=int)
    seen: list[int] = []

    @app.agent(views)
    async def count(stream):
        async for view in stream.group_by(lambda v: v["page"], name="by-page"):
            per_page[view["page"]] += 1
            seen.append(1)

    pages = ["home", "about", "home", "pricing", "home", "about"]
    async with running(app):
        for i, page in enumerate(pages):
            await views.send(key=f"session-{i}", value={"page": page})
        await wait_until(lambda: len(seen) == len(pages), what="all views counted")
        assert per_page.as_dict() == {"home": 3, "about": 2, "pricing": 1}
    repartitioned = memory_log(app, "rekey-by-page-repartition")
    from streamflow.partitioner import partition_for
    assert len(repartitioned) == len(pages)
    for partition, _, key, _ in repartitioned:
        assert partition == partition_for(key.encode(), 4)
