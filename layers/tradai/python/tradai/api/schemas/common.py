"""Models every route shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorResponse(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "detail": "Backtest job not found",
                "code": "JOB_NOT_FOUND",
                "timestamp": "2026-01-01T00:00:00Z",
            }
        }
    )

    detail: str = Field(description="What went wrong, for people.")
    code: str = Field(description="What went wrong, for programs: a stable UPPER_SNAKE code.")
    timestamp: datetime = Field(description="When the error happened (UTC).")


ERROR_SCHEMA_NAME = "ErrorResponse"
"""The spec's component for `ErrorResponse`; the app adds it to every spec (`tradai.api.app`)."""


def error_doc(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    """A route's `responses` entry documenting one error status in the API's error shape.

    It refers to the schema component instead of naming the model: FastAPI builds a pydantic
    validator for each model it is given, per route and status, at registration and again on a
    Lambda's first request, only to document a shape the spec then states once.
    """
    schema = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}
