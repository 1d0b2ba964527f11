"""Apache Kafka's jars, fetched once per version with Maven into a cache, and the ``java``
that runs them.

The jars come from Maven Central through the ``mvn`` client (the small pom in
``streamflow/testing/kafka/pom.xml``) and are cached in
``${STREAMFLOW_CACHE:-~/.cache/streamflow}/kafka-<version>/libs``; later starts are offline.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_VERSION = "4.1.1"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

RESOURCES = Path(__file__).resolve().parent.parent / "kafka"
_POM = RESOURCES / "pom.xml"


def cache_root() -> Path:
    """``$STREAMFLOW_CACHE`` or ``~/.cache/streamflow``."""
    env = os.environ.get("STREAMFLOW_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "streamflow"


def is_kafka3(version: str) -> bool:
    """Kafka 2.x/3.x: reload4j instead of log4j2, no share coordinator."""
    return version.split(".", 1)[0] in {"2", "3"}


def libs_dir(version: str, tools: bool = False) -> Path:
    """Where :func:`ensure_jars` puts the jars of ``version``."""
    return cache_root() / f"kafka-{version}" / ("tools" if tools else "libs")


def _libs_complete(libs: Path, version: str, tools: bool) -> bool:
    return ((libs / f"kafka_2.13-{version}.jar").is_file()
            and (libs / f"kafka-clients-{version}.jar").is_file()
            and (not tools or (libs / f"kafka-tools-{version}.jar").is_file()))


def ensure_jars(version: str = DEFAULT_VERSION, tools: bool = False) -> Path:
    """Resolve Apache Kafka's jars into the cache once; return their directory.

    ``tools=True`` resolves the broker's jars plus ``kafka-tools`` (the console producer and
    consumer, for interoperability tests) into a directory of their own, so the broker's
    cache is never invalidated by it. The jars are resolved into a temporary directory beside
    the cache entry and renamed into place, so an interrupted download never leaves a
    half-filled cache. A lock file serialises concurrent first runs (e.g. parallel test
    processes).
    """
    libs = libs_dir(version, tools)
    if _libs_complete(libs, version, tools):
        return libs
    libs.parent.mkdir(parents=True, exist_ok=True)
    with open(libs.parent / ".lock", "w") as lock:
        _flock(lock)
        if _libs_complete(libs, version, tools):
            return libs
        for stale in libs.parent.glob(".resolve-*"):  # left by a run killed with SIGKILL
            shutil.rmtree(stale, ignore_errors=True)
        mvn = shutil.which("mvn")
        if not mvn:
            raise RuntimeError("mvn (Apache Maven) not found: needed once to fetch the Kafka jars")
        print(
            f"streamflow: fetching Apache Kafka {version} jars with Maven (one time) "
            f"into {libs} ...",
            file=sys.stderr,
            flush=True,
        )
        started = time.monotonic()
        scratch = Path(tempfile.mkdtemp(prefix=".resolve-", dir=libs.parent))
        try:
            shutil.copyfile(_POM, scratch / "pom.xml")
            cmd = [
                mvn,
                "-B",
                "-q",
                f"{MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies",
                f"-DoutputDirectory={scratch / 'libs'}",
                "-DincludeScope=runtime",
                f"-Dkafka.version={version}",
            ]
            if is_kafka3(version):
                cmd.append("-Dkafka.logging=reload4j")
            if tools:
                cmd.append("-Dkafka.tools=true")
            res = subprocess.run(
                cmd, cwd=scratch, stdin=subprocess.DEVNULL, capture_output=True, text=True
            )
            if res.returncode != 0 or not _libs_complete(scratch / "libs", version, tools):
                out = "\n".join((res.stdout + res.stderr).splitlines()[-40:])
                raise RuntimeError(
                    f"resolving Apache Kafka {version} jars failed "
                    f"(mvn exit {res.returncode}):\n{out}"
                )
            if libs.exists():  # an incomplete leftover from an older layout
                shutil.rmtree(libs)
            os.rename(scratch / "libs", libs)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        print(
            f"streamflow: Kafka {version} jars ready in {time.monotonic() - started:.1f}s",
            file=sys.stderr,
            flush=True,
        )
    return libs


def java() -> str:
    """The ``java`` executable the broker runs on (``JAVA_HOME`` first)."""
    return _jdk_tool("java", "install a JDK 17+ (Kafka 4.x needs Java 17 for the broker)")


def keytool() -> str:
    """The JDK's ``keytool`` (``JAVA_HOME`` first), for the SASL_SSL listener's certificate."""
    return _jdk_tool("keytool", "KafkaBroker(ssl=True) needs keytool (part of the JDK)")


def _jdk_tool(name: str, missing: str) -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / name).exists():
        return str(Path(java_home) / "bin" / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: {missing}")
    return found


def _flock(f: Any) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not Linux/macOS
        return
    fcntl.flock(f.fileno(), fcntl.LOCK_EX)
