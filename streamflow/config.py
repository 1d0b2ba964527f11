"""Settings: defaults < ``App(...)`` keyword arguments < ``STREAMFLOW_*`` environment < CLI flags.

Every setting is a field of :class:`Settings`, and that list is the only one: the environment
variable of a setting is ``STREAMFLOW_`` and its name upper-cased (:func:`env_name`), and the
``streamflow worker`` flags are made from the fields marked ``flag`` (name, type, choices and
help: :func:`worker_flags`). The README's configuration table is written by hand, and
``tests/unit/test_settings_docs.py`` checks it names every setting with its variable, flag
and default.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Mapping

from .durations import seconds
from .exceptions import ConfigError

GUARANTEES = ("at_least_once", "exactly_once")
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# OAUTHBEARER needs a token provider object and GSSAPI a Kerberos setup: neither fits a setting.
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
ERROR_POLICIES = ("stop", "skip", "dead_letter")
STORES = ("rocksdb", "memory")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
_WORKER_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


@dataclass
class Settings:
    """Every setting of a worker, with its default and what it means (``help``); see the
    module docstring for where values come from, :meth:`validate` for what is accepted."""

    broker: str = field(default="memory://", metadata={"help": "memory:// (embedded) or kafka://host:port[,host:port]", "flag": True})
    data_dir: str = field(default="./streamflow-data", metadata={"help": "where table stores live (one dir per app)", "flag": True})
    commit_interval: float = field(default=1.0, metadata={"help": "seconds between commits of offsets, output and state", "flag": True})
    batch_size: int = field(default=2000, metadata={"help": "max records fetched and handed to agents at once", "flag": True})
    max_task_idle_ms: int = field(default=0, metadata={"help": "how long a task waits for an input partition that has no more records on the broker before processing its other partitions' later records: 0 waits only for records already on the broker, -1 never waits (Kafka Streams' max.task.idle.ms)", "flag": True})
    processing_guarantee: str = field(default="at_least_once", metadata={"help": "at_least_once, or exactly_once (Kafka transactions: output, changelogs and offsets commit together)", "flag": True, "choices": GUARANTEES})
    worker_id: str | None = field(default=None, metadata={"help": "this worker's identity, unique among the app's live workers and kept across restarts (exactly-once: its transactional id is {app id}-{worker_id}); default: the host name and the data dir", "flag": True})
    transaction_timeout_ms: int = field(default=60000, metadata={"help": "exactly_once: the broker aborts a transaction left open this long (a worker that died mid-commit)"})
    on_decode_error: str = field(default="stop", metadata={"help": "a record that does not decode: stop the worker, skip it (logged), or dead_letter: send it as it came to dead_letter_topic (logged) and go on", "flag": True, "choices": ERROR_POLICIES})
    on_agent_error: str = field(default="stop", metadata={"help": "an agent that raises: stop the worker, skip the event (logged), or dead_letter: send the event's record as it came to dead_letter_topic (logged); the agent then goes on with the next event", "flag": True, "choices": ERROR_POLICIES})
    dead_letter_topic: str | None = field(default=None, metadata={"help": "where the dead_letter policies send records (default: {app id}-dead-letters)"})
    topic_partitions: int = field(default=8, metadata={"help": "partitions of topics streamflow creates, unless declared"})
    replication_factor: int = field(default=1, metadata={"help": "replication factor of topics streamflow creates"})
    store: str = field(default="rocksdb", metadata={"help": "table store: rocksdb or memory", "flag": True, "choices": STORES})
    rocksdb_memory_mb: int = field(default=256, metadata={"help": "block cache + write buffers shared by all stores"})
    gc_threshold: int = field(default=10000, metadata={"help": "streamflow worker: the garbage collector's generation-0 threshold (Python's default is 700, which runs the collector every few hundred events); 0 leaves Python's"})
    table_standby_replicas: int = field(default=0, metadata={"help": "warm copies of other workers' table partitions"})
    auto_offset_reset: str = field(default="earliest", metadata={"help": "where a new consumer group starts: earliest or latest"})
    broker_timeout: float = field(default=30.0, metadata={"help": "seconds to wait for the broker at start"})
    session_timeout_ms: int = field(default=10000, metadata={"help": "consumer group session timeout"})
    heartbeat_interval_ms: int = field(default=3000, metadata={"help": "consumer group heartbeat interval"})
    max_poll_interval_ms: int = field(default=300000, metadata={"help": "max time between polls before the group evicts the worker"})
    linger_ms: int = field(default=5, metadata={"help": "producer linger"})
    max_batch_bytes: int = field(default=1048576, metadata={"help": "producer batch size in bytes"})
    compression_type: str | None = field(default=None, metadata={"help": "producer compression: gzip, snappy, lz4, zstd"})
    security_protocol: str = field(default="PLAINTEXT", metadata={"help": "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"})
    sasl_mechanism: str | None = field(default=None, metadata={"help": "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with a SASL_* protocol)"})
    sasl_username: str | None = field(default=None, metadata={"help": "SASL user"})
    sasl_password: str | None = field(default=None, metadata={"help": "SASL password"})
    ssl_cafile: str | None = field(default=None, metadata={"help": "CA bundle for SSL"})
    ssl_certfile: str | None = field(default=None, metadata={"help": "client certificate for SSL"})
    ssl_keyfile: str | None = field(default=None, metadata={"help": "client key for SSL"})
    log_level: str = field(default="INFO", metadata={"help": "DEBUG, INFO, WARNING, ERROR", "flag": True, "choices": LOG_LEVELS})
    log_format: str = field(default="text", metadata={"help": "text, or json: one JSON object per line (time, level, app, worker, logger, message, topic/partition/offset)", "flag": True, "choices": LOG_FORMATS})
    web_port: int | None = field(default=None, metadata={"help": "serve /metrics, /health and /tables over HTTP on this port (0: any free port, logged); off when unset", "flag": True})
    web_host: str = field(default="127.0.0.1", metadata={"help": "the address the HTTP server binds (0.0.0.0: every interface)", "flag": True})
    web_advertised_url: str | None = field(default=None, metadata={"help": "where other workers send table queries for partitions this worker owns (default: http://{web_host}:{port}, the host name when web_host binds every interface)", "flag": True})

    @classmethod
    def from_sources(cls, code: Mapping[str, Any] | None = None,
                     env: Mapping[str, str] | None = None,
                     cli: Mapping[str, Any] | None = None) -> "Settings":
        """Merge the sources in order of precedence and validate the result."""
        values: dict[str, Any] = {}
        names = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in (code or {}).items():
            if key not in names:
                raise ConfigError(f"unknown setting {key!r}; known settings: {', '.join(sorted(names))}")
            if isinstance(value, timedelta) and str(names[key].type).startswith("float"):
                value = seconds(value, key)  # commit_interval=timedelta(seconds=5)
            values[key] = value
        environ = os.environ if env is None else env
        for name, f in names.items():
            raw = environ.get(env_name(name))
            if raw is not None:
                values[name] = _parse(name, f, raw)
        for key, value in (cli or {}).items():
            if value is not None:
                values[key] = value
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not (self.broker.startswith("memory://") or self.broker.startswith("kafka://")):
            raise ConfigError(f"broker {self.broker!r}: use memory:// or kafka://host:port[,host:port]")
        if self.broker.startswith("kafka://") and not self.broker[len("kafka://"):].strip():
            raise ConfigError("broker kafka:// needs at least one host:port")
        if self.processing_guarantee not in GUARANTEES:
            raise ConfigError(f"processing_guarantee {self.processing_guarantee!r}: use one of {GUARANTEES}")
        if self.worker_id is not None and not _WORKER_ID.fullmatch(self.worker_id):
            raise ConfigError(f"worker_id {self.worker_id!r}: use 1-200 letters, digits, '.', '_' "
                              "or '-'")
        if self.transaction_timeout_ms < 1000:
            raise ConfigError("transaction_timeout_ms must be at least 1000")
        if (self.processing_guarantee == "exactly_once"
                and self.transaction_timeout_ms <= self.commit_interval * 1000):
            raise ConfigError(f"transaction_timeout_ms ({self.transaction_timeout_ms}) must be longer "
                              f"than commit_interval ({self.commit_interval:g}s): a transaction stays "
                              "open for one commit interval")
        for name in ("on_decode_error", "on_agent_error"):
            if getattr(self, name) not in ERROR_POLICIES:
                raise ConfigError(f"{name} {getattr(self, name)!r}: use one of {ERROR_POLICIES}")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"log_format {self.log_format!r}: use text or json")
        if self.store not in STORES:
            raise ConfigError(f"store {self.store!r}: use rocksdb or memory")
        if self.commit_interval <= 0:
            raise ConfigError("commit_interval must be > 0 seconds")
        if self.batch_size < 1:
            raise ConfigError("batch_size must be >= 1")
        if self.max_task_idle_ms < -1:
            raise ConfigError("max_task_idle_ms must be -1 (never wait), 0 (the default: wait only "
                              "for records already on the broker) or a number of milliseconds")
        if self.table_standby_replicas < 0:
            raise ConfigError("table_standby_replicas must be >= 0")
        if self.gc_threshold < 0:
            raise ConfigError("gc_threshold must be >= 0 (0: Python's own)")
        if self.rocksdb_memory_mb < 16:
            raise ConfigError("rocksdb_memory_mb must be at least 16")
        if self.auto_offset_reset not in ("earliest", "latest"):
            raise ConfigError("auto_offset_reset must be earliest or latest")
        self._validate_web()
        self._validate_security()

    def _validate_web(self) -> None:
        if self.web_port is not None and not 0 <= self.web_port <= 65535:
            raise ConfigError(f"web_port {self.web_port}: use a port number 1-65535, or 0 for any "
                              "free port")
        if not self.web_host:
            raise ConfigError("web_host must be an address to bind, e.g. 127.0.0.1 or 0.0.0.0")
        url = self.web_advertised_url
        if url is not None and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url):
            raise ConfigError(f"web_advertised_url {url!r}: use http://host:port (where other "
                              "workers and clients reach this worker's HTTP server)")

    def _validate_security(self) -> None:
        """Catch what the Kafka client would otherwise ignore (credentials on a PLAINTEXT
        connection) or reject only with a traceback."""
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ConfigError(f"security_protocol {self.security_protocol!r}: use one of "
                              f"{', '.join(SECURITY_PROTOCOLS)}")
        sasl = self.security_protocol.startswith("SASL_")
        if not sasl:
            if self.sasl_mechanism:
                raise ConfigError(f"sasl_mechanism={self.sasl_mechanism} is set but security_protocol "
                                  f"is {self.security_protocol}, which does not authenticate: use "
                                  "SASL_PLAINTEXT or SASL_SSL")
            return
        if self.sasl_mechanism not in SASL_MECHANISMS:
            raise ConfigError(f"security_protocol={self.security_protocol} needs sasl_mechanism, one of "
                              f"{', '.join(SASL_MECHANISMS)} (got {self.sasl_mechanism!r})")
        missing = [name for name in ("sasl_username", "sasl_password") if not getattr(self, name)]
        if missing:
            raise ConfigError(f"sasl_mechanism={self.sasl_mechanism} needs {' and '.join(missing)}")

    @property
    def bootstrap_servers(self) -> str:
        return self.broker[len("kafka://"):]


def env_name(setting: str) -> str:
    """The environment variable of ``setting``: ``STREAMFLOW_`` and its name upper-cased."""
    return f"STREAMFLOW_{setting.upper()}"


def setting_kind(f: dataclasses.Field) -> type:
    """``int``, ``float`` or ``str``: what a setting's text (a variable, a flag) is read as."""
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    return int if kind.startswith("int") else float if kind.startswith("float") else str


def worker_flags() -> list[dataclasses.Field]:
    """The settings ``streamflow worker`` takes as flags (``--data-dir`` for ``data_dir``):
    those whose metadata says ``flag``; ``choices`` and ``help`` come with them."""
    return [f for f in dataclasses.fields(Settings) if f.metadata.get("flag")]


def _parse(name: str, f: dataclasses.Field, raw: str) -> Any:
    kind = setting_kind(f)
    if kind is not str:
        try:
            return kind(raw)
        except ValueError:
            raise ConfigError(f"{env_name(name)}={raw!r}: expected a number") from None
    return raw or None if "None" in str(f.type) else raw
