"""streamflow: stateful stream processing on Apache Kafka.

Everything a user imports comes from here (or from ``streamflow.testing``).
"""
from . import aggregations as agg
from .app import App
from .config import Settings
from .exceptions import (AgentError, BrokerUnavailable, CodecError, ConfigError,
                         CopartitioningError, DecodeError, StreamflowError)
from .joins import ForeignKeyJoinSpec, StreamStreamJoinSpec, TableTableJoinSpec
from .operators.windows import Window
from .serialization import Record
from .streams import BatchedStream, Stream
from .global_tables import GlobalTable
from .tables import Table
from .topic_tables import TopicTable
from .topics import Topic
from .types import Event, Message
from .windowed_tables import WindowedTable, WindowSet

__version__ = "0.2.0"

__all__ = [
    "agg", "App", "Settings", "Record", "Stream", "BatchedStream", "Topic", "Event", "Message",
    "Table", "TopicTable", "GlobalTable", "WindowedTable", "WindowSet", "Window",
    "StreamStreamJoinSpec", "TableTableJoinSpec", "ForeignKeyJoinSpec",
    "StreamflowError", "ConfigError", "CodecError", "DecodeError", "BrokerUnavailable",
    "AgentError", "CopartitioningError", "__version__",
]
