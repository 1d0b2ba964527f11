"""Join processors for one partition: pure decisions over state kept in a transaction.

Each processor takes one input record at a time and returns the records Kafka Streams would
emit for it, in its order (``JoinResult``; value None is a tombstone). They keep their state in
the table-partition transaction passed to each call and never touch topics, clocks or the
runtime, so the same code serves the worker, the replay driver and the tests. Their exact
semantics, and where they differ from Kafka Streams 4.1 on purpose, are in each module's
docstring and in docs/semantics.md.
"""
from ._common import JoinResult, Joiner, JoinState, pair
from .foreign_key import ForeignKeyJoin
from .stream_stream import StreamStreamJoin
from .stream_table import stream_table_join, stream_table_join_one
from .table_table import TableTableJoin

__all__ = [
    "ForeignKeyJoin", "JoinResult", "JoinState", "Joiner", "StreamStreamJoin",
    "TableTableJoin", "pair", "stream_table_join", "stream_table_join_one",
]
