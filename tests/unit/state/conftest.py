"""Fixtures for the state tests: every store kind behind one ``store`` fixture."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from streamflow.state import MemoryStore, RocksDBStore, Store, StoreResources


@pytest.fixture(scope="session")
def resources() -> StoreResources:
    # Small, and shared by every RocksDB store of the session, as a worker would do.
    return StoreResources(cache_mb=16, write_buffer_mb=4)


@pytest.fixture
def rocksdb_path(tmp_path: Path) -> str:
    return str(tmp_path / "table-0")


@pytest.fixture(params=["memory", "rocksdb"])
def store_factory(request: pytest.FixtureRequest, rocksdb_path: str,
                  resources: StoreResources) -> Iterator[Callable[[], Store]]:
    """Opens the store of the parametrized kind; every store opened is closed afterwards."""
    opened: list[Store] = []

    def open_store() -> Store:
        store: Store = (MemoryStore() if request.param == "memory"
                        else RocksDBStore(rocksdb_path, resources))
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: Callable[[], Store]) -> Store:
    return store_factory()
