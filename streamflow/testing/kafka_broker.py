"""A throwaway single-node Apache Kafka broker (KRaft, combined broker+controller) for
development, tests and benchmarks.

The broker jars come from Maven Central through the ``mvn`` client (the small pom in
``kafka/pom.xml`` next to this file) and are cached once per version in
``${STREAMFLOW_CACHE:-~/.cache/streamflow}/kafka-<version>/libs``; later starts are offline.

Library use::

    with KafkaBroker() as broker:          # or broker.start() ... broker.stop()
        print(broker.bootstrap)            # "127.0.0.1:PORT"

Command line (a detached broker for manual work; state lives in DIR, default ./.kafka-dev)::

    python -m streamflow.testing.kafka_broker start|stop|status [--dir DIR] [--port N]

This module depends on nothing else in streamflow: stdlib, plus aiokafka for the readiness
check. See docs/kafka-dev-broker.md for timings and quirks.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Coroutine, Mapping

__all__ = ["KafkaBroker", "DEFAULT_VERSION", "cache_root", "ensure_jars", "java", "main"]

DEFAULT_VERSION = "4.1.1"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
NODE_ID = 1
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# Guards only a throwaway test certificate's key, which never leaves the workdir.
_KEYSTORE_PASSWORD = "streamflow-test"

_RESOURCES = Path(__file__).resolve().parent / "kafka"
_POM = _RESOURCES / "pom.xml"
_LOG4J2_CONFIG = _RESOURCES / "log4j2.properties"

# Kafka 3.x ships with reload4j (log4j 1.x API) instead of log4j2: written into the workdir.
_LOG4J1_CONFIG = """\
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""

# Settings for a fast, single-node, loopback-only broker. Ports and paths are filled in by
# KafkaBroker._server_properties(); ``extra_properties`` override any of these.
BASE_PROPERTIES: dict[str, str] = {
    "process.roles": "broker,controller",
    "node.id": str(NODE_ID),
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": (
        "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"
    ),
    "num.partitions": "1",
    "auto.create.topics.enable": "false",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "4",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "4",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    # Tests use short consumer session timeouts; the broker default minimum is 6000.
    "group.min.session.timeout.ms": "1000",
    "group.initial.rebalance.delay.ms": "0",
    "log.initial.task.delay.ms": "0",
    # Make compaction observable within seconds (see docs/kafka-dev-broker.md).
    "log.cleaner.backoff.ms": "100",
    "log.cleaner.min.cleanable.ratio": "0.01",
    "log.cleaner.delete.retention.ms": "100",
    "log.retention.check.interval.ms": "1000",
}


def cache_root() -> Path:
    """``$STREAMFLOW_CACHE`` or ``~/.cache/streamflow``."""
    env = os.environ.get("STREAMFLOW_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "streamflow"


def _is_kafka3(version: str) -> bool:
    return version.split(".", 1)[0] in {"2", "3"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_port_except(taken: set[int | None]) -> int:
    port = _free_port()
    while port in taken:
        port = _free_port()
    return port


def _port_is_free(port: int) -> bool:
    """Whether the broker could listen on ``port`` now. Binds with SO_REUSEADDR, as Kafka's
    own listeners do: without it, the connections of a broker just stopped on this port
    (in TIME_WAIT for a minute) would make a restart on the same port look refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _tcp_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if not java:
        raise RuntimeError("java not found: install a JDK 17+ (Kafka 4.x needs Java 17 for the broker)")
    return java


def _run_sync(factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to completion from sync code, even if this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    result: dict[str, Any] = {}

    def runner() -> None:
        try:
            result["value"] = asyncio.run(factory())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    t = threading.Thread(target=runner, name="kafka-broker-probe", daemon=True)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _pdeathsig_preexec() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when this process dies (e.g. a test run
    killed with SIGKILL), so no orphaned JVM keeps ports and memory. PR_SET_PDEATHSIG fires on
    the exit of the *thread* that forked, so it is only used from the main thread."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # parent already gone between fork and prctl
            os._exit(1)

    return preexec


def _libs_dir(version: str, tools: bool) -> Path:
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
    libs = _libs_dir(version, tools)
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
            if _is_kafka3(version):
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
    return _java()


class KafkaBroker:
    """A single-node Apache Kafka (KRaft) broker run as a ``java`` subprocess.

    :param workdir: where server.properties, data (``data/``), logs (``logs/server.log``) and
        the JVM's stdout/stderr (``broker.out``) go. Default: a fresh temporary directory
        (kept after stop, for the logs). Reusing a workdir keeps the topics and offsets.
    :param version: Apache Kafka version (``org.apache.kafka:kafka_2.13``). 4.x uses log4j2;
        3.x (fallback) uses reload4j.
    :param port: the client (PLAINTEXT) port on 127.0.0.1; a free one is picked if None.
    :param extra_properties: server.properties entries overriding the defaults.
    :param controller_port: the KRaft controller port; a free one is picked if None.
    :param heap: JVM heap size (``-Xms``/``-Xmx``).
    :param die_with_parent: on Linux, have the kernel SIGTERM the JVM if this Python process
        dies without stopping it (e.g. a test run killed with SIGKILL). Must be False for a
        broker meant to outlive this process (see :meth:`detach`).
    :param sasl_users: ``{username: password}``. Adds a ``SASL_PLAINTEXT`` listener
        (:attr:`sasl_bootstrap`) accepting PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for these
        users (SCRAM credentials are written when the storage is formatted, so users added
        to an existing workdir later are known to PLAIN only). The PLAINTEXT listener stays,
        unauthenticated, for tests that do not care.
    :param ssl: with ``sasl_users``, also a ``SASL_SSL`` listener (:attr:`sasl_ssl_bootstrap`)
        with a self-signed certificate for 127.0.0.1 made by ``keytool``; clients trust
        :attr:`ssl_cafile` (PEM).
    """

    def __init__(
        self,
        workdir: Path | str | None = None,
        version: str = DEFAULT_VERSION,
        port: int | None = None,
        extra_properties: Mapping[str, Any] | None = None,
        *,
        controller_port: int | None = None,
        heap: str = "512m",
        die_with_parent: bool = True,
        sasl_users: Mapping[str, str] | None = None,
        ssl: bool = False,
    ) -> None:
        if ssl and not sasl_users:
            raise ValueError("KafkaBroker(ssl=True) needs sasl_users (the TLS listener is SASL_SSL)")
        self.version = version
        self.workdir = Path(workdir).resolve() if workdir is not None else None
        self._requested_port = port
        self._requested_controller_port = controller_port
        self.extra_properties = {k: _prop_value(v) for k, v in (extra_properties or {}).items()}
        self.heap = heap
        self.die_with_parent = die_with_parent
        self.port: int | None = port
        self.controller_port: int | None = controller_port
        self.cluster_id: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._atexit_registered = False
        self.startup_seconds: float | None = None
        self.sasl_users = dict(sasl_users or {})
        self.ssl = ssl
        self.sasl_port: int | None = None
        self.sasl_ssl_port: int | None = None

    # ----------------------------------------------------------------- addresses and paths
    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def bootstrap(self) -> str:
        if self.port is None:
            raise RuntimeError("KafkaBroker has no port yet: call start() first")
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    @property
    def sasl_bootstrap(self) -> str:
        """``127.0.0.1:PORT`` of the SASL_PLAINTEXT listener (needs ``sasl_users``)."""
        if self.sasl_port is None:
            raise RuntimeError("KafkaBroker has no SASL listener: pass sasl_users and start()")
        return f"{self.host}:{self.sasl_port}"

    @property
    def sasl_ssl_bootstrap(self) -> str:
        """``127.0.0.1:PORT`` of the SASL_SSL listener (needs ``sasl_users`` and ``ssl``)."""
        if self.sasl_ssl_port is None:
            raise RuntimeError("KafkaBroker has no SASL_SSL listener: pass ssl=True and start()")
        return f"{self.host}:{self.sasl_ssl_port}"

    @property
    def ssl_cafile(self) -> Path:
        """The broker's self-signed certificate (PEM), for clients of the SASL_SSL listener."""
        return self._workdir() / "tls" / "broker-cert.pem"

    @property
    def _keystore(self) -> Path:
        return self._workdir() / "tls" / "broker.p12"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def data_dir(self) -> Path:
        return self._workdir() / "data"

    @property
    def logs_dir(self) -> Path:
        return self._workdir() / "logs"

    @property
    def server_log(self) -> Path:
        """The broker's log4j log (WARN and up, plus the start-up line)."""
        return self.logs_dir / "server.log"

    @property
    def stdout_log(self) -> Path:
        """The JVM's stdout/stderr."""
        return self._workdir() / "broker.out"

    @property
    def properties_file(self) -> Path:
        return self._workdir() / "server.properties"

    def _workdir(self) -> Path:
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="streamflow-kafka-"))
        return self.workdir

    def libs_dir(self) -> Path:
        return _libs_dir(self.version, tools=False)

    # ---------------------------------------------------------------------------- jars
    def ensure_jars(self) -> Path:
        """Resolve the broker's jars into the cache once; return the libs directory."""
        return ensure_jars(self.version)

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 60, warm_up: bool = True) -> "KafkaBroker":
        """Start the broker and return once it answers metadata requests.

        With ``warm_up`` (default) it also waits until the group and transaction coordinators
        answer FindCoordinator, which makes the broker create ``__consumer_offsets`` and
        ``__transaction_state`` now rather than on the first test's first group join or
        transaction (that costs ~0.5 s once, and aiokafka logs a
        GroupCoordinatorNotAvailableError at ERROR level while it happens).

        Raises RuntimeError (with the tail of the broker log) if the JVM exits early or the
        broker does not answer within ``timeout`` seconds (jar download time not included).
        """
        if self.is_running():
            return self
        libs = self.ensure_jars()
        workdir = self._workdir()
        workdir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        for name, wanted in (("port", self._requested_port), ("controller_port", self._requested_controller_port)):
            if wanted is not None and not _port_is_free(wanted):
                raise RuntimeError(f"Kafka broker {name} 127.0.0.1:{wanted} is already in use")
        # A port picked by us can be taken by someone else before the JVM binds it: retry then.
        auto_ports = self._requested_port is None or self._requested_controller_port is None
        attempts = 3 if auto_ports else 1
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(libs, timeout, warm_up)
                return self
            except _PortClash:
                if attempt == attempts:
                    raise RuntimeError(
                        f"Kafka broker could not bind its ports:\n{self.log_tail()}"
                    ) from None
        return self  # unreachable

    def _start_once(self, libs: Path, timeout: float, warm_up: bool) -> None:
        started = time.monotonic()
        self.port = self._requested_port or _free_port()
        self.controller_port = self._requested_controller_port or _free_port()
        while self.controller_port == self.port:
            self.controller_port = _free_port()
        taken = {self.port, self.controller_port}
        if self.sasl_users:
            self.sasl_port = _free_port_except(taken)
            taken.add(self.sasl_port)
        if self.ssl:
            self.sasl_ssl_port = _free_port_except(taken)
            self._ensure_keystore()
        self._write_properties()
        self._format_storage(libs)
        cmd = [
            _java(),
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.logs_dir}",
            *self._logging_flags(),
            "-cp",
            str(libs / "*"),
            "kafka.Kafka",
            str(self.properties_file),
        ]
        with open(self.stdout_log, "ab") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
            out.flush()
            self._proc = subprocess.Popen(
                cmd,
                cwd=self._workdir(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() signals the whole group
                preexec_fn=_pdeathsig_preexec() if self.die_with_parent else None,
            )
        if not self._atexit_registered:
            atexit.register(self._atexit_stop)
            self._atexit_registered = True
        try:
            self._wait_ready(started + timeout)
            if warm_up:
                self._warm_up(started + timeout)
        except BaseException:
            self._kill_now()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, deadline: float) -> None:
        assert self._proc is not None
        last_error: BaseException | None = None
        while True:
            code = self._proc.poll()
            if code is not None:
                tail = self.log_tail()
                if "Address already in use" in tail or "BindException" in tail:
                    raise _PortClash()
                raise RuntimeError(
                    f"Kafka broker (java) exited early with code {code}. "
                    f"Last lines of its log:\n{tail}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(
                    f"Kafka broker did not answer on {self.bootstrap} in time "
                    f"(last probe error: {last_error!r}). Last lines of its log:\n{self.log_tail()}"
                )
            if _tcp_open(self.host, self.port, timeout=min(0.5, remaining)):
                try:
                    if self.probe(timeout=min(5.0, max(remaining, 0.5))):
                        return
                except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
                    last_error = exc
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))  # poll interval

    def _warm_up(self, deadline: float) -> None:
        try:
            _run_sync(lambda: _warm_up(self.bootstrap, deadline))
        except TimeoutError:
            raise RuntimeError(
                f"Kafka broker at {self.bootstrap} answers, but its group/transaction "
                f"coordinators did not come up in time. Last lines of its log:\n{self.log_tail()}"
            ) from None

    def probe(self, timeout: float = 5.0) -> bool:
        """True if the broker answers a metadata request listing itself as a live broker."""
        return bool(_run_sync(lambda: _probe(self.bootstrap, timeout)))

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM the broker (controlled shutdown), SIGKILL after ``timeout``. Idempotent;
        keeps the workdir and its logs."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        else:
            _signal_group(proc.pid, signal.SIGKILL)  # stray children of a dead JVM, if any
        self._proc = None

    def detach(self) -> int:
        """Leave the broker running after this Python process exits; return its pid.
        Needs ``die_with_parent=False``."""
        if self._proc is None:
            raise RuntimeError("broker not started")
        if self.die_with_parent:
            raise RuntimeError("detach() needs KafkaBroker(..., die_with_parent=False)")
        if self._atexit_registered:
            atexit.unregister(self._atexit_stop)
            self._atexit_registered = False
        pid = self._proc.pid
        self._proc.returncode = 0  # silence Popen's "still running" ResourceWarning on exit
        self._proc = None
        return pid

    def _kill_now(self) -> None:
        if self._proc is not None:
            _signal_group(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                self._proc.wait(10)
            self._proc = None

    def _atexit_stop(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the broker's log and of the JVM's stdout/stderr."""
        parts = []
        for path in (self.server_log, self.stdout_log):
            text = _tail(path, lines)
            if text.strip():
                parts.append(f"--- {path} ---\n{text}")
        return "\n".join(parts) or "(no broker output)"

    def __enter__(self) -> "KafkaBroker":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"KafkaBroker(version={self.version!r}, bootstrap={self.port and self.bootstrap!r}, {state})"

    # ------------------------------------------------------------------ configuration
    def server_properties(self) -> dict[str, str]:
        props = dict(BASE_PROPERTIES)
        props.update(
            {
                "controller.quorum.voters": f"{NODE_ID}@{self.host}:{self.controller_port}",
                "listeners": (
                    f"PLAINTEXT://{self.host}:{self.port},CONTROLLER://{self.host}:{self.controller_port}"
                ),
                "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
                "log.dirs": str(self.data_dir),
            }
        )
        if self.sasl_users:
            props.update(self._sasl_properties())
        if _is_kafka3(self.version):
            props.pop("share.coordinator.state.topic.replication.factor", None)
            props.pop("share.coordinator.state.topic.min.isr", None)
        props.update(self.extra_properties)
        return props

    def _sasl_properties(self) -> dict[str, str]:
        """The SASL listener(s): PLAIN with the users inline, SCRAM with the credentials the
        storage was formatted with. Inter-broker traffic stays on PLAINTEXT."""
        listeners = [f"SASL_PLAINTEXT://{self.host}:{self.sasl_port}"]
        if self.ssl:
            listeners.append(f"SASL_SSL://{self.host}:{self.sasl_ssl_port}")
        users = " ".join(f'user_{name}="{password}"' for name, password in self.sasl_users.items())
        props = {
            "listeners": ",".join([f"PLAINTEXT://{self.host}:{self.port}", *listeners,
                                   f"CONTROLLER://{self.host}:{self.controller_port}"]),
            "advertised.listeners": ",".join([f"PLAINTEXT://{self.host}:{self.port}", *listeners]),
            "listener.security.protocol.map": ("CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
                                               "SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
            "sasl.enabled.mechanisms": ",".join(SASL_MECHANISMS),
        }
        for listener in ["sasl_plaintext"] + (["sasl_ssl"] if self.ssl else []):
            prefix = f"listener.name.{listener}"
            props[f"{prefix}.plain.sasl.jaas.config"] = (
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};")
            for mechanism in ("scram-sha-256", "scram-sha-512"):
                props[f"{prefix}.{mechanism}.sasl.jaas.config"] = (
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;")
        if self.ssl:
            props.update({
                "listener.name.sasl_ssl.ssl.keystore.type": "PKCS12",
                "listener.name.sasl_ssl.ssl.keystore.location": str(self._keystore),
                "listener.name.sasl_ssl.ssl.keystore.password": _KEYSTORE_PASSWORD,
                "listener.name.sasl_ssl.ssl.key.password": _KEYSTORE_PASSWORD,
            })
        return props

    def _ensure_keystore(self) -> None:
        """A self-signed certificate for 127.0.0.1/localhost (once per workdir), and its PEM."""
        if self._keystore.is_file() and self.ssl_cafile.is_file():
            return
        keytool = shutil.which("keytool")
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "keytool").exists():
            keytool = str(Path(java_home) / "bin" / "keytool")
        if not keytool:
            raise RuntimeError("KafkaBroker(ssl=True) needs keytool (part of the JDK)")
        self._keystore.parent.mkdir(parents=True, exist_ok=True)
        self._keystore.unlink(missing_ok=True)
        common = ["-keystore", str(self._keystore), "-storetype", "PKCS12",
                  "-storepass", _KEYSTORE_PASSWORD, "-alias", "broker", "-J-XX:TieredStopAtLevel=1"]
        for args in (
            ["-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
             "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
             "-keypass", _KEYSTORE_PASSWORD],
            ["-exportcert", "-rfc", "-file", str(self.ssl_cafile)],
        ):
            res = subprocess.run([keytool, *args, *common], capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL)
            if res.returncode != 0:
                raise RuntimeError(f"keytool {args[0]} failed:\n{res.stdout}{res.stderr}")

    def _write_properties(self) -> None:
        lines = ["# written by streamflow.testing.kafka_broker; rewritten on every start"]
        lines += [f"{k}={v}" for k, v in self.server_properties().items()]
        self.properties_file.write_text("\n".join(lines) + "\n")

    def _logging_flags(self) -> list[str]:
        if _is_kafka3(self.version):
            cfg = self._workdir() / "log4j.properties"
            cfg.write_text(_LOG4J1_CONFIG)
            return [f"-Dlog4j.configuration=file:{cfg}"]
        return [f"-Dlog4j2.configurationFile={_LOG4J2_CONFIG}"]

    def _format_storage(self, libs: Path) -> None:
        """Format the KRaft storage once per workdir (kept on later starts)."""
        meta = self.data_dir / "meta.properties"
        if meta.exists():
            for line in meta.read_text().splitlines():
                if line.startswith("cluster.id="):
                    self.cluster_id = line.split("=", 1)[1].strip()
            return
        base = [
            _java(),
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",  # short-lived tool: C1 only starts faster
            "-XX:+UseSerialGC",
            *self._logging_flags(),
            f"-Dkafka.logs.dir={self.logs_dir}",
            "-cp",
            str(libs / "*"),
            "kafka.tools.StorageTool",
        ]
        res = subprocess.run(
            [*base, "random-uuid"], capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        cluster_id = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
        if res.returncode != 0 or not cluster_id:
            raise RuntimeError(f"kafka StorageTool random-uuid failed:\n{res.stdout}{res.stderr}")
        scram = [f"--add-scram={mechanism}=[name={name},password={password}]"
                 for name, password in self.sasl_users.items()
                 for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512")]
        res = subprocess.run(
            [*base, "format", "-c", str(self.properties_file), f"--cluster-id={cluster_id}", *scram],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )
        if res.returncode != 0:
            raise RuntimeError(f"kafka StorageTool format failed:\n{res.stdout}{res.stderr}")
        self.cluster_id = cluster_id


class _PortClash(Exception):
    pass


def _prop_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _flock(f: Any) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not Linux/macOS
        return
    fcntl.flock(f.fileno(), fcntl.LOCK_EX)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # the JVM leads its own process group (start_new_session)


async def _probe(bootstrap: str, timeout: float) -> bool:
    """One metadata round trip; True when the broker lists itself as a live broker."""
    import logging

    from aiokafka.admin import AIOKafkaAdminClient

    # aiokafka logs connection errors at ERROR while the broker is still coming up.
    logger = logging.getLogger("aiokafka")
    old_level = logger.level
    logger.setLevel(logging.CRITICAL)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=int(timeout * 1000),
        client_id="streamflow-broker-probe",
    )
    try:
        async with asyncio.timeout(timeout):
            await admin.start()
            info = await admin.describe_cluster()
        return any(b.get("node_id") == NODE_ID for b in info.get("brokers", []))
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
        logger.setLevel(old_level)


async def _warm_up(bootstrap: str, deadline: float) -> None:
    """Poll FindCoordinator (group, then transaction) until both answer without error; the
    broker creates the internal topics on the first such request."""
    import logging

    from aiokafka.admin import AIOKafkaAdminClient

    logger = logging.getLogger("aiokafka")
    old_level = logger.level
    logger.setLevel(logging.CRITICAL)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="streamflow-broker-probe")
    try:
        async with asyncio.timeout(max(deadline - time.monotonic(), 0.1)):
            await admin.start()
            for coordinator_type in (0, 1):  # 0: consumer group, 1: transaction
                while True:
                    try:
                        await admin.find_coordinator("streamflow-warm-up", coordinator_type)
                        break
                    except Exception:  # noqa: BLE001 - retriable until the deadline
                        await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
        logger.setLevel(old_level)


# -------------------------------------------------------------------------------- CLI
def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int, workdir: Path) -> bool:
    """Is ``pid`` our broker? (checks the command line, so a recycled pid is not mistaken)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return b"kafka.Kafka" in args and str(workdir / "server.properties").encode() in args
    return True


def _cli_start(args: argparse.Namespace, workdir: Path) -> int:
    pid_file, port_file = workdir / "broker.pid", workdir / "broker.port"
    pid = _read_int(pid_file)
    if pid and _alive(pid, workdir):
        print(f"127.0.0.1:{_read_int(port_file)}")
        print(f"kafka broker already running (pid {pid}, dir {workdir})", file=sys.stderr)
        return 0
    port = args.port
    if port is None:  # keep the previous port across restarts if it is free
        previous = _read_int(port_file)
        if previous and _port_is_free(previous):
            port = previous
    broker = KafkaBroker(workdir=workdir, version=args.version, port=port, die_with_parent=False)
    broker.start(timeout=args.timeout)
    pid = broker.detach()
    pid_file.write_text(f"{pid}\n")
    port_file.write_text(f"{broker.port}\n")
    print(broker.bootstrap)
    print(
        f"kafka {args.version} broker started in {broker.startup_seconds:.1f}s "
        f"(pid {pid}, dir {workdir}, log {broker.server_log})",
        file=sys.stderr,
    )
    return 0


def _cli_stop(args: argparse.Namespace, workdir: Path) -> int:
    pid_file = workdir / "broker.pid"
    pid = _read_int(pid_file)
    if not pid or not _alive(pid, workdir):
        print(f"kafka broker not running (dir {workdir})", file=sys.stderr)
        pid_file.unlink(missing_ok=True)
        return 0
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while _alive(pid, workdir) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid, workdir):
        _signal_group(pid, signal.SIGKILL)
        while _alive(pid, workdir) and time.monotonic() < deadline + 10:
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    print(f"kafka broker stopped (pid {pid})", file=sys.stderr)
    return 0


def _cli_status(args: argparse.Namespace, workdir: Path) -> int:
    pid = _read_int(workdir / "broker.pid")
    port = _read_int(workdir / "broker.port")
    if pid and _alive(pid, workdir):
        answering = port is not None and _tcp_open("127.0.0.1", port)
        state = "answering" if answering else "not answering yet"
        print(f"running: pid {pid}, bootstrap 127.0.0.1:{port} ({state}), dir {workdir}")
        return 0
    print(f"not running (dir {workdir})")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streamflow.testing.kafka_broker",
        description="A throwaway single-node Apache Kafka broker for development.",
    )
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--dir", default=".kafka-dev", help="state directory (default ./.kafka-dev)")
    parser.add_argument("--port", type=int, default=None, help="client port (default: free port)")
    parser.add_argument("--version", default=DEFAULT_VERSION, help="Apache Kafka version")
    parser.add_argument("--timeout", type=float, default=60, help="start/stop timeout, seconds")
    args = parser.parse_args(argv)
    workdir = Path(args.dir).expanduser().resolve()
    if args.command == "start":
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            return _cli_start(args, workdir)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if args.command == "stop":
        return _cli_stop(args, workdir)
    return _cli_status(args, workdir)


if __name__ == "__main__":
    sys.exit(main())
