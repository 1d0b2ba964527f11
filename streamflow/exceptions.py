"""Exceptions users may catch. Each carries enough context to act on without a traceback."""
from __future__ import annotations


class StreamflowError(Exception):
    """Base of every error streamflow raises on purpose."""


class ConfigError(StreamflowError):
    """A setting, a topic declaration or an agent definition is wrong; raised before running."""


class CodecError(StreamflowError):
    """A value or key could not be encoded or decoded."""


class DecodeError(CodecError):
    """A record off a topic could not be decoded; names where it came from."""

    def __init__(self, topic: str, partition: int, offset: int, what: str, reason: str) -> None:
        self.topic, self.partition, self.offset = topic, partition, offset
        self.what, self.reason = what, reason
        super().__init__(f"cannot decode {what} of {topic}[{partition}]@{offset}: {reason}")


class BrokerUnavailable(StreamflowError):
    """The broker could not be reached within the configured timeout."""


class AgentError(StreamflowError):
    """An agent raised while processing an event."""


class CopartitioningError(ConfigError):
    """Two sides that must share partitions (stream and table, join sides) do not."""


class ProducerFenced(StreamflowError):
    """Another worker started with this worker's transactional id (exactly-once): this one is
    a zombie and must stop, or two workers share one data directory."""


class InvalidTimestamp(StreamflowError, ValueError):
    """A record's event time cannot be used by a window or a stream-stream join (a negative
    timestamp such as Kafka's -1, or a ``timestamp=`` extractor that raised or returned no
    int). The worker treats the record like one that does not decode: ``on_decode_error``
    says whether it stops, skips it or dead-letters it."""


class StoreFailed(StreamflowError):
    """A table partition's store could not be written (a full disk): the worker stopped
    without committing input offsets past the state it could not write."""
