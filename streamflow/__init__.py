"""streamflow: stateful stream processing on Apache Kafka.

Everything a user imports comes from here (or from ``streamflow.testing``).
"""
from . import aggregations as agg
from .app import App
from .config import Settings
from .exceptions import (AgentError, BrokerUnavailable, CodecError, ConfigError,
                         CopartitioningError, DecodeError, StreamflowError)
from .serialization import Record
from .streams import Stream
from .topics import Topic
from .types import Event, Message

__version__ = "0.2.0"

__all__ = [
    "agg", "App", "Settings", "Record", "Stream", "Topic", "Event", "Message",
    "StreamflowError", "ConfigError", "CodecError", "DecodeError", "BrokerUnavailable",
    "AgentError", "CopartitioningError", "__version__",
]
