"""Kafka Streams as an oracle: one JVM running ``scripts/ks-oracle/KsOracle.java``.

The jars (kafka-streams and kafka-streams-test-utils, with their dependencies) come through the
``mvn`` client once per version and are cached in
``${STREAMFLOW_CACHE:-~/.cache/streamflow}/ks-oracle-<version>/libs``, as the development
broker's are (``streamflow.testing.kafka_broker``); the one source file is compiled with
``javac`` into ``classes-<hash of source and pom>`` beside them. Later runs are offline and
start in about a second. The protocol is JSON Lines, one scenario in, one result out (see the
Java file's comment), so one JVM serves any number of scenarios.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from streamflow.testing.kafka_broker import DEFAULT_VERSION, MAVEN_DEPENDENCY_PLUGIN, cache_root

__all__ = ["KafkaStreamsOracle", "OracleUnavailable", "unavailable_reason"]

PROJECT = Path(__file__).resolve().parents[2] / "scripts" / "ks-oracle"
SOURCE = PROJECT / "src" / "main" / "java" / "KsOracle.java"
POM = PROJECT / "pom.xml"


class OracleUnavailable(RuntimeError):
    """Java, javac or Maven is missing, or the jars could not be fetched."""


def _tool(name: str) -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / name).exists():
        return str(Path(java_home) / "bin" / name)
    return shutil.which(name)


def unavailable_reason() -> str | None:
    """Why the oracle cannot run here (None: it can, jars cached or fetchable)."""
    for tool in ("java", "javac"):
        if _tool(tool) is None:
            return f"{tool} (JDK 17+) not found"
    if not _libs_complete(_home(DEFAULT_VERSION) / "libs") and shutil.which("mvn") is None:
        return "mvn (Apache Maven) not found: needed once to fetch the Kafka Streams jars"
    return None


def _home(version: str) -> Path:
    return cache_root() / f"ks-oracle-{version}"


def _libs_complete(libs: Path) -> bool:
    return any(libs.glob("kafka-streams-test-utils-*.jar")) and any(libs.glob("kafka-streams-[0-9]*.jar"))


def _lock(path: Path):
    handle = open(path, "w")
    try:
        import fcntl
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    except ImportError:  # pragma: no cover - not Linux/macOS
        pass
    return handle


def build(version: str = DEFAULT_VERSION) -> str:
    """Fetch the jars (once) and compile the oracle (once per source); return the classpath."""
    home = _home(version)
    home.mkdir(parents=True, exist_ok=True)
    libs = home / "libs"
    digest = hashlib.sha256(SOURCE.read_bytes() + POM.read_bytes()).hexdigest()[:16]
    classes = home / f"classes-{digest}"
    with _lock(home / ".lock"):
        if not _libs_complete(libs):
            mvn = shutil.which("mvn")
            if mvn is None:
                raise OracleUnavailable("mvn (Apache Maven) not found: needed once to fetch jars")
            scratch = Path(tempfile.mkdtemp(prefix=".resolve-", dir=home))
            try:
                shutil.copyfile(POM, scratch / "pom.xml")
                res = subprocess.run(
                    [mvn, "-B", "-q", f"{MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies",
                     f"-DoutputDirectory={scratch / 'libs'}", "-DincludeScope=runtime",
                     f"-Dkafka.version={version}"],
                    cwd=scratch, stdin=subprocess.DEVNULL, capture_output=True, text=True)
                if res.returncode != 0 or not _libs_complete(scratch / "libs"):
                    tail = "\n".join((res.stdout + res.stderr).splitlines()[-30:])
                    raise OracleUnavailable(f"fetching Kafka Streams {version} jars failed:\n{tail}")
                shutil.rmtree(libs, ignore_errors=True)
                os.rename(scratch / "libs", libs)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        if not (classes / "KsOracle.class").is_file():
            javac = _tool("javac")
            if javac is None:
                raise OracleUnavailable("javac (JDK 17+) not found")
            scratch = Path(tempfile.mkdtemp(prefix=".compile-", dir=home))
            try:
                res = subprocess.run([javac, "--release", "17", "-d", str(scratch), "-cp",
                                      f"{libs}/*", str(SOURCE)], capture_output=True, text=True)
                if res.returncode != 0:
                    raise OracleUnavailable(f"compiling {SOURCE} failed:\n{res.stderr}")
                shutil.rmtree(classes, ignore_errors=True)
                os.rename(scratch, classes)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    return f"{classes}{os.pathsep}{libs}/*"


class KafkaStreamsOracle:
    """A running oracle JVM. ``run(scenarios)`` returns Kafka's result for each, in order."""

    def __init__(self, version: str = DEFAULT_VERSION) -> None:
        self.version = version
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> "KafkaStreamsOracle":
        java = _tool("java")
        if java is None:
            raise OracleUnavailable("java (JDK 17+) not found")
        classpath = build(self.version)
        self._scratch = tempfile.TemporaryDirectory(prefix="ks-oracle-")
        self._proc = subprocess.Popen(
            [java, "-Xss4m", "-XX:+UseSerialGC",
             f"-Djava.io.tmpdir={self._scratch.name}", "-cp", classpath, "KsOracle"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        return self

    def run_one(self, scenario: dict[str, Any]) -> list[dict[str, Any]]:
        """Kafka's outputs for one scenario; raises if Kafka Streams refused it."""
        return self.run_result(scenario)["outputs"]

    def run_result(self, scenario: dict[str, Any]) -> dict[str, Any]:
        """Kafka's whole result for one scenario: ``outputs``, and for windows ``store``."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("the oracle is not started")
        proc.stdin.write(json.dumps({**scenario, "id": 0}) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the oracle JVM exited (code {proc.wait()})")
        result = json.loads(line)
        if "error" in result:
            raise RuntimeError(f"Kafka Streams failed on {json.dumps(scenario)}:\n{result['error']}")
        return result

    def run_results(self, scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Kafka's results for many scenarios, pipelined: the JVM runs them concurrently."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("the oracle is not started")
        stdin = proc.stdin

        def feed() -> None:
            for n, scenario in enumerate(scenarios):
                stdin.write(json.dumps({**scenario, "id": n}) + "\n")
            stdin.flush()

        writer = threading.Thread(target=feed, name="ks-oracle-feed", daemon=True)
        writer.start()
        results = []
        for scenario in scenarios:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the oracle JVM exited (code {proc.wait()})")
            result = json.loads(line)
            if "error" in result:
                raise RuntimeError(f"Kafka Streams failed on {json.dumps(scenario)}:\n"
                                   f"{result['error']}")
            results.append(result)
        writer.join()
        return results

    def run(self, scenarios: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        return [r["outputs"] for r in self.run_results(scenarios)]

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self._scratch.cleanup()

    def __enter__(self) -> "KafkaStreamsOracle":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
