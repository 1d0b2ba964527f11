"""Dead letters listed and re-driven, never twice, on the embedded broker (the poison-record
story on the real broker is in tests/integration/test_dead_letters_kafka.py)."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest

import streamflow
from streamflow.ops import dead_letters as ops
from streamflow.runtime.transport.memory import MemoryProducer, broker_for
from streamflow.types import TP

from ...conftest import running, wait_until


class Reading(streamflow.Record):
    sensor: str
    value: float


class LenientReading(streamflow.Record):
    sensor: str
    value: float | str


def make_app(value_type: type) -> tuple[streamflow.App, list[float]]:
    app = streamflow.App("sensors", commit_interval=0.05, on_decode_error="dead_letter")
    readings = app.topic("readings", value_type=value_type, partitions=2)
    app.topic("other", partitions=2)
    seen: list[float] = []

    @app.agent(readings)
    async def collect(stream):
        async for r in stream:
            seen.append(float(r.value))
    return app, seen


def source_values(app: streamflow.App, topic: str = "readings") -> list[bytes]:
    return [r.value for p in broker_for(app.settings.broker).topics[topic] for r in p]


async def test_a_poison_record_is_listed_then_redriven_once_to_the_fixed_app() -> None:
    strict, seen = make_app(Reading)
    async with running(strict) as worker:
        await strict.topics["readings"].send(key="s1", value={"sensor": "s1", "value": 1.0})
        broker_for(strict.settings.broker).append(
            "readings", 1, [(b'"s2"', b'{"sensor": "s2", "value": "12.5"}', 7, [("trace", b"t")])], 0)
        await wait_until(lambda: worker.dead_lettered == 1 and seen == [1.0],
                         what="one dead letter and one reading")
    (letter,) = await ops.list_dead_letters(strict)
    assert (letter.topic, letter.partition, letter.source_offset) == ("readings", 1, 0)
    assert letter.at == TP("sensors-dead-letters", 1) and letter.pending
    assert "Reading.value: expected a number, got str '12.5'" in letter.error
    assert letter.key == b'"s2"' and letter.timestamp == 7 and letter.headers == [("trace", b"t")]
    assert letter.as_json()["value"] == '{"sensor": "s2", "value": "12.5"}'

    fixed, seen = make_app(LenientReading)  # the release that reads it
    first = await ops.redrive(fixed)
    assert [(d.source, p) for d, p in first.resent] == [("readings[1]@0", 1)]
    second = await ops.redrive(fixed)
    assert second.resent == []
    async with running(fixed):
        await wait_until(lambda: 12.5 in seen, what="the re-driven reading")
    assert source_values(fixed).count(b'{"sensor": "s2", "value": "12.5"}') == 2  # poison + once
    resent = broker_for(fixed.settings.broker).topics["readings"][1][-1]
    assert resent.headers == (("trace", b"t"),)  # the streamflow.* headers are not sent back
    (letter,) = await ops.list_dead_letters(fixed)
    assert not letter.pending


def dead_letter(topic: str, offset: int, value: bytes) -> tuple:
    return (b"k", value, 1000 + offset, [("streamflow.topic", topic.encode()),
                                         ("streamflow.partition", b"0"),
                                         ("streamflow.offset", str(offset).encode()),
                                         ("streamflow.error", b"bad")])


def fill(app: streamflow.App, letters: list[tuple]) -> None:
    broker = broker_for(app.settings.broker)
    for name in ("readings", "other", "sensors-dead-letters"):
        broker.create_topic(name, 2)
    broker.append("sensors-dead-letters", 0, letters, 0)


async def test_a_crash_mid_redrive_resends_at_most_the_unacknowledged_chunk(monkeypatch) -> None:
    app, _ = make_app(Reading)
    fill(app, [dead_letter("readings", i, f"v{i}".encode()) for i in range(5)])
    original = MemoryProducer.send_batch
    calls = Counter()

    async def ack_lost_on_second_chunk(self, topic, partition, records):
        futures = await original(self, topic, partition, records)  # the records do land
        calls["n"] += 1
        if calls["n"] == 2:
            lost = asyncio.get_running_loop().create_future()
            lost.set_exception(ConnectionError("broker went away before acknowledging"))
            return [lost]
        return futures

    monkeypatch.setattr(MemoryProducer, "send_batch", ack_lost_on_second_chunk)
    with pytest.raises(ConnectionError):
        await ops.redrive(app, chunk=2)
    monkeypatch.setattr(MemoryProducer, "send_batch", original)
    again = await ops.redrive(app, chunk=2)
    assert [d.source_offset for d, _ in again.resent] == [2, 3, 4]
    copies = Counter(source_values(app))
    assert copies == {b"v0": 1, b"v1": 1, b"v2": 2, b"v3": 2, b"v4": 1}  # only chunk 2 twice
    assert (await ops.redrive(app, chunk=2)).resent == []


async def test_redriving_one_topic_leaves_the_others_pending() -> None:
    app, _ = make_app(Reading)

    @app.agent(app.topics["other"])
    async def other_agent(stream):
        async for _ in stream:
            pass
    fill(app, [dead_letter("other", 0, b"o0"), dead_letter("readings", 1, b"r1"),
               dead_letter("other", 2, b"o2")])
    only = await ops.redrive(app, topics=["readings"])
    assert [d.value for d, _ in only.resent] == [b"r1"]
    assert [d.value for d in await ops.list_dead_letters(app) if d.pending] == [b"o0", b"o2"]
    rest = await ops.redrive(app)
    assert [d.value for d, _ in rest.resent] == [b"o0", b"o2"]
    assert source_values(app, "other") == [b"o0", b"o2"]


async def test_since_passes_over_older_dead_letters() -> None:
    app, _ = make_app(Reading)
    fill(app, [dead_letter("readings", i, f"v{i}".encode()) for i in range(3)])
    result = await ops.redrive(app, since_ms=1001)
    assert [d.value for d, _ in result.resent] == [b"v1", b"v2"] and result.passed == 1
    assert (await ops.redrive(app)).resent == []


async def test_no_dead_letter_topic_is_one_clear_error() -> None:
    app, _ = make_app(Reading)
    with pytest.raises(streamflow.StreamflowError, match="there is no dead-letter topic "
                                                         "'sensors-dead-letters'"):
        await ops.list_dead_letters(app)
