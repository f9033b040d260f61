"""The model registry: `/api/v1/models` (seeds 000, 001). Rollback never answers a 5xx for a missing
model or an empty history (bug B5 of seed 000): those are 404 and 409."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from tradai.api.auth import Admin, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.mlflow import MlflowRegisteredModelResponse
from tradai.api.schemas.models import (
    ModelList,
    ModelPublic,
    ModelVersionPublic,
    ModelVersions,
    RollbackRequest,
    RollbackResult,
)
from tradai.api.schemas.patterns import NAME_PATTERN
from tradai.domain.clock import utc_now
from tradai.services import models, promotion

router = APIRouter(prefix="/api/v1/models", tags=["models"])
mlflow_router = APIRouter(prefix="/api/v1/mlflow", tags=["models"])
"""MLflow's registry shapes under the API (seed 000 lists `/api/v1/mlflow/models/{name}`): the
registry's REST API through the authenticated API, whatever the ALB does with `/mlflow` (bug B7)."""

ModelName = Annotated[str, Path(pattern=NAME_PATTERN, description="A model (strategy) name")]
NOT_FOUND = error_doc(404, "No such model")


@router.get("", response_model=ModelList, summary="Every registered model")
def list_models(container: ContainerDep, _: Viewer) -> ModelList:
    found = models.list_models(models.require_registry(container.registry))
    return ModelList(models=[ModelPublic.of(view) for view in found], total=len(found))


@router.get(
    "/{name}",
    response_model=ModelPublic,
    summary="One model: champion, challenger, latest",
    responses=NOT_FOUND,
)
def get_model(container: ContainerDep, _: Viewer, name: ModelName) -> ModelPublic:
    return ModelPublic.of(models.get_model(models.require_registry(container.registry), name))


@router.get(
    "/{name}/versions", response_model=ModelVersions, summary="A model's versions", responses=NOT_FOUND
)
def list_model_versions(
    container: ContainerDep,
    _: Viewer,
    name: ModelName,
    include_archived: Annotated[bool, Query(description="Include versions replaced in prod")] = True,
) -> ModelVersions:
    views = models.model_versions(
        models.require_registry(container.registry), name, include_archived=include_archived
    )
    return ModelVersions(model_name=name, versions=[ModelVersionPublic.of(view) for view in views])


@router.post(
    "/{name}/rollback",
    response_model=RollbackResult,
    summary="Put the previous (or the given) prod version back in prod",
    responses=NOT_FOUND | error_doc(409, "Nothing to roll back to, or that version was never in prod"),
)
def rollback(
    container: ContainerDep, _: Admin, name: ModelName, body: RollbackRequest | None = None
) -> RollbackResult:
    result = promotion.rollback_model(
        store=container.store,
        registry=container.registry,
        name=name,
        version=body.version if body else None,
        now=utc_now(),
    )
    return RollbackResult(**vars(result))


@mlflow_router.get(
    "/models/{name}",
    response_model=MlflowRegisteredModelResponse,
    summary="A registered model in MLflow's own REST shape, with every version",
    responses=NOT_FOUND,
)
def get_mlflow_model(container: ContainerDep, _: Viewer, name: ModelName) -> MlflowRegisteredModelResponse:
    registry = models.require_registry(container.registry)
    return MlflowRegisteredModelResponse.of(registry.get_model(name), registry.list_versions(name))
