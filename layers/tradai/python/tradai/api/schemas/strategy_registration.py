"""The body of registering a strategy version (`POST /api/v1/strategies`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tradai.api.schemas.patterns import (
    EXCHANGE_PATTERN,
    NAME_PATTERN,
    SYMBOL_PATTERN,
    TIMEFRAME_PATTERN,
    VERSION_PATTERN,
)
from tradai.domain.strategies import ParameterValue


class StrategyRegister(BaseModel):
    """Register a version of a strategy: an engine strategy class with default parameters."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "name": "TrendFollower",
                "version": "1.0.0",
                "strategy_class": "sma_cross",
                "description": "SMA crossover trend following strategy",
                "parameters": {"fast": 10, "slow": 30},
            }
        },
    )

    name: str = Field(pattern=NAME_PATTERN)
    version: str = Field(pattern=VERSION_PATTERN)
    strategy_class: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="A built-in or user strategy; defaults to `name`."
    )
    description: str = Field(default="", max_length=2000)
    parameters: dict[Annotated[str, Field(max_length=64)], ParameterValue] = Field(
        default_factory=dict, max_length=50
    )
    timeframe: str | None = Field(default=None, pattern=TIMEFRAME_PATTERN)
    pairs: list[Annotated[str, Field(pattern=SYMBOL_PATTERN)]] | None = Field(
        default=None, min_length=1, max_length=50
    )
    exchange: str = Field(default="binance_futures", pattern=EXCHANGE_PATTERN)
