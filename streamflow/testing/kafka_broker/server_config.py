"""What the broker is started with, written into its workdir before the JVM starts:
``server.properties`` (listeners on the picked ports, SASL users, TLS), the log4j
configuration, the SASL_SSL listener's self-signed certificate, and the KRaft storage."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .jars import RESOURCES, is_kafka3, java, keytool
from .ports import HOST
from .readiness import NODE_ID

SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# Guards only a throwaway test certificate's key, which never leaves the workdir.
_KEYSTORE_PASSWORD = "streamflow-test"

_LOG4J2_CONFIG = RESOURCES / "log4j2.properties"

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
# ServerConfig.properties(); ``extra_properties`` override any of these.
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


def property_value(v: Any) -> str:
    """A Python value as server.properties spells it (booleans lower case)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@dataclass
class ServerConfig:
    """One start's configuration: the ports picked for it and the workdir's files.
    ``sasl_port`` is set with SASL users, ``sasl_ssl_port`` with TLS as well."""

    version: str
    workdir: Path
    port: int
    controller_port: int
    sasl_users: dict[str, str]
    extra_properties: dict[str, str]
    sasl_port: int | None = None
    sasl_ssl_port: int | None = None

    @property
    def data_dir(self) -> Path:
        """The broker's log dirs (topics' data, KRaft metadata)."""
        return self.workdir / "data"

    @property
    def logs_dir(self) -> Path:
        """log4j's output (``server.log``)."""
        return self.workdir / "logs"

    @property
    def server_log(self) -> Path:
        """The broker's log4j log (WARN and up, plus the start-up line)."""
        return self.logs_dir / "server.log"

    @property
    def jvm_output(self) -> Path:
        """The JVM's stdout and stderr."""
        return self.workdir / "broker.out"

    @property
    def properties_file(self) -> Path:
        """``server.properties``, rewritten on every start."""
        return self.workdir / "server.properties"

    @property
    def keystore(self) -> Path:
        """The SASL_SSL listener's key and certificate (PKCS12)."""
        return self.workdir / "tls" / "broker.p12"

    @property
    def ssl_cafile(self) -> Path:
        """The broker's self-signed certificate (PEM), for clients of the SASL_SSL listener."""
        return self.workdir / "tls" / "broker-cert.pem"

    def properties(self) -> dict[str, str]:
        """server.properties: :data:`BASE_PROPERTIES`, this start's listeners and paths, then
        ``extra_properties``."""
        props = dict(BASE_PROPERTIES)
        props.update(
            {
                "controller.quorum.voters": f"{NODE_ID}@{HOST}:{self.controller_port}",
                "listeners": (
                    f"PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}"
                ),
                "advertised.listeners": f"PLAINTEXT://{HOST}:{self.port}",
                "log.dirs": str(self.data_dir),
            }
        )
        if self.sasl_users:
            props.update(self._sasl_properties())
        if is_kafka3(self.version):
            props.pop("share.coordinator.state.topic.replication.factor", None)
            props.pop("share.coordinator.state.topic.min.isr", None)
        props.update(self.extra_properties)
        return props

    def _sasl_properties(self) -> dict[str, str]:
        """The SASL listener(s): PLAIN with the users inline, SCRAM with the credentials the
        storage was formatted with. Inter-broker traffic stays on PLAINTEXT."""
        listeners = [f"SASL_PLAINTEXT://{HOST}:{self.sasl_port}"]
        if self.sasl_ssl_port is not None:
            listeners.append(f"SASL_SSL://{HOST}:{self.sasl_ssl_port}")
        users = " ".join(f'user_{name}="{password}"' for name, password in self.sasl_users.items())
        props = {
            "listeners": ",".join([f"PLAINTEXT://{HOST}:{self.port}", *listeners,
                                   f"CONTROLLER://{HOST}:{self.controller_port}"]),
            "advertised.listeners": ",".join([f"PLAINTEXT://{HOST}:{self.port}", *listeners]),
            "listener.security.protocol.map": ("CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
                                               "SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
            "sasl.enabled.mechanisms": ",".join(SASL_MECHANISMS),
        }
        for listener in ["sasl_plaintext"] + (["sasl_ssl"] if self.sasl_ssl_port else []):
            prefix = f"listener.name.{listener}"
            props[f"{prefix}.plain.sasl.jaas.config"] = (
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};")
            for mechanism in ("scram-sha-256", "scram-sha-512"):
                props[f"{prefix}.{mechanism}.sasl.jaas.config"] = (
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;")
        if self.sasl_ssl_port is not None:
            props.update({
                "listener.name.sasl_ssl.ssl.keystore.type": "PKCS12",
                "listener.name.sasl_ssl.ssl.keystore.location": str(self.keystore),
                "listener.name.sasl_ssl.ssl.keystore.password": _KEYSTORE_PASSWORD,
                "listener.name.sasl_ssl.ssl.key.password": _KEYSTORE_PASSWORD,
            })
        return props

    def write(self) -> None:
        """Write server.properties (and, with TLS, the certificate if the workdir has none)."""
        if self.sasl_ssl_port is not None:
            self._ensure_keystore()
        lines = ["# written by streamflow.testing.kafka_broker; rewritten on every start"]
        lines += [f"{k}={v}" for k, v in self.properties().items()]
        self.properties_file.write_text("\n".join(lines) + "\n")

    def _ensure_keystore(self) -> None:
        """A self-signed certificate for 127.0.0.1/localhost (once per workdir), and its PEM."""
        if self.keystore.is_file() and self.ssl_cafile.is_file():
            return
        tool = keytool()
        self.keystore.parent.mkdir(parents=True, exist_ok=True)
        self.keystore.unlink(missing_ok=True)
        common = ["-keystore", str(self.keystore), "-storetype", "PKCS12",
                  "-storepass", _KEYSTORE_PASSWORD, "-alias", "broker", "-J-XX:TieredStopAtLevel=1"]
        for args in (
            ["-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
             "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
             "-keypass", _KEYSTORE_PASSWORD],
            ["-exportcert", "-rfc", "-file", str(self.ssl_cafile)],
        ):
            res = subprocess.run([tool, *args, *common], capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL)
            if res.returncode != 0:
                raise RuntimeError(f"keytool {args[0]} failed:\n{res.stdout}{res.stderr}")

    def logging_flags(self) -> list[str]:
        """The JVM flags pointing log4j at its configuration (log4j2, or reload4j for 3.x)."""
        if is_kafka3(self.version):
            cfg = self.workdir / "log4j.properties"
            cfg.write_text(_LOG4J1_CONFIG)
            return [f"-Dlog4j.configuration=file:{cfg}"]
        return [f"-Dlog4j2.configurationFile={_LOG4J2_CONFIG}"]

    def format_storage(self, libs: Path) -> str | None:
        """Format the KRaft storage once per workdir (kept on later starts); return the
        cluster id (None: an earlier start's storage that does not say)."""
        meta = self.data_dir / "meta.properties"
        if meta.exists():
            for line in meta.read_text().splitlines():
                if line.startswith("cluster.id="):
                    return line.split("=", 1)[1].strip()
            return None
        base = [
            java(),
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",  # short-lived tool: C1 only starts faster
            "-XX:+UseSerialGC",
            *self.logging_flags(),
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
        return cluster_id
