"""Strategies: `/api/v1/strategies` list, register, detail, metrics and status (seeds 000, 001)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, status

from tradai.api.auth import Trader, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.routers.strategy_paths import StrategyName
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.strategies import (
    EXCHANGE_PATTERN,
    NAME_PATTERN,
    TIMEFRAME_PATTERN,
    VERSION_PATTERN,
    StrategyDetailPublic,
    StrategyList,
    StrategyMetricsPublic,
    StrategyRegister,
    StrategyStatusPublic,
    StrategySummary,
)
from tradai.domain.clock import utc_now
from tradai.domain.errors import Unavailable
from tradai.domain.strategy_versions import Stage
from tradai.services import strategies
from tradai.services.strategies import NewVersion, StrategyFilters

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"])


NOT_FOUND = error_doc(404, "No such strategy")


def strategy_filters(
    stage: Stage | None = None,
    exchange: Annotated[str | None, Query(pattern=EXCHANGE_PATTERN)] = None,
    timeframe: Annotated[str | None, Query(pattern=TIMEFRAME_PATTERN)] = None,
    search: Annotated[str | None, Query(max_length=100, description="In name or description")] = None,
    min_sharpe: Annotated[float | None, Query(ge=-1e6, le=1e6)] = None,
    max_drawdown: Annotated[
        float | None, Query(ge=0, le=1, description="Deepest drawdown allowed, as a fraction (0.2 = 20%)")
    ] = None,
) -> StrategyFilters:
    """The filters of the strategies list, shared with the catalog's."""
    return StrategyFilters(stage, exchange, timeframe, search, min_sharpe, max_drawdown)


Filters = Annotated[StrategyFilters, Depends(strategy_filters)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("", response_model=StrategyList, summary="List strategy versions with their latest metrics")
def list_strategies(
    container: ContainerDep,
    _: Viewer,
    filters: Filters,
    sort_by: Literal["name", "sharpe", "return", "trades"] = "name",
    sort_order: Literal["asc", "desc"] = "asc",
    limit: Limit = 20,
    offset: Offset = 0,
) -> StrategyList:
    listed = strategies.list_versions(
        store=container.store, filters=filters, sort_by=sort_by, sort_order=sort_order
    )
    return StrategyList(
        strategies=[StrategySummary.of(item) for item in listed[offset : offset + limit]],
        total=len(listed),
        limit=limit,
        offset=offset,
    )


@router.post(
    "",
    response_model=StrategyDetailPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Register a strategy version",
    responses=error_doc(409, "The version exists"),
)
def register_strategy(container: ContainerDep, _: Trader, body: StrategyRegister) -> StrategyDetailPublic:
    if container.strategies is None:
        raise Unavailable("strategies are not available in this runtime")
    version = strategies.register_version(
        store=container.store,
        catalog=container.strategies,
        request=NewVersion(**body.model_dump()),
        now=utc_now(),
    )
    return StrategyDetailPublic.of_detail(strategies.version_detail(container.store, version))


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
    return StrategyStatusPublic.of(strategies.strategy_status(store=container.store, name=name))
