"""The broker's own perf tools, for reference: how fast the JVM client produces and consumes
on this broker and machine, to show the broker is not the bottleneck.

``org.apache.kafka.tools.ProducerPerformance`` / ``ConsumerPerformance`` live in the
``kafka-tools`` jar, which the broker's runtime classpath does not include: it is fetched once
with Maven (as configured on this machine) into ``<cache>/kafka-tools-<version>/`` and run with
the broker's jars: ``java -cp '<tools jar>:<broker libs>/*' CLASS ...``.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from streamflow.testing.kafka_broker import DEFAULT_VERSION, MAVEN_DEPENDENCY_PLUGIN, cache_root

PRODUCER = "org.apache.kafka.tools.ProducerPerformance"
CONSUMER = "org.apache.kafka.tools.ConsumerPerformance"


def tools_classpath(version: str = DEFAULT_VERSION) -> str:
    """The classpath with the tools jar (fetched once) and the broker's libs; raises
    RuntimeError with the reason when they cannot be had."""
    libs = cache_root() / f"kafka-{version}" / "libs"
    tools_dir = cache_root() / f"kafka-tools-{version}"
    jar = tools_dir / f"kafka-tools-{version}.jar"
    if not jar.is_file():
        mvn = shutil.which("mvn")
        if not mvn:
            raise RuntimeError("mvn not found: needed once to fetch the kafka-tools jar")
        res = subprocess.run(
            [mvn, "-B", "-q", f"{MAVEN_DEPENDENCY_PLUGIN}:copy",
             f"-Dartifact=org.apache.kafka:kafka-tools:{version}", f"-DoutputDirectory={tools_dir}"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
        if res.returncode != 0 or not jar.is_file():
            raise RuntimeError(f"fetching kafka-tools {version} failed: {(res.stdout + res.stderr)[-400:]}")
    if not _has_class(jar, PRODUCER) or not _has_class(jar, CONSUMER):
        raise RuntimeError(f"{jar} has no {PRODUCER} / {CONSUMER}")
    return f"{jar}:{libs}/*"


def _has_class(jar: Path, cls: str) -> bool:
    import zipfile
    with zipfile.ZipFile(jar) as z:
        return cls.replace(".", "/") + ".class" in z.namelist()


def producer_argv(java: str, cp: str, bootstrap: str, topic: str, records: int) -> list[str]:
    return [java, "-Xmx512m", "-cp", cp, PRODUCER, "--topic", topic, "--num-records", str(records),
            "--record-size", "200", "--throughput", "-1",
            "--producer-props", f"bootstrap.servers={bootstrap}", "acks=all"]


def consumer_argv(java: str, cp: str, bootstrap: str, topic: str, records: int, group: str) -> list[str]:
    return [java, "-Xmx512m", "-cp", cp, CONSUMER, "--bootstrap-server", bootstrap, "--topic", topic,
            "--messages", str(records), "--group", group, "--timeout", "60000"]


def parse_producer(text: str) -> float | None:
    """'1000000 records sent, 412371.1 records/sec (78.65 MB/sec), ...' (the last such line)."""
    found = re.findall(r"(\d+) records sent, ([\d.]+) records/sec", text)
    return float(found[-1][1]) if found else None


def parse_consumer(text: str) -> float | None:
    """CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ..."""
    lines = [l for l in text.splitlines() if l.count(",") >= 5]
    for i, line in enumerate(lines):
        if "nMsg.sec" in line and i + 1 < len(lines):
            head = [h.strip() for h in line.split(",")]
            vals = [v.strip() for v in lines[i + 1].split(",")]
            try:
                return float(vals[head.index("nMsg.sec")])
            except (ValueError, IndexError):
                return None
    return None
