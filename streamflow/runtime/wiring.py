"""Wiring: the topics a worker creates and reads, and which agent's channel each feeds.

Every agent gets a runner and a channel; its declared topics route to that channel. What an
agent declares at its top is answered here: ``group_by``/``through`` (a repartition topic, a
forwarder task that sends the re-keyed items there, and a new channel that reads it back),
``merge`` (one more topic routed to the channel), ``stream.join(table)`` (co-partitioning,
checked before the worker subscribes). Topics are created when missing, with the declared
partition count or ``topic_partitions``; an existing topic keeps its own count, which is the
one the worker uses (:meth:`Wiring.partition_count`).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Callable

from ..exceptions import ConfigError, CopartitioningError
from ..tables import GlobalTable
from ..topology.discovery import repartition_topic
from .channel import Channel
from .failures import KeyFunctionFailed
from .repartition import forward
from .runners import AgentRunner
from .transport.base import TopicSpec

if TYPE_CHECKING:
    from ..app import App
    from ..config import Settings
    from .failures import AgentFailures
    from .output import OutputBuffer
    from .transport.base import Transport

log = logging.getLogger("streamflow.worker")

OnFailure = Callable[[str, BaseException, Any], None]


class Wiring:
    """The topics of one worker and the routes from topics to agents' channels.

    ``output()``: the output buffer (forwarders send through it); ``failures``: how a
    ``group_by`` key function's failure is handled; ``on_failure``: what stops the worker;
    ``subscribed()``: whether the consumer exists (declarations are closed then)."""

    def __init__(self, app: "App", settings: "Settings", transport: "Transport",
                 output: Callable[[], "OutputBuffer"], failures: "AgentFailures",
                 on_failure: OnFailure, subscribed: Callable[[], bool]) -> None:
        self.app, self.settings, self.transport = app, settings, transport
        self._output, self._failures, self._on_failure = output, failures, on_failure
        self._subscribed = subscribed
        #: The partition count of every topic, as on the broker.
        self.partitions: dict[str, int] = {}
        self.runners: list[AgentRunner] = []
        #: topic -> the channels its records go to.
        self.routes: dict[str, list[Channel]] = {}
        self._regrouped: set[Channel] = set()  # channels whose events an agent re-keys
        self._pending_topics: list[Any] = []
        self._join_errors: list[CopartitioningError] = []

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

    async def ensure_topics(self) -> None:
        """Create the app's topics (and those agents declared as they started) when missing,
        and read every one's partition count."""
        settings = self.settings
        specs = [TopicSpec(t.name, t.declared_partitions or settings.topic_partitions,
                           settings.replication_factor, t.config)
                 for t in self.app.topics.values()]
        known = {spec.name for spec in specs}
        specs += [spec for spec in self._late_topic_specs() if spec.name not in known]
        await self.transport.ensure_topics(specs)
        for spec in specs:
            count = await self.transport.partition_count(spec.name)
            if count is None:
                raise ConfigError(f"topic {spec.name!r} does not exist and could not be created")
            self.partitions[spec.name] = count

    async def start_agents(self) -> None:
        """Start every agent and let each run up to its first wait for input, so that the
        topics its ``group_by`` and ``merge`` calls declare are routed and created before the
        consumer subscribes. Raises the first co-partitioning error its joins found."""
        for spec in self.app.agents:
            runner = AgentRunner(spec, self._on_failure, self._output, self._failures)
            runner.channel._repartitioner = self._repartitioner(runner)
            consumed = list(spec.topic_names)  # merge() adds to it
            runner.channel.join_checker = self._join_checker(consumed)
            runner.channel._subscriber = self._subscriber(runner, consumed)
            self.runners.append(runner)
            for topic in spec.topic_names:
                self.routes.setdefault(topic, []).append(runner.channel)
            runner.start()
        await self._wait_agents_parked()
        if self._join_errors:
            raise self._join_errors[0]
        await self.ensure_topics()  # repartition topics declared by group_by

    async def _wait_agents_parked(self, timeout: float = 10.0) -> None:
        """Let every agent run up to its first wait for input, so that the repartition topics
        its ``group_by`` calls declare exist before the consumer subscribes."""
        deadline = time.monotonic() + timeout
        while not all(r.ready for r in self.runners):
            if time.monotonic() > deadline:
                slow = ", ".join(r.name for r in self.runners if not r.ready)
                log.warning("agent(s) %s did not start iterating within %.0fs; a group_by they "
                            "call later will fail", slow, timeout)
                return
            await asyncio.sleep(0.001)

    def _join_checker(self, topics: list[str]) -> Any:
        """Stream-table joins need the table co-partitioned with every topic of the stream.
        Problems are collected while agents start and raised by ``start_agents``."""
        def check(table: Any) -> None:
            if isinstance(table, GlobalTable):
                return
            for topic in topics:
                n = self.partitions.get(topic) or self.partition_count(topic)
                if n != table.partitions:
                    self._join_errors.append(CopartitioningError(
                        f"cannot join {topic} ({n} partitions) with table {table.name} (changelog "
                        f"{table.changelog.name if table.changelog else '-'}, {table.partitions} "
                        f"partitions): a stream-table join looks a key up in the table partition "
                        f"of the event, so both need the same partition count and the same key. "
                        f"Re-key the stream with stream.group_by(key_fn, name=..., "
                        f"partitions={table.partitions}), declare the table (or, for a table fed from a "
                        f"topic, that topic) with partitions={n}, "
                        f"or use a global table"))
                problem = table.key_format_problem(topic, "is joined with")
                if problem is not None:
                    self._join_errors.append(CopartitioningError(problem))
        return check

    def _repartitioner(self, runner: AgentRunner) -> Any:
        """``group_by`` (to an internal repartition topic) and ``through`` (to ``topic``): a
        forwarder task sends the upstream's items there, a new channel consumes it back."""
        def repartition(upstream: Any, key_fn: Any, name: str, partitions: int | None,
                        value_type: Any, *, key_type: Any = None, topic: Any = None) -> Channel:
            if name in runner.regrouped:
                # The agent function runs again after a failure it skipped: its group_by
                # (through) topic and forwarder exist already.
                return runner.regrouped[name]
            what = f"group_by({name!r})" if topic is None else f"through({name!r})"
            if self._subscribed():
                raise ConfigError(f"agent {runner.name}: {what} must be called before the agent "
                                  "starts iterating its stream")
            if topic is None:
                planned = repartition_topic(self.app, runner.spec, name, partitions, value_type,
                                            key_type)
                topic = self.app.topic(planned.name, key_type=planned.key_type,
                                       value_type=planned.value_type, partitions=planned.partitions)
                topic.internal = True
                topic.declared_by = f"group_by(..., name={name!r}, key_type=...)"
            self._declare_late(topic)
            consumed = [topic.name]
            self._regrouped.add(upstream._source)  # its topics' tasks get mixed: see ordering
            channel = Channel(runner.ctx, self._repartitioner(runner))
            channel.join_checker = self._join_checker(consumed)
            channel._subscriber = self._subscriber(runner, consumed)
            runner.channels.append(channel)
            runner.regrouped[name] = channel
            self.routes.setdefault(topic.name, []).append(channel)
            self._forward(runner, upstream, key_fn, topic, what)
            return channel
        return repartition

    def _forward(self, runner: AgentRunner, upstream: Any, key_fn: Any, topic: Any, what: str) -> None:
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

    def _subscriber(self, runner: AgentRunner, consumed: list[str]) -> Any:
        """``stream.merge(topic)``: ``topic``'s records go to the channel too."""
        def subscribe(topic: Any, channel: Channel) -> None:
            if channel in self.routes.get(topic.name, ()):
                return  # the agent function runs again after a failure it skipped
            if self._subscribed():
                raise ConfigError(f"agent {runner.name}: merge({topic.name!r}) must be called "
                                  "before the agent starts iterating its stream")
            self._declare_late(topic)
            consumed.append(topic.name)
            self.routes.setdefault(topic.name, []).append(channel)
        return subscribe

    def _declare_late(self, topic: Any) -> None:
        """A topic an agent declared as it started: created with the repartition topics."""
        if topic.name not in self.partitions:
            self.partitions[topic.name] = topic.declared_partitions or self.settings.topic_partitions
            self._pending_topics.append(topic)

    def _late_topic_specs(self) -> list[TopicSpec]:
        """Internal topics declared while agents started (repartition topics)."""
        specs = [TopicSpec(t.name, t.declared_partitions or self.settings.topic_partitions,
                           self.settings.replication_factor, t.config) for t in self._pending_topics]
        self._pending_topics = []
        return specs


__all__ = ["Wiring"]
