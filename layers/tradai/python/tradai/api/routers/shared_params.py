"""Parameters and error documents that several route groups declare alike.

They live here, not in one group's router module, because importing a router module registers all
of its routes, each a cost of the cold import of any Lambda handler that imports it
(`benchmarks/cold_import.py`): `engine_routes` would otherwise register the strategies, configs and
catalog routes it does not serve.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from tradai.api.schemas.common import error_doc
from tradai.api.schemas.patterns import EXCHANGE_PATTERN, TIMEFRAME_PATTERN
from tradai.domain.strategy_versions import Stage
from tradai.services.strategy_listing import StrategyFilters

CATALOG_NOT_FOUND = error_doc(404, "No such strategy (or version)")
CONFIG_NOT_FOUND = error_doc(404, "No such config")


class StrategyListQuery(BaseModel):
    """The query of the strategies list, shared with the catalog's: order, page and filters.

    A query-parameter model (`Annotated[Model, Query()]`): FastAPI documents and validates each field
    as its own query parameter, as before, but builds one validator for the model instead of one per
    parameter and route, at each Lambda handler's cold import. Each list's model narrows the order
    (`sort_by` choices, defaults); an overridden field keeps its place, so the spec's order stays.
    """

    # Only the lists' own models are route parameters: building this one's validator would be wasted.
    model_config = ConfigDict(defer_build=True)

    sort_by: str
    sort_order: Literal["asc", "desc"]
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)
    stage: Stage | None = None
    exchange: str | None = Field(None, pattern=EXCHANGE_PATTERN)
    timeframe: str | None = Field(None, pattern=TIMEFRAME_PATTERN)
    search: str | None = Field(None, max_length=100, description="In name or description")
    min_sharpe: float | None = Field(None, ge=-1e6, le=1e6)
    max_drawdown: float | None = Field(
        None, ge=0, le=1, description="Deepest drawdown allowed, as a fraction (0.2 = 20%)"
    )

    def filters(self) -> StrategyFilters:
        return StrategyFilters(
            self.stage, self.exchange, self.timeframe, self.search, self.min_sharpe, self.max_drawdown
        )


Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
