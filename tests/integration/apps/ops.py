"""A worker for the operations tests (send, topics, reset, dead letters, tables).

Readings are typed: ``value`` must be a number, so a reading with a string value does not
decode (with ``STREAMFLOW_ON_DECODE_ERROR=dead_letter`` it goes to the dead-letter topic).
``IT_LENIENT=1`` is the fixed release: it also takes numbers written as strings.
Each reading is added to the table ``totals`` and echoed to ``IT_OUT``.
"""
import os

import streamflow

P = int(os.environ.get("IT_PARTITIONS", "2"))


class Reading(streamflow.Record):
    sensor: str
    value: float


class LenientReading(streamflow.Record):
    sensor: str
    value: float | str


app = streamflow.App(os.environ.get("IT_APP", "it-ops"))
readings = app.topic(os.environ.get("IT_IN", "it-ops-in"), partitions=P,
                     value_type=LenientReading if os.environ.get("IT_LENIENT") == "1" else Reading)
echo = app.topic(os.environ.get("IT_OUT", "it-ops-out"), partitions=P)
totals = app.table("totals", default=float, partitions=P)


@app.agent(readings)
async def total(stream):
    async for event in stream.events():
        value = float(event.value.value)
        totals[event.key] += value
        await echo.send(key=event.key, value={"sensor": event.value.sensor, "value": value,
                                              "from": f"{event.topic}[{event.partition}]@{event.offset}"})
