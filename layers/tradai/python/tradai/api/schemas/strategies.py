"""Strategy shapes (seed 001's strategy list, seed 000's detail by config name)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.backtest_spec import ParameterValue
from tradai.domain.strategy_versions import Stage, StrategyVersion, VersionMetrics
from tradai.services.strategies import ListedVersion, StrategyDetail, StrategyStatus
from tradai.services.version_metrics import BacktestEvidence

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+\-]{0,49}$"
SYMBOL_PATTERN = r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$"
EXCHANGE_PATTERN = r"^[a-z0-9_]{2,40}$"
TIMEFRAME_PATTERN = r"^[1-9][0-9]{0,2}[mhdw]$"


class MetricsPublic(VersionMetrics):
    """Headline metrics of the latest completed backtest."""

    @classmethod
    def of(cls, metrics: VersionMetrics | None) -> MetricsPublic | None:
        """The public form, or None without metrics."""
        return cls.model_validate(metrics.model_dump()) if metrics else None


class StrategySummary(BaseModel):
    """One strategy version in a list."""

    id: str
    name: str
    version: str
    stage: Stage
    description: str
    timeframe: str
    exchange: str
    metrics: MetricsPublic | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: ListedVersion) -> StrategySummary:
        """The list view of a version and its evidence."""
        return cls(**_version_fields(item.version), metrics=_metrics(item.evidence))


class StrategyList(BaseModel):
    """A page of strategy versions."""

    strategies: list[StrategySummary]
    total: int
    limit: int
    offset: int


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


class StrategyDetailPublic(StrategySummary):
    """A strategy version with its run settings (a config's, when found by config name)."""

    strategy_class: str
    code_hash: str
    pairs: list[str]
    parameters: dict[str, Any]
    config_id: str | None
    config_name: str | None
    backtest_job_id: str | None

    @classmethod
    def of_detail(cls, detail: StrategyDetail) -> StrategyDetailPublic:
        """The detail view."""
        version = detail.version
        return cls(
            **_version_fields(version) | {"timeframe": detail.timeframe, "exchange": detail.exchange},
            metrics=_metrics(detail.evidence),
            strategy_class=version.strategy_class,
            code_hash=version.code_hash,
            pairs=detail.pairs,
            parameters=detail.parameters,
            config_id=detail.config_id,
            config_name=detail.config_name,
            backtest_job_id=detail.evidence.job_id if detail.evidence else None,
        )


class StrategyMetricsPublic(BaseModel):
    """A version's metrics and the backtest they come from."""

    name: str
    version: str
    metrics: MetricsPublic | None
    backtest_job_id: str | None
    completed_at: datetime | None

    @classmethod
    def of(cls, item: ListedVersion) -> StrategyMetricsPublic:
        """The metrics view."""
        evidence = item.evidence
        return cls(
            name=item.version.name,
            version=item.version.version,
            metrics=_metrics(evidence),
            backtest_job_id=evidence.job_id if evidence else None,
            completed_at=evidence.completed_at if evidence else None,
        )


class BacktestRef(BaseModel):
    """A completed backtest and its headline metrics."""

    job_id: str
    completed_at: datetime | None
    metrics: MetricsPublic | None


class VersionStage(BaseModel):
    """A version and its stage."""

    version: str
    stage: Stage


class StrategyStatusPublic(BaseModel):
    """Where a strategy stands."""

    name: str
    stage: Stage
    champion_version: str | None
    challenger_version: str | None
    versions: list[VersionStage]
    running_instances: int = Field(description="Dry-run and live instances that have not ended")
    last_backtest: BacktestRef | None

    @classmethod
    def of(cls, status: StrategyStatus) -> StrategyStatusPublic:
        """The status view."""
        last = status.last_backtest
        return cls(
            name=status.name,
            stage=status.stage,
            champion_version=status.champion_version,
            challenger_version=status.challenger_version,
            versions=[VersionStage(version=v.version, stage=v.stage) for v in status.versions],
            running_instances=status.running_instances,
            last_backtest=BacktestRef(
                job_id=last.job_id, completed_at=last.completed_at, metrics=_metrics(last)
            )
            if last
            else None,
        )


def _version_fields(version: StrategyVersion) -> dict[str, Any]:
    return version.model_dump(
        include={
            "id",
            "name",
            "version",
            "stage",
            "description",
            "timeframe",
            "exchange",
            "created_at",
            "updated_at",
        }
    )


def _metrics(evidence: BacktestEvidence | None) -> MetricsPublic | None:
    return MetricsPublic.of(evidence.metrics) if evidence else None
