"""The transport interface between the runtime and a broker.

The runtime only ever moves *batches*: a consumer returns every record it fetched per topic
partition, a producer takes a list of already-encoded records for one partition. Keeping the
interface this narrow is what lets ``memory://`` and Kafka behave the same to the worker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncGenerator, Awaitable, Callable, Mapping, Protocol, Sequence

from ...types import TP


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create when missing."""

    name: str
    partitions: int
    replication_factor: int = 1
    config: dict[str, str] = field(default_factory=dict)


class RawRecord(Protocol):
    """A fetched record (aiokafka's ConsumerRecord has these attributes)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


# (key, value, timestamp_ms, headers)
OutRecord = tuple[bytes | None, bytes | None, int | None, Sequence[tuple[str, bytes]] | None]

RebalanceCallback = Callable[[set[TP]], Awaitable[None]]


class CommitFailed(Exception):
    """An offset commit the group refused because it rebalanced (not fatal: at-least-once)."""


class TransactionAborted(Exception):
    """An exactly-once transaction did not commit and was aborted: the group rebalanced and
    refused its offsets (this worker may no longer own the partitions), or a send failed.
    Not fatal: the worker rolls its state back to the last commit and goes on."""


class Consumer(Protocol):
    """A group consumer of the app's source topics (the worker's only one); rebalance
    callbacks tell the worker what it was given and what it lost."""

    async def start(self) -> None:
        """Join the group and start fetching."""

    async def stop(self) -> None:
        """Leave the group (its partitions move to the other members at once)."""

    async def getmany(self, timeout: float, max_records: int) -> Mapping[TP, Sequence[RawRecord]]:
        """What was fetched, per partition, waiting up to ``timeout`` s for something."""

    async def commit(self, offsets: dict[TP, int]) -> None:
        """Commit ``offsets``: the next offset to read per partition."""

    async def committed(self, tp: TP) -> int | None:
        """The group's committed offset of ``tp`` (None: none)."""

    async def lease(self) -> float | None:
        """Until when (``time.monotonic()``) this worker certainly still owns its assignment:
        the group cannot have given its partitions to another member before. None when it
        cannot tell (not a member, or it was cut off). At-least-once writes changelogs only
        within it (see ``transport.kafka_lease``)."""

    async def unstable(self, tps: set[TP]) -> set[TP] | None:
        """Which of ``tps`` have committed offsets held by a transaction still open (a
        previous owner's, exactly-once): their state and positions are not final until it
        commits or aborts. None: the group coordinator cannot tell now; ask again."""

    def assignment(self) -> set[TP]:
        """The partitions assigned to this worker now."""

    def pause(self, tps: set[TP]) -> None:
        """Stop returning (and fetching) records of ``tps``."""

    def resume(self, tps: set[TP]) -> None:
        """Return records of ``tps`` again."""

    def seek(self, tp: TP, offset: int) -> None:
        """Fetch ``tp`` from ``offset`` next."""

    def lag(self, tp: TP) -> int | None:
        """Records of ``tp`` on the broker (committed ones, for a ``read_committed`` reader)
        that ``getmany`` has not returned yet; None while not known (nothing fetched yet).
        The worker's processing order waits for them (see ``runtime.partition_group``)."""

    def group_metadata(self) -> Any:
        """What a transaction's offset commit must carry so that the group can refuse it from
        a worker it has replaced (group id, generation, member id); opaque to the worker."""


class Producer(Protocol):
    """Sends encoded records a partition at a time; with a transactional id, in Kafka
    transactions (exactly-once)."""

    async def start(self) -> None:
        """Connect (and, transactional, fence any older producer with the same id)."""

    async def stop(self) -> None:
        """Flush and disconnect."""

    async def send_batch(self, topic: str, partition: int,
                         records: list[OutRecord]) -> list[Awaitable[int]]:
        """Hand records for one partition to the broker client; each awaitable resolves to the
        offset of the *last* record of a chunk once the broker acknowledged it. A
        transactional producer begins a transaction first if none is open."""

    # Exactly-once only (a producer made with a transactional id):

    async def commit_transaction(self, offsets: dict[TP, int], group: Any) -> None:
        """Add ``offsets`` (next offset to read per input partition) for ``group`` (a
        consumer's ``group_metadata()``) to the open transaction, beginning one if needed,
        and commit it. Raises :class:`TransactionAborted` if it could not commit (it is then
        aborted) and ``streamflow.exceptions.ProducerFenced`` if another producer took over
        the transactional id."""

    async def abort_transaction(self) -> None:
        """Abort the open transaction, if any (its records are never read by consumers)."""


class ChangelogReader(Protocol):
    """Reads a partition from an offset to its end, without a consumer group (recovery)."""

    async def end_offsets(self, tps: list[TP]) -> dict[TP, int]:
        """The offset after the last record of each of ``tps``."""

    async def read(self, tp: TP, start: int, end: int, max_records: int) -> Sequence[RawRecord]:
        """Up to ``max_records`` records of ``tp`` from ``start``, before ``end``."""

    def read_many(self, ranges: dict[TP, tuple[int, int]],
                  max_records: int) -> AsyncGenerator[tuple[TP, Sequence[RawRecord]], None]:
        """``(tp, records)`` chunks of several partitions read together, each from its start
        to its end offset (restoring many table partitions at once)."""

    async def stop(self) -> None:
        """Disconnect."""


class BroadcastReader(Protocol):
    """Every partition of one topic, read by every worker (no group): a global table's topic
    or the right side of a foreign-key join. ``poll`` never waits."""

    async def start(self) -> None:
        """Connect; reading starts at the offsets given by :meth:`seek`."""

    async def poll(self, max_records: int) -> Sequence[RawRecord]:
        """What was fetched since the last poll (never waits)."""

    def seek(self, partition: int, offset: int) -> None:
        """Read ``partition`` from ``offset`` next."""

    def lag(self, partition: int) -> int | None:
        """As :meth:`Consumer.lag`, for one partition of the topic."""

    def pause(self, partition: int) -> None:
        """Stop returning (and fetching) records of ``partition`` until :meth:`resume`."""

    def resume(self, partition: int) -> None:
        """Fetch ``partition`` again."""

    async def stop(self) -> None:
        """Disconnect."""


class GroupNotEmpty(Exception):
    """The group has members: its offsets belong to them (``Admin.reset_offsets`` refused)."""

    def __init__(self, group: str, members: list[str]) -> None:
        self.group, self.members = group, members
        super().__init__(f"consumer group {group} has {len(members)} member(s): "
                         f"{', '.join(members)}")


class Admin(Protocol):
    """What the operations commands need of a broker besides producing (``streamflow topics``,
    ``reset``, ``dead-letters``). No consumer group is joined by any of these."""

    async def start(self) -> None:
        """Connect."""

    async def stop(self) -> None:
        """Disconnect."""

    async def list_topics(self) -> list[str]:
        """Every topic on the broker."""

    async def offsets(self, tps: list[TP], which: str) -> dict[TP, int]:
        """``which`` is ``earliest`` (first offset still on the log) or ``latest`` (the end)."""

    async def offsets_for_time(self, tps: list[TP], timestamp_ms: int) -> dict[TP, int]:
        """The first offset whose record timestamp is at or after ``timestamp_ms``; the end
        offset where there is none."""

    async def committed_offsets(self, group: str) -> dict[TP, int]:
        """Every offset ``group`` has committed (partitions without a commit are absent)."""

    async def group_members(self, group: str) -> list[str]:
        """The members of ``group`` now, as ``client id@host`` (empty: nobody consumes)."""

    async def reset_offsets(self, group: str, offsets: dict[TP, int]) -> None:
        """Commit ``offsets`` for ``group`` from outside it. Raises :class:`GroupNotEmpty` when
        the group has members, checked by the broker itself when it takes the commit."""


class Transport(Protocol):
    """A broker as the worker sees it: ``memory://`` (in this process) or ``kafka://``."""

    async def start(self) -> None:
        """Connect (checks the broker is there)."""

    async def stop(self) -> None:
        """Disconnect."""

    async def ensure_topics(self, specs: list[TopicSpec]) -> None:
        """Create the topics that do not exist yet."""

    async def partition_count(self, topic: str) -> int | None:
        """Partitions of ``topic``, or None when it does not exist."""

    def consumer(self, group: str, topics: list[str], on_revoked: RebalanceCallback,
                 on_assigned: RebalanceCallback, holdings: Any = None,
                 on_standby: Any = None, *, endpoint: Any = None,
                 on_owners: Any = None) -> Consumer:
        """A group consumer; ``holdings()`` tells the assignor which tasks this worker holds,
        ``on_standby(tasks)`` receives the standby tasks the group gives it; ``endpoint()`` is
        the HTTP address this worker advertises to the group (or None), ``on_owners(owners)``
        receives every task's owner's address at each assignment."""

    def producer(self, transactional_id: str | None = None) -> Producer:
        """A producer; with ``transactional_id``, a transactional one (exactly-once)."""

    def changelog_reader(self) -> ChangelogReader:
        """A group-less reader of partitions from an offset to their end."""

    def broadcast_reader(self, topic: str, partitions: int) -> BroadcastReader:
        """A group-less reader of every partition of ``topic``."""

    def admin(self) -> Admin:
        """Operations from outside the app's group (see :class:`Admin`)."""

    def describe(self) -> str:
        """Where it connects, for log lines."""

    extra: dict[str, Any]
