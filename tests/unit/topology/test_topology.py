"""``app.topology()``: one test per kind of declaration, and the rules that cut the app into
sub-topologies (Kafka Streams' view) and task groups (the runtime's)."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

import streamflow
from streamflow.topology import Edge, Ref

P = "processor"


def edges(topology, found: str | None = None) -> set[tuple[str, str, str, str]]:
    """(source, target, role, found) with kinds folded into the names: t:x, p:x, s:x."""
    def short(ref: Ref) -> str:
        return f"{ref.kind[0]}:{ref.name}"
    return {(short(e.source), short(e.target), e.role, e.found) for e in topology.edges
            if found is None or e.found == found}


def test_agent_reads_its_topics_and_yields_to_its_sinks() -> None:
    app = streamflow.App("a", topic_partitions=3)
    src, out = app.topic("in", value_type=str, partitions=6), app.topic("out")

    @app.agent(src, sink=[out])
    async def upper(stream):
        async for v in stream:
            yield v.upper()

    t = app.topology()
    assert t.processor("upper").kind == "agent"
    assert ("t:in", "p:upper", "", "declaration") in edges(t)
    assert ("p:upper", "t:out", "", "declaration") in edges(t)
    assert t.topic("in").partitions == 6 and t.topic("in").partitions_declared
    assert t.topic("out").partitions == 3 and not t.topic("out").partitions_declared
    assert (t.topic("in").key_codec, t.topic("in").value_codec) == ("str", "str")
    keyed = streamflow.App("k", key_type="json")
    keyed.topic("t")
    assert keyed.topology().topic("t").key_codec == "json"
    assert t.readers("in") == ("upper",) and t.writers("out") == ("upper",)


def test_group_by_is_found_by_running_the_agent_to_its_first_wait() -> None:
    app = streamflow.App("shop", topic_partitions=8)
    views = app.topic("views", partitions=2)
    per_page = app.table("per-page", default=int)

    @app.agent(views)
    async def count(stream):
        async for view in stream.group_by(lambda v: v["page"], name="by-page", partitions=8):
            per_page[view["page"]] += 1

    t = app.topology()
    repartition = t.topic("shop-by-page-repartition")
    assert (repartition.kind, repartition.partitions, repartition.owner) == (
        "repartition", 8, "count.group_by(by-page)")
    assert {("t:views", "p:count.group_by(by-page)", "", "declaration"),
            ("p:count.group_by(by-page)", "t:shop-by-page-repartition", "", "declaration"),
            ("t:shop-by-page-repartition", "p:count", "", "declaration"),
            ("p:count", "s:per-page", "", "code")} <= edges(t)
    # The repartition topic is a boundary: two sub-topologies, tasks of 2 and of 8 partitions.
    first, second = t.subtopologies
    assert first.processors == ("count.group_by(by-page)",) and first.sinks == ("shop-by-page-repartition",)
    assert second.processors == ("count",) and second.stores == ("per-page",)
    assert (first.tasks, second.tasks[-1]) == (("0_0", "0_1"), "1_7")
    assert [(g.partitions, g.topics, g.stores) for g in t.task_groups] == [
        (2, ("views",), ()), (8, ("shop-by-page-repartition",), ("per-page",))]
    assert "shop-by-page-repartition" not in app.topics, "building a topology declares nothing"


def test_the_worker_declares_the_repartition_topics_the_topology_shows() -> None:
    app = streamflow.App("agree", topic_partitions=4)
    src = app.topic("src", value_type=str)

    @app.agent(src)
    async def twice(stream):
        async for _ in stream.group_by(str.upper, name="by-upper", partitions=2).group_by(str.lower, name="lower"):
            pass

    shown = {t.name: (t.partitions, t.key_codec, t.value_codec) for t in app.topology().topics
             if t.kind == "repartition"}
    from streamflow.testing import TestDriver

    async def run() -> dict:
        async with TestDriver(app) as driver:
            await driver.send("src", key="k", value="A")
            return {n: (t.declared_partitions or 4, t.key_codec.name, t.value_codec.name)
                    for n, t in app.topics.items() if n.endswith("-repartition")}
    import asyncio
    declared = asyncio.run(run())
    assert shown == declared == {"agree-by-upper-repartition": (2, "str", "str"),
                                 "agree-lower-repartition": (4, "str", "str")}


@pytest.mark.parametrize("kind", ["inner", "left"])
def test_stream_table_join_is_a_step_of_its_agent_with_the_table_as_store(kind: str) -> None:
    app = streamflow.App("j", topic_partitions=4)
    orders, customers = app.topic("orders"), app.table("customers")

    @app.agent(orders)
    async def enrich(stream):
        async for _ in stream.join(customers, kind=kind, key=lambda o: o["customer"]):
            pass

    t = app.topology()
    step = t.processor("enrich.join(customers)")
    assert (step.kind, step.details, step.agent) == ("stream-table join", (kind, "key from <lambda>"), "enrich")
    assert {("t:orders", "p:enrich.join(customers)", "", "declaration"),
            ("p:enrich.join(customers)", "s:customers", "lookup", "declaration"),
            ("p:enrich.join(customers)", "p:enrich", "", "declaration")} <= edges(t)
    assert not edges(t, "code"), "the table the agent joins is not also a guess from its code"
    assert t.store("customers").changelog == "j-customers-changelog"
    assert t.topic("j-customers-changelog").kind == "changelog"


def test_global_table_joins_no_sub_topologies_and_generates_no_tasks() -> None:
    app = streamflow.App("g", topic_partitions=4)
    products = app.global_table("products", topic=app.topic("products-topic", partitions=1))
    a, b = app.topic("a"), app.topic("b", partitions=8)

    @app.agent(a)
    async def left(stream):
        async for _ in stream.join(products):
            pass

    @app.agent(b)
    async def right(stream):
        async for _ in stream.join(products):
            pass

    t = app.topology()
    store = t.store("products")
    assert (store.kind, store.source, store.changelog, store.partitions) == ("global table", "products-topic", None, 1)
    assert len(t.subtopologies) == 2
    assert [g.partitions for g in t.task_groups] == [4, 8]  # the global topic is no task's
    assert "Global table: products (will not generate tasks)" in t.describe()


@pytest.mark.parametrize("declare,expected", [
    (lambda t: t.tumbling(60, grace=10), ("tumbling", 60_000, None, 10_000, 70_000)),
    (lambda t: t.hopping(timedelta(minutes=5), 60), ("hopping", 300_000, 60_000, 0, 300_000)),
    (lambda t: t.sliding(30, grace=5, retention=3600), ("sliding", 30_000, None, 5_000, 3_600_000)),
    (lambda t: t.session(120, agg=streamflow.agg.count()), ("session", 120_000, None, 0, 120_000)),
])
def test_windowed_table_is_a_windowed_aggregation_with_its_windows(declare, expected) -> None:
    app = streamflow.App("w", topic_partitions=4)
    clicks, out, late = app.topic("clicks"), app.topic("per-window"), app.topic("late")
    windowed = declare(app.table("clicks-per-user", default=int))
    windowed.emit_to(out, mode="final").late_to(late)

    @app.agent(clicks)
    async def count(stream):
        async for click in stream:
            windowed[click["user"]] += 1

    t = app.topology()
    store = t.store("clicks-per-user")
    w = store.window
    assert store.kind == "windowed table"
    assert (w.kind, w.size, w.step, w.grace, w.retention, w.emit_mode) == expected + ("final",)
    assert {("p:count", "p:window:clicks-per-user", "", "code"),
            ("p:window:clicks-per-user", "s:clicks-per-user", "", "declaration"),
            ("p:window:clicks-per-user", "t:per-window", "emit final", "declaration"),
            ("p:window:clicks-per-user", "t:late", "late", "declaration")} <= edges(t)
    assert len(t.subtopologies) == 1  # the agent and the aggregation it updates


def test_stream_stream_join_shows_its_window_state_and_default_output() -> None:
    app = streamflow.App("ss", topic_partitions=4)
    app.join_streams("pay", left=app.topic("orders"), right=app.topic("payments"),
                     before=60, after=timedelta(minutes=5), grace=10, kind="outer")
    t = app.topology()
    join = t.processor("join:pay")
    assert join.kind == "stream-stream join"
    assert join.details == ("outer", "left.ts - 1m <= right.ts <= left.ts + 5m", "grace 10s")
    assert {("t:orders", "p:join:pay", "left", "declaration"),
            ("t:payments", "p:join:pay", "right", "declaration"),
            ("p:join:pay", "s:pay-join-state", "", "declaration"),
            ("p:join:pay", "t:ss-pay-join", "", "declaration")} <= edges(t)
    assert (t.store("pay-join-state").kind, t.store("pay-join-state").owner) == ("join state", "pay")
    assert (t.topic("ss-pay-join").kind, t.topic("ss-pay-join").owner) == ("join output", "pay")


def test_table_table_join_reads_tables_through_their_changelogs() -> None:
    app = streamflow.App("tt", topic_partitions=4)
    users = app.table("users")
    app.join_tables("profile", left=users, right=app.topic("addresses"), kind="left",
                    into=app.topic("profiles"))
    t = app.topology()
    assert {("t:tt-users-changelog", "p:join:profile", "left", "declaration"),
            ("t:addresses", "p:join:profile", "right", "declaration"),
            ("p:join:profile", "s:profile", "result", "declaration"),
            ("p:join:profile", "t:profiles", "", "declaration")} <= edges(t)
    assert t.topic("profiles").kind == "topic"  # into= a topic of the app's: not internal
    assert t.store("profile").kind == "join result"


def test_foreign_key_join_reads_its_right_side_in_full() -> None:
    app = streamflow.App("fk", topic_partitions=4)
    app.join_foreign_key("order-product", left=app.topic("orders"), right=app.topic("products", partitions=1),
                         foreign_key=lambda o: o["product"])
    t = app.topology()
    assert ("t:products", "p:join:order-product", "read in full", "declaration") in edges(t)
    (sub,) = t.subtopologies
    assert (sub.sources, sub.broadcast_sources, sub.tasks[-1]) == (("orders",), ("products",), "0_3")
    assert [g.topics for g in t.task_groups] == [("orders",)]


def test_dead_letter_topic_appears_when_a_policy_sends_there() -> None:
    assert not [t for t in streamflow.App("d").topology().topics if t.kind == "dead letters"]
    t = streamflow.App("d", on_agent_error="dead_letter").topology()
    assert t.topic("d-dead-letters").kind == "dead letters"
    t = streamflow.App("d", on_decode_error="dead_letter", dead_letter_topic="bad").topology()
    assert t.topic("bad").kind == "dead letters"


def test_timers_and_tasks_show_what_their_code_sends_to() -> None:
    app = streamflow.App("tm")
    feed, audit = app.topic("feed"), app.topic("audit")

    @app.timer(timedelta(seconds=2), on_start=True)
    async def produce() -> None:
        await feed.send(value=1)

    @app.task
    async def hello() -> None:
        await audit.send(value="up")

    t = app.topology()
    assert t.processor("timer:produce").details == ("every 2s", "first at start")
    assert t.processor("task:hello").kind == "task"
    assert {("p:timer:produce", "t:feed", "", "code"), ("p:task:hello", "t:audit", "", "code")} <= edges(t)
    assert not t.subtopologies and not t.task_groups


def test_agents_sharing_a_store_are_one_sub_topology_and_a_topic_between_them_is_a_boundary() -> None:
    app = streamflow.App("s", topic_partitions=4)
    a, b, c = app.topic("a"), app.topic("b"), app.topic("c")
    shared = app.table("shared")

    @app.agent(a, sink=[c])
    async def one(stream):
        async for v in stream:
            shared[v] = 1
            yield v

    @app.agent(b)
    async def two(stream):
        async for v in stream:
            shared.pop(v, None)

    @app.agent(c)
    async def three(stream):
        async for _ in stream:
            pass

    t = app.topology()
    assert [s.processors for s in t.subtopologies] == [("one", "two"), ("three",)]
    assert t.subtopologies[0].sources == ("a", "b") and t.subtopologies[0].sinks == ("c",)


def test_sources_of_different_partition_counts_have_no_kafka_streams_tasks() -> None:
    app = streamflow.App("m")

    @app.agent(app.topic("x", partitions=2), app.topic("y", partitions=3))
    async def both(stream):
        async for _ in stream:
            pass

    t = app.topology()
    (sub,) = t.subtopologies
    assert (sub.partition_counts, sub.tasks) == ((2, 3), ())
    assert [g.tasks[-1] for g in t.task_groups] == [(2, 1), (3, 2)]
    assert "Kafka Streams refuses; streamflow runs it" in t.describe()


def test_an_agent_that_fails_or_never_iterates_is_shown_with_a_note() -> None:
    app = streamflow.App("n")
    t_in = app.topic("in")

    @app.agent(t_in)
    async def broken(stream):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    @app.agent(t_in)
    async def stuck(stream):
        import asyncio
        await asyncio.sleep(3600)
        async for _ in stream.group_by(str, name="never"):
            pass

    @app.agent(t_in)
    async def done(stream):
        return

    t = app.topology(timeout=0.2)
    assert {p.name for p in t.processors} == {"broken", "stuck", "done"}
    assert [n.split(":")[0] for n in t.notes] == [
        "agent broken raised RuntimeError before iterating its stream",
        "agent stuck did not start iterating its stream within 0.2s"]


def test_a_table_no_consumed_topic_matches_is_noted() -> None:
    app = streamflow.App("c", topic_partitions=4)
    app.table("odd", partitions=6)

    @app.agent(app.topic("in"))
    async def a(stream):
        async for _ in stream:
            pass

    assert any("table odd has 6 partitions" in n for n in app.topology().notes)


async def test_topology_can_be_built_from_a_running_event_loop() -> None:
    app = streamflow.App("loop")

    @app.agent(app.topic("in"))
    async def a(stream):
        async for _ in stream.group_by(str, name="g"):
            pass

    from streamflow.topology import build_topology_async
    assert app.topology().topic("loop-g-repartition") == (await build_topology_async(app)).topic("loop-g-repartition")


def test_a_topology_is_immutable() -> None:
    t = streamflow.App("i").topology()
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.app_id = "other"  # type: ignore[misc]
    assert isinstance(t.edges, tuple) and isinstance(t.topics, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Edge(Ref("topic", "a"), Ref(P, "b")).role = "x"  # type: ignore[misc]


def test_table_from_topic_is_applied_by_its_internal_agent_and_has_no_changelog() -> None:
    app = streamflow.App("tft", topic_partitions=4)
    prices = app.topic("prices")
    table = app.table("prices", topic=prices)

    @app.agent(app.topic("orders"))
    async def price(stream):
        async for _ in stream.join(table):
            pass

    t = app.topology()
    store = t.store("prices")
    assert (store.kind, store.source, store.changelog) == ("table from topic", "prices", None)
    assert t.topic("prices").kind == "topic"  # the topic is the changelog, and stays the user's
    assert {("t:prices", "p:table:prices", "", "declaration"),
            ("p:table:prices", "s:prices", "", "declaration")} <= edges(t)
    assert [s.processors for s in t.subtopologies] == [("table:prices", "price.join(prices)", "price")]
    assert not t.notes


def test_through_merge_branch_and_to_are_discovered() -> None:
    app = streamflow.App("ops", topic_partitions=4)
    a, b, mid = app.topic("a"), app.topic("b"), app.topic("mid", partitions=2)
    big, rest = app.topic("big"), app.topic("rest")

    @app.agent(a)
    async def route(stream):
        await (stream.merge(b).through(mid)
               .branch(lambda v: v > 10, to=big)
               .to(rest))

    t = app.topology()
    assert t.processor("route.through(mid)").kind == "through"
    assert {("t:a", "p:route.through(mid)", "", "declaration"),
            ("t:b", "p:route.through(mid)", "", "declaration"),
            ("p:route.through(mid)", "t:mid", "", "declaration"),
            ("t:mid", "p:route", "", "declaration"),
            ("p:route", "t:big", "branch", "declaration"),
            ("p:route", "t:rest", "to", "declaration")} <= edges(t)
    assert not edges(t, "code"), "declared outputs are not guessed again from the code"
    assert t.topic("mid").kind == "topic" and [g.partitions for g in t.task_groups] == [2, 4]
