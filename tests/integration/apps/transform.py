"""A worker for the integration tests: doubles ``n`` of every input record.

Topic names and the app id come from the environment so that every test has its own.
``IT_SLOW_MS`` slows each batch down so a test can kill the worker midway.
"""
import asyncio
import os

import streamflow

app = streamflow.App(os.environ.get("IT_APP", "it-transform"))
source = app.topic(os.environ.get("IT_IN", "it-in"), key_type=int,
                   partitions=int(os.environ.get("IT_PARTITIONS", "4")))
sink = app.topic(os.environ.get("IT_OUT", "it-out"), key_type=int,
                 partitions=int(os.environ.get("IT_PARTITIONS", "4")))
SLOW = float(os.environ.get("IT_SLOW_MS", "0")) / 1000
PID = os.getpid()


@app.agent(source)
async def transform(stream):
    async for batch in stream.take(50, within=0.05):
        if SLOW:
            await asyncio.sleep(SLOW)
        for value in batch:
            await sink.send(key=value["id"], value={"id": value["id"], "doubled": value["n"] * 2, "worker": PID})
