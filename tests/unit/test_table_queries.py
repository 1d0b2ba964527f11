"""Interactive queries over HTTP on memory:// (the test driver's workers, each with its own
server): the owner answers with the committed value, a non-owner redirects to the owner's
advertised address, windows by time range, global tables from anyone, bad keys refused."""
from __future__ import annotations

from typing import Any

import aiohttp
import orjson

import streamflow
from streamflow.partitioner import partition_for
from streamflow.runtime.transport.assignor import hosts_of, owners_from
from streamflow.runtime.web.table_queries import parse_key
from streamflow.testing import TestDriver


def shop():
    app = streamflow.App("queries", web_port=0)
    orders = app.topic("orders", partitions=4)
    customers = app.topic("customers", partitions=2)
    totals = app.table("totals", default=int, partitions=4)
    per_minute = app.table("per-minute", default=int, partitions=4).tumbling(60, retention=3600)
    app.global_table("customer-names", topic=customers)

    @app.agent(orders)
    async def add(stream):
        async for order in stream:
            totals[order["customer"]] += order["amount"]
            per_minute[order["customer"]] += order["amount"]

    return app


async def get(url: str) -> tuple[int, Any, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, allow_redirects=False) as response:
            return response.status, orjson.loads(await response.read()), dict(response.headers)


def owner_of(d: TestDriver, key: str, partitions: int = 4) -> tuple[Any, Any]:
    p = partition_for(key.encode(), partitions)
    [owner] = [w for w in d.workers if ("totals", p) in w.tables.active]
    [other] = [w for w in d.workers if w is not owner]
    return owner, other


async def test_the_owner_answers_and_the_other_worker_redirects_to_it() -> None:
    app = shop()
    async with TestDriver(app) as d:
        await d.rebalance(2)
        for i in range(20):
            await d.send("orders", key=f"c{i % 6}", value={"customer": f"c{i % 6}", "amount": i},
                         timestamp=1_000 * i)
        await d.commit()
        for customer in (f"c{i}" for i in range(6)):
            total = sum(i for i in range(20) if i % 6 == int(customer[1:]))
            owner, other = owner_of(d, customer)
            status, body, _ = await get(f"{owner.web.url}/tables/totals/{customer}")
            assert (status, body["value"], body["key"]) == (200, total, customer)
            status, body, headers = await get(f"{other.web.url}/tables/totals/{customer}")
            assert status == 307 and body["owner"] == owner.web.url
            assert headers["Location"] == f"{owner.web.url}/tables/totals/{customer}"
            status, body, _ = await get(f"{other.web.url}/tables/totals?key={customer}")
            assert status == 307   # the ?key= form too, its query kept in the redirect
            async with aiohttp.ClientSession() as session:   # a client that follows it
                async with session.get(f"{other.web.url}/tables/totals/{customer}") as response:
                    assert (response.status, (await response.json())["value"]) == (200, total)


async def test_values_are_the_committed_ones() -> None:
    app = shop()
    async with TestDriver(app, commit_every_step=False) as d:
        await d.send("orders", key="c1", value={"customer": "c1", "amount": 5})
        url = d.worker.web.url
        assert (await get(f"{url}/tables/totals/c1"))[0] == 404   # not committed yet
        await d.commit()
        assert (await get(f"{url}/tables/totals/c1"))[1]["value"] == 5
        await d.send("orders", key="c1", value={"customer": "c1", "amount": 7})
        assert (await get(f"{url}/tables/totals/c1"))[1]["value"] == 5
        await d.commit()
        assert (await get(f"{url}/tables/totals/c1"))[1]["value"] == 12


async def test_windowed_tables_list_the_windows_in_a_time_range() -> None:
    app = shop()
    async with TestDriver(app) as d:
        for ts, amount in [(1_000, 1), (30_000, 2), (61_000, 4), (130_000, 8)]:
            await d.send("orders", key="c1", value={"customer": "c1", "amount": amount}, timestamp=ts)
        url = d.worker.web.url
        status, body, _ = await get(f"{url}/tables/per-minute/c1")
        assert status == 200 and body["windows"] == [
            {"start": 0, "end": 60_000, "value": 3}, {"start": 60_000, "end": 120_000, "value": 4},
            {"start": 120_000, "end": 180_000, "value": 8}]
        _, body, _ = await get(f"{url}/tables/per-minute/c1?from=60000&to=120000")
        assert [w["start"] for w in body["windows"]] == [60_000, 120_000]
        status, body, _ = await get(f"{url}/tables/per-minute/c1?from=yesterday")
        assert status == 400 and "from='yesterday'" in body["error"]


async def test_global_tables_answer_from_every_worker() -> None:
    app = shop()
    async with TestDriver(app) as d:
        await d.rebalance(2)
        await d.send("customers", key="c1", value="Ada")
        await d.send("orders", key="c1", value={"customer": "c1", "amount": 1})  # moves time on
        for worker in d.workers:
            status, body, _ = await get(f"{worker.web.url}/tables/customer-names/c1")
            assert (status, body["value"]) == (200, "Ada")


async def test_listing_and_errors() -> None:
    app = shop()
    async with TestDriver(app) as d:
        await d.rebalance(2)
        first, second = d.workers
        status, body, _ = await get(f"{first.web.url}/tables")
        assert status == 200 and body["worker"] == first.web.url
        totals = next(t for t in body["tables"] if t["name"] == "totals")
        assert totals["kind"] == "table" and totals["partitions"] == 4
        assert totals["held"] == totals["ready"] == sorted(p for n, p in first.tables.active if n == "totals")
        assert len(totals["held"]) == 2
        status, body, _ = await get(f"{first.web.url}/tables/nope/c1")
        assert status == 404 and "has no table 'nope'" in body["error"]
        assert (await get(f"{first.web.url}/tables/totals"))[1]["held"] == totals["held"]


def test_keys_are_read_in_the_table_key_format() -> None:
    app = streamflow.App("query-keys")
    text = app.table("by-name")
    numbers = app.table("by-id", key_type=int)
    assert parse_key(text, "user-42") == ("user-42", b"user-42")
    assert parse_key(numbers, "42") == (42, b"42")
    try:
        parse_key(numbers, "user-42")
    except ValueError as exc:
        assert "'user-42' is not a key of table by-id" in str(exc) and "JSON" in str(exc)
    else:
        raise AssertionError("a text key for a JSON-keyed table was taken")


def test_owners_travel_with_the_assignment() -> None:
    plan = {"m1": [(4, 0), (4, 2)], "m2": [(4, 1), (4, 3)], "m3": []}
    hosts = hosts_of(plan, {"m1": "http://w1:6066", "m2": None, "m3": "http://w3:6066"})
    assert hosts == {"http://w1:6066": [(4, 0), (4, 2)]}
    decoded = orjson.loads(orjson.dumps(hosts))   # as the assignment's user data carries it
    assert owners_from(decoded) == {(4, 0): "http://w1:6066", (4, 2): "http://w1:6066"}
