"""Time as the runtime sees it: the wall clock, or a virtual clock the test driver moves."""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Awaitable, Callable, Protocol


class Clock(Protocol):
    """What the runtime reads time from: :class:`WallClock`, or the test driver's
    :class:`VirtualClock`."""

    def now(self) -> float: ...

    def now_ms(self) -> int: ...

    async def sleep(self, seconds: float) -> None: ...


class WallClock:
    """Real time. ``sleep`` is asyncio's."""

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def now_ms(self) -> int:
        """Milliseconds since the epoch."""
        return int(time.time() * 1000)

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of real time."""
        await asyncio.sleep(seconds)


class VirtualClock:
    """Time that only moves when told to (the test driver's ``advance``).

    ``sleep`` parks the caller until virtual time reaches its deadline; ``advance`` wakes
    sleepers one deadline at a time, in deadline order (ties in the order they went to sleep),
    calling ``on_wake`` after each so that whatever the woken task produced is processed before
    time moves on. Nothing here reads the wall clock.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        """Virtual seconds since the epoch."""
        return self._now

    def now_ms(self) -> int:
        """Virtual milliseconds since the epoch."""
        return round(self._now * 1000)

    async def sleep(self, seconds: float) -> None:
        """Park until virtual time reaches now + ``seconds``."""
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + max(0.0, seconds), next(self._seq), fut))
        await fut

    @property
    def sleepers(self) -> int:
        """Tasks parked in :meth:`sleep`."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def advance(self, seconds: float, on_wake: Callable[[], Awaitable[None]]) -> None:
        """Move time ``seconds`` forward, waking sleepers deadline by deadline (``on_wake``
        after each)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, fut = heapq.heappop(self._sleepers)
            if fut.done():
                continue
            self._now = max(self._now, deadline)
            fut.set_result(None)
            await on_wake()
        self._now = target
