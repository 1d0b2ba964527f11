"""Running what the DSL declared: one task per agent, per timer, per start-up task."""
from __future__ import annotations

import asyncio
import inspect
import logging
from typing import TYPE_CHECKING, Any, Callable

from ..agents import AgentSpec, TaskSpec, TimerSpec
from ..context import ProcessingContext, current_context
from ..streams import Stream
from ..types import Message
from .channel import Channel

if TYPE_CHECKING:
    from .clock import WallClock

log = logging.getLogger("streamflow.agent")

FailureHandler = Callable[[str, BaseException, Any], None]


class AgentRunner:
    """Runs one agent function over its channel; sends what an async-generator agent yields."""

    def __init__(self, spec: AgentSpec, on_failure: FailureHandler,
                 output: Callable[[], Any] | None = None) -> None:
        self.spec = spec
        self._output = output or (lambda: None)
        self.ctx = ProcessingContext(spec.name)
        self.channel = Channel(self.ctx)
        self.channels = [self.channel]  # plus one per group_by
        self.helpers: list[asyncio.Task] = []  # group_by forwarders
        self._on_failure = on_failure
        self.task: asyncio.Task | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"agent:{self.name}")

    async def _run(self) -> None:
        current_context.set(self.ctx)
        stream = Stream(self.channel, name=self.name)
        try:
            if inspect.isasyncgenfunction(self.spec.fn):
                await self._drive_generator(self.spec.fn(stream))
            else:
                await self.spec.fn(stream)
            log.warning("agent %s returned; it gets no more events", self.name)
            for channel in self.channels:
                channel.fail_pending()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - reported to the worker, which stops
            for channel in self.channels:
                channel.fail_pending()
            self._on_failure(self.name, exc, self.ctx.event)

    async def _drive_generator(self, gen: Any) -> None:
        """Send what the agent yields to its sinks. The hot path: no coroutine per record, and
        the input's key bytes are reused when the sink encodes keys the same way."""
        sinks = self.spec.sinks
        if not sinks:
            async for _ in gen:
                pass
            return
        ctx = self.ctx
        output = self._output()
        add = output.add_nowait
        targets = [(sink.name, sink.key_codec, sink.encode_key, sink.encode_value) for sink in sinks]
        source_codecs = {t.name: t.key_codec for t in self.spec.topics}
        async for result in gen:
            event = ctx.event
            if isinstance(result, Message):
                key, value, headers = result.key, result.value, result.headers
                ts = result.timestamp if result.timestamp is not None else (
                    event.timestamp if event is not None else None)
                for name, _, encode_key, encode_value in targets:
                    add(name, encode_key(key), encode_value(value), None, ts, headers)
            else:
                ts = event.timestamp if event is not None else None
                for name, key_codec, encode_key, encode_value in targets:
                    if event is None:
                        raw = None
                    elif key_codec is source_codecs.get(event.topic) and event.raw_key is not None:
                        raw = event.raw_key
                    else:
                        raw = encode_key(event.key)
                    add(name, raw, encode_value(result), None, ts, None)
            if output.pending >= output.flush_at:
                await output.flush()

    @property
    def ready(self) -> bool:
        """Parked on its input (so every group_by of it is known), or finished."""
        return self.task is None or self.task.done() or self.channels[-1].waiting

    async def stop(self) -> None:
        for task in [self.task, *self.helpers]:
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass


class TimerRunner:
    def __init__(self, spec: TimerSpec, clock: "WallClock", on_failure: FailureHandler) -> None:
        self.spec, self.clock, self._on_failure = spec, clock, on_failure
        self.task: asyncio.Task | None = None

    def start(self) -> None:
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
        if self.task is not None and not self.task.done():
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass


class TaskRunner(TimerRunner):
    def __init__(self, spec: TaskSpec, on_failure: FailureHandler) -> None:  # noqa: D107
        self.spec_task, self._on_failure = spec, on_failure
        self.task = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run_once(), name=f"task:{self.spec_task.name}")

    async def _run_once(self) -> None:
        try:
            await self.spec_task.fn()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001
            self._on_failure(f"task {self.spec_task.name}", exc, None)
