"""A catalog strategy's detail: `GET /api/v1/catalog/strategies/{name}` (seeds 000, 001).

A router of its own because the detail describes the engine's strategy class (numpy, pandas,
numba): in AWS it runs from the worker image (`functions/engine_routes`), while the catalog's
lists, comparisons and performance stay on the light Lambda with SnapStart.
"""

from __future__ import annotations

from fastapi import APIRouter

from tradai.api.auth import Viewer
from tradai.api.deps import ContainerDep
from tradai.api.routers.shared_params import CATALOG_NOT_FOUND as NOT_FOUND
from tradai.api.routers.strategy_paths import StrategyName
from tradai.api.schemas.catalog_detail import CatalogStrategy
from tradai.services.catalog_detail import catalog_detail

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


@router.get(
    "/strategies/{name}",
    response_model=CatalogStrategy,
    summary="A strategy: its engine class and registered versions with scores",
    responses=NOT_FOUND,
)
def get_catalog_strategy(container: ContainerDep, _: Viewer, name: StrategyName) -> CatalogStrategy:
    detail = catalog_detail(store=container.store, catalog=container.strategy_catalog(), name=name)
    return CatalogStrategy.of(detail)
