"""The test driver: an app's agents, tables and timers in-process, on virtual time.

``async with TestDriver(app) as driver:`` runs the app on a private ``memory://`` broker with
a :class:`~streamflow.runtime.clock.VirtualClock`. ``send`` appends a record and processes
everything it causes before returning; ``advance`` moves virtual time, firing timers in order;
``outputs`` lists what was produced, in production order. Nothing sleeps for real and nothing
reads the wall clock, so the same inputs always give the same outputs in the same order.

Chunks of ``stream.take(n, within)`` are cut at ``n`` and whenever the driver is idle (after
each ``send``/``advance``), not by real time.
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..app import App
from ..durations import Duration, seconds as to_seconds
from ..exceptions import StreamflowError
from ..partitioner import partition_for
from ..runtime.clock import VirtualClock
from ..runtime.transport.memory import MemoryTransport, broker_for
from ..runtime.worker import Worker

_ids = itertools.count()


@dataclass(frozen=True)
class OutputRecord:
    """A record an app produced, decoded with its topic's codecs."""

    topic: str
    key: Any
    value: Any
    timestamp: int
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int = field(default=0, compare=False)
    offset: int = field(default=0, compare=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly dict (offsets left out: they are not part of the result)."""
        return {"topic": self.topic, "partition": self.partition, "timestamp": self.timestamp,
                "key": _jsonable(self.key), "value": _jsonable(self.value),
                "headers": [[k, _jsonable(v)] for k, v in self.headers]}


def _jsonable(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray)):
        try:
            return bytes(v).decode()
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(bytes(v)).decode()}
    if hasattr(v, "__dataclass_fields__"):
        import dataclasses
        return dataclasses.asdict(v)
    return v


class TestDriver:
    """Run ``app`` deterministically; see the module docstring."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: App, *, start_time: float = 0.0, store: str = "memory",
                 data_dir: str | None = None, commit_every_step: bool = True) -> None:
        self.app = app
        self.clock = VirtualClock(start_time)
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="streamflow-driver-")
        self.app.configure(broker=f"memory://test-driver-{next(_ids)}", store=store,
                           data_dir=data_dir or self._tmp.name)  # type: ignore[union-attr]
        self.broker = broker_for(self.app.settings.broker)
        self.worker = Worker(app, MemoryTransport(self.app.settings, now_ms=self.clock.now_ms), self.clock)
        self.worker.tables.follow_globals = False
        self.commit_every_step = commit_every_step
        self._started = False
        self._input_seqs: set[int] = set()  # records the driver appended (not outputs)

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> "TestDriver":
        await self.worker.start()
        self._started = True
        await self._until_idle()
        return self

    async def stop(self) -> None:
        if self._started:
            self._started = False
            self.worker.request_stop()
            await self.worker.shutdown()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._raise_failure()

    async def __aenter__(self) -> "TestDriver":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- input -----------------------------------------------------------------------------------
    async def send(self, topic: str, key: Any = None, value: Any = None, *,
                   timestamp: int | None = None, headers: Sequence[tuple[str, bytes]] | None = None,
                   partition: int | None = None) -> None:
        """Append one record (encoded with the topic's codecs) and process all it causes.
        ``timestamp`` is in milliseconds and defaults to the virtual clock."""
        self._append(topic, key, value, timestamp, headers, partition)
        await self._until_idle()

    async def send_many(self, records: Iterable[tuple[str, Any, Any, int | None]]) -> None:
        """Append ``(topic, key, value, timestamp_ms)`` records, then process them all."""
        for topic, key, value, ts in records:
            self._append(topic, key, value, ts, None, None)
        await self._until_idle()

    def append_raw(self, topic: str, partition: int, key: bytes | None, value: bytes | None,
                   timestamp: int, headers: Sequence[tuple[str, bytes]] = ()) -> None:
        """Append already-encoded bytes (replay of a recording). Call ``run()`` afterwards."""
        t = self._topic(topic)
        if partition >= self.worker.partition_count(t.name):
            raise StreamflowError(f"{topic} has {self.worker.partition_count(t.name)} partitions in "
                                  f"this app; the recording has partition {partition}")
        self.broker.append(t.name, partition, [(key, value, timestamp, tuple(headers))], timestamp)
        self._input_seqs.add(self.broker.topics[t.name][partition][-1].seq)

    async def run(self) -> None:
        """Process everything appended so far."""
        await self._until_idle()

    def _topic(self, name: str) -> Any:
        try:
            return self.app.topics[name]
        except KeyError:
            raise StreamflowError(f"app {self.app.id} declares no topic {name!r} (it has: "
                                  f"{', '.join(sorted(self.app.topics))})") from None

    def _append(self, topic: str, key: Any, value: Any, timestamp: int | None,
                headers: Sequence[tuple[str, bytes]] | None, partition: int | None) -> None:
        t = self._topic(topic)
        raw_key, raw_value = t.encode_key(key), t.encode_value(value)
        n = self.worker.partition_count(t.name)
        if partition is None:
            partition = 0 if raw_key is None else partition_for(raw_key, n)
        ts = self.clock.now_ms() if timestamp is None else int(timestamp)
        self.broker.append(t.name, partition, [(raw_key, raw_value, ts, tuple(headers or ()))], ts)
        self._input_seqs.add(self.broker.topics[t.name][partition][-1].seq)

    # -- time ------------------------------------------------------------------------------------
    async def advance(self, seconds: Duration) -> None:
        """Move virtual time forward (seconds or a timedelta), running due timers in order,
        processing what they cause.

        Windowed tables' stream time moves to the new virtual time too (never backwards), so
        windows whose end + grace it passes are emitted in final mode, as if a record with that
        timestamp had arrived; without ``advance``, as in Kafka Streams, only records move it."""
        await self.clock.advance(to_seconds(seconds, "advance"), self._until_idle)
        self.worker.tables.advance_windows(self.clock.now_ms())
        await self._until_idle()

    async def flush_windows(self) -> None:
        """The end of a bounded input: emit every window not emitted yet (final mode) and
        every stream-stream left/outer join record still waiting for a partner, unmatched.
        Stream time does not move; a record sent afterwards is processed as usual."""
        self.worker.tables.flush_windows()
        await self._until_idle()

    # -- results ---------------------------------------------------------------------------------
    def outputs(self, topic: str) -> list[OutputRecord]:
        """Every record of ``topic`` in the order it was produced, decoded (exactly-once:
        including the open transaction's, never an aborted one's)."""
        t = self._topic(topic)
        records = sorted((r for part in self.broker.topics.get(t.name, []) for r in part
                          if not r.aborted), key=lambda r: r.seq)
        return [OutputRecord(t.name, None if r.key is None else t.key_codec.loads(r.key),
                             None if r.value is None else t.value_codec.loads(r.value),
                             r.timestamp, tuple(r.headers), r.partition, r.offset) for r in records]

    def produced(self) -> list[OutputRecord]:
        """Everything the app produced (not what the driver sent) on its non-internal topics,
        by topic, partition and offset: the order that is the same live and in replay."""
        out = []
        for name, t in sorted(self.app.topics.items()):
            if t.internal:
                continue
            out += [o for o, seq in zip(self.outputs(name), self._seqs(name)) if seq not in self._input_seqs]
        return sorted(out, key=lambda o: (o.topic, o.partition, o.offset))

    def _seqs(self, topic: str) -> list[int]:
        return sorted(r.seq for part in self.broker.topics.get(topic, []) for r in part
                      if not r.aborted)

    def table(self, name: str) -> dict[Any, Any]:
        """The current contents of table ``name`` (pending writes included)."""
        try:
            table = self.app.tables[name]
        except KeyError:
            raise StreamflowError(f"app {self.app.id} has no table {name!r}") from None
        return dict(table.items())

    # -- the engine ------------------------------------------------------------------------------
    async def _until_idle(self, max_rounds: int = 100_000) -> None:
        """Poll and process until nothing is left to fetch and every task is parked."""
        worker = self.worker
        for _ in range(max_rounds):
            await self._settle()
            self._raise_failure()
            await worker.tables.catch_up_globals()
            fetched = await worker.poll_once(0) if worker.consumer is not None else 0
            if worker.consumer is None:
                await worker.output.flush()
            if fetched == 0:
                if self.commit_every_step:
                    await worker.commit()
                    await self._settle()
                    if await worker.poll_once(0) if worker.consumer is not None else 0:
                        continue  # the commit's flush made take() emit, which produced more
                self._raise_failure()
                return
        raise StreamflowError("the app did not become idle (an agent feeding itself?)")

    async def _settle(self) -> None:
        """Let every runnable task run until it waits on input or on the virtual clock."""
        for _ in range(20):
            await asyncio.sleep(0)

    def _raise_failure(self) -> None:
        if self.worker._fatal is not None:
            raise self.worker._fatal
