"""`GET /api/v1/health`: the seed 000 shape, one entry per dependency in `checks`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class DependencyCheck(BaseModel):
    """The result of really probing one dependency."""

    status: Literal["ok", "error"]
    adapter: str = Field(description="The technology behind the dependency, e.g. sqlite or dynamodb.")
    latency_ms: float
    detail: str | None = Field(default=None, description="Why the check failed.")


class HealthResponse(BaseModel):
    """Service health; `healthy` only when every check is ok (else the response is a 503)."""

    healthy: bool
    status: Literal["healthy", "unhealthy"]
    service: str
    version: str
    runtime: Literal["local", "aws"]
    timestamp: datetime
    checks: dict[str, DependencyCheck]
