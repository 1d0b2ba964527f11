"""The output is a function of the input alone (issue 11): appending a whole input at once
(``send_many``, fetched in random ``batch_size`` cuts, over several partitions) gives the same
output as sending it one record at a time in the merged timestamp order
(``tests/ordering.py``), for every join kind, every window kind and mode, and ``group_by``.

Outputs are compared per output topic and key, in production order: a key's results come
from one task, whose order is defined; different tasks are independent, so how their results
interleave is not. Tables are compared whole.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import streamflow
from streamflow.partitioner import partition_for
from streamflow.testing import TestDriver

from ..ordering import merged_order

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)
batch_sizes = st.sampled_from([1, 2, 3, 5, 1000])
partition_counts = st.integers(min_value=1, max_value=3)
keys = st.sampled_from(["a", "b", "c"])
stamps = st.integers(min_value=0, max_value=25)   # ms: small, so ties and windows happen


def reference_order(app: streamflow.App, records: list[tuple], shared: set[str]) -> list[tuple]:
    """The records in the order the README defines: per partition in append order, merged by
    head timestamp; ties to global/foreign-key topics first, then topics by name."""
    parts: dict[tuple, list[tuple]] = {}
    for record in records:
        topic, key = app.topics[record[0]], record[1]
        p = partition_for(topic.encode_key(key), topic.partitions)
        parts.setdefault((record[0] not in shared, record[0], p), []).append(record)
    return merged_order(parts, timestamp=lambda r: r[3])


async def outputs_of(make_app: Callable[[], streamflow.App], records: list[tuple], *,
                     at_once: bool, batch_size: int, shared: set[str], out: list[str],
                     tables: list[str]) -> tuple[dict, dict]:
    app = make_app()
    app.configure(batch_size=batch_size if at_once else 1000)
    async with TestDriver(app) as d:
        if at_once:
            await d.send_many(records)
        else:
            for topic, key, value, ts in reference_order(app, records, shared):
                await d.send(topic, key=key, value=value, timestamp=ts)
        await d.flush_windows()
        per_key: dict[tuple, list] = {}
        for name in out:
            for o in d.outputs(name):
                per_key.setdefault((name, repr(o.key)), []).append((o.value, o.timestamp))
        return per_key, {name: d.table(name) for name in tables}


async def check(make_app: Callable[[], streamflow.App], records: list[tuple], batch_size: int,
                out: list[str], tables: list[str] = (), shared: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    kw: dict[str, Any] = dict(shared=set(shared), out=out, tables=list(tables))
    together = await outputs_of(make_app, records, at_once=True, batch_size=batch_size, **kw)
    one_by_one = await outputs_of(make_app, records, at_once=False, batch_size=batch_size, **kw)
    assert together == one_by_one


def records_of(*topics: tuple[str, Any]) -> Any:
    """Lists of (topic, key, value, timestamp) over ``(topic name, value strategy)``."""
    return st.lists(st.one_of(*[st.tuples(st.just(t), keys, values, stamps) for t, values in topics]),
                    max_size=24)


small = st.one_of(st.none(), st.integers(min_value=0, max_value=9))


# -- joins declared on the app ---------------------------------------------------------------

def join_app(join: str, kind: str, n: int, grace: float = 0) -> Callable[[], streamflow.App]:
    def make() -> streamflow.App:
        app = streamflow.App("inv")
        left, right = app.topic("left", partitions=n), app.topic("right", partitions=n)
        out = app.topic("out", partitions=n)
        if join == "streams":
            app.join_streams("j", left=left, right=right, within=0.005, grace=grace, kind=kind, into=out)
        else:
            app.join_tables("j", left=left, right=right, kind=kind, into=out)
        return app
    return make


@pytest.mark.parametrize("kind", ["inner", "left", "outer"])
@SETTINGS
@given(records=records_of(("left", small), ("right", small)), batch_size=batch_sizes,
       n=partition_counts, grace=st.sampled_from([0, 0.003]))
async def test_stream_stream_join(kind, records, batch_size, n, grace) -> None:
    await check(join_app("streams", kind, n, grace), records, batch_size, ["out"])


@pytest.mark.parametrize("kind", ["inner", "left", "outer"])
@SETTINGS
@given(records=records_of(("left", small), ("right", small)), batch_size=batch_sizes,
       n=partition_counts)
async def test_table_table_join(kind, records, batch_size, n) -> None:
    await check(join_app("tables", kind, n), records, batch_size, ["out"], tables=["j"])


def fk_app(kind: str, n: int) -> Callable[[], streamflow.App]:
    def make() -> streamflow.App:
        app = streamflow.App("inv")
        orders, products = app.topic("orders", partitions=n), app.topic("products", partitions=2)
        app.join_foreign_key("fk", left=orders, right=products, kind=kind,
                             foreign_key=lambda o: o["p"], into=app.topic("out", partitions=n))
        return app
    return make


@pytest.mark.parametrize("kind", ["inner", "left"])
@SETTINGS
@given(records=records_of(("orders", st.one_of(st.none(), st.builds(lambda p: {"p": p}, keys))),
                          ("products", small)),
       batch_size=batch_sizes, n=partition_counts)
async def test_foreign_key_join(kind, records, batch_size, n) -> None:
    await check(fk_app(kind, n), records, batch_size, ["out"], tables=["fk"], shared={"products"})


# -- stream-table joins in agents ------------------------------------------------------------

def stream_table_app(kind: str, n: int, table_kind: str) -> Callable[[], streamflow.App]:
    def make() -> streamflow.App:
        app = streamflow.App("inv")
        orders = app.topic("orders", partitions=n)
        out = app.topic("out", partitions=n)
        if table_kind == "global-table":
            table = app.global_table("prices", topic=app.topic("prices", partitions=2))
        elif table_kind == "topic-table":  # updated by the table itself, not by an agent
            table = app.table("book", topic=app.topic("prices", partitions=n))
        else:
            updates = app.topic("prices", partitions=n)
            table = app.table("book", partitions=n)

            @app.agent(updates)
            async def keep_prices(stream):
                async for event in stream.events():
                    if event.value is None:
                        table.pop(event.key, None)
                    else:
                        table[event.key] = event.value

        @app.agent(orders, sink=[out])
        async def enrich(stream):
            async for order, price in stream.join(table, kind=kind, key=lambda o: o["k"]):
                yield {"order": order["i"], "price": price}
        return app
    return make


orders_values = st.builds(lambda k, i: {"k": k, "i": i}, keys, st.integers(min_value=0, max_value=99))


@pytest.mark.parametrize("kind", ["inner", "left"])
@pytest.mark.parametrize("table_kind", ["table", "topic-table", "global-table"])
@SETTINGS
@given(records=st.lists(st.one_of(
           st.tuples(st.just("orders"), keys, orders_values, stamps),
           st.tuples(st.just("prices"), keys, small, stamps)), max_size=24),
       batch_size=batch_sizes, n=partition_counts)
async def test_stream_table_join(kind, table_kind, records, batch_size, n) -> None:
    # orders are looked up by their "k" field: keep it equal to the key (co-partitioned)
    records = [(t, k, dict(v, k=k) if t == "orders" else v, ts) for t, k, v, ts in records]
    await check(stream_table_app(kind, n, table_kind), records, batch_size, ["out"],
                shared={"prices"} if table_kind == "global-table" else set())


# -- windows, fed by two topics, or through group_by ------------------------------------------

WINDOWS = {
    "tumbling": lambda t: t.tumbling(0.01, grace=0.005, agg=_arrivals()),
    "hopping": lambda t: t.hopping(0.01, 0.005, grace=0.005, agg=_arrivals()),
    "sliding": lambda t: t.sliding(0.01, grace=0.005, agg=_arrivals()),
    "session": lambda t: t.session(0.005, grace=0.005, agg=_arrivals()),
}


def _arrivals() -> Any:
    """The values in the order they were applied: any change of order shows."""
    return streamflow.agg.aggregate(list, lambda acc, v: acc + [v], merger=lambda a, b: a + b)


def window_app(window: str, mode: str, n: int, regroup: bool) -> Callable[[], streamflow.App]:
    def make() -> streamflow.App:
        app = streamflow.App("inv")
        clicks_a, clicks_b = app.topic("clicks-a", partitions=n), app.topic("clicks-b", partitions=n)
        out = app.topic("out", partitions=2)
        table = WINDOWS[window](app.table("w", partitions=2 if regroup else n))
        table.emit_to(out, mode=mode)

        if regroup:
            @app.agent(clicks_a, clicks_b)
            async def count(stream):
                async for click in stream.group_by(lambda v: v["page"], name="by-page", partitions=2):
                    table.add(click["page"], click["i"])
        else:
            @app.agent(clicks_a, clicks_b)
            async def count(stream):
                async for event in stream.events():
                    table.add(event.key, event.value["i"])
        return app
    return make


clicks = st.builds(lambda page, i: {"page": page, "i": i}, keys, st.integers(min_value=0, max_value=99))


@pytest.mark.parametrize("mode", ["update", "final"])
@pytest.mark.parametrize("window", list(WINDOWS))
@SETTINGS
@given(records=records_of(("clicks-a", clicks), ("clicks-b", clicks)), batch_size=batch_sizes,
       n=partition_counts, regroup=st.booleans())
async def test_windowed_aggregation(window, mode, records, batch_size, n, regroup) -> None:
    await check(window_app(window, mode, n, regroup), records, batch_size, ["out"])
