"""Values decoded where they are read, for tests/integration/test_bad_input_kafka.py.

Two ``events()`` agents on one topic of clicks ``{"i": n}`` keyed by user: one counts events
per user in 60 s tumbling windows and never reads a value (updates to ``IT_COUNTS``), the other
echoes ``"{i}"`` to ``IT_OUT`` (it reads every value). A record whose value is not JSON is
counted by the first and is a bad record where the second reads it (``on_decode_error`` from
``STREAMFLOW_ON_DECODE_ERROR``).
"""
import os

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "2"))
app = streamflow.App(os.environ.get("IT_APP", "it-lazy"), topic_partitions=PARTITIONS)
clicks = app.topic(os.environ.get("IT_IN", "it-lazy-clicks"), partitions=PARTITIONS)
echoes = app.topic(os.environ.get("IT_OUT", "it-lazy-echoes"), partitions=PARTITIONS)
counts = app.table("counts", partitions=PARTITIONS).tumbling(60, agg=streamflow.agg.count())
counts.emit_to(app.topic(os.environ.get("IT_COUNTS", "it-lazy-counts"), partitions=PARTITIONS))


@app.agent(clicks)
async def count(stream):
    async for event in stream.events():
        counts.add(event.key)


@app.agent(clicks, sink=[echoes])
async def echo(stream):
    async for event in stream.events():
        yield str(event.value["i"])
