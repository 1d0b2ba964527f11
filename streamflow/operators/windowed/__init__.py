"""Windowed aggregations: window definitions (:mod:`streamflow.operators.windows`) executed over
a partition's transaction, the way Kafka Streams 4.1 does (``docs/windows.md``).

- :mod:`.aggregation`: :class:`WindowedAggregation`, what the DSL holds: stream time, and each
  record handed to the processor of its window kind;
- one processor per window kind: :mod:`.time_windows` (tumbling and hopping, with the tumbling
  fast path), :mod:`.sliding`, :mod:`.sessions`;
- what they share: :mod:`.updates` (folding a record in and writing the window),
  :mod:`.expiry` (retention as visibility, and the sweep), :mod:`.suppression` (final mode).

Every key of their state is built and parsed by :mod:`streamflow.state.keys`, which owns the
layout (existing stores and changelogs depend on it).
"""
from .aggregation import WindowedAggregation
from .results import ProcessResult, WindowResult

__all__ = ["ProcessResult", "WindowResult", "WindowedAggregation"]
