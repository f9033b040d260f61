"""What a user asks a backtest job to do (seed 001's body plus symbols, costs and modes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradai.domain.strategies import ParameterValue

Mode = Literal["single", "sweep", "walk_forward", "monte_carlo"]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
_SYMBOL = r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$"
_TIMEFRAME = r"^[1-9][0-9]{0,2}[mhdw]$"


class StrategyConfig(BaseModel):
    """Which strategy, which version, with which parameter values (defaults fill the rest)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME, examples=["sma_cross"])
    version: str | None = Field(default=None, max_length=50, description="Defaults to the current version.")
    parameters: dict[Annotated[str, Field(max_length=64)], ParameterValue] = Field(
        default_factory=dict, max_length=50
    )


class DateRange(BaseModel):
    """The bars to test on, inclusive; naive times are read as UTC."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class WalkForwardWindows(BaseModel):
    """How walk-forward splits the range."""

    model_config = ConfigDict(extra="forbid")

    windows: int = Field(default=5, ge=2, le=50)
    train_fraction: float = Field(default=0.7, gt=0.1, lt=0.95)
    anchored: bool = False


class BacktestSpec(BaseModel):
    """A backtest job's request, stored with the job so the run can be repeated."""

    model_config = ConfigDict(extra="forbid")

    strategy_config: StrategyConfig
    date_range: DateRange
    exchange: str = Field(default="binance_futures", pattern=r"^[a-z0-9_]{2,40}$")
    timeframe: str = Field(default="1h", pattern=_TIMEFRAME)
    capital: float = Field(default=10_000.0, gt=0, le=1e12)
    leverage: float = Field(default=1.0, ge=1, le=125)
    symbols: list[Annotated[str, Field(pattern=_SYMBOL)]] | None = Field(
        default=None, min_length=1, max_length=50, description="Defaults to the strategy's pairs."
    )
    fees: float = Field(
        default=0.0005, ge=0, lt=0.05, description="Fee per side, as a fraction (0.0005 = 5 bps)."
    )
    slippage: float = Field(default=0.0, ge=0, lt=0.05, description="Adverse move per fill, as a fraction.")
    mode: Mode = "single"
    parameter_space: dict[Annotated[str, Field(max_length=64)], list[ParameterValue]] | None = Field(
        default=None, max_length=10, description="sweep / walk_forward: values to try per parameter."
    )
    objective: str = Field(
        default="sharpe", pattern=r"^[a-z_]{2,40}$", description="The metric sweeps rank by."
    )
    walk_forward: WalkForwardWindows | None = None
    simulations: int = Field(default=1000, ge=100, le=100_000, description="monte_carlo: resampled runs.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    @field_validator("parameter_space")
    @classmethod
    def _bounded_space(
        cls, space: dict[str, list[ParameterValue]] | None
    ) -> dict[str, list[ParameterValue]] | None:
        if space is not None:
            combinations = 1
            for values in space.values():
                if not 1 <= len(values) <= 100:
                    raise ValueError("each parameter needs 1-100 values")
                combinations *= len(values)
            if combinations > 10_000:
                raise ValueError("a sweep may try at most 10000 parameter sets")
        return space
