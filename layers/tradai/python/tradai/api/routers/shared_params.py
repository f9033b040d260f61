"""Parameters and error documents that several route groups declare alike.

They live here, not in one group's router module, because importing a router module registers all
of its routes, each a cost of the cold import of any Lambda handler that imports it
(`benchmarks/cold_import.py`): `engine_routes` would otherwise register the strategies, configs and
catalog routes it does not serve.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from tradai.api.schemas.common import error_doc
from tradai.api.schemas.patterns import EXCHANGE_PATTERN, TIMEFRAME_PATTERN
from tradai.domain.strategy_versions import Stage
from tradai.services.strategy_listing import StrategyFilters

CATALOG_NOT_FOUND = error_doc(404, "No such strategy (or version)")
CONFIG_NOT_FOUND = error_doc(404, "No such config")


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
