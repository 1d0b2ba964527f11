"""Wiring: the worker runs the app's :class:`~streamflow.topology.Topology`.

The topology is built once at start (``streamflow.topology``: the agents' discovery runs each
agent up to its first wait for input). From it the worker

- creates every topic it lists when missing (declared topics, repartition topics, changelogs,
  join outputs, dead letters), with the declared partition count or ``topic_partitions``; an
  existing topic keeps its own count, which is the one the worker uses
  (:meth:`Wiring.partition_count`);
- gives each agent one channel per stretch of it between topics (a *segment*: the agent's own
  input, then one per ``group_by``/``through``), and routes each topic a segment reads
  (``merge`` included) to that segment's channel;
- checks every stream-table join's co-partitioning before anything is consumed.

The agents then run for real. What they declare at their top is answered from the plan,
never declared a second time: ``group_by``/``through`` gets the planned segment's channel and
a forwarder task that sends the re-keyed items to the planned topic; ``merge`` and
``stream.join`` were planned already. A call the discovery did not see (made after the agent
started iterating, or only on some runs) is an error.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable

from ..exceptions import ConfigError, CopartitioningError
from ..global_tables import GlobalTable
from ..topology.discovery import Segment, repartition_topic
from .channel import Channel
from .failures import KeyFunctionFailed
from .repartition import forward
from .runners import AgentRunner
from .transport.base import TopicSpec

if TYPE_CHECKING:
    from ..agents import AgentSpec
    from ..app import App
    from ..config import Settings
    from ..topics import Topic
    from ..topology import Topology
    from .failures import AgentFailures
    from .output import OutputBuffer
    from .transport.base import Transport

log = logging.getLogger("streamflow.worker")

OnFailure = Callable[[str, BaseException, Any], None]


class Wiring:
    """The topics of one worker, its agents' runners and the routes from topics to their
    channels, all from the topology (see the module docstring).

    ``output()``: the output buffer (forwarders send through it); ``failures``: how a
    ``group_by`` key function's failure is handled; ``on_failure``: what stops the worker."""

    def __init__(self, app: "App", settings: "Settings", transport: "Transport",
                 output: Callable[[], "OutputBuffer"], failures: "AgentFailures",
                 on_failure: OnFailure) -> None:
        self.app, self.settings, self.transport = app, settings, transport
        self._output, self._failures, self._on_failure = output, failures, on_failure
        self.topology: "Topology | None" = None
        #: The partition count of every topic, as on the broker.
        self.partitions: dict[str, int] = {}
        self.runners: list[AgentRunner] = []
        #: topic -> the channels its records go to.
        self.routes: dict[str, list[Channel]] = {}
        self._regrouped: set[Channel] = set()  # channels whose events an agent re-keys
        self._segments: list[Segment] = []  # every agent's, for the join checks

    def partition_count(self, topic: str) -> int:
        """The partition count of ``topic`` (declared topics only)."""
        try:
            return self.partitions[topic]
        except KeyError:
            raise ConfigError(f"unknown topic {topic!r}: declare it with app.topic({topic!r})") from None

    @property
    def sources(self) -> list[str]:
        """The topics the worker's consumer reads, sorted."""
        return sorted(self.routes)

    @property
    def regrouped_topics(self) -> set[str]:
        """Topics whose records an agent re-keys (``group_by``): their tasks get mixed (see
        ``runtime.ordering``)."""
        return {t for t, channels in self.routes.items() if any(c in self._regrouped for c in channels)}

    # -- the plan ------------------------------------------------------------------------------
    def plan(self, topology: "Topology") -> None:
        """Declare the repartition topics the topology shows, and make every agent's runner
        with its channels and their routes (the agents are not started yet)."""
        self.topology = topology
        slow = [a.agent for a in topology.agents if a.outcome == "timed out"]
        if slow:
            log.warning("agent(s) %s did not start iterating their stream in time; a group_by "
                        "or merge they call later will fail", ", ".join(slow))
        for spec in self.app.agents:
            found = topology.agent(spec.name)
            segments = found.segments if found is not None else (
                Segment(tuple(spec.topic_names), (), (), True),)  # a join's or a table's agent
            self._wire(spec, segments)

    def _wire(self, spec: "AgentSpec", segments: tuple[Segment, ...]) -> None:
        runner = AgentRunner(spec, self._on_failure, self._output, self._failures)
        entries: dict[str, Channel] = {}  # a group_by's topic -> the channel reading it back
        for i, segment in enumerate(segments):
            channel = runner.channel if i == 0 else Channel(runner.ctx)
            if i > 0:
                runner.channels.append(channel)
                entries[segment.topics[0]] = channel
            channel._repartitioner = self._repartitioner(runner, entries)
            channel._subscriber = self._subscriber(runner)
            if segment.group_bys:
                self._regrouped.add(channel)
                channel.may_defer_values = False  # its forwarder encodes the items it reads
            for topic in segment.topics:
                self.routes.setdefault(topic, []).append(channel)
            self._segments.append(segment)
            for group_by in segment.group_bys:
                if not group_by.through:
                    self._declare(group_by.topic, group_by.name)
        self.runners.append(runner)

    def _declare(self, planned: Any, name: str) -> None:
        """A ``group_by``'s repartition topic, declared with the types the discovery saw (its
        records are decoded with them, and the forwarder encodes with them)."""
        topic = self.app.topics.get(planned.name)
        if topic is None:
            topic = self.app.topic(planned.name, key_type=planned.key_type,
                                   value_type=planned.value_type, partitions=planned.partitions)
            topic.internal = True
            topic.declared_by = f"group_by(..., name={name!r}, key_type=...)"

    async def ensure_topics(self) -> None:
        """Create the topics not created yet when missing (the app's declared ones; once
        planned, every topic of the topology), and read each one's partition count."""
        settings = self.settings
        specs: dict[str, TopicSpec] = {}
        if self.topology is not None:
            for n in self.topology.topics:
                specs[n.name] = TopicSpec(n.name, n.partitions if n.partitions_declared
                                          else settings.topic_partitions,
                                          settings.replication_factor, dict(n.config))
        for t in self.app.topics.values():
            if t.name not in specs:
                specs[t.name] = TopicSpec(t.name, t.declared_partitions or settings.topic_partitions,
                                          settings.replication_factor, t.config)
        new = [spec for name, spec in specs.items() if name not in self.partitions]
        if not new:
            return
        await self.transport.ensure_topics(new)
        for spec in new:
            count = await self.transport.partition_count(spec.name)
            if count is None:
                raise ConfigError(f"topic {spec.name!r} does not exist and could not be created")
            self.partitions[spec.name] = count

    def check_joins(self) -> None:
        """Stream-table joins need the table co-partitioned with every topic of the stream:
        raises the first :class:`CopartitioningError` (partition counts as on the broker)."""
        for segment in self._segments:
            for join in segment.joins:
                table = self.app.tables.get(join.table)
                if table is None or isinstance(table, GlobalTable):
                    continue
                for topic in segment.topics:
                    n = self.partition_count(topic)
                    if n != table.partitions:
                        raise CopartitioningError(
                            f"cannot join {topic} ({n} partitions) with table {table.name} "
                            f"(changelog {table.changelog.name}, "
                            f"{table.partitions} partitions): a stream-table join looks a key up "
                            f"in the table partition of the event, so both need the same "
                            f"partition count and the same key. Re-key the stream with "
                            f"stream.group_by(key_fn, name=..., partitions={table.partitions}), "
                            f"declare the table (or, for a table fed from a topic, that topic) "
                            f"with partitions={n}, or use a global table")
                    problem = table.key_format_problem(topic, "is joined with")
                    if problem is not None:
                        raise CopartitioningError(problem)

    def check_tables(self, tables: list[Any]) -> None:
        """Every (non-global) table must share its partition count with a topic the agents
        consume: a table is updated from the partition of the event being processed."""
        counts = {t: self.partition_count(t) for t in self.sources}
        for table in tables:
            n = table.partitions
            if counts and n not in counts.values():
                listing = ", ".join(f"{t} ({c})" for t, c in sorted(counts.items()))
                raise CopartitioningError(
                    f"table {table.name} has {n} partitions but no topic the agents consume has "
                    f"{n} (they have: {listing}). A table is updated from the partition of the "
                    f"event being processed, so it must be co-partitioned with its stream: "
                    f"declare the table with the stream's partition count, or re-key the stream "
                    f"with stream.group_by(key_fn, name=..., partitions={n})")

    def start_agents(self) -> None:
        """Start every agent's task. Nothing waits for them: their channels and routes exist,
        and records delivered before an agent reads them wait in its channel."""
        for runner in self.runners:
            runner.start()

    # -- what the running agents ask -------------------------------------------------------------
    def _repartitioner(self, runner: AgentRunner, entries: dict[str, Channel]) -> Any:
        """``group_by`` (to its repartition topic) and ``through`` (to ``topic``): the planned
        channel that reads the topic back, and a forwarder task that sends there."""
        def repartition(upstream: Any, key_fn: Any, name: str, partitions: int | None,
                        value_type: Any, *, key_type: Any = None, topic: Any = None) -> Channel:
            if name in runner.regrouped:
                # The agent function runs again after a failure it skipped: its group_by
                # (through) forwarder exists already.
                return runner.regrouped[name]
            what = f"group_by({name!r})" if topic is None else f"through({name!r})"
            if topic is None:
                planned = repartition_topic(self.app, runner.spec, name, partitions, value_type,
                                            key_type)
                topic = self.app.topics.get(planned.name)
            channel = entries.get(topic.name) if topic is not None else None
            if channel is None:
                raise ConfigError(f"agent {runner.name}: {what} was not seen when the worker "
                                  "planned the app's topology: call it at the top of the agent, "
                                  "before the agent starts iterating its stream")
            runner.regrouped[name] = channel
            self._forward(runner, upstream, key_fn, topic, what)
            return channel
        return repartition

    def _forward(self, runner: AgentRunner, upstream: Any, key_fn: Any, topic: "Topic",
                 what: str) -> None:
        """Start the forwarder task of a ``group_by``/``through`` of ``runner``'s agent."""
        where = f"{what} of agent {runner.name}"
        key_failed = lambda failed: self._failures.key_failed(where, runner.name, failed)  # noqa: E731
        task = asyncio.create_task(forward(upstream, key_fn, topic, self._output, key_failed),
                                   name=f"{what}:{runner.name}")

        def ended(t: asyncio.Task) -> None:
            exc = None if t.cancelled() else t.exception()
            if exc is not None:
                self._forwarder_failed(where, exc, runner, upstream._source)
        task.add_done_callback(ended)
        runner.helpers.append(task)

    def _forwarder_failed(self, where: str, exc: BaseException, runner: AgentRunner,
                          source: Any) -> None:
        """A group_by's forwarder ended on ``exc``: the worker stops, and the batches it was
        given are released (unprocessed, so not committed) for the batch in progress to end."""
        if isinstance(exc, KeyFunctionFailed):  # its key function, on the event it names
            self._on_failure(where, exc.cause, exc.event)
        else:
            self._on_failure(where, exc, runner.ctx.event)
        if isinstance(source, Channel):
            source.fail_pending()

    def _subscriber(self, runner: AgentRunner) -> Any:
        """``stream.merge(topic)``: planned already; a merge the discovery did not see is an
        error (its records would not be read)."""
        def subscribe(topic: Any, channel: Channel) -> None:
            if channel not in self.routes.get(topic.name, ()):
                raise ConfigError(f"agent {runner.name}: merge({topic.name!r}) was not seen when "
                                  "the worker planned the app's topology: call it at the top of "
                                  "the agent, before the agent starts iterating its stream")
        return subscribe


__all__ = ["Wiring"]
