"""Bad records and agent exceptions: the policy applied to the events an agent failed on, and
where the agent goes on from.

An agent that raises has lost its coroutine (and, for an async generator, its place in the
stream). Which setting applies depends on what it raised:

- :class:`InvalidTimestamp` (a window or a stream-stream join was handed a record whose event
  time is no time, or a ``timestamp=`` extractor failed) is the record's fault:
  ``on_decode_error``, as for a record that does not decode;
- :class:`DecodeError` raised by reading ``event.value`` of an event whose value the worker
  left undecoded (``streamflow.lazy_events``) is a record that does not decode:
  ``on_decode_error``, reported as the decoder reports it (``runtime.decoding``);
- anything else is the agent's: ``on_agent_error``.

``stop`` stops the worker without committing the batch. ``skip`` and ``dead_letter`` log the
failed events (and send them, read back as they came, to the dead-letter topic), then start
the agent function again on what it had not processed: the rest of the batch, and what a
``take()`` buffer held. What the agent did for a failed event before it raised (records sent,
table writes) is kept and committed once, with the offsets past it, as Kafka Streams does with
a processing exception handler that continues. The unit that fails is one event, or a whole
``take()`` chunk (its items cannot be told apart). When an operator (``map``, ``filter``, ...)
raised, the event is not known: the rest of the batch is handed over one event at a time, so
that the next failure names its event; the operators run again for those events.

A damaged table store is no policy matter: the agent starts again and the worker repairs the
store (see ``runtime.store_failures``).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..exceptions import DecodeError, InvalidTimestamp, StreamflowError
from ..state import StoreCorrupted
from ..types import OFFSET, PARTITION, TOPIC, Event

if TYPE_CHECKING:
    from .channel import Channel
    from .dead_letters import DeadLetters
    from .runners import AgentRunner

log = logging.getLogger("streamflow.worker")

Coordinates = tuple[str, int, int]


def coordinates(event: Any) -> Coordinates:
    """``(topic, partition, offset)`` of an Event or its tuple."""
    return event[TOPIC], event[PARTITION], event[OFFSET]  # an Event or its tuple


def _at(event: Any) -> str:
    return f"{event[TOPIC]}[{event[PARTITION]}]@{event[OFFSET]}"


def _extra(event: Any) -> dict[str, Any]:
    """Log ``extra`` fields naming an event's record (JSON logs show them)."""
    return {"topic": event[TOPIC], "partition": event[PARTITION], "offset": event[OFFSET]}


def _unique(events: Iterable[Any]) -> list[Any]:
    """Events in order, each once (``flat_map`` repeats an event per item it made)."""
    seen: set[Coordinates] = set()
    out = []
    for e in events:
        c = coordinates(e)
        if c not in seen:
            seen.add(c)
            out.append(e)
    return out


def find_cause(exc: BaseException, kind: type) -> Any:
    """``exc`` or the first exception of its cause/context chain that is a ``kind``."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, kind):
            return exc
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        seen += 1
    return None


def locate(ctx: Any, batch: list | None) -> tuple[list[Any], list[list[Any]]] | None:
    """``(failed events, batches to hand over again)`` for an agent that raised while
    processing ``batch`` (what its channel handed it), or None when the failure cannot be
    tied to its input (it raised before reading it, or on a flush with nothing held)."""
    if batch is None:
        return None
    held = _unique(ctx.held) if ctx.held else []
    if ctx.batch and ctx.chunk:  # in the body of a take() chunk: the chunk failed
        failed = _unique(ctx.chunk)
        done = {coordinates(e) for e in failed}
        return failed, [[e for e in held if coordinates(e) not in done]]
    current = ctx.current
    if current is not None and ctx.held is None:  # in the loop body, on ``current``
        where = coordinates(current)
        for i, e in enumerate(batch):
            if coordinates(e) == where:
                return [e], [batch[i + 1:]]
    if not batch:
        return None
    # An operator raised on some event of ``batch``: which one is not known.
    if len(batch) == 1:
        return [batch[0]], [held]
    return [], [held, *([e] for e in batch)]


class KeyFunctionFailed(Exception):
    """A ``group_by`` key function raised on ``event`` with ``on_agent_error=stop``."""

    def __init__(self, event: Event, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.event, self.cause = event, cause


class AgentFailures:
    """Applies ``on_agent_error`` / ``on_decode_error`` to an agent's failure (see the module
    docstring). ``stop(where, exc, event)`` reports a failure that stops the worker, ``fatal``
    sets the worker's error without a traceback; both come from the worker."""

    def __init__(self, settings: Any, dead_letters: Callable[[], DeadLetters | None],
                 stop: Callable[[str, BaseException, Any], None],
                 fatal: Callable[[StreamflowError], None],
                 damaged: Callable[[StoreCorrupted], bool] = lambda damage: False,
                 counted: Callable[[str, str], None] = lambda topic, policy: None) -> None:
        self.settings = settings
        self._counted = counted  # a value that did not decode: (topic, policy) for the metrics
        self._dead_letters = dead_letters
        self._stop = stop
        self._fatal = fatal
        self._damaged = damaged
        self.skipped = 0

    async def recover(self, runner: "AgentRunner", exc: BaseException) -> bool:
        """Handle ``exc``, which ``runner``'s agent raised; True when the agent is to be
        started again (the events it failed on were skipped or dead-lettered)."""
        ctx = runner.ctx
        channel = _channel_of(runner)
        damage = find_cause(exc, StoreCorrupted)
        if damage is not None and self._damaged(damage):
            # A table's store is damaged: the worker rolls back to the last commit and
            # rebuilds it (runtime.store_failures). The agent starts again, its batch dropped.
            if channel is not None:
                channel.hand_over_again([])
            ctx.current, ctx.batch, ctx.chunk, ctx.held = None, False, None, None
            return True
        located = locate(ctx, channel.handed if channel is not None else None)
        bad_value = _bad_value(exc)
        bad_time = bad_value or find_cause(exc, InvalidTimestamp)
        setting = "on_decode_error" if bad_time is not None else "on_agent_error"
        policy = getattr(self.settings, setting)
        one = located[0][0] if located is not None and len(located[0]) == 1 else None
        if policy == "stop" or located is None or channel is None:
            if bad_value is not None and policy == "stop":
                log.error("%s; stopping (on_decode_error=stop: fix the producer or set "
                          "on_decode_error=skip or dead_letter)", bad_value,
                          extra=_extra(_coordinates_of(bad_value)))
                self._counted(bad_value.topic, "stop")
                self._fatal(bad_value)
            elif bad_value is None and bad_time is not None and one is not None:
                error = DecodeError(*coordinates(one), "timestamp", str(bad_time))
                log.error("%s; stopping (on_decode_error=stop: fix the producer or the "
                          "timestamp= extractor, or set on_decode_error=skip or dead_letter)", error,
                          extra=_extra(one))
                self._fatal(error)
            else:
                self._stop(runner.name, exc, _where(ctx, one, channel))
            return False
        failed, again = located
        if failed:
            await self._apply(policy, setting, runner.name, failed, exc, bad_time)
            if bad_value is not None:
                self._counted(bad_value.topic, policy)
        else:
            log.warning("agent %s raised %s in an operator (map, filter, ...) on one of %d "
                        "events from %s; handing them over one at a time to find it",
                        runner.name, type(exc).__name__, len(channel.handed or ()),
                        _at(channel.handed[0]))  # type: ignore[index]
        channel.hand_over_again(again)
        ctx.current, ctx.batch, ctx.chunk, ctx.held = None, False, None, None
        return True

    async def key_failed(self, where: str, agent: str,
                         failed: list[tuple[Any, BaseException]]) -> None:
        """A ``group_by`` key function (``where``) raised on the ``failed`` events of a batch
        its forwarder re-keys: ``on_agent_error`` applies to each. ``stop`` raises
        :class:`KeyFunctionFailed` for the first, which ends the forwarder and stops the
        worker before the batch counts as processed."""
        policy = self.settings.on_agent_error
        if policy == "stop":
            event, exc = failed[0]
            raise KeyFunctionFailed(Event(*event) if event.__class__ is tuple else event, exc)
        for event, exc in failed:
            await self._apply(policy, "on_agent_error", agent, [event], exc, None, who=where)

    async def _apply(self, policy: str, setting: str, agent: str, failed: list[Any],
                     exc: BaseException, bad_time: InvalidTimestamp | DecodeError | None,
                     who: str | None = None) -> None:
        if isinstance(bad_time, DecodeError):  # a value read by the agent did not decode
            bad = _coordinates_of(bad_time)
            chunk = f" (in a take() chunk of {len(failed)} events)" if len(failed) > 1 else ""
            reasons = [f"{bad_time}{chunk}" if coordinates(e) == bad
                       else f"{bad_time}, read while processing {_at(e)}{chunk}" for e in failed]
        elif bad_time is not None:
            reasons = [str(DecodeError(*coordinates(e), "timestamp", str(bad_time)))
                       for e in failed]
        else:
            what = f"{who or 'agent ' + agent} raised {type(exc).__name__}: {_short(exc)}"
            chunk = f" (in a take() chunk of {len(failed)} events)" if len(failed) > 1 else ""
            reasons = [f"{what} while processing {_at(e)}{chunk}" for e in failed]
            log.debug("agent %s: traceback of the failure", agent, exc_info=exc)
        if policy == "skip":
            for e, reason in zip(failed, reasons, strict=True):
                log.error("%s; skipped (%s=skip)", reason, setting, extra=_extra(e))
            self.skipped += len(failed)
            return
        dead_letters = self._dead_letters()
        assert dead_letters is not None  # declared whenever a policy is dead_letter
        records = await dead_letters.fetch(failed)
        for e, reason in zip(failed, reasons, strict=True):
            record = records.get(coordinates(e))
            if record is None:
                raise StreamflowError(f"{reason}; could not read {_at(e)} back to send it "
                                      f"to {dead_letters.topic}")
            target = dead_letters.send(record, e, reason, agent)
            log.error("%s; sent to %s[%d] (%s=dead_letter)", reason, dead_letters.topic,
                      target, setting, extra=_extra(e))


def _bad_value(exc: BaseException) -> DecodeError | None:
    """The DecodeError of a value an agent read (``streamflow.lazy_events``) that caused
    ``exc``, or None."""
    found = find_cause(exc, DecodeError)
    return found if found is not None and found.what == "value" else None


def _coordinates_of(error: DecodeError) -> Coordinates:
    return error.topic, error.partition, error.offset


def _channel_of(runner: "AgentRunner") -> "Channel | None":
    """The channel the agent's own task was reading when it failed (with ``group_by``, the
    agent reads the re-keyed channel while a forwarder task reads the source one)."""
    task = runner.task
    for channel in reversed(runner.channels):
        if channel.reader is task and channel.handed is not None:
            return channel
    return None


class _Span:
    """Where an operator failed, for the worker's message: one of a batch's events."""

    def __init__(self, batch: list[Any]) -> None:
        first, last = _at(batch[0]), _at(batch[-1])
        self.coordinates = f"one of {len(batch)} events {first}..{last} (in an operator)"


def _where(ctx: Any, one: Any, channel: "Channel | None") -> Any:
    if one is not None:
        return one if isinstance(one, Event) else Event(*one)
    if ctx.current is None and channel is not None and channel.handed:
        return _Span(channel.handed)
    return ctx.event


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


__all__ = ["AgentFailures", "KeyFunctionFailed", "coordinates", "find_cause", "locate"]
