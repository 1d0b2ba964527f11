"""Time as the runtime sees it: the wall clock, or a virtual clock the test driver moves."""
from __future__ import annotations

import asyncio
import time


class WallClock:
    """Real time. ``sleep`` is asyncio's."""

    def now(self) -> float:
        return time.time()

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
