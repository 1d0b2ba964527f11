"""``streamflow send``: records encoded through the topic's codecs, checked before anything is
sent, partitioned like the worker's output. The real-broker round trip is in
tests/integration/test_ops_kafka.py."""
from __future__ import annotations

import io
import sys

import orjson
import pytest
from click.testing import CliRunner

import streamflow
from streamflow.cli.main import main
from streamflow.ops import send as ops
from streamflow.partitioner import partition_for
from streamflow.runtime.transport.memory import broker_for


class Order(streamflow.Record):
    id: int
    customer: str
    amount: float


def make_app() -> streamflow.App:
    app = streamflow.App("shop")
    app.topic("orders", value_type=Order, partitions=4)
    app.topic("notes", key_type=str, value_type=str, partitions=2)
    return app


def stored(app: streamflow.App, topic: str) -> list:
    broker = broker_for(app.settings.broker)
    return [r for partition in broker.topics[topic] for r in partition]


async def test_a_record_goes_to_the_keys_partition_encoded_by_the_topic() -> None:
    app = make_app()
    broker_for(app.settings.broker).create_topic("orders", 4)
    t = ops.find_topic(app, "orders")
    rec = ops.record(t, ops.parse_key(t, "alice"),
                     ops.parse_value(t, '{"id": 1, "customer": "alice", "amount": 12.5}'),
                     timestamp="2026-01-01T00:00:00", headers=[("trace", "x1")])
    sent = await ops.send(app, "orders", [rec])
    (r,) = stored(app, "orders")
    assert r.partition == partition_for(b"alice", 4)   # text keys, the default
    assert orjson.loads(r.value) == {"id": 1, "customer": "alice", "amount": 12.5}
    assert r.timestamp == 1767225600000
    assert r.headers == (("trace", b"x1"),)
    assert sent.describe() == f"sent 1 record to orders[{r.partition}]@0"


def test_a_value_that_does_not_fit_the_record_type_is_refused_with_the_field() -> None:
    t = ops.find_topic(make_app(), "orders")
    with pytest.raises(ops.BadRecord, match=r"value does not fit topic orders \(Order\): "
                                            r"Order.amount: expected a number, got str"):
        ops.record(t, "a", {"id": 1, "customer": "a", "amount": "lots"})
    with pytest.raises(ops.BadRecord, match="--value is not JSON"):
        ops.parse_value(t, "{id: 1}")


def test_keys_are_json_or_text_and_str_topics_take_text() -> None:
    app = make_app()
    orders, notes = ops.find_topic(app, "orders"), ops.find_topic(app, "notes")
    prices = app.topic("prices", key_type="json", partitions=1)
    assert ops.parse_key(prices, "42") == 42
    assert ops.parse_key(prices, '"42"') == "42"
    assert ops.parse_key(prices, "alice") == "alice"
    assert ops.parse_key(orders, "42") == "42"   # text keys, the default
    assert ops.parse_key(notes, "42") == "42"
    assert ops.parse_value(notes, "hello {world}") == "hello {world}"


async def test_stdin_lines_with_one_bad_line_send_nothing_and_name_the_line() -> None:
    app = make_app()
    broker_for(app.settings.broker).create_topic("orders", 4)
    t = ops.find_topic(app, "orders")
    lines = io.StringIO('{"key": "a", "value": {"id": 1, "customer": "a", "amount": 1}}\n'
                        "\n"
                        '{"key": "b", "value": {"id": 2, "customer": "b"}}\n')
    with pytest.raises(ops.BadRecord, match="stdin line 3: value does not fit.*missing field 'amount'"):
        ops.parse_lines(t, lines)
    assert stored(app, "orders") == []


async def test_stdin_records_and_plain_values() -> None:
    app = make_app()
    broker = broker_for(app.settings.broker)
    broker.create_topic("orders", 4)
    broker.create_topic("notes", 2)
    orders, notes = ops.find_topic(app, "orders"), ops.find_topic(app, "notes")
    records = ops.parse_lines(orders, io.StringIO(
        '{"key": "a", "value": {"id": 1, "customer": "a", "amount": 1}, "timestamp": 5, '
        '"headers": {"h": "v"}}\n'
        '{"key": "b", "value": null, "partition": 3}\n'))
    sent = await ops.send(app, "orders", records)
    assert sent.total == 2
    by_key = {r.key: r for r in stored(app, "orders")}
    assert by_key[b"a"].timestamp == 5 and by_key[b"a"].headers == (("h", b"v"),)
    assert by_key[b"b"].value is None and by_key[b"b"].partition == 3  # a tombstone
    plain = ops.parse_lines(notes, io.StringIO("first note\nsecond note\n"), plain=True, key="k")
    await ops.send(app, "notes", plain)
    assert [(r.key, r.value) for r in stored(app, "notes")] == [(b"k", b"first note"),
                                                                 (b"k", b"second note")]
    assert {r.partition for r in stored(app, "notes")} == {partition_for(b"k", 2)}


def test_unknown_topic_lists_the_apps_topics() -> None:
    with pytest.raises(streamflow.StreamflowError,
                       match=r"app shop declares no topic 'order' \(its topics: notes, orders\)"):
        ops.find_topic(make_app(), "order")


@pytest.fixture
def shop_module(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "shop_app", raising=False)  # --broker configures the app
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "shop_app.py").write_text(
        "import streamflow\n"
        "class Order(streamflow.Record):\n    id: int\n    amount: float\n"
        "app = streamflow.App('shop')\n"
        "orders = app.topic('orders', value_type=Order)\n")
    return "shop_app:app"


@pytest.mark.parametrize("args,message", [
    (["orders", "--value", "{}"], "memory:// is an embedded broker inside one process"),
    (["order", "--value", "{}", "--broker", "kafka://127.0.0.1:1"], "declares no topic 'order'"),
    (["orders", "--value", '{"id": "x", "amount": 1}', "--broker", "kafka://127.0.0.1:1"],
     "Order.id: expected an integer, got str 'x'"),
    (["orders", "--value", "{", "--broker", "kafka://127.0.0.1:1"], "--value is not JSON"),
])
def test_cli_errors_are_one_line(shop_module, args, message) -> None:
    result = CliRunner().invoke(main, ["send", shop_module, *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["topics"], ["reset", "--to-earliest"], ["dead-letters"],
                                     ["send", "orders", "--value", "{}"]])
def test_every_operations_command_says_why_memory_is_pointless(shop_module, command) -> None:
    result = CliRunner().invoke(main, [command[0], shop_module, *command[1:]])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: streamflow {command[0]}: app shop uses memory://. memory:// is an embedded "
        "broker inside one process: a command run from the shell sees an empty broker of its "
        "own, never a worker's. Point it at your Kafka cluster with --broker kafka://host:port "
        "(or STREAMFLOW_BROKER)")
