"""Records from Kafka's own Java console producer, keyed by plain strings, read by an app with
default settings: the keys are the strings, and streamflow puts the same key on the partition
Kafka's Java producer chose for it."""
from __future__ import annotations

import subprocess

import streamflow
from streamflow.partitioner import partition_for
from streamflow.testing.kafka_broker import ensure_jars, java

from ..conftest import running, wait_until
from .kafka_helpers import ROOT, create_topic, read_all, unique

PARTITIONS = 4
KEYS = [f"user-{i}" for i in range(40)] + ["order 17/ü", "a:b"]


def console_produce(bootstrap: str, topic: str, lines: list[str], logs_dir: str) -> None:
    """Kafka's ``kafka-console-producer.sh --property parse.key=true``: key TAB value per line."""
    tools = ensure_jars(tools=True)
    log_config = ROOT / "streamflow" / "testing" / "kafka" / "log4j2.properties"
    done = subprocess.run(
        [java(), f"-Dlog4j2.configurationFile={log_config}", f"-Dkafka.logs.dir={logs_dir}", "-cp", f"{tools}/*",
         "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server", bootstrap,
         "--topic", topic, "--property", "parse.key=true"],
        input="".join(f"{line}\n" for line in lines), text=True, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


async def test_string_keys_from_the_java_console_producer_with_default_settings(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    clicks_name, echo_name = unique("interop-clicks"), unique("interop-echo")
    for name in (clicks_name, echo_name):
        await create_topic(bootstrap, name, PARTITIONS)
    console_produce(bootstrap, clicks_name, [f'{key}\t{{"n": {i}}}' for i, key in enumerate(KEYS)],
                    str(tmp_path / "console-producer-logs"))

    app = streamflow.App(unique("interop"), broker=kafka_broker.url, data_dir=str(tmp_path),
                         commit_interval=0.2)
    clicks = app.topic(clicks_name)
    echo = app.topic(echo_name)
    counts = app.table("clicks", default=int, partitions=PARTITIONS)
    seen: list[tuple] = []

    @app.agent(clicks, sink=[echo])
    async def count(stream):
        async for event in stream.events():
            counts[event.key] += 1
            seen.append((event.key, event.partition))
            yield streamflow.Message({"n": event.value["n"]}, key=event.key)   # encoded anew

    async with running(app):
        await wait_until(lambda: len(seen) == len(KEYS), timeout=60, what="every record consumed")
        assert counts.as_dict() == {key: 1 for key in KEYS}
    assert sorted(seen) == sorted((key, partition_for(key.encode(), PARTITIONS)) for key in KEYS)

    # what streamflow produced for a key lands where Java put that key
    java_partition = dict(seen)
    echoed = await read_all(bootstrap, echo_name, len(KEYS), timeout=60)
    assert sorted((r.key.decode(), r.partition) for r in echoed) == sorted(java_partition.items())
