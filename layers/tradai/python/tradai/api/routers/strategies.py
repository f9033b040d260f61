"""Strategies: `/api/v1/strategies` list, detail, metrics and status (seeds 000, 001).

Registering a version is `strategy_registration` (it loads the engine).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import ConfigDict

from tradai.api.auth import Viewer
from tradai.api.deps import ContainerDep
from tradai.api.routers.shared_params import StrategyListQuery
from tradai.api.routers.strategy_paths import StrategyName
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.patterns import NAME_PATTERN, VERSION_PATTERN
from tradai.api.schemas.strategies import StrategyList, StrategySummary
from tradai.api.schemas.strategy_detail import StrategyDetailPublic, StrategyMetricsPublic
from tradai.api.schemas.strategy_status import StrategyStatusPublic
from tradai.services import strategies
from tradai.services.strategy_listing import list_versions
from tradai.services.strategy_status import strategy_status

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"])


NOT_FOUND = error_doc(404, "No such strategy")


class StrategiesListQuery(StrategyListQuery):
    """`GET /api/v1/strategies`: by name by default."""

    model_config = ConfigDict(defer_build=False)

    sort_by: Literal["name", "sharpe", "return", "trades"] = "name"
    sort_order: Literal["asc", "desc"] = "asc"


@router.get("", response_model=StrategyList, summary="List strategy versions with their latest metrics")
def list_strategies(
    container: ContainerDep, _: Viewer, query: Annotated[StrategiesListQuery, Query()]
) -> StrategyList:
    listed = list_versions(
        store=container.store, filters=query.filters(), sort_by=query.sort_by, sort_order=query.sort_order
    )
    return StrategyList(
        strategies=[StrategySummary.of(item) for item in listed[query.offset : query.offset + query.limit]],
        total=len(listed),
        limit=query.limit,
        offset=query.offset,
    )


@router.get(
    "/{config_name:strategy_ref}",
    response_model=StrategyDetailPublic,
    summary="A strategy by config name (`pascal-v2`) or by strategy name",
    responses=NOT_FOUND,
)
def get_strategy(
    container: ContainerDep,
    _: Viewer,
    config_name: Annotated[str, Path(pattern=NAME_PATTERN, description="A config name or a strategy name")],
) -> StrategyDetailPublic:
    return StrategyDetailPublic.of_detail(strategies.strategy_detail(store=container.store, name=config_name))


@router.get(
    "/{name:strategy_ref}/metrics",
    response_model=StrategyMetricsPublic,
    summary="Metrics of a version's latest completed backtest (the current version unless named)",
    responses=NOT_FOUND,
)
def get_strategy_metrics(
    container: ContainerDep,
    _: Viewer,
    name: StrategyName,
    version: Annotated[str | None, Query(pattern=VERSION_PATTERN)] = None,
) -> StrategyMetricsPublic:
    return StrategyMetricsPublic.of(
        strategies.version_metrics(store=container.store, name=name, version=version)
    )


@router.get(
    "/{name:strategy_ref}/status",
    response_model=StrategyStatusPublic,
    summary="Stage, champion and challenger, running instances, last backtest",
    responses=NOT_FOUND,
)
def get_strategy_status(container: ContainerDep, _: Viewer, name: StrategyName) -> StrategyStatusPublic:
    return StrategyStatusPublic.of(strategy_status(store=container.store, name=name))
