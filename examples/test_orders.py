"""The quick-start example as a golden test: a recorded ``orders`` topic replayed through the
app must produce exactly the recorded golden output. Regenerate the golden file after an
intended change with:

    streamflow replay examples.orders:app --input examples/recordings/orders.jsonl \
        --expect examples/recordings/orders.golden.jsonl --update
"""
from pathlib import Path

from streamflow.testing import TestDriver, compare, replay

from examples.orders import Order, app

HERE = Path(__file__).parent


async def test_replay_matches_golden_output() -> None:
    result = await replay(app, [HERE / "recordings" / "orders.jsonl"])
    assert result.inputs == 40
    diff = compare(HERE / "recordings" / "orders.golden.jsonl", result.lines())
    assert diff is None, diff


async def test_only_orders_above_1000_are_flagged() -> None:
    async with TestDriver(app) as driver:
        await driver.send("orders", key="c1", value=Order(1, "c1", 999.99), timestamp=1)
        await driver.send("orders", key="c2", value=Order(2, "c2", 1000.01), timestamp=2)
        flagged = driver.outputs("large-orders")
    assert [(o.key, o.value, o.timestamp) for o in flagged] == [("c2", Order(2, "c2", 1000.01), 2)]
