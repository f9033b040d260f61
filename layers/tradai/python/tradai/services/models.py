"""Read the model registry as strategy versions: models, their versions, stages and aliases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradai.domain.registry import RegistryUnavailable
from tradai.domain.registry_records import (
    CHALLENGER,
    CHAMPION,
    TAG_BACKTEST_JOB_ID,
    TAG_CODE_HASH,
    TAG_CONFIG_ID,
    TAG_STAGE,
    ModelVersionRecord,
    RegisteredModelRecord,
)
from tradai.domain.strategy_versions import Stage
from tradai.ports import ModelRegistry


@dataclass(frozen=True)
class ModelVersionView:
    """A model version as a strategy version."""

    version: str
    registry_version: str
    stage: str
    created_at: datetime
    metrics: dict[str, Any]
    aliases: list[str]
    code_hash: str | None
    config_id: str | None
    backtest_job_id: str | None

    @property
    def archived(self) -> bool:
        """Whether it was in prod and was replaced."""
        return self.stage == Stage.ARCHIVED.value


@dataclass(frozen=True)
class ModelView:
    """A registered model with its champion and challenger as strategy versions."""

    name: str
    created_at: datetime
    updated_at: datetime
    champion_version: str | None
    challenger_version: str | None
    latest_version: str | None
    versions_count: int


def require_registry(registry: ModelRegistry | None) -> ModelRegistry:
    """The registry, or a 503 where this runtime has none."""
    if registry is None:
        raise RegistryUnavailable(
            "no model registry is configured in this runtime (TRADAI_MLFLOW_TRACKING_URI)"
        )
    return registry


def list_models(registry: ModelRegistry) -> list[ModelView]:
    """Every registered model, by name."""
    return [_model_view(model, registry.list_versions(model.name)) for model in registry.list_models()]


def get_model(registry: ModelRegistry, name: str) -> ModelView:
    """One model. Raises `ModelNotFound`."""
    model = registry.get_model(name)
    return _model_view(model, registry.list_versions(model.name))


def model_versions(registry: ModelRegistry, name: str, *, include_archived: bool) -> list[ModelVersionView]:
    """A model's versions, oldest first. Raises `ModelNotFound`."""
    model = registry.get_model(name)
    views = [_version_view(record, model) for record in registry.list_versions(name)]
    return [view for view in views if include_archived or not view.archived]


def _model_view(model: RegisteredModelRecord, versions: list[ModelVersionRecord]) -> ModelView:
    by_number = {record.version: record.strategy_version for record in versions}
    return ModelView(
        name=model.name,
        created_at=model.created_at,
        updated_at=model.updated_at,
        champion_version=by_number.get(model.aliases.get(CHAMPION, "")),
        challenger_version=by_number.get(model.aliases.get(CHALLENGER, "")),
        latest_version=versions[-1].strategy_version if versions else None,
        versions_count=len(versions),
    )


def _version_view(record: ModelVersionRecord, model: RegisteredModelRecord) -> ModelVersionView:
    return ModelVersionView(
        version=record.strategy_version,
        registry_version=record.version,
        stage=record.tags.get(TAG_STAGE, Stage.DEV.value),
        created_at=record.created_at,
        metrics=record.metrics,
        aliases=sorted(alias for alias, number in model.aliases.items() if number == record.version),
        code_hash=record.tags.get(TAG_CODE_HASH),
        config_id=record.tags.get(TAG_CONFIG_ID),
        backtest_job_id=record.tags.get(TAG_BACKTEST_JOB_ID),
    )
