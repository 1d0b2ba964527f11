"""Bad input on purpose, for tests/integration/test_bad_input_kafka.py.

Every click ``{"user", "i", "bad"}`` is counted per user in 60 s tumbling windows (updates to
``IT_COUNTS``), which needs its record timestamp, and echoed by a second agent, which does
not: ``"{i}-a"`` and ``"{i}-b"`` to ``IT_OUT``, raising in between when ``bad`` is set (so a
skipped event's partial output shows). Policies come from the environment
(``STREAMFLOW_ON_DECODE_ERROR``, ``STREAMFLOW_ON_AGENT_ERROR``, ...).
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "2"))
app = streamflow.App(os.environ.get("IT_APP", "it-fragile"), topic_partitions=PARTITIONS)
clicks = app.topic(os.environ.get("IT_IN", "it-fragile-clicks"), partitions=PARTITIONS)
echoes = app.topic(os.environ.get("IT_OUT", "it-fragile-echoes"), partitions=PARTITIONS)
counts = app.table("counts", partitions=PARTITIONS).tumbling(60, agg=streamflow.agg.count())
counts.emit_to(app.topic(os.environ.get("IT_COUNTS", "it-fragile-counts"), partitions=PARTITIONS))


class BadClick(Exception):
    pass


@app.agent(clicks)
async def count(stream):
    async for click in stream:
        counts.add(click["user"], click)


@app.agent(clicks, sink=[echoes])
async def echo(stream):
    async for click in stream:
        yield f"{click['i']}-a"
        if click.get("bad"):
            raise BadClick(f"click {click['i']} is marked bad")
        yield f"{click['i']}-b"
