"""WebSocket connections of the AWS runtime, kept in the document store (access pattern 6).

Each job has ten slot items; a connection takes a free slot with a create-only write, in the same
transaction that stores the connection, so an eleventh connection is refused even when many arrive
at once. Slots and connections expire after API Gateway's two-hour connection limit, so a lost
`$disconnect` frees its slot by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tradai.domain.errors import ConditionFailed
from tradai.domain.jobs import MAX_WATCHERS_PER_JOB, TooManyConnections
from tradai.domain.store import Delete, IndexKey, ItemAbsent, Key, Put, Record
from tradai.ports import DocumentStore
from tradai.table_design import CONNECTION_PREFIX

CONNECTION_TTL = timedelta(hours=2)
_INDEX = "gsi1"


@dataclass(frozen=True)
class Connection:
    """A live WebSocket connection watching one job."""

    connection_id: str
    job_id: str
    subject: str
    slot: int


def _connection_key(connection_id: str) -> Key:
    return Key(f"{CONNECTION_PREFIX}{connection_id}", "CONN")


def connection_from_record(record: Record) -> Connection:
    """The connection a stored connection item (or its stream image) stands for."""
    return Connection(
        record.key.pk.removeprefix(CONNECTION_PREFIX),
        str(record.data["job_id"]),
        str(record.data["subject"]),
        int(record.data["slot"]),
    )


def _slot_key(job_id: str, slot: int) -> Key:
    return Key(f"WSJOB#{job_id}", f"SLOT#{slot}")


def _watchers_partition(job_id: str) -> str:
    return f"WSJOB#{job_id}"


class ConnectionRegistry:
    """Opens, lists and closes the WebSocket connections of jobs."""

    def __init__(self, store: DocumentStore, *, limit: int = MAX_WATCHERS_PER_JOB) -> None:
        self._store = store
        self._limit = limit

    def open(self, *, connection_id: str, job_id: str, subject: str, now: datetime) -> Connection:
        """Register a connection to `job_id`. Raises `TooManyConnections` when every slot is taken."""
        expires_at = int((now + CONNECTION_TTL).timestamp())
        for slot in range(self._limit):
            connection = Connection(connection_id, job_id, subject, slot)
            try:
                self._store.transact(
                    [
                        Put(
                            Record(
                                _slot_key(job_id, slot),
                                {"connection_id": connection_id},
                                expires_at=expires_at,
                            ),
                            condition=ItemAbsent(),
                        ),
                        Put(
                            Record(
                                _connection_key(connection_id),
                                {
                                    "job_id": job_id,
                                    "subject": subject,
                                    "slot": slot,
                                    "connected_at": now.isoformat(),
                                },
                                indexes={_INDEX: IndexKey(_watchers_partition(job_id), connection_id)},
                                expires_at=expires_at,
                            ),
                            condition=ItemAbsent(),
                        ),
                    ]
                )
            except ConditionFailed:
                continue  # slot taken; try the next
            return connection
        raise TooManyConnections(f"job {job_id} already has {self._limit} connections")

    def live_count(self, job_id: str) -> int:
        """How many connections watch `job_id` now."""
        return self._store.count(_watchers_partition(job_id), index=_INDEX)

    def for_job(self, job_id: str) -> list[Connection]:
        """Every connection watching `job_id`."""
        connections: list[Connection] = []
        cursor = None
        while True:
            page = self._store.query(_watchers_partition(job_id), index=_INDEX, limit=100, cursor=cursor)
            connections += [connection_from_record(record) for record in page.records]
            if (cursor := page.cursor) is None:
                return connections

    def close(self, connection_id: str) -> None:
        """Forget a connection and free its slot; closing an unknown connection does nothing."""
        record = self._store.get(_connection_key(connection_id))
        if record is None:
            return
        slot_key = _slot_key(str(record.data["job_id"]), int(record.data["slot"]))
        self._store.transact([Delete(_connection_key(connection_id)), Delete(slot_key)])
