"""A worker's metrics, as ``GET /metrics`` shows them (Prometheus text, ``streamflow_`` names).

Each worker has its own registry, never prometheus-client's global one: the test driver runs
several workers of one app in one process, and each must show its own figures.

The hot path pays per batch, never per event: the worker adds a fetched batch's size to a
plain dict (:meth:`WorkerMetrics.consumed`) and times each batch an agent is handed
(:meth:`WorkerMetrics.agent_batch`). Everything else (output per topic, lag, offsets, commits,
transactions, tasks, restores, late events, dead letters) is read from the worker's own state
(restores: ``restore_progress.RestoreGauges``) when Prometheus scrapes, by :class:`_Scrape`.
The table in the README ("Operations") lists every name; ``tests/unit/test_metrics.py``
checks that it does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from ..types import TP
from ..windowed_tables import WindowedTable

if TYPE_CHECKING:
    from .worker import Worker

# From a handful of events (~10 µs) to a batch that calls out to something slow.
AGENT_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                 2.5, 5.0, 10.0)
# A commit waits for the broker's acknowledgements: milliseconds on a healthy cluster.
COMMIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                  30.0)


class WorkerMetrics:
    """What a worker counts, and its registry (``exposition()`` is the ``/metrics`` body).

    Its scrape collector holds the worker, on purpose: at scrape time it reads the state of
    most of the worker's parts (output, offsets, tasks, restores, tables, dead letters), and
    never calls into them; passing each as a function would list the worker's parts again."""

    def __init__(self, worker: "Worker") -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.events_consumed: dict[TP, int] = {}
        self.agent_events: dict[str, int] = {}
        self._agent_seconds = Histogram(
            "streamflow_agent_batch_duration_seconds",
            "Time from handing an agent a batch of events until it asked for the next one",
            ["agent"], buckets=AGENT_BUCKETS, registry=self.registry)
        self._agent_children: dict[str, Any] = {}
        self._commit_seconds = Histogram(
            "streamflow_commit_duration_seconds",
            "Time a commit took: flushing output and changelogs, waiting for the broker's "
            "acknowledgements, committing offsets (or the transaction), writing the stores",
            buckets=COMMIT_BUCKETS, registry=self.registry)
        self.registry.register(_Scrape(worker, self))

    # -- called by the worker, once per batch ------------------------------------------------
    def consumed(self, tp: TP, events: int) -> None:
        """``events`` decoded from a fetched batch of ``tp``."""
        counts = self.events_consumed
        counts[tp] = counts.get(tp, 0) + events

    def agent_batch(self, agent: str, events: int, seconds: float) -> None:
        """Agent ``agent`` processed a batch of ``events`` in ``seconds``."""
        child = self._agent_children.get(agent)
        if child is None:
            child = self._agent_children[agent] = self._agent_seconds.labels(agent)
        child.observe(seconds)
        self.agent_events[agent] = self.agent_events.get(agent, 0) + events

    def commit_took(self, seconds: float) -> None:
        self._commit_seconds.observe(seconds)

    # -- read -----------------------------------------------------------------------------
    def exposition(self) -> bytes:
        """The Prometheus text format of every metric of this worker."""
        return generate_latest(self.registry)


class _Scrape:
    """The metrics read from the worker's state at scrape time (a prometheus-client custom
    collector). Runs on the worker's event loop (the HTTP server's handler), so it reads that
    state between two steps of the loop, never in the middle of one."""

    def __init__(self, worker: "Worker", metrics: WorkerMetrics) -> None:
        self.worker, self.metrics = worker, metrics

    def collect(self) -> Iterator[Metric]:
        yield from self._events()
        yield from self._partitions()
        yield from self._commits()
        yield from self._tasks()
        yield from self._restores()
        yield from self._bad_input()

    def _events(self) -> Iterator[Metric]:
        metrics, worker = self.metrics, self.worker
        consumed = CounterMetricFamily("streamflow_events_consumed",
                                       "Records fetched and decoded from an input partition",
                                       labels=["topic", "partition"])
        for tp, n in sorted(metrics.events_consumed.items()):
            consumed.add_metric([tp.topic, str(tp.partition)], n)
        yield consumed
        produced = CounterMetricFamily("streamflow_events_produced",
                                       "Records handed to the producer, per destination topic "
                                       "(output, changelogs, repartition and dead-letter topics)",
                                       labels=["topic"])
        output = worker.output
        for topic, n in sorted((output.sent_per_topic if output is not None else {}).items()):
            produced.add_metric([topic], n)
        yield produced
        agents = CounterMetricFamily("streamflow_agent_events",
                                     "Events handed to an agent", labels=["agent"])
        for agent, n in sorted(metrics.agent_events.items()):
            agents.add_metric([agent], n)
        yield agents

    def _partitions(self) -> Iterator[Metric]:
        consumer = self.worker.consumer
        assigned = sorted(consumer.assignment()) if consumer is not None else []
        lag = GaugeMetricFamily("streamflow_consumer_lag_records",
                                "Records of an assigned partition on the broker that this worker "
                                "has not fetched yet (from the last fetch response)",
                                labels=["topic", "partition"])
        for tp in assigned:
            n = consumer.lag(tp)  # type: ignore[union-attr]
            if n is not None:
                lag.add_metric([tp.topic, str(tp.partition)], n)
        yield lag
        committed = GaugeMetricFamily("streamflow_committed_offset",
                                      "The next offset to read that this worker last committed, "
                                      "per assigned partition", labels=["topic", "partition"])
        offsets = self.worker.offsets.committed
        for tp in assigned:
            if tp in offsets:
                committed.add_metric([tp.topic, str(tp.partition)], offsets[tp])
        yield committed

    def _commits(self) -> Iterator[Metric]:
        path = self.worker.committer.path
        yield CounterMetricFamily("streamflow_commits",
                                  "Commits that moved some input offset",
                                  value=path.commits if path is not None else 0)
        yield CounterMetricFamily("streamflow_commit_failures",
                                  "Commits that could not complete and rolled back to the last "
                                  "one (group lease lost, offsets refused, transaction aborted)",
                                  value=path.failures if path is not None else 0)
        yield CounterMetricFamily("streamflow_transactions_committed",
                                  "Exactly-once: Kafka transactions committed",
                                  value=getattr(path, "transactions", 0))
        yield CounterMetricFamily("streamflow_transactions_aborted",
                                  "Exactly-once: Kafka transactions aborted",
                                  value=path.aborted if path is not None else 0)

    def _tasks(self) -> Iterator[Metric]:
        worker = self.worker
        consumer = worker.consumer
        assigned = consumer.assignment() if consumer is not None else set()
        tasks = {(worker.partition_count(tp.topic), tp.partition) for tp in assigned}
        yield GaugeMetricFamily("streamflow_assigned_tasks",
                                "Tasks (a partition number across the co-partitioned topics) "
                                "this worker processes", value=len(tasks))
        yield GaugeMetricFamily("streamflow_standby_tasks",
                                "Tasks this worker keeps a warm standby copy of",
                                value=len(worker.standby_tasks))
        yield GaugeMetricFamily("streamflow_assigned_partitions",
                                "Input partitions assigned to this worker", value=len(assigned))
        yield GaugeMetricFamily("streamflow_ready_partitions",
                                "Assigned input partitions whose state is restored",
                                value=len(assigned & worker.ready_partitions))
        yield CounterMetricFamily("streamflow_rebalances",
                                  "Assignments this worker received from its group",
                                  value=worker.tasks.rebalances)
        yield GaugeMetricFamily("streamflow_worker_ready",
                                "1 when GET /health answers 200 (ready), else 0",
                                value=1 if worker.health.readiness().ready else 0)

    def _restores(self) -> Iterator[Metric]:
        worker = self.worker
        restores = worker.restorer.gauges
        held = sorted(key for key, part in worker.tables.active.items()
                      if part.changelog_tp is not None)
        restored = CounterMetricFamily("streamflow_restored_records",
                                       "Changelog records restored into a table partition",
                                       labels=["table", "partition"])
        for (name, p), n in sorted(restores.restored.items()):
            restored.add_metric([name, str(p)], n)
        yield restored
        left = GaugeMetricFamily("streamflow_restore_remaining_records",
                                 "Changelog offsets a table partition's restore has still to "
                                 "read (0: restored)", labels=["table", "partition"])
        seconds = GaugeMetricFamily("streamflow_restore_remaining_seconds",
                                    "Estimated time a table partition's restore still takes, at "
                                    "its rate so far (0: restored)", labels=["table", "partition"])
        for key in held:
            records, eta = restores.remaining(key)
            labels = [key[0], str(key[1])]
            left.add_metric(labels, records)
            if eta is not None:
                seconds.add_metric(labels, eta)
        yield left
        yield seconds
        late = CounterMetricFamily("streamflow_late_events",
                                   "Events a windowed table dropped as too late for every "
                                   "window they belong to", labels=["table"])
        for name, table in sorted(worker.app.tables.items()):
            if isinstance(table, WindowedTable):
                late.add_metric([name], table.late_events)
        yield late

    def _bad_input(self) -> Iterator[Metric]:
        errors = CounterMetricFamily("streamflow_decode_errors",
                                     "Records that did not decode, per topic", labels=["topic"])
        for topic, n in sorted(self.worker.decoder.failed_per_topic.items()):
            errors.add_metric([topic], n)
        yield errors
        dead = CounterMetricFamily("streamflow_dead_letters",
                                   "Records sent to the dead-letter topic, per topic they came "
                                   "from", labels=["topic"])
        letters = self.worker.dead_letters
        for topic, n in sorted((letters.per_topic if letters is not None else {}).items()):
            dead.add_metric([topic], n)
        yield dead


__all__ = ["WorkerMetrics"]
