"""The strategy catalog: `/api/v1/catalog` (seeds 000, 001): ranked list, compare, leaderboard,
performance; a strategy's detail is `catalog_detail`. The score is documented in docs/strategies.md."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import ConfigDict

from tradai.api.auth import Viewer
from tradai.api.deps import ContainerDep
from tradai.api.routers.shared_params import CATALOG_NOT_FOUND, Limit, Offset, StrategyListQuery
from tradai.api.routers.strategy_paths import StrategyName
from tradai.api.schemas.catalog import (
    BacktestPointPublic,
    CatalogEntry,
    CatalogList,
    ComparisonPublic,
    Leaderboard,
    LeaderboardEntry,
    LiveDayPublic,
    PerformancePublic,
)
from tradai.api.schemas.patterns import VERSION_PATTERN
from tradai.api.schemas.strategies import MetricsPublic
from tradai.services import catalog
from tradai.services.strategy_listing import StrategyFilters, list_versions
from tradai.services.strategy_performance import performance

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

VersionQuery = Annotated[str, Query(pattern=VERSION_PATTERN)]
NOT_FOUND = CATALOG_NOT_FOUND


class CatalogListQuery(StrategyListQuery):
    """`GET /api/v1/catalog/strategies`: best score first by default."""

    model_config = ConfigDict(defer_build=False)

    sort_by: Literal["score", "name", "sharpe", "return", "trades"] = "score"
    sort_order: Literal["asc", "desc"] = "desc"


@router.get("/strategies", response_model=CatalogList, summary="Strategy versions ranked by composite score")
def list_catalog(
    container: ContainerDep, _: Viewer, query: Annotated[CatalogListQuery, Query()]
) -> CatalogList:
    listed = list_versions(store=container.store, filters=query.filters())
    ordered = catalog.ordered(catalog.rank(listed), query.sort_by, query.sort_order)
    page = ordered[query.offset : query.offset + query.limit]
    return CatalogList(
        strategies=[CatalogEntry.of_ranked(entry) for entry in page],
        total=len(ordered),
        limit=query.limit,
        offset=query.offset,
    )


@router.get("/leaderboard", response_model=Leaderboard, summary="Strategies by their best composite score")
def get_leaderboard(
    container: ContainerDep,
    _: Viewer,
    limit: Limit = 10,
    offset: Offset = 0,
) -> Leaderboard:
    listed = list_versions(store=container.store, filters=StrategyFilters())
    board = catalog.leaderboard(catalog.rank(listed))
    entries = [
        LeaderboardEntry(
            rank=entry.rank,
            name=entry.item.version.name,
            version=entry.item.version.version,
            stage=entry.item.version.stage,
            score=entry.score or 0.0,
            metrics=MetricsPublic.of(entry.item.evidence.metrics) if entry.item.evidence else None,
        )
        for entry in board[offset : offset + limit]
    ]
    return Leaderboard(entries=entries, total=len(board), limit=limit, offset=offset)


@router.get(
    "/strategies/{name}/compare",
    response_model=ComparisonPublic,
    summary="Two versions' metrics and scores side by side, with their differences",
    responses=NOT_FOUND,
)
def compare(
    container: ContainerDep, _: Viewer, name: StrategyName, version_a: VersionQuery, version_b: VersionQuery
) -> ComparisonPublic:
    comparison = catalog.compare_versions(
        store=container.store, name=name, version_a=version_a, version_b=version_b
    )
    return ComparisonPublic.of(comparison)


@router.get(
    "/strategies/{name}/performance",
    response_model=PerformancePublic,
    summary="Backtest and dry-run/live performance over time",
    responses=NOT_FOUND,
)
def get_performance(container: ContainerDep, _: Viewer, name: StrategyName) -> PerformancePublic:
    result = performance(store=container.store, name=name)
    return PerformancePublic(
        name=result.name,
        backtests=[BacktestPointPublic.of(point) for point in result.backtests],
        live=[LiveDayPublic.of(day) for day in result.live],
    )
