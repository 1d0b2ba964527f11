"""What an agent declares only when it runs: ``group_by``/``through``, ``merge``, stream-table
joins, and the topics ``branch(to=)`` and ``to()`` send to.

These are called inside the agent's body, at its top, before it iterates (README, "Re-keying
with group_by"). The only way to know them is to run the body up to its first wait for input.
:func:`discover` does that against stand-in sources that never hand anything over, then cancels
every agent: no broker, no worker, no record.
The code an agent runs before it iterates runs once more here, so it should only declare.

The naming and typing of a repartition topic is :func:`repartition_topic`, which the worker
uses too, so a topology and a running worker always agree on it.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..context import ProcessingContext, current_context
from ..streams import Stream

if TYPE_CHECKING:
    from ..agents import AgentSpec
    from ..app import App

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class RepartitionTopic:
    """The internal topic a ``group_by(name=...)`` of an agent sends its re-keyed events to."""

    name: str
    partitions: int | None  # as given to group_by; None: the app's topic_partitions
    value_type: Any
    key_type: Any = None  # None: the app's key type


def repartition_topic(app: "App", agent: "AgentSpec", name: str, partitions: int | None,
                      value_type: Any, key_type: Any = None) -> RepartitionTopic:
    """``{app id}-{name}-repartition``; values typed as given, or as the agent's only topic's."""
    if value_type is None and len(agent.topics) == 1:
        value_type = agent.topics[0].value_type
    return RepartitionTopic(f"{app.id}-{name}-repartition", partitions, value_type, key_type)


@dataclass(frozen=True)
class Segment:
    """A stretch of an agent between two topics: read ``topics`` (``merge`` adds some), apply
    the stream-table ``joins`` (in call order), send to ``outputs`` (``(topic, "branch" or
    "to")``), then re-key into ``group_bys`` (each a :class:`GroupBy`, ``through`` included)
    and, when the agent's loop waits on it, run the agent's body."""

    topics: tuple[str, ...]
    joins: tuple["StreamTableJoin", ...]
    group_bys: tuple["GroupBy", ...]
    feeds_body: bool
    outputs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class GroupBy:
    """``group_by(name=)`` into an internal repartition topic, or ``through(topic)``
    (``through`` True, ``topic.name`` the app's topic)."""

    name: str
    topic: RepartitionTopic
    through: bool = False


@dataclass(frozen=True)
class StreamTableJoin:
    """A ``stream.join(table)`` the discovery saw: the table, inner or left, and the key function
    (by name)."""

    table: str
    kind: str
    key: str | None  # the name of the key function, None when the event's key is looked up


@dataclass(frozen=True)
class AgentDiscovery:
    """What running one agent up to its first wait for input showed.

    ``outcome``: ``parked`` (it waits for input: everything it declares is known),
    ``returned`` (its function ended without iterating), ``raised`` (``error`` says what),
    or ``timed out`` (it did not reach its input in time; what it declares later is unknown).
    """

    agent: str
    segments: tuple[Segment, ...]
    outcome: str
    error: str | None = None


class _StandIn:
    """A :class:`streamflow.streams.BatchSource` that records what is asked of it and never
    hands a batch over: the agent waits on it until :func:`discover` cancels it."""

    def __init__(self, probe: "_Probe", topics: tuple[str, ...]) -> None:
        self.ctx = probe.ctx
        self.probe = probe
        self.topics = topics
        self.joins: list[StreamTableJoin] = []
        self.group_bys: list[tuple[GroupBy, "_StandIn"]] = []
        self.outputs: list[tuple[str, str]] = []

    async def next_batch(self, timeout: float | None = None) -> list | None:
        self.probe.parked_on = self
        self.probe.parked.set()
        await asyncio.get_running_loop().create_future()  # until cancelled
        return None  # pragma: no cover - never reached

    def repartition(self, upstream: Any, key_fn: Callable[[Any], Any] | None, name: str,
                    partitions: int | None, value_type: Any, *, key_type: Any = None,
                    topic: Any = None) -> "_StandIn":
        if topic is None:
            planned = repartition_topic(self.probe.app, self.probe.spec, name, partitions,
                                        value_type, key_type)
        else:  # through(topic)
            planned = RepartitionTopic(topic.name, topic.declared_partitions, topic.value_type,
                                       topic.key_type)
        for group_by, source in self.group_bys:  # called again: the same topic, as the worker does
            if group_by.name == name:
                return source
        source = _StandIn(self.probe, (planned.name,))
        self.group_bys.append((GroupBy(name, planned, topic is not None), source))
        self.probe.sources.append(source)
        return source

    def subscribe(self, topic: Any) -> None:
        """``merge(topic)``: the topic is read into this stretch too."""
        if topic.name not in self.topics:
            self.topics += (topic.name,)

    def sends_to(self, topic: Any, how: str) -> None:
        """``branch(..., to=topic)`` or ``to(topic)`` on a stream of this stretch."""
        self.outputs.append((topic.name, how))

    def check_join(self, table: Any, kind: str = "inner", key: Callable[[Any], Any] | None = None) -> None:
        self.joins.append(StreamTableJoin(table.name, kind,
                                          None if key is None else getattr(key, "__name__", repr(key))))


class _Probe:
    def __init__(self, app: "App", spec: "AgentSpec") -> None:
        self.app, self.spec = app, spec
        self.ctx = ProcessingContext(spec.name)
        self.parked = asyncio.Event()
        self.parked_on: _StandIn | None = None
        self.sources = [_StandIn(self, tuple(spec.topic_names))]

    async def run(self) -> None:
        current_context.set(self.ctx)
        stream: Stream[Any] = Stream(self.sources[0], name=self.spec.name)
        result = self.spec.fn(stream)
        if hasattr(result, "__anext__"):  # an async generator agent: drive it as the runner does
            async for _ in result:
                pass
        else:
            await result

    def segments(self) -> tuple[Segment, ...]:
        return tuple(Segment(s.topics, tuple(s.joins), tuple(g for g, _ in s.group_bys),
                             s is self.parked_on, tuple(s.outputs)) for s in self.sources)


async def discover_agent(app: "App", spec: "AgentSpec", timeout: float = DEFAULT_TIMEOUT) -> AgentDiscovery:
    """Run ``spec``'s function up to its first wait for input, then cancel it."""
    probe = _Probe(app, spec)
    task = asyncio.create_task(probe.run(), name=f"discover:{spec.name}")
    parked = asyncio.create_task(probe.parked.wait())
    try:
        await asyncio.wait([task, parked], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (task, parked):
            t.cancel()
        await asyncio.gather(task, parked, return_exceptions=True)
    if probe.parked.is_set():
        return AgentDiscovery(spec.name, probe.segments(), "parked")
    if not task.done() or task.cancelled():
        return AgentDiscovery(spec.name, probe.segments(), "timed out",
                              f"did not start iterating its stream within {timeout:g}s")
    exc = task.exception()
    if exc is None:
        return AgentDiscovery(spec.name, probe.segments(), "returned")
    return AgentDiscovery(spec.name, probe.segments(), "raised",
                          f"raised {type(exc).__name__} before iterating its stream: {exc}")


async def discover(app: "App", timeout: float = DEFAULT_TIMEOUT,
                   skip: Callable[["AgentSpec"], bool] = lambda spec: False) -> list[AgentDiscovery]:
    """:func:`discover_agent` for every agent of ``app`` (concurrently), in declaration order.
    ``skip``: agents whose shape is known from their declaration (the app's joins)."""
    specs = [spec for spec in app.agents if not skip(spec)]
    return list(await asyncio.gather(*(discover_agent(app, spec, timeout) for spec in specs)))
