"""State: table partitions as sorted bytes stores, and the per-commit batch over them.

Nothing here imports the rest of streamflow; codecs and changelog handling are passed in.
"""
from streamflow.state.memory import MemoryStore
from streamflow.state.rocksdb import (
    CorruptStoreError,
    RocksDBStore,
    StoreResources,
    move_aside,
    open_rocksdb_store,
    store_size_on_disk,
)
from streamflow.state.store import (
    Store,
    StoreBatch,
    StoreCorrupted,
    StoreError,
    StoreWriteFailed,
)
from streamflow.state.transaction import PartitionTransaction, restore

__all__ = [
    "CorruptStoreError",
    "MemoryStore",
    "PartitionTransaction",
    "RocksDBStore",
    "Store",
    "StoreBatch",
    "StoreCorrupted",
    "StoreError",
    "StoreResources",
    "StoreWriteFailed",
    "move_aside",
    "open_rocksdb_store",
    "restore",
    "store_size_on_disk",
]
