"""Running what the DSL declared: one task per agent, per timer, per start-up task."""
from __future__ import annotations

import asyncio
import inspect
import logging
from typing import TYPE_CHECKING, Any, Callable

from ..agents import AgentSpec, TaskSpec, TimerSpec
from ..context import ProcessingContext, current_context
from ..streams import Stream
from ..types import KEY, RAW_KEY, TIMESTAMP, TOPIC, Message
from .channel import Channel
from .sink import SinkStage

if TYPE_CHECKING:
    from .clock import Clock
    from .failures import AgentFailures
    from .output import OutputBuffer

log = logging.getLogger("streamflow.agent")

FailureHandler = Callable[[str, BaseException, Any], None]


class AgentRunner:
    """Runs one agent function over its channel; sends what an async-generator agent yields."""

    def __init__(self, spec: AgentSpec, on_failure: FailureHandler,
                 output: Callable[[], OutputBuffer],
                 failures: "AgentFailures | None" = None) -> None:
        self.spec = spec
        self._output = output
        self.ctx = ProcessingContext(spec.name)
        self.channel = Channel(self.ctx)
        self.channels = [self.channel]  # plus one per group_by
        self.regrouped: dict[str, Channel] = {}  # group_by name -> its channel (for restarts)
        self.helpers: list[asyncio.Task] = []  # group_by forwarders
        self._on_failure = on_failure
        self._failures = failures
        self.task: asyncio.Task | None = None
        self.restarts = 0

    @property
    def name(self) -> str:
        """The agent's name."""
        return self.spec.name

    def start(self) -> None:
        """Start the agent's task (its function runs up to its first wait for input)."""
        self.task = asyncio.create_task(self._run(), name=f"agent:{self.name}")

    async def _run(self) -> None:
        current_context.set(self.ctx)
        while True:
            stream: Stream[Any] = Stream(self.channel, name=self.name)
            try:
                if inspect.isasyncgenfunction(self.spec.fn):
                    await self._drive_generator(self.spec.fn(stream))
                else:
                    await self.spec.fn(stream)
                log.warning("agent %s returned; it gets no more events", self.name)
                for channel in self.channels:
                    channel.fail_pending()
                return
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - a policy decides (runtime.failures)
                if await self._goes_on_after(exc):
                    self.restarts += 1
                    continue  # the agent function again, on what it had not processed
                for channel in self.channels:
                    channel.fail_pending()
                return

    async def _goes_on_after(self, exc: BaseException) -> bool:
        """Whether the failure policy lets the agent go on after ``exc``; if not, the worker
        has been told to stop."""
        if self._failures is None:
            self._on_failure(self.name, exc, self.ctx.event)
            return False
        try:
            return await self._failures.recover(self, exc)
        except asyncio.CancelledError:
            raise
        except BaseException as failure:  # noqa: BLE001 - e.g. a dead letter not read back
            self._on_failure(self.name, failure, self.ctx.event)
            return False

    async def _drive_generator(self, gen: Any) -> None:
        """Send what the agent yields to its sinks through a :class:`SinkStage`. The hot path
        (one sink, a plain value) is inlined: no call but the encoder's per record, the
        input's key bytes reused when the sink encodes keys the same way."""
        sinks = self.spec.sinks
        if not sinks:
            async for _ in gen:
                pass
            return
        ctx = self.ctx
        output = self._output()
        stage = SinkStage(output, sinks, self.spec.topics)
        output.add_stage(stage.drain)
        ctx.before_next = stage.drain
        flush_at = output.flush_at
        general = stage.stage
        try:
            if len(stage.targets) == 1:
                _, same_key, encode_key, encode_value, dumps, opt, staged = stage.targets[0]
                add = staged.append
                async for result in gen:
                    event = ctx.current
                    if event is None or isinstance(result, Message):
                        general(result, event)
                    else:
                        raw = (event[RAW_KEY] if event[TOPIC] in same_key
                               else encode_key(event[KEY]))
                        if dumps is not None and result.__class__ is dict:
                            add((raw, dumps(result, option=opt), event[TIMESTAMP], None))
                        else:
                            add((raw, encode_value(result), event[TIMESTAMP], None))
                        output.staged = True
                    if len(staged) >= flush_at:
                        stage.drain()
                        await output.flush()
            else:
                async for result in gen:
                    general(result, ctx.current)
                    if stage.pending >= flush_at:
                        stage.drain()
                        await output.flush()
            stage.drain()
        except asyncio.CancelledError:
            raise
        except BaseException:
            # What it yielded for the events before the failing one (and for that one, up
            # to the failure) goes out, as records sent with Topic.send do: if the failure
            # is skipped, those events count as processed.
            stage.drain()
            raise
        finally:
            ctx.before_next = None
            output.remove_stage(stage.drain)

    async def stop(self) -> None:
        """Cancel the agent's task and its group_by forwarders."""
        for task in [self.task, *self.helpers]:
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - _run reports the agent's failures; stop() must not raise
                    pass


class TimerRunner:
    """Runs one ``@app.timer`` function every ``interval`` of the worker's clock; a
    failure stops the worker."""

    def __init__(self, spec: TimerSpec, clock: "Clock", on_failure: FailureHandler) -> None:
        self.spec, self.clock, self._on_failure = spec, clock, on_failure
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        """Start the timer's task."""
        self.task = asyncio.create_task(self._run(), name=f"timer:{self.spec.name}")

    async def _run(self) -> None:
        try:
            if self.spec.on_start:
                await self.spec.fn()
            while True:
                await self.clock.sleep(self.spec.interval)
                await self.spec.fn()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001
            self._on_failure(f"timer {self.spec.name}", exc, None)

    async def stop(self) -> None:
        """Cancel the timer's task."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - _run reports the timer's failures; stop() must not raise
                pass


class TaskRunner(TimerRunner):
    """Runs one ``@app.task`` function once at start; a failure stops the worker."""

    def __init__(self, spec: TaskSpec, on_failure: FailureHandler) -> None:  # noqa: D107
        self.spec_task, self._on_failure = spec, on_failure
        self.task = None

    def start(self) -> None:
        """Start the task."""
        self.task = asyncio.create_task(self._run_once(), name=f"task:{self.spec_task.name}")

    async def _run_once(self) -> None:
        try:
            await self.spec_task.fn()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001
            self._on_failure(f"task {self.spec_task.name}", exc, None)
