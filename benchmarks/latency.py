"""One latency run: a paced producer, then the input and output topics read back and matched.

Every measured event gives three clocks: its send time (``ts``, stamped by the harness before
it builds the tick's batch), the broker's append time of the input record (the input topic is
``LogAppendTime``) and the broker's append time of the output record that answers it. So each
sample splits into "in" (harness, producer, broker: send -> input appended) and "app" (input
appended -> output appended: the contender's fetch, processing, producing, and the broker's
append of the output).

Nothing reads the output while the producer is pacing: the harness's one event loop only
sends (reading and decoding every output in that loop delayed the next tick's send by as much
as a big output batch took, and those delays were counted as the contender's). Both topics
are read back once the outputs are all there, and matched then. See docs/benchmarks.md,
"How each figure is measured".
"""
from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from . import harness as h


def quantile(sorted_values: list[float], q: float) -> float:
    """The value below which a fraction ``q`` of the (sorted) samples lie (nearest rank)."""
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


class Latency:
    """One latency run of a contender that is already started (``proc``)."""

    def __init__(self, bootstrap: str, workload: str, in_topic: str, out_topic: str, proc: h.Proc,
                 *, rate: int, seconds: float, text_keys: bool) -> None:
        self.bootstrap, self.workload, self.proc = bootstrap, workload, proc
        self.in_topic, self.out_topic = in_topic, out_topic
        self.text_keys = text_keys
        self.key_partition = h.TEXT_KEY_PARTITION if text_keys else h.KEY_PARTITION
        self.rate, self.seconds = rate, seconds
        self.measure_from: int | None = None     # ms: events sent from then on are measured
        self.expected = 0                        # measured events that must produce output
        self.outputs_due = 0                     # every event sent that must produce output
        self.rng = random.Random(3)
        self.seq = 0
        self.futures: list = []
        self.handoff_ms: list[tuple[float, int]] = []   # per measured tick: (stamp -> handed over, events)
        self.matched: list[tuple[int, int, int]] = []    # the samples: (send, input appended, output appended)

    async def run(self) -> dict[str, Any]:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=0)
        probe = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await producer.start()
        await probe.start()
        out_tps = [TopicPartition(self.out_topic, p) for p in range(h.PARTITIONS)]
        try:
            deadline = time.monotonic() + 120
            while await self.outputs(probe, out_tps) == 0:   # warm-up trickle: 20 events/s
                if not self.proc.alive():
                    return {"status": "failed", "reason": f"exited: {self.proc.tail()}"}
                if time.monotonic() > deadline:
                    return {"status": "timeout", "reason": "no output within 120 s of start"}
                await self.send(producer, 1, measured=False)
                await asyncio.sleep(0.05)
            warm_until = time.monotonic() + 2
            while time.monotonic() < warm_until:
                await self.send(producer, 1, measured=False)
                await asyncio.sleep(0.05)
            self.measure_from = int(time.time() * 1000)
            start, sent = time.monotonic(), 0
            while (elapsed := time.monotonic() - start) < self.seconds:   # the paced phase
                due = int(elapsed * self.rate) - sent
                if due > 0:
                    await self.send(producer, due, measured=True)
                    sent += due
                await asyncio.sleep(0.005)
            lost = sum(1 for f in await asyncio.gather(*self.futures, return_exceptions=True)
                       if isinstance(f, BaseException))
            drain = time.monotonic() + 15
            while await self.outputs(probe, out_tps) < self.outputs_due and time.monotonic() < drain:
                await asyncio.sleep(0.1)
            if not self.proc.alive():
                return {"status": "failed", "reason": f"exited: {self.proc.tail()}"}
        finally:
            await probe.stop()
            await producer.stop()
        inputs = await read_all(self.bootstrap, self.in_topic)
        outputs = await read_all(self.bootstrap, self.out_topic)
        self.matched = self.samples(inputs, outputs)
        return self.result(self.matched, lost, sum(len(r) for r in outputs.values()))

    @staticmethod
    async def outputs(probe: AIOKafkaConsumer, tps: list[TopicPartition]) -> int:
        return sum((await probe.end_offsets(tps)).values())

    async def send(self, producer: AIOKafkaProducer, n: int, measured: bool) -> None:
        now = int(time.time() * 1000)
        by_partition: dict[int, list] = {}
        for _ in range(n):
            k, key, value = h.make_event(self.rng, self.seq, now, self.text_keys)
            self.seq += 1
            due = self.workload != "stateless" or h.passes_filter(value)
            self.outputs_due += due
            if measured:
                self.expected += due
            by_partition.setdefault(self.key_partition[k], []).append((key, orjson.dumps(value), now))
        for p, records in by_partition.items():
            batch = producer.create_batch()
            for key, value, ts in records:
                # append() returns None when the batch is full (about 70 events): the event is
                # then not in it, so it goes into a new one.
                if batch.append(key=key, value=value, timestamp=ts) is None:
                    batch.close()
                    self.futures.append(await producer.send_batch(batch, self.in_topic, partition=p))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=ts)
            batch.close()
            self.futures.append(await producer.send_batch(batch, self.in_topic, partition=p))
        if measured:
            self.handoff_ms.append((time.time() * 1000 - now, n))

    # ------------------------------------------------------------------------------ matching
    def samples(self, inputs: dict[int, list], outputs: dict[int, list]) -> list[tuple[int, int, int]]:
        """(send, input appended, output appended) in ms for every output that answers a
        measured event."""
        by_seq: dict[int, tuple[int, int]] = {}            # seq -> (send, input appended)
        windows: dict[str, dict[int, list[int]]] = {}      # key -> window start -> seqs in log order
        for records in inputs.values():
            for r in records:
                value = orjson.loads(r.value)
                seq, sent = value["seq"], value["ts"]
                by_seq[seq] = (sent, r.timestamp)
                # The window the contender puts it in: workload 2 by record time (= the input
                # append time here), 2b by the value's ts.
                event_time = sent if self.text_keys else r.timestamp
                windows.setdefault(value["id"], {}).setdefault(
                    event_time - event_time % h.WINDOW_MS, []).append(seq)
        out: list[tuple[int, int, int]] = []
        for records in outputs.values():
            for r in records:
                seq = self.match(r, windows)
                if seq is None or seq not in by_seq:
                    continue
                sent, appended = by_seq[seq]
                if self.measure_from is not None and sent >= self.measure_from:
                    out.append((sent, appended, r.timestamp))
        return out

    def match(self, r: Any, windows: dict[str, dict[int, list[int]]]) -> int | None:
        """The seq of the input event this output record answers, or None."""
        try:
            value = orjson.loads(r.value) if r.value else None
        except orjson.JSONDecodeError:
            return None
        if self.workload == "stateless":
            return value.get("seq") if isinstance(value, dict) else None
        # Windowed count: the c-th event of key k in its window. Keys are b'"u00042"', or
        # a windowed key (below) that holds it; the count is the value itself or its
        # "count" (streamflow, ceiling) / "value" (Quix) field.
        start = None
        try:
            key = orjson.loads(r.key)
        except (orjson.JSONDecodeError, TypeError):
            if not self.text_keys or r.key is None:
                return None
            key = r.key.decode("utf-8", "replace")  # a text key, as the input had it
        if isinstance(key, list):      # Faust: [key, [start, end]]
            key = key[0]
        elif isinstance(key, dict):    # streamflow: {"key": key, "start": .., "end": ..}
            key, start = key.get("key"), key.get("start")
        if isinstance(value, dict):
            start = value.get("start", start)
        count = value.get("count", value.get("value")) if isinstance(value, dict) else value
        by_window = windows.get(key) if isinstance(key, str) else None
        if not by_window or not isinstance(count, int) or count < 1:
            return None
        if isinstance(start, int) and start in by_window:
            seqs = by_window[start]
            return seqs[count - 1] if len(seqs) >= count else None
        for start in sorted(by_window, reverse=True):  # newest window holding that many events
            if len(by_window[start]) >= count:
                return by_window[start][count - 1]
        return None

    def result(self, samples: list[tuple[int, int, int]], lost: int, outputs: int) -> dict[str, Any]:
        if not samples:
            return {"status": "failed", "reason": "no output for the measured events"}
        total = sorted(o - s for s, _, o in samples)
        into = sorted(i - s for s, i, _ in samples)
        app = sorted(o - i for _, i, o in samples)
        p99 = quantile(total, 0.99)
        tail = [(i - s, o - i) for s, i, o in samples if o - s >= p99]
        handoff = sorted(ms for ms, n in self.handoff_ms for _ in range(n))
        # How much one stall decides the figure: at 10,000 events/s the slowest 1% of a 20 s
        # run is 2,000 events, about what a single 200 ms stall of the machine delays.
        by_second: dict[int, list[int]] = {}
        first = min(s for s, _, _ in samples)
        for s, _, o in samples:
            by_second.setdefault((s - first) // 1000, []).append(o - s)
        per_second = sorted(quantile(sorted(v), 0.99) for v in by_second.values())
        tail_sent = sorted(s for s, _, o in samples if o - s >= p99)
        worst, j = 0, 0
        for k, sent in enumerate(tail_sent):       # most of the slowest 1% within 1 s
            while sent - tail_sent[j] > 1000:
                j += 1
            worst = max(worst, k - j + 1)
        return {"status": "ok", "p50": quantile(total, 0.5), "p99": p99, "max": total[-1],
                "samples": len(total), "received": len(total) / max(self.expected, 1),
                "in_p50": quantile(into, 0.5), "in_p99": quantile(into, 0.99),
                "app_p50": quantile(app, 0.5), "app_p99": quantile(app, 0.99),
                # The slowest 1%: how much of each sample was before the input was appended.
                "tail_in_median": sorted(t[0] for t in tail)[len(tail) // 2],
                "tail_app_median": sorted(t[1] for t in tail)[len(tail) // 2],
                "p99_per_second_median": quantile(per_second, 0.5),
                "tail_in_worst_second": worst / len(tail_sent),
                "handoff_p50": quantile(handoff, 0.5) if handoff else None,
                "handoff_p99": quantile(handoff, 0.99) if handoff else None,
                "rate": self.rate, "seconds": self.seconds, "input_batches_failed": lost,
                "sent": self.seq, "outputs": outputs, "expected": self.expected}


async def read_all(bootstrap: str, topic: str) -> dict[int, list]:
    """Every record of ``topic`` up to its current end, per partition, in offset order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=4 << 20, fetch_max_bytes=16 << 20)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(h.PARTITIONS)]
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        out: dict[int, list] = {tp.partition: [] for tp in tps}
        remaining = {tp for tp in tps if ends[tp] > 0}
        deadline = time.monotonic() + 120
        while remaining and time.monotonic() < deadline:
            for tp, recs in (await consumer.getmany(*remaining, timeout_ms=500)).items():
                out[tp.partition].extend(recs)
                if recs and recs[-1].offset >= ends[tp] - 1:
                    remaining.discard(tp)
        return out
    finally:
        await consumer.stop()
