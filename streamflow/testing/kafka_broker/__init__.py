"""A throwaway single-node Apache Kafka broker (KRaft, combined broker+controller) for
development, tests and benchmarks.

Library use::

    with KafkaBroker() as broker:          # or broker.start() ... broker.stop()
        print(broker.bootstrap)            # "127.0.0.1:PORT"

Command line (a detached broker for manual work; state lives in DIR, default ./.kafka-dev)::

    python -m streamflow.testing.kafka_broker start|stop|status [--dir DIR] [--port N]

This package depends on nothing else in streamflow: stdlib, plus aiokafka for the readiness
check. See docs/kafka-dev-broker.md for timings and quirks. Its modules, one job each:

- ``jars.py``: the broker's jars, fetched once per version with Maven into a cache; ``java``;
- ``server_config.py``: what is written into the workdir before the JVM starts
  (server.properties, log4j, the TLS certificate, the KRaft storage);
- ``process.py``: the JVM as a child process (its own process group, dies with its parent);
- ``ports.py``, ``readiness.py``: free ports; is the broker answering, coordinators warm;
- ``broker.py``: :class:`KafkaBroker`, which puts these together;
- ``cli.py``: the command line.
"""
from .broker import KafkaBroker
from .cli import main
from .jars import DEFAULT_VERSION, MAVEN_DEPENDENCY_PLUGIN, cache_root, ensure_jars, java

__all__ = ["KafkaBroker", "DEFAULT_VERSION", "MAVEN_DEPENDENCY_PLUGIN", "cache_root",
           "ensure_jars", "java", "main"]
