"""The streamflow pytest plugin (registered through the ``pytest11`` entry point).

Every test starts with fresh ``memory://`` brokers, so tests never see each other's topics.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from ..runtime.transport.memory import reset_brokers


@pytest.fixture(autouse=True)
def _streamflow_fresh_memory_brokers() -> Iterator[None]:
    reset_brokers()
    yield
    reset_brokers()
