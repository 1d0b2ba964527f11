"""The kinds of table, for code that takes "a table": which kinds fit where, and the error
when one does not.

Four distinct classes (no common base: each has its own contract, see
:mod:`streamflow.table_parts` for what they share):

===================  =========================================  ===========================
kind                 declared with                              one value per
===================  =========================================  ===========================
``Table``            ``app.table(name)``                        key, partitioned, read/write
``TopicTable``       ``app.table(name, topic=t)``               key, partitioned, read-only
``GlobalTable``      ``app.global_table(name, topic=t)``        key, held in full, read-only
``WindowedTable``    ``table.tumbling(...)`` and the like       key *and window*
===================  =========================================  ===========================

A stream-table join looks a key's row up: the first three. Table-table and foreign-key joins
follow a table's changelog: ``Table`` and ``TopicTable``. A windowed table fits neither; it is
refused when the join is declared rather than answering "no row" for every key.
"""
from __future__ import annotations

from typing import Any

from .exceptions import ConfigError
from .global_tables import GlobalTable
from .tables import Table
from .topic_tables import TopicTable
from .windowed_tables import WindowedTable

__all__ = ["AnyTable", "ChangelogTable", "LookupTable", "TABLE_TYPES", "lookup_table",
           "changelog_table"]

AnyTable = Table | TopicTable | GlobalTable | WindowedTable
"""Any table an app declares (what ``app.tables`` holds)."""
LookupTable = Table | TopicTable | GlobalTable
"""A table with one row per key to look up: what ``stream.join`` takes."""
ChangelogTable = Table | TopicTable
"""A partitioned table whose changes can be followed: a side of ``app.join_tables`` and
``app.join_foreign_key``."""

TABLE_TYPES = (Table, TopicTable, GlobalTable, WindowedTable)


def lookup_table(table: Any, doing: str) -> LookupTable:
    """``table``, if a row per key can be looked up in it; else the error that says why not."""
    if isinstance(table, Table):
        table.check_in_use()
    if isinstance(table, (Table, TopicTable, GlobalTable)):
        return table
    if isinstance(table, WindowedTable):
        raise ConfigError(
            f"{doing}: {table.name} is a windowed table, with one value per key and window, "
            f"not one row per key. Look windows up in the agent instead "
            f"({table.name}[key].current(), .value_at(ts)), or join with the topic its results "
            f"are emitted to (emit_to) read as a table: app.table(name, topic=...)")
    raise TypeError(f"{doing}: expected a table (app.table, app.global_table), not {table!r}")


def changelog_table(side: Any, doing: str) -> ChangelogTable | None:
    """A join side that is a partitioned table (followed through its changelog), None for a
    topic; the error that says why for the other kinds."""
    if isinstance(side, (Table, TopicTable)):
        if isinstance(side, Table):
            side.check_in_use()
        return side
    if isinstance(side, WindowedTable):
        raise ConfigError(
            f"{doing}: {side.name} is a windowed table, with one value per key and window: a "
            f"join follows tables with one row per key. Join the topic its results are emitted "
            f"to (emit_to) instead")
    if isinstance(side, GlobalTable):
        raise ConfigError(
            f"{doing}: {side.name} is a global table, held in full by every worker; join its "
            f"topic {side.source.name} instead")
    return None
