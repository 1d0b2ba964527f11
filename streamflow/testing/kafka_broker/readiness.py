"""Is the broker up: a metadata round trip (:func:`probe`) and the coordinators' warm-up
(:func:`warm_up`), with aiokafka's admin client, callable from sync code (:func:`run_sync`)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import Any, Callable, Coroutine, Iterator

NODE_ID = 1  # the single node's id (broker and controller)


def run_sync(factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to completion from sync code, even if this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    result: dict[str, Any] = {}

    def runner() -> None:
        try:
            result["value"] = asyncio.run(factory())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    t = threading.Thread(target=runner, name="kafka-broker-probe", daemon=True)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


@contextlib.contextmanager
def _aiokafka_quiet() -> Iterator[None]:
    """aiokafka logs connection errors at ERROR while the broker is still coming up."""
    logger = logging.getLogger("aiokafka")
    old_level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(old_level)


async def probe(bootstrap: str, timeout: float) -> bool:
    """One metadata round trip; True when the broker lists itself as a live broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    with _aiokafka_quiet():
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=int(timeout * 1000),
            client_id="streamflow-broker-probe",
        )
        try:
            async with asyncio.timeout(timeout):
                await admin.start()
                info = await admin.describe_cluster()
            return any(b.get("node_id") == NODE_ID for b in info.get("brokers", []))
        finally:
            with contextlib.suppress(Exception):
                await admin.close()


async def warm_up(bootstrap: str, deadline: float) -> None:
    """Poll FindCoordinator (group, then transaction) until both answer without error; the
    broker creates the internal topics on the first such request."""
    from aiokafka.admin import AIOKafkaAdminClient

    with _aiokafka_quiet():
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="streamflow-broker-probe")
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.1)):
                await admin.start()
                for coordinator_type in (0, 1):  # 0: consumer group, 1: transaction
                    while True:
                        try:
                            await admin.find_coordinator("streamflow-warm-up", coordinator_type)
                            break
                        except Exception:  # noqa: BLE001 - retriable until the deadline
                            await asyncio.sleep(0.05)
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
