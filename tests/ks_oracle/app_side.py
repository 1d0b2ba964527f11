"""One scenario through a streamflow *app* (the DSL on the TestDriver), not just the operators.

The operators are compared in ``compare.py``; this runs the same scenario the way a user
writes it (a windowed table fed by an agent, ``app.join_streams``, ``app.join_tables``,
``app.join_foreign_key``, ``stream.join(table)``, ``stream.join(global_table, key=...)``) so that the wiring between topics and
operators (keys, null keys and values, timestamps, partitions) is compared with Kafka too.
Inputs and outputs are strings; output topics have one partition so that their order is the
order of production. ``app_partitions`` (table joins only) spreads the inputs over that many
partitions by key hash, as a user's topics would; Kafka's result does not depend on it.
``app_store`` picks the table store (``memory`` or ``rocksdb``, the production default).
``app_restart_at``: before that input, the app stops and starts again on an empty disk
(``TestDriver.restart(lose_disk=True)``: state restored from the changelogs); Kafka's
uninterrupted result must still come out. Returns rows in ``compare``'s format.
"""
from __future__ import annotations

import asyncio
from typing import Any

import streamflow
from streamflow import aggregations
from streamflow.testing import TestDriver

__all__ = ["app_rows"]


def _joiner(left: Any, right: Any) -> str:
    return f"({'null' if left is None else left},{'null' if right is None else right})"


def _fk(value: str) -> str | None:
    fk = value.split(":")[0]
    return None if fk == "_" else fk


def _window_app(s: dict[str, Any], partitions: int) -> streamflow.App:
    app = streamflow.App("ks-oracle-window")
    # JSON keys and values, text keys (the default) and JSON values, or str keys and values:
    # the first two let the windowed table splice its results (JSON keys as they are, text
    # keys as JSON strings), a path of its own
    codec = s.get("app_codec", "str")
    types = {"json": {"key_type": "json"}, "text": {}, "str": {"key_type": str}}[codec]
    source = app.topic("input", value_type=str if codec == "str" else None,
                       partitions=partitions, **types)
    out = app.topic("out", partitions=1)
    base = app.table("agg", partitions=partitions, **types)
    agg = aggregations.aggregate(
        lambda: "", lambda acc, v: acc + "," + ("N" if v is None else v),
        **({"merger": lambda a, b: a + "|" + b} if s["kind"] == "session" else {}))
    retention = None if s.get("retention") is None else s["retention"] / 1000
    grace = s["grace"] / 1000
    if s["kind"] == "tumbling":
        table = base.tumbling(s["size"] / 1000, grace=grace, retention=retention, agg=agg)
    elif s["kind"] == "hopping":
        table = base.hopping(s["size"] / 1000, s["advance"] / 1000, grace=grace,
                             retention=retention, agg=agg)
    elif s["kind"] == "sliding":
        table = base.sliding(s["difference"] / 1000, grace=grace, retention=retention, agg=agg)
    else:
        table = base.session(s["gap"] / 1000, grace=grace, retention=retention, agg=agg)
    table.emit_to(out, mode=s["emit"])

    @app.agent(source)
    async def aggregate(stream):
        async for event in stream.events():
            table.add(event.key, event.value)

    return app


def _join_app(s: dict[str, Any], partitions: int) -> streamflow.App:
    app = streamflow.App("ks-oracle-join")
    left = app.topic("left", key_type=str, value_type=str, partitions=partitions)
    right = app.topic("right", key_type=str, value_type=str, partitions=partitions)
    typ, kind = s["type"], s["kind"]
    # a foreign-key join writes each result to its left row's partition
    out = app.topic("out", key_type=str, value_type=str,
                    partitions=partitions if typ == "foreign-key" else 1)
    if typ == "stream-stream":
        app.join_streams("j", left=left, right=right, before=s["before"] / 1000,
                         after=s["after"] / 1000, grace=s["grace"] / 1000, kind=kind,
                         joiner=_joiner, into=out, partitions=partitions)
    elif typ == "table-table":
        app.join_tables("j", left=left, right=right, kind=kind, joiner=_joiner, into=out,
                        partitions=partitions)
    elif typ == "foreign-key":
        app.join_foreign_key("j", left=left, right=right, foreign_key=_fk, kind=kind,
                             joiner=_joiner, into=out, partitions=partitions)
    elif typ == "stream-globaltable":
        global_table = app.global_table("right-table", topic=right)

        @app.agent(left, sink=[out])
        async def enrich_global(stream):
            async for joined in stream.join(global_table, kind=kind, key=_fk, joiner=_joiner):
                yield joined
    else:
        table = app.table("right-table", key_type=str, value_type=str, partitions=partitions)

        @app.agent(right)
        async def load(stream):
            async for event in stream.events():
                if event.key is None:
                    continue  # a table has no row for a null key (Kafka drops it)
                if event.value is None:
                    table.pop(event.key, None)
                else:
                    table[event.key] = event.value

        @app.agent(left, sink=[out])
        async def enrich(stream):
            async for joined in stream.join(table, kind=kind, joiner=_joiner):
                yield joined

    return app


async def _run(s: dict[str, Any]) -> list[tuple]:
    partitions = s.get("app_partitions") or 1 + max(
        (r.get("partition", 0) for r in s["records"]), default=0)

    def build() -> streamflow.App:
        return _window_app(s, partitions) if s["topology"] == "window" else _join_app(
            s, partitions)

    store = s.get("app_store", "memory")
    restart_at = s.get("app_restart_at")
    rows: list[tuple] = []
    driver = await TestDriver(build(), store=store).start()
    try:
        seen = 0
        for i, r in enumerate(s["records"]):
            if i == restart_at:  # a new deployment on an empty disk: state from changelogs
                await driver.restart(lose_disk=True)
            await driver.send(r["topic"], key=r["key"], value=r["value"], timestamp=r["ts"],
                              partition=r.get("partition"))  # None: by key hash
            produced = driver.outputs("out")
            for o in produced[seen:]:
                if s["topology"] == "window":
                    value = None if o.value is None else o.value["value"]
                    rows.append((i, o.key["key"], o.key["start"], o.key["end"], value,
                                 o.timestamp))
                else:
                    rows.append((i, o.key, o.value, o.timestamp))
            seen = len(produced)
    finally:
        await driver.stop()
    return rows


def app_rows(s: dict[str, Any]) -> list[tuple]:
    """What the app version of scenario ``s`` writes to its output topic, per input."""
    return asyncio.run(_run(s))
