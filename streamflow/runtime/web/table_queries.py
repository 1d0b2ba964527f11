"""Interactive queries: a table's committed value for a key, from the worker that owns it.

A key lives in one table partition (Kafka's partitioner over the key's bytes), and that
partition lives on the worker that owns its task. This worker answers when it holds the
partition and has restored it; when another worker owns it, the answer is a redirect to that
worker's advertised address (every member's address travels with the group's assignment, see
``transport.assignor``); while the partition is being restored, or while nobody known owns
it (a rebalance), the answer is 503 and a reason. Global tables answer from any worker.

Values are read from the stores, which hold what the last commit wrote: never a write an
agent made since (at-least-once) or a transaction not committed yet (exactly-once). Reads are
synchronous and short, on the worker's event loop, between two steps of its run loop.

Every answer is an :class:`Answer` (status, JSON body, redirect target): the HTTP server
only turns it into a response, so this module is tested without HTTP.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ...partitioner import partition_for
from ...serialization import key_format
from ...state import PartitionTransaction
from ...global_tables import GlobalTable
from ...windowed_tables import WindowedTable
from ...types import TP

if TYPE_CHECKING:
    from ...app import App
    from ...table_kinds import AnyTable

Task = tuple[int, int]
MAX_TIME = 2**63 - 1


@dataclass(frozen=True)
class Answer:
    """One answer to a table query: HTTP status, JSON body, and a redirect's target."""

    status: int
    body: dict[str, Any]
    location: str | None = None  # a 307's target


class TableQueries:
    """Answers ``/tables`` requests for one worker; ``owners`` is kept current by the group
    (``on_owners``, at every assignment).

    It is given what it reads, not the worker: the app's tables, the table partitions the
    worker holds (``active``) and holds as standbys (``standby``), which input partitions are
    restored (``ready``), and the broker's partition counts."""

    def __init__(self, app: "App", *, active: Callable[[], Mapping[tuple[str, int], Any]],
                 standby: Callable[[], Mapping[tuple[str, int], Any]],
                 ready: Callable[[], Iterable[TP]], partition_count: Callable[[str], int]) -> None:
        self.app = app
        self._active, self._standby, self._ready = active, standby, ready
        self._partition_count = partition_count
        self.owners: dict[Task, str] = {}
        self.url: str | None = None  # this worker's advertised address, once the server is up

    def on_owners(self, owners: dict[Task, str]) -> None:
        self.owners = dict(owners)

    # -- GET /tables --------------------------------------------------------------------------
    def listing(self) -> Answer:
        tables = [self._describe(t) for _, t in sorted(self.app.tables.items())]
        return Answer(200, {"worker": self.url, "tables": tables})

    def describe(self, name: str) -> Answer:
        table = self.app.tables.get(name)
        if table is None:
            return self._no_table(name)
        return Answer(200, self._describe(table))

    def _describe(self, table: "AnyTable") -> dict[str, Any]:
        held = sorted(p for (name, p) in self._active() if name == table.name)
        standby = sorted(p for (name, p) in self._standby() if name == table.name)
        n = self._partitions(table)
        ready = [p for p in held if isinstance(table, GlobalTable) or (n, p) in self._ready_tasks()]
        return {"name": table.name, "kind": table.kind, "partitions": n, "held": held,
                "ready": ready, "standby": standby}

    # -- GET /tables/{table}/{key} --------------------------------------------------------------
    def lookup(self, name: str, key_text: str, path: str, time_from: str | None = None,
               time_to: str | None = None) -> Answer:
        """The committed value of ``key_text`` (in the table's key format: text keys as they
        are, JSON keys as JSON) in table ``name``; ``path`` is the request's path and query,
        for a redirect. Windowed tables list the key's windows starting in
        ``[time_from, time_to]`` (ms; default: all)."""
        table = self.app.tables.get(name)
        if table is None:
            return self._no_table(name)
        try:
            key, raw = parse_key(table, key_text)
        except ValueError as exc:
            return Answer(400, {"error": str(exc), "table": name})
        window = None
        if table.kind == "windowed":
            try:
                window = (_ms(time_from, "from", 0), _ms(time_to, "to", MAX_TIME))
            except ValueError as exc:
                return Answer(400, {"error": str(exc), "table": name})
        n = self._partitions(table)
        p = partition_for(raw, n)
        where = {"table": name, "key": key, "partition": p}
        if isinstance(table, GlobalTable):
            return self._global(table, raw, p, n, where)
        part = self._active().get((name, p))
        if part is not None:
            if (n, p) not in self._ready_tasks():
                return Answer(503, {**where, "error": f"partition {p} of table {name} is being "
                                    "restored on this worker; ask again shortly"})
            return self._read(table, part.store, raw, where, window)
        owner = self.owners.get((n, p))
        if owner is not None and not _same(owner, self.url):
            return Answer(307, {**where, "owner": owner}, location=owner.rstrip("/") + path)
        if owner is not None:
            reason = "is being assigned to this worker (a rebalance is in progress)"
        else:
            reason = ("has no owner with a web address right now (a rebalance is in progress, "
                      "or its owner runs without web_port)")
        return Answer(503, {**where, "error": f"partition {p} of table {name} {reason}; ask "
                            "again shortly"})

    def _read(self, table: "AnyTable", store: Any, raw: bytes, where: dict[str, Any],
              window: tuple[int, int] | None) -> Answer:
        if window is not None and isinstance(table, WindowedTable):
            txn = PartitionTransaction(store, table.value_codec.dumps, table.value_codec.loads)
            show = table.aggregation.result
            found = table.processor.windows_of(txn, raw, *window)
            return Answer(200, {**where, "windows": [
                {"start": w.start, "end": w.end, "value": show(v)} for w, v in found]})
        value = store.get(raw)
        if value is None:
            return Answer(404, {**where, "error": f"table {table.name} has no value for this "
                                "key (as of the last commit)"})
        return Answer(200, {**where, "value": table.value_codec.loads(value)})

    def _global(self, table: GlobalTable, raw: bytes, p: int, n: int,
                where: dict[str, Any]) -> Answer:
        """Every worker holds a global table whole; a producer with another partitioner may
        have put the key elsewhere than ``p``, so the other partitions are looked at too."""
        active = self._active()
        for q in [p, *(q for q in range(n) if q != p)]:
            part = active.get((table.name, q))
            if part is not None and part.store.get(raw) is not None:
                return self._read(table, part.store, raw, {**where, "partition": q}, None)
        return Answer(404, {**where, "error": f"global table {table.name} has no value for "
                            "this key"})

    # -- helpers -----------------------------------------------------------------------------
    def _partitions(self, table: "AnyTable") -> int:
        topic = table.source if isinstance(table, GlobalTable) else table.changelog
        assert topic is not None
        return self._partition_count(topic.name)

    def _ready_tasks(self) -> set[Task]:
        count = self._partition_count
        return {(count(tp.topic), tp.partition) for tp in self._ready()}

    def _no_table(self, name: str) -> Answer:
        known = ", ".join(sorted(self.app.tables)) or "none"
        return Answer(404, {"error": f"app {self.app.id} has no table {name!r} (it has: "
                            f"{known})"})


def parse_key(table: "AnyTable", text: str) -> tuple[Any, bytes]:
    """``text`` as a key of ``table`` (the key and its bytes): text keys as they are, JSON
    keys (``key_type=int``, a Record, ...) parsed and type-checked, then encoded the way the
    table encodes keys, so that the key lands on the partition its records did."""
    codec = table.key_codec
    try:
        key = codec.loads(text.encode())
        return key, codec.dumps(key)
    except (ValueError, TypeError) as exc:
        fmt = key_format(codec)
        hint = ("JSON, e.g. 42 or {\"id\": 1} URL-encoded" if fmt == "json"
                else "as the table's key codec reads it")
        raise ValueError(f"{text!r} is not a key of table {table.name}: {exc} (its keys are "
                         f"{hint})") from None


def _ms(text: str | None, name: str, default: int) -> int:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r}: expected milliseconds since the epoch") from None
    if value < 0:
        raise ValueError(f"{name}={text!r}: expected milliseconds since the epoch (>= 0)")
    return value


def _same(url: str, other: str | None) -> bool:
    return other is not None and url.rstrip("/") == other.rstrip("/")


__all__ = ["Answer", "TableQueries", "parse_key"]
