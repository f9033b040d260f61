"""Where a strategy stands: its stage, champion and challenger, running instances, last backtest."""

from __future__ import annotations

from dataclasses import dataclass

from tradai.domain.strategy_versions import Stage, StrategyVersion
from tradai.ports import DocumentStore
from tradai.services.instance_repository import InstanceRepository
from tradai.services.strategy_lookup import current_version, versions_of
from tradai.services.version_metrics import BacktestEvidence, latest_metrics


@dataclass(frozen=True)
class StrategyStatus:
    """Where a strategy stands: stage, champion and challenger, instances, last backtest."""

    name: str
    stage: Stage
    champion_version: str | None
    challenger_version: str | None
    versions: list[StrategyVersion]
    last_backtest: BacktestEvidence | None
    running_instances: int
    """Dry-run and live instances of the strategy that have not ended (issue 8's instances)."""


def strategy_status(*, store: DocumentStore, name: str) -> StrategyStatus:
    """The status of a strategy. Raises `StrategyNotFound`."""
    versions = versions_of(store, name)
    prod = [v for v in versions if v.stage is Stage.PROD]
    staging = [v for v in versions if v.stage is Stage.STAGING]
    evidence = latest_metrics(store=store, versions=versions).values()
    last = max(evidence, key=lambda run: run.completed_at or versions[0].created_at, default=None)
    return StrategyStatus(
        name=versions[0].name,
        stage=current_version(versions).stage,
        champion_version=prod[-1].version if prod else None,
        challenger_version=staging[-1].version if staging else None,
        versions=versions,
        last_backtest=last,
        running_instances=sum(
            not instance.status.is_terminal
            for instance in InstanceRepository(store).of_strategy(versions[0].name, limit=1000)
        ),
    )
