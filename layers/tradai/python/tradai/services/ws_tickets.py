"""Single-use WebSocket tickets: issued to an authenticated caller, consumed atomically on connect.

A browser cannot set an Authorization header on a WebSocket, so it first trades its token for a
short-lived ticket (`POST /api/v1/ws/ticket`) and passes that in the connection's query string.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tradai.domain.errors import ConditionFailed, Forbidden, NotAuthenticated, NotFound
from tradai.domain.store import Attr, ItemAbsent, Key, Record, Update
from tradai.ports import DocumentStore

TICKET_TTL = timedelta(seconds=60)


@dataclass(frozen=True)
class Ticket:
    """A ticket as issued."""

    ticket: str
    expires_at: datetime
    job_id: str | None


def _key(ticket: str) -> Key:
    return Key(f"TICKET#{ticket}", "TICKET")


def issue_ticket(*, store: DocumentStore, subject: str, job_id: str | None, now: datetime) -> Ticket:
    """Issue a ticket for `subject`, bound to `job_id` when given; it expires after 60 s."""
    ticket = secrets.token_urlsafe(32)
    expires_at = now + TICKET_TTL
    store.put(
        Record(
            _key(ticket),
            {"subject": subject, "job_id": job_id, "issued_at": now.isoformat()},
            expires_at=int(expires_at.timestamp()),
        ),
        condition=ItemAbsent(),
    )
    return Ticket(ticket=ticket, expires_at=expires_at, job_id=job_id)


def consume_ticket(*, store: DocumentStore, ticket: str, job_id: str, now: datetime) -> str:
    """Use up a ticket to watch `job_id` and return the subject it was issued to.

    Raises:
        NotAuthenticated: the ticket is unknown, expired or already used.
        Forbidden: the ticket was issued for another job.
    """
    if not ticket or len(ticket) > 128:
        raise NotAuthenticated("ticket is missing or malformed")
    try:
        record = store.update(
            Update(_key(ticket), set={"used_at": now.isoformat()}, condition=Attr("used_at").not_exists())
        )
    except NotFound as exc:
        raise NotAuthenticated("ticket is unknown or expired") from exc
    except ConditionFailed as exc:
        raise NotAuthenticated("ticket was already used") from exc
    bound_job = record.data.get("job_id")
    if bound_job is not None and bound_job != job_id:
        raise Forbidden("ticket was issued for another job")
    return str(record.data["subject"])
