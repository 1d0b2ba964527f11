"""Counting worker for tests/integration/test_exactly_once_kafka.py and
test_failures_kafka.py: every click updates a per-user count (table) and emits
``{"user", "n", "id"}`` to the output topic.

Test knobs (environment):
- ``IT_GUARANTEE``: the processing guarantee (default exactly_once);
- ``IT_FAIL_ON_ID``: the agent raises after counting and emitting that click;
- ``IT_STALL_AT=end_txn`` with ``IT_STALL_AFTER=N``: at its N-th transaction that carries
  input offsets, the worker stops itself (SIGSTOP) after the offsets were sent
  (``TxnOffsetCommit``) and before the transaction is committed (``EndTxn``), after logging
  ``IT-STALL``; the test resumes it (SIGCONT) or kills it. A test-only patch of aiokafka's
  producer class in this worker process.
- ``IT_STALL_FILE=path`` (at-least-once): when the test writes ``commit`` or ``changelog``
  there, the worker stops itself (after logging ``IT-STALL <point>`` and deleting the file) at
  the start of its next commit that moves offsets, or once the tables' changelog records of
  its next commit are prepared but not sent. ``in_flight`` (either guarantee): in its next
  commit that moves offsets, once the offsets (or the transaction) are committed and before
  the stores are written, after the worker processed more clicks meanwhile (the commit runs
  in the background). Test-only patches of streamflow's commit path.
"""
import asyncio
import logging
import os
import signal
import time

import streamflow

PARTITIONS = int(os.environ.get("IT_PARTITIONS", "4"))
FAIL_ON = int(os.environ["IT_FAIL_ON_ID"]) if os.environ.get("IT_FAIL_ON_ID") else None
app = streamflow.App(os.environ.get("IT_APP", "it-eos"), topic_partitions=PARTITIONS,
                     processing_guarantee=os.environ.get("IT_GUARANTEE", "exactly_once"))
clicks = app.topic(os.environ.get("IT_IN", "it-eos-clicks"), partitions=PARTITIONS)
out = app.topic(os.environ.get("IT_OUT", "it-eos-counts"), partitions=PARTITIONS)
counts = app.table("counts", default=int, partitions=PARTITIONS)


PROCESSED = [0]


@app.agent(clicks)
async def count(stream):
    async for click in stream:
        PROCESSED[0] += 1
        user = click["user"]
        counts[user] += 1
        await out.send(key=user, value={"user": user, "n": counts[user], "id": click["id"]})
        if click["id"] == FAIL_ON:
            raise RuntimeError(f"IT-FAIL on click {FAIL_ON}")


def _stall_before_end_txn(after: int) -> None:
    from aiokafka import AIOKafkaProducer

    send_offsets, commit = AIOKafkaProducer.send_offsets_to_transaction, AIOKafkaProducer.commit_transaction
    state = {"offsets": False, "left": after}

    async def send_offsets_to_transaction(self, offsets, group_id):
        await send_offsets(self, offsets, group_id)
        state["offsets"] = True

    async def commit_transaction(self):
        if state["offsets"]:
            state["left"] -= 1
            if state["left"] == 0:
                logging.getLogger("streamflow.test").warning(
                    "IT-STALL: offsets sent, transaction not committed; stopping myself")
                for handler in logging.getLogger().handlers:
                    handler.flush()
                os.kill(os.getpid(), signal.SIGSTOP)
        state["offsets"] = False
        return await commit(self)

    AIOKafkaProducer.send_offsets_to_transaction = send_offsets_to_transaction
    AIOKafkaProducer.commit_transaction = commit_transaction


def _stop_myself(point: str) -> None:
    logging.getLogger("streamflow.test").warning("IT-STALL %s: stopping myself", point)
    for handler in logging.getLogger().handlers:
        handler.flush()
    os.kill(os.getpid(), signal.SIGSTOP)


def _stall_when_asked(path: str) -> None:
    from streamflow.runtime.commits import AtLeastOnceCommit
    from streamflow.runtime.tables import TableManager

    def asked(point: str) -> bool:
        try:
            with open(path) as f:
                if f.read().strip() != point:
                    return False
        except FileNotFoundError:
            return False
        os.remove(path)
        return True

    begin, prepare = AtLeastOnceCommit.begin, TableManager.prepare_commit
    completing = AtLeastOnceCommit._completing

    async def begin_then_maybe_stall(self, *args, **kwargs):
        consumer = self._consumer()
        if consumer is not None and self.offsets.to_commit(consumer.assignment()) and asked("commit"):
            _stop_myself("commit")
        return await begin(self, *args, **kwargs)

    async def completing_then_maybe_stall(self, step):
        await completing(self, step)
        if step == "write" and asked("in_flight"):
            before, deadline = PROCESSED[0], time.monotonic() + 10
            while PROCESSED[0] == before and time.monotonic() < deadline:
                await asyncio.sleep(0.002)  # the loop processes meanwhile
            _stop_myself(f"in_flight (offsets committed, {PROCESSED[0] - before} clicks "
                         "processed since, stores not written)")

    async def prepare_then_maybe_stall(self, output):
        await prepare(self, output)
        if output.pending and asked("changelog"):
            _stop_myself("changelog")

    AtLeastOnceCommit.begin = begin_then_maybe_stall
    AtLeastOnceCommit._completing = completing_then_maybe_stall
    TableManager.prepare_commit = prepare_then_maybe_stall


if os.environ.get("IT_STALL_FILE"):
    _stall_when_asked(os.environ["IT_STALL_FILE"])
if os.environ.get("IT_STALL_AT") == "end_txn":
    _stall_before_end_txn(int(os.environ.get("IT_STALL_AFTER", "1")))
