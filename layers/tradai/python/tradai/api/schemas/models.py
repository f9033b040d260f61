"""Model registry and promotion shapes (seed 001's model management and strategy promotion)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradai.api.schemas.patterns import VERSION_PATTERN
from tradai.services.models import ModelVersionView, ModelView


class ModelPublic(BaseModel):
    """A registered model (one per strategy) with its champion and challenger."""

    name: str
    champion_version: str | None
    challenger_version: str | None
    latest_version: str | None
    versions_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: ModelView) -> ModelPublic:
        """The public view."""
        return cls(**vars(view))


class ModelList(BaseModel):
    """Every registered model."""

    models: list[ModelPublic]
    total: int


class ModelVersionPublic(BaseModel):
    """One model version, named by its strategy version."""

    version: str
    registry_version: str
    stage: str
    status: Literal["READY"] = "READY"
    created_at: datetime
    metrics: dict[str, Any]
    archived: bool
    aliases: list[str]
    code_hash: str | None
    config_id: str | None
    backtest_job_id: str | None

    @classmethod
    def of(cls, view: ModelVersionView) -> ModelVersionPublic:
        """The public view."""
        return cls(**vars(view), archived=view.archived)


class ModelVersions(BaseModel):
    """A model's versions, oldest first."""

    model_name: str
    versions: list[ModelVersionPublic]


class RollbackRequest(BaseModel):
    """Roll back to this version, or (without one) to the version in prod before the current one."""

    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(default=None, pattern=VERSION_PATTERN)


class RollbackResult(BaseModel):
    """What a rollback did."""

    model_name: str
    previous_version: str
    rolled_back_to: str
    status: Literal["completed"] = "completed"
    timestamp: datetime
    registry_synced: bool = Field(description="False when the registry could not be updated yet")


class StageRequest(BaseModel):
    """Stage this version for validation."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(pattern=VERSION_PATTERN)


class StageResult(BaseModel):
    """The staged version and its running validation backtest."""

    name: str
    version: str
    stage: Literal["staging"] = "staging"
    status: Literal["validation_in_progress"] = "validation_in_progress"
    created_at: datetime
    validation_job_id: str
    registry_synced: bool


class PromoteRequest(BaseModel):
    """Promote this version to prod; `force` skips the validation gates."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(pattern=VERSION_PATTERN)
    force: bool = False


class PromoteResult(BaseModel):
    """The promoted version and the one it replaced."""

    name: str
    version: str
    stage: Literal["prod"] = "prod"
    promoted_at: datetime
    previous_version: str | None
    registry_synced: bool
