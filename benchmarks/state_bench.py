"""Micro benchmark of the state layer's write and read paths on RocksDB, side by side.

Answers one question: what does writing table state per commit batch buy over writing per
event? Every put variant encodes its value with orjson, as a table would. Keys are drawn at
random from a fixed key space, like a count-per-user table. Figures are medians of --repeat
runs in one process; compare rows, not machines.

    python benchmarks/state_bench.py [--events 200000] [--batch 1000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import orjson

from streamflow.state import PartitionTransaction, RocksDBStore, StoreBatch, StoreResources


def make_keys(events: int, key_space: int) -> list[bytes]:
    rng = random.Random(42)
    return [b"user-%08d" % rng.randrange(key_space) for _ in range(events)]


def bench_puts_rocksdict(store: RocksDBStore, keys: list[bytes], batch: int) -> None:
    db, dumps = store._db, orjson.dumps  # the bare rocksdict call, for reference
    for n, key in enumerate(keys):
        db[key] = dumps({"count": n})


def bench_puts_store_per_event(store: RocksDBStore, keys: list[bytes], batch: int) -> None:
    dumps = orjson.dumps
    for n, key in enumerate(keys):
        b = StoreBatch()
        b.put(key, dumps({"count": n}))
        store.write(b, n)


def bench_puts_transaction(store: RocksDBStore, keys: list[bytes], batch: int) -> None:
    txn = PartitionTransaction(store, orjson.dumps, orjson.loads)
    for n, key in enumerate(keys):
        txn.set(key, {"count": n})
        if (n + 1) % batch == 0:
            txn.commit(n)
    txn.commit(len(keys))


def bench_gets_rocksdict(store: RocksDBStore, keys: list[bytes], batch: int) -> None:
    get, loads = store._db.get, orjson.loads
    for key in keys:
        raw = get(key)
        if raw is not None:
            loads(raw)


def bench_gets_transaction(store: RocksDBStore, keys: list[bytes], batch: int) -> None:
    get = PartitionTransaction(store, orjson.dumps, orjson.loads).get
    for key in keys:
        get(key)


_ZERO = {"count": 0}


def bench_read_modify_write(store: RocksDBStore, keys: list[bytes], batch: int) -> None:
    txn = PartitionTransaction(store, orjson.dumps, orjson.loads)
    get, set_ = txn.get, txn.set
    for n, key in enumerate(keys):
        set_(key, {"count": get(key, _ZERO)["count"] + 1})
        if (n + 1) % batch == 0:
            txn.commit(n)
    txn.commit(len(keys))


CASES: list[tuple[str, Callable[[RocksDBStore, list[bytes], int], None]]] = [
    ("put: rocksdict db[k] = v, one call per event", bench_puts_rocksdict),
    ("put: RocksDBStore.write, one batch per event", bench_puts_store_per_event),
    ("put: PartitionTransaction, commit every {batch}", bench_puts_transaction),
    ("get: rocksdict get + orjson.loads", bench_gets_rocksdict),
    ("get: PartitionTransaction.get (from store)", bench_gets_transaction),
    ("get+set: count per key, commit every {batch}", bench_read_modify_write),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--key-space", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    keys = make_keys(args.events, args.key_space)
    resources = StoreResources()
    results: dict[str, list[float]] = {name: [] for name, _ in CASES}
    with tempfile.TemporaryDirectory(prefix="sf-state-bench-") as tmp:
        for run in range(args.repeat):
            # One store per run, filled by the put cases, so gets hit real keys.
            store = RocksDBStore(Path(tmp) / f"run-{run}", resources)
            for name, case in CASES:
                start = time.perf_counter()
                case(store, keys, args.batch)
                results[name].append(time.perf_counter() - start)
            store.close()

    print(f"{args.events:,} events, {args.key_space:,} keys, median of {args.repeat} runs")
    width = max(len(name.format(batch=args.batch)) for name, _ in CASES)
    print(f"{'operation':<{width}}  {'ops/s':>11}  {'ns/op':>7}")
    for name, _ in CASES:
        seconds = statistics.median(results[name])
        print(f"{name.format(batch=args.batch):<{width}}  {args.events / seconds:>11,.0f}"
              f"  {seconds / args.events * 1e9:>7,.0f}")


if __name__ == "__main__":
    main()
