"""Keys: text by default (what producers send), JSON when a key type says so, and a key that
would land on two partitions refused rather than counted twice."""
from __future__ import annotations

import pytest

import streamflow
from streamflow import agg
from streamflow.partitioner import partition_for
from streamflow.runtime.transport.memory import broker_for
from streamflow.testing import TestDriver


def consumed(app, topic):
    @app.agent(topic, name=f"read-{topic.name}")
    async def read(stream):
        async for _ in stream:
            pass
    return topic


def orders_app(**app_kwargs):
    app = streamflow.App("keys", **app_kwargs)
    orders = app.topic("orders", partitions=4)
    counts = app.table("orders-per-customer", default=int, partitions=4)
    seen: list[tuple] = []

    @app.agent(orders)
    async def count(stream):
        async for event in stream.events():
            counts[event.key] += 1
            seen.append((event.key, event.partition, event.raw_key))

    return app, counts, seen


async def test_a_plain_string_key_from_another_producer_is_read_as_text_by_default() -> None:
    app, counts, seen = orders_app()
    async with TestDriver(app) as d:
        # what Kafka's console producer or a StringSerializer writes for the key user-42
        d.append_raw("orders", partition_for(b"user-42", 4), b"user-42", b'{"amount": 5}', 1_000)
        await d.run()
        await d.send("orders", key="user-42", value={"amount": 7})   # and what streamflow writes
        assert d.table("orders-per-customer") == {"user-42": 2}
    assert seen == [("user-42", partition_for(b"user-42", 4), b"user-42")] * 2


async def test_a_key_that_is_not_text_is_refused_with_the_key_type_to_declare() -> None:
    app = streamflow.App("keys-refused")
    orders = app.topic("orders", partitions=1)
    async with TestDriver(app) as d:
        with pytest.raises(streamflow.CodecError, match=r"topic orders: key int 42 is not text: .*"
                                                        r"declare key_type=int for JSON keys"):
            await d.send("orders", key=42, value={})
        with pytest.raises(streamflow.CodecError, match="declare key_type=dict"):
            orders.encode_key({"id": 1})


async def test_declared_json_keys_say_how_to_read_a_plain_text_key() -> None:
    app = streamflow.App("keys-json")
    consumed(app, app.topic("orders", key_type=int, partitions=1))
    with pytest.raises(streamflow.DecodeError) as failure:
        async with TestDriver(app) as d:
            d.append_raw("orders", 0, b"user-42", b"{}", 1_000)
            await d.run()
    message = str(failure.value)
    assert message.startswith("cannot decode key of orders[0]@0: not JSON")
    assert "for plain text keys such as user-42 declare key_type=str" in message


async def test_a_binary_key_says_to_declare_bytes() -> None:
    app = streamflow.App("keys-binary")
    consumed(app, app.topic("orders", partitions=1))
    with pytest.raises(streamflow.DecodeError, match=r"orders\[0\]@0: not UTF-8 text .* "
                                                      r"declare key_type=bytes for binary keys"):
        async with TestDriver(app) as d:
            d.append_raw("orders", 0, b"\xff\x00", b"{}", 1_000)
            await d.run()


async def test_int_keys_are_json_numbers_which_a_text_producer_writes_the_same() -> None:
    app = streamflow.App("keys-int")
    orders = app.topic("orders", key_type=int, partitions=4)
    seen: list = []

    @app.agent(orders)
    async def collect(stream):
        async for event in stream.events():
            seen.append((event.key, event.partition))

    async with TestDriver(app) as d:
        d.append_raw("orders", partition_for(b"42", 4), b"42", b"{}", 1_000)   # a Java "42"
        await d.send("orders", key=42, value={})
    assert orders.encode_key(42) == b"42"
    assert seen == [(42, partition_for(b"42", 4))] * 2


async def test_app_key_type_json_keeps_the_json_keys_of_earlier_versions() -> None:
    app, counts, seen = orders_app(key_type="json")
    async with TestDriver(app) as d:
        d.append_raw("orders", partition_for(b'"c1"', 4), b'"c1"', b"{}", 1_000)   # old data
        await d.run()
        await d.send("orders", key="c1", value={})
        await d.send("orders", key=7, value={})
        assert d.table("orders-per-customer") == {"c1": 2, 7: 1}
    assert [raw for _, _, raw in seen] == [b'"c1"', b'"c1"', b"7"]


def two_topic_counter(key_a, key_b):
    """The issue's case: one table counted from two topics that encode keys differently."""
    app = streamflow.App("keys-split")
    a = app.topic("web-clicks", key_type=key_a, partitions=4)
    b = app.topic("app-clicks", key_type=key_b, partitions=4)
    counts = app.table("clicks", default=int, partitions=4)

    @app.agent(a, b)
    async def count(stream):
        async for event in stream.events():
            counts[event.key] += 1

    return app


async def test_a_table_updated_from_topics_with_differently_encoded_keys_is_refused() -> None:
    app = two_topic_counter(str, "json")
    with pytest.raises(streamflow.AgentError) as failure:
        async with TestDriver(app) as d:
            await d.send("web-clicks", key="k1", value={})
            assert d.table("clicks") == {"k1": 1}
            await d.send("app-clicks", key="k1", value={})   # b'"k1"': another partition
    cause = failure.value.__cause__
    assert isinstance(cause, streamflow.CopartitioningError)
    assert str(cause).startswith(
        "table clicks is updated from app-clicks, but app-clicks has JSON keys (key_type=int, "
        "dict, a Record or \"json\") and the table has text keys (key_type=str, the default): "
        "the same key would be two different byte strings on two partitions")
    assert "Declare the same key_type on both" in str(cause)


async def test_the_same_keys_from_two_topics_count_once_when_both_are_text() -> None:
    app = two_topic_counter(None, str)
    keys = [f"k{i}" for i in range(200)]
    async with TestDriver(app) as d:
        for k in keys:
            await d.send("web-clicks", key=k, value={})
            await d.send("app-clicks", key=k, value={})
        assert d.table("clicks") == {k: 2 for k in keys}


async def test_a_stream_table_join_across_key_encodings_refuses_to_start() -> None:
    app = streamflow.App("keys-join")
    orders = app.topic("orders", key_type="json", partitions=2)
    customers = app.table("customers", partitions=2)

    @app.agent(orders)
    async def enrich(stream):
        async for _ in stream.join(customers):
            pass

    with pytest.raises(streamflow.CopartitioningError, match="table customers is joined with "
                                                             "orders, but orders has JSON keys"):
        async with TestDriver(app):
            pass


async def test_windowed_results_of_text_keys_are_json_objects_on_the_keys_partition() -> None:
    app = streamflow.App("keys-windows")
    views = app.topic("views", partitions=4)
    out = app.topic("per-minute", partitions=4)   # no key type: window results are JSON
    per_minute = app.table("per-minute", partitions=4).tumbling(60, agg=agg.count())
    per_minute.emit_to(out)

    @app.agent(views)
    async def count(stream):
        async for event in stream.events():
            per_minute.add(event.key)

    tricky = 'say "hi" \\ ü'
    async with TestDriver(app) as d:
        await d.send("views", key="home", value={}, timestamp=1_000)
        await d.send("views", key=tricky, value={}, timestamp=2_000)
        results = d.outputs("per-minute")
    assert [(r.key, r.value["value"]) for r in results] == [
        ({"key": "home", "start": 0, "end": 60_000}, 1),
        ({"key": tricky, "start": 0, "end": 60_000}, 1)]
    assert [r.partition for r in results] == [partition_for(b"home", 4),
                                              partition_for(tricky.encode(), 4)]


def test_window_results_cannot_go_to_a_topic_declared_with_text_keys() -> None:
    app = streamflow.App("keys-windows-text")
    out = app.topic("per-minute", key_type=str)
    with pytest.raises(streamflow.ConfigError, match="window results are keyed by JSON objects"):
        app.table("t").tumbling(60).emit_to(out)


async def test_a_sink_reuses_the_input_key_bytes_and_keeps_the_partition() -> None:
    app = streamflow.App("keys-sink")
    src = app.topic("src", partitions=4)
    dst = app.topic("dst", partitions=4)

    @app.agent(src, sink=[dst])
    async def forward(stream):
        async for value in stream:
            yield value

    async with TestDriver(app) as d:
        d.append_raw("src", partition_for(b"user-7", 4), b"user-7", b"{}", 1_000)
        await d.run()
        [record] = d.outputs("dst")
    assert (record.key, record.partition) == ("user-7", partition_for(b"user-7", 4))
    [raw] = [r for part in broker_for(app.settings.broker).topics["dst"] for r in part]
    assert raw.key == b"user-7"


async def test_join_results_are_keyed_like_the_left_side() -> None:
    app = streamflow.App("keys-join-out")
    left = app.topic("left", key_type=int, partitions=1)
    right = app.topic("right", key_type=int, partitions=1)
    app.join_streams("j", left=left, right=right, within=60)
    async with TestDriver(app) as d:
        await d.send("left", key=7, value="l", timestamp=0)
        await d.send("right", key=7, value="r", timestamp=0)
        assert [(o.key, o.value) for o in d.outputs("keys-join-out-j-join")] == [(7, ["l", "r"])]
