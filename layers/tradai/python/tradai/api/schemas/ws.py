"""WebSocket ticket shapes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class TicketRequest(BaseModel):
    """Optionally bind the ticket to one job."""

    job_id: UUID | None = None


class TicketPublic(BaseModel):
    """A single-use ticket for `WS /ws/backtests/{job_id}?ticket=...`, valid for 60 s."""

    ticket: str
    expires_at: datetime
    ws_url: str = Field(description="Where to connect, with the ticket filled in (job id too when bound).")
