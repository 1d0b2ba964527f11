"""The streamflow pytest plugin (registered through the ``pytest11`` entry point).

- Every test starts with fresh ``memory://`` brokers, so tests never see each other's topics.
- ``streamflow_driver``: an async factory, ``driver = await streamflow_driver(app)``, that
  starts a :class:`~streamflow.testing.TestDriver` and stops it after the test.
- Comparing lists of output records with ``==`` in an ``assert`` shows a record-by-record diff.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Iterator

import pytest

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the fixture needs the test extra
    pytest_asyncio = None  # type: ignore[assignment]

from ..runtime.transport.memory import reset_brokers
from .driver import OutputRecord, TestDriver


@pytest.fixture(autouse=True)
def _streamflow_fresh_memory_brokers() -> Iterator[None]:
    reset_brokers()
    yield
    reset_brokers()


async def _streamflow_driver() -> AsyncIterator[Callable[..., Any]]:
    drivers: list[TestDriver] = []

    async def start(app: Any, **kwargs: Any) -> TestDriver:
        driver = TestDriver(app, **kwargs)
        drivers.append(driver)
        return await driver.start()

    yield start
    for driver in drivers:
        await driver.stop()


if pytest_asyncio is not None:
    streamflow_driver = pytest_asyncio.fixture(_streamflow_driver, name="streamflow_driver")


def _is_records(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(r, OutputRecord) for r in x) and bool(x)


def pytest_assertrepr_compare(op: str, left: Any, right: Any) -> list[str] | None:
    """pytest hook: a failed ``==`` between lists of output records shows their diff."""
    if op != "==" or not (_is_records(left) or _is_records(right)):
        return None
    from .assertions import record_diff
    return ["output records differ:", *record_diff(right, left).splitlines()]
