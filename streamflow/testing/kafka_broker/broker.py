"""The broker as a user of this package sees it: :class:`KafkaBroker`, started and stopped
from Python (tests, benchmarks) or by the command line (``cli.py``)."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping

from .jars import DEFAULT_VERSION, ensure_jars, java
from .ports import HOST, free_port, free_port_except, port_is_free, tcp_open
from .process import JvmProcess
from .readiness import probe, run_sync, warm_up
from .server_config import ServerConfig, property_value


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

    What is written before the JVM starts is :class:`ServerConfig`'s, the JVM process
    :class:`JvmProcess`'s; this class picks the ports, starts, waits until the broker
    answers, and tells its addresses. Of its 21 methods, seven are those addresses and paths
    (properties) and three the context manager and repr protocols.
    """

    host = HOST

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
        self.extra_properties = {k: property_value(v) for k, v in (extra_properties or {}).items()}
        self.heap = heap
        self.die_with_parent = die_with_parent
        self.port: int | None = port
        self.controller_port: int | None = controller_port
        self.cluster_id: str | None = None
        self._jvm: JvmProcess | None = None
        self.startup_seconds: float | None = None
        self.sasl_users = dict(sasl_users or {})
        self.ssl = ssl
        self.sasl_port: int | None = None
        self.sasl_ssl_port: int | None = None

    # ----------------------------------------------------------------- addresses and paths
    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:PORT`` of the PLAINTEXT listener."""
        if self.port is None:
            raise RuntimeError("KafkaBroker has no port yet: call start() first")
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The ``broker`` setting for this broker: ``kafka://127.0.0.1:PORT``."""
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
        return self._config().ssl_cafile

    @property
    def server_log(self) -> Path:
        """The broker's log4j log (WARN and up, plus the start-up line)."""
        return self._config().server_log

    @property
    def pid(self) -> int | None:
        """The JVM's process id while this object runs it."""
        return self._jvm.pid if self._jvm is not None and self._jvm.running() else None

    def _workdir(self) -> Path:
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="streamflow-kafka-"))
        return self.workdir

    def _config(self) -> ServerConfig:
        return ServerConfig(self.version, self._workdir(), self.port or 0,
                            self.controller_port or 0, self.sasl_users, self.extra_properties,
                            self.sasl_port, self.sasl_ssl_port)

    # ------------------------------------------------------------------------- lifecycle
    def is_running(self) -> bool:
        """Started by this object and not exited or stopped."""
        return self._jvm is not None and self._jvm.running()

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
        libs = ensure_jars(self.version)
        workdir = self._workdir()
        workdir.mkdir(parents=True, exist_ok=True)
        for name, wanted in (("port", self._requested_port), ("controller_port", self._requested_controller_port)):
            if wanted is not None and not port_is_free(wanted):
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

    def _start_once(self, libs: Path, timeout: float, warm: bool) -> None:
        started = time.monotonic()
        self.port = self._requested_port or free_port()
        self.controller_port = self._requested_controller_port or free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()
        taken = {self.port, self.controller_port}
        if self.sasl_users:
            self.sasl_port = free_port_except(taken)
            taken.add(self.sasl_port)
        if self.ssl:
            self.sasl_ssl_port = free_port_except(taken)
        config = self._config()
        config.logs_dir.mkdir(parents=True, exist_ok=True)
        config.write()
        self.cluster_id = config.format_storage(libs) or self.cluster_id
        cmd = [
            java(),
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={config.logs_dir}",
            *config.logging_flags(),
            "-cp",
            str(libs / "*"),
            "kafka.Kafka",
            str(config.properties_file),
        ]
        self._jvm = jvm = JvmProcess(cmd, self._workdir(), config.jvm_output, self.die_with_parent)
        try:
            self._wait_ready(jvm, started + timeout)
            if warm:
                deadline = started + timeout
                try:
                    run_sync(lambda: warm_up(self.bootstrap, deadline))
                except TimeoutError:
                    raise RuntimeError(
                        f"Kafka broker at {self.bootstrap} answers, but its group/transaction "
                        f"coordinators did not come up in time. Last lines of its log:\n"
                        f"{self.log_tail()}") from None
        except BaseException:
            jvm.kill()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, jvm: JvmProcess, deadline: float) -> None:
        assert self.port is not None
        last_error: BaseException | None = None
        while True:
            code = jvm.exit_code()
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
            if tcp_open(self.host, self.port, timeout=min(0.5, remaining)):
                try:
                    if self.probe(timeout=min(5.0, max(remaining, 0.5))):
                        return
                except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
                    last_error = exc
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))  # poll interval

    def probe(self, timeout: float = 5.0) -> bool:
        """True if the broker answers a metadata request listing itself as a live broker."""
        return bool(run_sync(lambda: probe(self.bootstrap, timeout)))

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM the broker (controlled shutdown), SIGKILL after ``timeout``. Idempotent;
        keeps the workdir and its logs."""
        if self._jvm is not None:
            self._jvm.stop(timeout)
            self._jvm = None

    def detach(self) -> int:
        """Leave the broker running after this Python process exits; return its pid.
        Needs ``die_with_parent=False``."""
        if self._jvm is None:
            raise RuntimeError("broker not started")
        if self.die_with_parent:
            raise RuntimeError("detach() needs KafkaBroker(..., die_with_parent=False)")
        pid = self._jvm.detach()
        self._jvm = None
        return pid

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the broker's log and of the JVM's stdout/stderr."""
        parts = []
        config = self._config()
        for path in (config.server_log, config.jvm_output):
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


class _PortClash(Exception):
    """The JVM exited because a picked port was taken meanwhile: pick others."""


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
