"""A/B test and routing shapes (seed 000's routing-info)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradai.api.schemas.patterns import VERSION_PATTERN

if TYPE_CHECKING:
    from tradai.services.ab_tests import ArmStats, Decision, RoutingInfo


class AbTestStart(BaseModel):
    """Test a challenger version against the champion (the prod version)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"challenger_version": "2.1.0", "traffic_split": 0.2, "min_trades": 30}
        },
    )

    challenger_version: str = Field(pattern=VERSION_PATTERN)
    traffic_split: float = Field(default=0.5, gt=0, lt=1, description="The challenger's share of new trades.")
    min_trades: int = Field(default=30, ge=2, le=100_000, description="Trades per arm before a decision.")


class ArmPublic(BaseModel):
    """How one arm did: per-trade returns of its dry-run and live trades since the test started."""

    version: str
    trades: int
    mean_return: float | None
    win_rate: float | None
    total_return: float | None

    @classmethod
    def of(cls, stats: ArmStats | None) -> ArmPublic | None:
        """The public view."""
        return cls(**vars(stats)) if stats else None


class ArmsPublic(BaseModel):
    """Both arms."""

    champion: ArmPublic | None
    challenger: ArmPublic | None


class DecisionPublic(BaseModel):
    """The verdict of Welch's t-test on per-trade returns (p < 0.05), or why there is none yet."""

    outcome: Literal["not_enough_data", "no_significant_difference", "champion", "challenger"]
    winner: Literal["champion", "challenger"] | None
    confidence: float | None = Field(description="1 - p-value of the two-sided test")
    p_value: float | None
    detail: str

    @classmethod
    def of(cls, decision: Decision | None) -> DecisionPublic | None:
        """The public view."""
        return cls(**vars(decision)) if decision else None


class RoutingInfoPublic(BaseModel):
    """How a strategy's trades are routed between champion and challenger."""

    active_test: bool
    test_id: str | None
    champion_version: str | None
    challenger_version: str | None
    traffic_split: float | None
    min_trades: int | None
    started_at: datetime | None
    arms: ArmsPublic
    decision: DecisionPublic | None

    @classmethod
    def of(cls, info: RoutingInfo) -> RoutingInfoPublic:
        """The public view."""
        test = info.test
        return cls(
            active_test=test is not None,
            test_id=test.test_id if test else None,
            champion_version=info.champion_version,
            challenger_version=info.challenger_version,
            traffic_split=test.traffic_split if test else None,
            min_trades=test.min_trades if test else None,
            started_at=test.started_at if test else None,
            arms=ArmsPublic(
                champion=ArmPublic.of(info.arms.get("champion")),
                challenger=ArmPublic.of(info.arms.get("challenger")),
            ),
            decision=DecisionPublic.of(info.decision),
        )
