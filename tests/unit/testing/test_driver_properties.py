"""Crashes and rebalances at random points never change what an app computes.

One app counts clicks per user in a table (one output per click), counts them per 10 s
tumbling window (final results, emitted at the end of the input) and left-joins them with
views of the same user. Its windows and join window are wide enough that no record is late,
so what it computes does not depend on how the input is batched: a run without failures is
the reference. Then:

- exactly-once: with crashes anywhere (after any number of records, at any commit phase,
  any batch size, in-memory or RocksDB stores), committed output and final tables equal the
  reference;
- at-least-once: nothing is lost (every click counted and answered, every window and match
  present), counts only ever too high;
- rebalances over 1 to 3 workers (with crashes too, exactly-once) change nothing.
"""
from __future__ import annotations

import asyncio
import collections
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import streamflow
from streamflow.testing import TestDriver
from streamflow.testing.crashes import PHASES

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True)
USERS = 5


def pipeline(guarantee: str, batch_size: int) -> streamflow.App:
    app = streamflow.App("prop", processing_guarantee=guarantee, batch_size=batch_size,
                         topic_partitions=3)
    clicks, views = app.topic("clicks"), app.topic("views")
    counted = app.topic("counted")
    counts = app.table("counts", default=int)
    per_window = app.table("per-window", default=int).tumbling(10, grace=1000)
    per_window.emit_to(app.topic("windows"), mode="final")
    app.join_streams("cv", left=clicks, right=views, within=1000, kind="left",
                     into=app.topic("joined"))

    @app.agent(clicks)
    async def count(stream):
        async for click in stream:
            user = click["u"]
            counts[user] += 1
            per_window[user] += 1
            await counted.send(key=user, value={"n": counts[user], "id": click["id"]})
    return app


# -- inputs and failures -----------------------------------------------------------------------
@st.composite
def inputs(draw: Any) -> list[list[tuple]]:
    """Chunks of clicks and views, timestamps moving forward within a minute."""
    records = []
    for i in range(draw(st.integers(1, 40))):
        topic = draw(st.sampled_from(["clicks", "clicks", "views"]))
        user = f"u{draw(st.integers(0, USERS - 1))}"
        value = {"u": user, "id": i} if topic == "clicks" else {"u": user, "view": i}
        records.append((topic, user, value, i * 1_500 + draw(st.integers(0, 1_000))))
    cuts = sorted(set(draw(st.lists(st.integers(1, len(records)), max_size=3))))
    bounds = [0, *cuts, len(records)]
    return [records[a:b] for a, b in zip(bounds, bounds[1:]) if a < b]


def crash_points(guarantee: str) -> Any:
    return st.one_of(st.none(), st.integers(0, 12).map(lambda k: ("after_records", k)),
                     st.sampled_from(PHASES[guarantee]).map(lambda p: ("phase", p)))


async def run(app: streamflow.App, chunks: list[list[tuple]], *, store: str = "memory",
              commit_every_step: bool = True, plan: list[Any] | None = None) -> dict[str, Any]:
    """Send ``chunks``; before chunk i, ``plan[i]`` is a crash point (("after_records", k)
    or ("phase", name)), a worker count (a rebalance) or None. The results at the end."""
    plan = plan or [None] * len(chunks)
    async with TestDriver(app, store=store, commit_every_step=commit_every_step) as d:
        for chunk, step in zip(chunks, plan):
            if isinstance(step, int):
                await d.rebalance(workers=step)
            elif step is not None:
                worker = len(d.workers) - 1
                d.crash_at(**{step[0]: step[1]}, worker=worker)
            await d.send_many(chunk)
        await d.commit()  # a crash armed at a commit phase happens here, if not before
        d.cancel_crash()  # armed after more records than came
        await d.flush_windows()  # the end of the input
        await d.commit()
        return {topic: collections.Counter(_hashable((o.key, o.value)) for o in d.outputs(topic))
                for topic in ("counted", "windows", "joined")} | {"counts": d.table("counts"),
                                                                  "crashes": d.crashes}


def _hashable(x: Any) -> Any:
    if isinstance(x, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return tuple(_hashable(v) for v in x)
    return x


def results(app_args: tuple, chunks: list[list[tuple]], **kwargs: Any) -> dict[str, Any]:
    return asyncio.run(run(pipeline(*app_args), chunks, **kwargs))


def reference(guarantee: str, chunks: list[list[tuple]]) -> dict[str, Any]:
    return results((guarantee, 2000), chunks)


def assert_nothing_lost(got: dict[str, Any], expected: dict[str, Any]) -> None:
    clicked = {dict(v)["id"] for _, v in expected["counted"]}
    assert {dict(v)["id"] for _, v in got["counted"]} == clicked, "a click went unanswered"
    for user, n in expected["counts"].items():
        assert got["counts"][user] >= n, f"{user} counted {got['counts'][user]} < {n}"
    windows = {k: dict(v)["value"] for k, v in got["windows"]}
    for key, value in expected["windows"]:
        assert windows.get(key, 0) >= dict(value)["value"], f"window {key} lost counts"
    assert set(expected["joined"]) <= set(got["joined"]), "a join result was lost"


# -- the properties ----------------------------------------------------------------------------
@SETTINGS
@given(chunks=inputs(), batch_size=st.sampled_from([1, 2, 3, 7, 100]),
       store=st.sampled_from(["memory", "rocksdb"]), commit_every_step=st.booleans(),
       data=st.data())
def test_exactly_once_output_is_the_same_whatever_crashes(chunks, batch_size, store,
                                                          commit_every_step, data) -> None:
    plan = [data.draw(crash_points("exactly_once")) for _ in chunks]
    got = results(("exactly_once", batch_size), chunks, store=store,
                  commit_every_step=commit_every_step, plan=plan)
    expected = reference("exactly_once", chunks)
    assert got.pop("crashes") <= sum(p is not None for p in plan)
    expected.pop("crashes")
    assert got == expected


@SETTINGS
@given(chunks=inputs(), batch_size=st.sampled_from([1, 2, 3, 7, 100]),
       store=st.sampled_from(["memory", "rocksdb"]), commit_every_step=st.booleans(),
       data=st.data())
def test_at_least_once_crashes_never_lose_anything(chunks, batch_size, store,
                                                   commit_every_step, data) -> None:
    plan = [data.draw(crash_points("at_least_once")) for _ in chunks]
    got = results(("at_least_once", batch_size), chunks, store=store,
                  commit_every_step=commit_every_step, plan=plan)
    assert_nothing_lost(got, reference("at_least_once", chunks))


@SETTINGS
@given(chunks=inputs(), batch_size=st.sampled_from([1, 3, 100]),
       guarantee=st.sampled_from(["at_least_once", "exactly_once"]), data=st.data())
def test_rebalances_change_no_result(chunks, batch_size, guarantee, data) -> None:
    steps = st.one_of(st.none(), st.integers(1, 3))
    if guarantee == "exactly_once":
        steps = st.one_of(steps, crash_points(guarantee))
    plan = [data.draw(steps) for _ in chunks]
    got = results((guarantee, batch_size), chunks, commit_every_step=data.draw(st.booleans()),
                  plan=plan)
    got.pop("crashes")
    expected = reference(guarantee, chunks)
    expected.pop("crashes")
    if guarantee == "exactly_once":
        assert got == expected
    else:
        assert_nothing_lost(got, expected)


def test_the_properties_see_crashes_and_rebalances_happen() -> None:
    """The runs above are not vacuous: planned crashes do happen, and workers do share."""
    chunks = [[("clicks", f"u{i % USERS}", {"u": f"u{i % USERS}", "id": i}, i * 100)
               for i in range(a, a + 10)] for a in (0, 10, 20)]
    got = results(("exactly_once", 2), chunks,
                  plan=[("after_records", 3), 3, ("phase", "after_offsets")])
    assert got.pop("crashes") == 2
    expected = reference("exactly_once", chunks)
    expected.pop("crashes")
    assert got == expected
