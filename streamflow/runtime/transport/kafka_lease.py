"""How long this worker is certainly still the owner of its partitions: its group lease.

At-least-once has no transactions to fence a worker the group replaced (a *zombie*: it
stalled, a SIGSTOP, a long pause, past the session timeout). What it writes after the group
gave its partitions to another worker is not refused: stale changelog records land after
those the new owner restored from, and would win over the new owner's on the next restore.
So before the worker writes changelog records it makes sure it is still a member, and it
distrusts acknowledgements that come back after it may have stopped being one.

The group coordinator cannot hand a member's partitions to another before that member was
removed from the group: its session expired (``session_timeout_ms`` after the last heartbeat
the coordinator received, heartbeats answered ``REBALANCE_IN_PROGRESS`` included) or it did
not rejoin a rebalance within the rebalance timeout (counted from the rebalance's start, which
is after the last heartbeat that found the group stable). So a heartbeat *sent* at ``a`` and
answered, and one sent at ``s`` and answered without error, prove that the partitions stay
with this worker until ``min(a + session timeout, s + rebalance timeout)``: the lease (less a
safety margin). The coordinator received them after they were sent, so network delays only
shorten our estimate. A successful join proves as much from the moment it began.

:func:`install` records, for one consumer instance, when the heartbeats the coordinator
answered and the joins that succeeded were sent (aiokafka is not patched); :func:`until`
returns the lease's end, sending a heartbeat first when less than half of it is left.
"""
from __future__ import annotations

import asyncio
import time
import types
from typing import Any

# Of the time a heartbeat proves: kept back for the broker's timers and clock rates.
SAFETY = 0.1


class Lease:
    """Until when this member certainly still owns its assignment (see the module
    docstring)."""

    def __init__(self, coordinator: Any) -> None:
        self._coordinator = coordinator
        self.session = coordinator._session_timeout_ms / 1000 * (1 - SAFETY)
        self.rebalance = coordinator._rebalance_timeout_ms / 1000 * (1 - SAFETY)
        self.answered_at: float | None = None  # send time of the last heartbeat answered
        self.stable_at: float | None = None  # ... answered without error (group stable)
        self.generation = -1

    def proven(self, sent: float, generation: int, stable: bool) -> None:
        """The group answered a heartbeat sent at ``sent``: the lease runs from then."""
        if generation != self.generation:
            self.generation, self.answered_at, self.stable_at = generation, None, None
        self.answered_at = sent
        if stable:
            self.stable_at = sent

    def until(self) -> float | None:
        """End of the lease (``time.monotonic()``), or None if none is held."""
        coordinator = self._coordinator
        if (self.stable_at is None or self.answered_at is None or coordinator.generation < 0
                or coordinator.generation != self.generation or not coordinator.member_id):
            return None
        return min(self.answered_at + self.session, self.stable_at + self.rebalance)


def install(consumer: Any) -> Lease:
    """Track the group lease of ``consumer`` (a started ``AIOKafkaConsumer``)."""
    coordinator = consumer._coordinator
    lease = Lease(coordinator)
    heartbeat = coordinator._do_heartbeat

    async def do_heartbeat(self: Any) -> bool:
        sent, generation = time.monotonic(), self.generation
        ok = await heartbeat()
        # aiokafka answers True to REBALANCE_IN_PROGRESS too, after asking to rejoin: that
        # still extends the session, but only a heartbeat that leaves no rejoin pending found
        # the group stable.
        if ok and generation >= 0 and self.generation == generation:
            lease.proven(sent, generation, stable=not self._rejoin_needed_fut.done())
        return ok

    rejoin = coordinator._do_rejoin_group

    async def do_rejoin_group(self: Any, subscription: Any) -> bool:
        # Joining is a round trip with the coordinator too: the session starts when it
        # receives the JoinGroup, sent after ``began``.
        began = time.monotonic()
        joined = await rejoin(subscription)
        if joined and self.generation >= 0:
            lease.proven(began, self.generation, stable=True)
        return joined

    coordinator._do_heartbeat = types.MethodType(do_heartbeat, coordinator)
    coordinator._do_rejoin_group = types.MethodType(do_rejoin_group, coordinator)
    return lease


async def until(consumer: Any, lease: Lease) -> float | None:
    """The lease's end, renewed with a heartbeat now if less than half of it is left; None
    when this worker is not (or not provably) a member of its group."""
    end = lease.until()
    if end is not None and end - time.monotonic() > lease.session / 2:
        return end
    coordinator = consumer._coordinator
    if coordinator.generation < 0 or not coordinator.member_id:
        return None
    try:
        # Bounded: with the broker unreachable the answer is "no lease", not a hang.
        await asyncio.wait_for(_heartbeat(coordinator), lease.session)
    except (TimeoutError, Exception):  # noqa: BLE001 - no lease; the heartbeat task reports real errors
        return None
    return lease.until()


async def _heartbeat(coordinator: Any) -> None:
    await coordinator.ensure_coordinator_known()
    await coordinator._do_heartbeat()
