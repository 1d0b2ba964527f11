"""Agents, timers and tasks as the DSL declares them. The runtime runs them."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from .exceptions import ConfigError
from .topics import Topic


@dataclass
class AgentSpec:
    """``@app.agent(topics..., sink=[...])``: an async function over a stream.

    The function either consumes the stream (``async def f(stream): async for x in stream``) or
    is an async generator whose yielded values go to every sink topic, keyed like the event
    being processed (yield a :class:`streamflow.Message` to choose key, headers or timestamp).
    """

    name: str
    fn: Callable[..., Any]
    topics: list[Topic]
    sinks: list[Topic] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not (inspect.iscoroutinefunction(self.fn) or inspect.isasyncgenfunction(self.fn)):
            raise ConfigError(f"agent {self.name}: must be an 'async def' function taking a stream")
        if not self.topics:
            raise ConfigError(f"agent {self.name}: give at least one topic to consume")
        if self.sinks and not inspect.isasyncgenfunction(self.fn):
            raise ConfigError(f"agent {self.name}: has a sink, so it must 'yield' its results")

    @property
    def topic_names(self) -> list[str]:
        return [t.name for t in self.topics]


@dataclass
class TimerSpec:
    """``@app.timer(seconds)``: called every ``interval`` seconds while the worker runs."""

    name: str
    fn: Callable[[], Any]
    interval: float
    on_start: bool = False


@dataclass
class TaskSpec:
    """``@app.task``: called once when the worker has started."""

    name: str
    fn: Callable[[], Any]
