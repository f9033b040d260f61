"""Strategy instances: a strategy trading dry-run or live, and the one state machine they follow.

starting -> running <-> paused; any active state -> stopping -> stopped; any active state ->
failed (the process died, or the strategy raised) or stopped (a replay reached its end). Every
change is a conditional write on the current status, so a stop racing a crash ends in exactly
one terminal state.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.errors import Conflict, Forbidden, NotFound


class InstanceStatus(StrEnum):
    """Where an instance is in its life."""

    STARTING = "starting"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        """Whether the instance can never change again."""
        return self in TERMINAL_STATUSES

    @property
    def is_active(self) -> bool:
        """Whether a process is (or should be) running for the instance."""
        return not self.is_terminal


TERMINAL_STATUSES = frozenset({InstanceStatus.STOPPED, InstanceStatus.FAILED})
ACTIVE_STATUSES = tuple(status for status in InstanceStatus if status not in TERMINAL_STATUSES)

ALLOWED_TRANSITIONS: dict[InstanceStatus, frozenset[InstanceStatus]] = {
    InstanceStatus.STARTING: frozenset(
        {InstanceStatus.RUNNING, InstanceStatus.STOPPING, InstanceStatus.STOPPED, InstanceStatus.FAILED}
    ),
    InstanceStatus.RUNNING: frozenset(
        {InstanceStatus.PAUSED, InstanceStatus.STOPPING, InstanceStatus.STOPPED, InstanceStatus.FAILED}
    ),
    InstanceStatus.PAUSED: frozenset(
        {InstanceStatus.RUNNING, InstanceStatus.STOPPING, InstanceStatus.STOPPED, InstanceStatus.FAILED}
    ),
    InstanceStatus.STOPPING: frozenset({InstanceStatus.STOPPED, InstanceStatus.FAILED}),
    InstanceStatus.STOPPED: frozenset(),
    InstanceStatus.FAILED: frozenset(),
}


def statuses_that_may_become(target: InstanceStatus) -> list[InstanceStatus]:
    """The statuses from which an instance may move to `target`, in a stable order."""
    return [status for status in InstanceStatus if target in ALLOWED_TRANSITIONS[status]]


TradingMode = Literal["dry-run", "live"]
FeedKind = Literal["replay", "live"]


class InstanceNotFound(NotFound):
    """No instance of this strategy has this id."""

    code = "INSTANCE_NOT_FOUND"


class InvalidInstanceTransition(Conflict):
    """The instance's status does not allow the requested change (e.g. resuming a running instance)."""

    code = "INVALID_INSTANCE_TRANSITION"

    def __init__(self, instance_id: str, current: InstanceStatus | None, target: InstanceStatus) -> None:
        super().__init__(f"instance {instance_id} is {current or 'unknown'} and cannot become {target}")
        self.current = current
        self.target = target


class LiveTradingDisabled(Forbidden):
    """Live trading needs an explicit `TRADAI_LIVE_TRADING=1` on the server."""

    code = "LIVE_TRADING_DISABLED"


class ExchangeKeysMissing(Conflict):
    """Live trading needs exchange API keys (`TRADAI_EXCHANGE_API_KEY`/`_SECRET`, Secrets Manager in AWS)."""

    code = "EXCHANGE_KEYS_MISSING"


class InstanceFailure(BaseModel):
    """Why an instance failed: a stable code, a message, and the last lines it logged."""

    code: str
    message: str
    last_log_lines: list[str] = Field(default_factory=list)


class InstanceStats(BaseModel):
    """What the instance has done so far (written by its process, throttled)."""

    bars_processed: int = 0
    signals: int = 0
    orders_submitted: int = 0
    orders_denied: int = 0
    last_bar_time: datetime | None = None
    last_price: float | None = None
    last_prices: dict[str, float] = Field(default_factory=dict)
    """The last close seen of each symbol: open positions are marked to it (unrealized P&L)."""


class ReplaySpec(BaseModel):
    """Where a dry-run replay of stored bars starts and how fast it runs."""

    start: datetime
    end: datetime
    bars_per_second: float = Field(gt=0)


class StrategyInstance(BaseModel):
    """One run of a strategy, as stored; its process reads it to know whether to trade."""

    model_config = ConfigDict(extra="ignore")  # documents written by a newer version still load

    instance_id: str
    strategy_name: str
    strategy_version: str
    strategy_class: str | None = None
    """The engine strategy it runs (a registered strategy may run another class than its name)."""
    config_id: str | None = None
    parameters: dict[str, object] = Field(default_factory=dict)
    mode: TradingMode
    feed: FeedKind
    exchange: str
    timeframe: str
    symbols: list[str]
    capital: float
    currency: str = "USDT"
    replay: ReplaySpec | None = None
    ab_test: dict[str, object] | None = None
    """The arm ({"arm": "champion"|"challenger", "traffic_split": x}) when started for an A/B test."""
    status: InstanceStatus = InstanceStatus.STARTING
    owner: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    message: str | None = None
    error: InstanceFailure | None = None
    stats: InstanceStats = Field(default_factory=InstanceStats)
    runtime_ref: str | None = None
    """Where the instance runs: `pid:<pid>` locally, the ECS task ARN in AWS."""
    heartbeat_at: datetime | None = None


class RunnerState(BaseModel):
    """What the runner knows about an instance's process."""

    alive: bool
    exit_code: int | None = None
    detail: str | None = None
    """How it ended, for people (``exit code -9``, ECS's stopped reason)."""


class LogLine(BaseModel):
    """One line an instance logged."""

    timestamp: datetime | None = None
    level: str | None = None
    message: str
