"""Strategy instance shapes (seed 000's run/instances/trading-status routes)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.instances import (
    FeedKind,
    InstanceStatus,
    LogLine,
    ReplaySpec,
    StrategyInstance,
    TradingMode,
)

if TYPE_CHECKING:
    from tradai.services.instances import TradingStatus


class RunBody(BaseModel):
    """Start a strategy instance: dry-run (trader) or live (admin, and only where the server allows it)."""

    model_config = ConfigDict(extra="forbid")

    mode: TradingMode = Field(default="dry-run", description="dry-run (paper broker) or live (exchange).")
    capital: float = Field(gt=0, le=1e12, description="Capital the instance trades with, in `USDT`.")
    config_id: str | None = Field(
        default=None, max_length=128, description="A config version to run (default: the active config)."
    )
    symbols: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, min_length=1, max_length=10, description="Default: the strategy's pairs."
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Strategy parameters; defaults for those left out."
    )
    exchange: str | None = Field(
        default=None, max_length=40, description="Default: the config's exchange, else binance_futures."
    )
    feed: FeedKind | None = Field(
        default=None,
        description="replay: stored bars (the dry-run default, offline); live: the exchange's candles.",
    )
    bars_per_second: float | None = Field(
        default=None, gt=0, le=100_000, description="Replay speed (default: TRADAI_REPLAY_BARS_PER_SECOND)."
    )


class InstanceFailurePublic(BaseModel):
    """Why an instance failed."""

    code: str
    message: str
    last_log_lines: list[str]


class InstanceStatsPublic(BaseModel):
    """What the instance has done so far."""

    bars_processed: int
    signals: int
    orders_submitted: int
    orders_denied: int
    last_bar_time: datetime | None
    last_price: float | None
    last_prices: dict[str, float] = Field(default_factory=dict, description="Last close seen per symbol")


class InstancePublic(BaseModel):
    """A strategy instance as clients see it."""

    instance_id: str
    strategy_name: str
    strategy_version: str
    strategy_class: str | None
    config_id: str | None
    parameters: dict[str, Any]
    mode: TradingMode
    feed: FeedKind
    exchange: str
    timeframe: str
    symbols: list[str]
    capital: float
    currency: str
    status: InstanceStatus
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None
    message: str | None
    error: InstanceFailurePublic | None
    stats: InstanceStatsPublic
    replay: ReplaySpec | None
    ab_test: dict[str, Any] | None

    @classmethod
    def of(cls, instance: StrategyInstance) -> InstancePublic:
        """The public view of a stored instance."""
        return cls.model_validate(instance.model_dump(exclude={"owner", "runtime_ref", "heartbeat_at"}))


class InstanceList(BaseModel):
    """A strategy's instances, newest first."""

    strategy_name: str
    instances: list[InstancePublic]
    total: int


class LogLinePublic(BaseModel):
    """One line an instance logged."""

    timestamp: datetime | None
    level: str | None
    message: str

    @classmethod
    def of(cls, line: LogLine) -> LogLinePublic:
        """Build from the runner's line."""
        return cls(timestamp=line.timestamp, level=line.level, message=line.message)


class InstanceLogs(BaseModel):
    """The last lines an instance logged, oldest first."""

    instance_id: str
    lines: list[LogLinePublic]
    count: int


class TradingSummary(BaseModel):
    """How many instances are in each status."""

    running: int
    paused: int
    stopped: int
    failed: int
    starting: int
    stopping: int
    total: int


class TradingStatusResponse(BaseModel):
    """The active instances and the counts per status (seed 000's `/trading/status`)."""

    instances: list[InstancePublic]
    summary: TradingSummary

    @classmethod
    def of(cls, status: TradingStatus) -> TradingStatusResponse:
        """Build from the service's status."""
        counts: dict[str, int] = {state.value: status.counts.get(state, 0) for state in InstanceStatus}
        return cls(
            instances=[InstancePublic.of(instance) for instance in status.instances],
            summary=TradingSummary(**counts, total=sum(counts.values())),
        )


InstanceAction = Literal["stop", "pause", "resume"]
