"""The kinds of table keep their own contracts: a windowed table is not a table of one row per
key, so using it where one is expected is a clear error instead of a silent "no row"; global
tables and tables fed from a topic have no writes; a table that became windowed is spent."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.testing import TestDriver


def windowed_app() -> tuple[streamflow.App, streamflow.WindowedTable]:
    app = streamflow.App("kinds", topic_partitions=2)
    clicks = app.topic("clicks")
    per_minute = app.table("per-minute", default=int).tumbling(60)

    @app.agent(clicks)
    async def count(stream):
        async for user in stream:
            per_minute[user] += 1
    return app, per_minute


async def test_a_stream_joined_with_a_windowed_table_fails_when_its_agent_starts() -> None:
    app, per_minute = windowed_app()
    orders = app.topic("orders")
    enriched: list = []

    @app.agent(orders)
    async def enrich(stream):
        async for order, count in stream.join(per_minute, kind="left"):
            enriched.append((order, count))

    with pytest.raises(streamflow.AgentError,
                       match="stream.join in agent enrich: per-minute is a windowed table, with "
                             "one value per key and window, not one row per key"):
        async with TestDriver(app) as driver:
            await driver.send("clicks", key="u1", value="u1")
            await driver.send("orders", key="u1", value="o1")
    assert enriched == []


@pytest.mark.parametrize("join", ["join_tables", "join_foreign_key"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_table_join_with_a_windowed_table_is_refused_when_declared(join: str, side: str) -> None:
    app, per_minute = windowed_app()
    other = app.table("other")
    sides = {"left": other, "right": other, side: per_minute}
    extra = {"foreign_key": lambda v: v} if join == "join_foreign_key" else {}
    with pytest.raises(streamflow.ConfigError, match="per-minute is a windowed table, with one "
                                                     "value per key and window"):
        getattr(app, join)("both", **sides, **extra)


def test_a_table_join_with_a_global_table_is_refused_when_declared() -> None:
    app = streamflow.App("kinds")
    directory = app.global_table("directory", topic="customers")
    with pytest.raises(streamflow.ConfigError, match="directory is a global table, held in full "
                                                     "by every worker; join its topic customers"):
        app.join_tables("both", left=app.table("orders"), right=directory)


def test_a_windowed_table_has_no_reads_of_a_plain_key() -> None:
    _, per_minute = windowed_app()
    assert not isinstance(per_minute, streamflow.Table)
    for name in ("get", "pop", "lookup", "keys", "values"):
        assert not hasattr(per_minute, name), name
    says = "windowed table per-minute: .* has a value per key and window: read windows with"
    # Without their own refusal these would fall back to per_minute[0], [1], ... for ever.
    with pytest.raises(TypeError, match=says):
        "u1" in per_minute  # noqa: B015
    with pytest.raises(TypeError, match=says):
        list(per_minute)
    with pytest.raises(TypeError, match=says):
        dict(per_minute.items())


def test_read_only_tables_have_no_writes_but_one_clear_error() -> None:
    app = streamflow.App("kinds")
    directory = app.global_table("directory", topic="customers")
    prices = app.table("prices", topic="price-updates")
    for table, says in ((directory, "global table directory is read-only: write to its topic "
                                    "customers"),
                        (prices, "table prices is fed from topic price-updates: send to the "
                                 "topic")):
        assert not isinstance(table, streamflow.Table) and not hasattr(table, "pop")
        with pytest.raises(streamflow.StreamflowError, match=says):
            table["k"] = 1
        with pytest.raises(streamflow.StreamflowError, match=says):
            del table["k"]


async def test_a_table_that_became_windowed_is_spent() -> None:
    app = streamflow.App("kinds", topic_partitions=2)
    clicks = app.topic("clicks")
    base = app.table("per-minute", default=int)
    per_minute = base.tumbling(60)

    @app.agent(clicks)
    async def count(stream):
        async for user in stream:
            base[user] += 1   # the windowed table's partitions: would corrupt its windows

    assert app.tables["per-minute"] is per_minute
    with pytest.raises(streamflow.StreamflowError, match="table per-minute became windowed table "
                                                         "per-minute: use that"):
        base.tumbling(30)
    with pytest.raises(streamflow.AgentError, match="table per-minute became windowed table "
                                                    "per-minute"):
        async with TestDriver(app) as driver:
            await driver.send("clicks", key="u1", value="u1")
