"""A foreign-key join worker for the integration tests: orders joined to products."""
import os

import streamflow

P = os.environ.get("IT_PREFIX", "it-")
app = streamflow.App(f"{P}fk", topic_partitions=4)
orders = app.topic(f"{P}orders", partitions=4)
products = app.topic(f"{P}products", partitions=2)
app.join_foreign_key("order-products", left=orders, right=products, foreign_key=lambda o: o["product"],
                     kind="left", joiner=lambda o, p: {"order": o["id"], "product": p and p["name"]},
                     into=app.topic(f"{P}order-products", partitions=4))
