"""The joins example on the test driver: enrichment and payment matching, on virtual time."""
from streamflow.testing import TestDriver

from examples.joins import app

MIN = 60_000


async def test_orders_are_enriched_and_payments_matched_within_five_minutes(monkeypatch) -> None:
    monkeypatch.setenv("JOINS_EXAMPLE_FEED", "0")   # no made-up traffic from the timer
    async with TestDriver(app) as d:
        await d.send("customers", key="c1", value={"name": "Ann"}, timestamp=0)
        await d.send("orders", key="c1", value={"id": "o1", "customer": "c1", "amount": 10}, timestamp=MIN)
        await d.send("orders", key="c9", value={"id": "o2", "customer": "c9", "amount": 20}, timestamp=MIN)
        await d.send("payments", key="o1", value={"order": "o1", "amount": 10}, timestamp=3 * MIN)
        enriched = [(o.value["id"], o.value["customer_name"]) for o in d.outputs("orders-enriched")]
        assert enriched == [("o1", "Ann"), ("o2", None)]
        assert [o.value for o in d.outputs("orders-paid")] == [{"order": "o1", "amount": 10, "paid": 10}]
        # o2 is reported unpaid once stream time on its partition passes 1 min + 5 min + 1 min grace
        await d.send("orders", key="c9", value={"id": "o2", "customer": "c9", "amount": 20}, timestamp=8 * MIN)
        unpaid = [o.value for o in d.outputs("orders-paid") if o.value["paid"] is None]
        assert unpaid == [{"order": "o2", "amount": 20, "paid": None}]
