"""The worker runs the app's topology: what agents declare at their top is planned once, at
start, and the running agents are wired from that plan."""
from __future__ import annotations

import pytest

import streamflow
from streamflow.exceptions import AgentError, CopartitioningError
from streamflow.testing import TestDriver


async def test_an_agent_top_may_read_a_table_partition_count_for_its_group_by() -> None:
    app = streamflow.App("wire-count", topic_partitions=4)
    views = app.topic("views", value_type=dict, partitions=2)
    per_page = app.table("per-page", default=int, partitions=3)

    @app.agent(views)
    async def count(stream):
        # The table's partition count is the broker's, read while the topology is built.
        async for view in stream.group_by(lambda v: v["page"], name="by-page",
                                          partitions=per_page.partitions):
            per_page[view["page"]] += 1

    async with TestDriver(app) as driver:
        for i in range(12):
            await driver.send("views", key=f"s{i}", value={"page": f"p{i % 3}"})
        assert driver.table("per-page") == {"p0": 4, "p1": 4, "p2": 4}
        assert driver.worker.partition_count("wire-count-by-page-repartition") == 3


async def test_a_group_by_called_after_the_agent_started_iterating_is_an_error() -> None:
    app = streamflow.App("wire-late")
    src = app.topic("src", value_type=str)

    @app.agent(src)
    async def late(stream):
        async for _ in stream:
            stream.group_by(str.upper, name="late")

    with pytest.raises(AgentError, match=r"group_by\('late'\) was not seen when the worker "
                                         r"planned the app's topology: call it at the top"):
        async with TestDriver(app) as driver:
            await driver.send("src", key="k", value="a")


async def test_a_merge_called_after_the_agent_started_iterating_is_an_error() -> None:
    app = streamflow.App("wire-merge")
    src, other = app.topic("src", value_type=str), app.topic("other", value_type=str)

    @app.agent(src)
    async def late(stream):
        async for _ in stream:
            stream.merge(other)

    with pytest.raises(AgentError, match=r"merge\('other'\) was not seen"):
        async with TestDriver(app) as driver:
            await driver.send("src", key="k", value="a")


async def test_a_join_with_a_table_of_another_partition_count_fails_before_any_record() -> None:
    app = streamflow.App("wire-join")
    orders = app.topic("orders", partitions=4)
    customers = app.table("customers", partitions=2)
    seen = []

    @app.agent(orders)
    async def enrich(stream):
        async for pair in stream.join(customers):
            seen.append(pair)

    @app.agent(app.topic("other", partitions=2))
    async def fill(stream):  # so that the table has a co-partitioned stream
        async for _ in stream:
            pass

    driver = TestDriver(app)
    with pytest.raises(CopartitioningError, match="cannot join orders .4 partitions. with "
                                                  "table customers"):
        await driver.start()
    await driver.stop()
    assert seen == []
