"""Reading one strategy: its detail (by config name or strategy name) and a version's metrics.

Listing is `strategy_listing`, registering `strategy_registration`, the status `strategy_status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradai.domain.configs import ConfigVersion
from tradai.domain.strategy_versions import StrategyNotFound, StrategyVersion
from tradai.ports import DocumentStore
from tradai.services.config_repository import ConfigRepository
from tradai.services.strategy_listing import ListedVersion
from tradai.services.strategy_lookup import current_version, versions_of
from tradai.services.version_metrics import BacktestEvidence, latest_metrics


@dataclass(frozen=True)
class StrategyDetail:
    """A strategy as `GET /api/v1/strategies/{config_name}` shows it."""

    version: StrategyVersion
    evidence: BacktestEvidence | None
    config_id: str | None
    config_name: str | None
    parameters: dict[str, Any]
    timeframe: str
    pairs: list[str]
    exchange: str


def strategy_detail(*, store: DocumentStore, name: str) -> StrategyDetail:
    """A strategy by config name (its strategy's current version with that config), else by strategy
    name (the current version with the active config).

    Raises:
        StrategyNotFound: neither a config nor a strategy goes by `name`.
    """
    configs = ConfigRepository(store)
    config = configs.by_name(name)
    if config is not None:
        return version_detail(store, current_version(versions_of(store, config.strategy_name)), config)
    version = current_version(versions_of(store, name))
    return version_detail(store, version, configs.active(version.name))


def version_detail(
    store: DocumentStore, version: StrategyVersion, config: ConfigVersion | None = None
) -> StrategyDetail:
    """A version with its latest backtest, and what `config` (if any) sets over its defaults."""
    data = config.config_data if config else None
    return StrategyDetail(
        version=version,
        evidence=_evidence(store, version),
        config_id=config.config_id if config else None,
        config_name=config.name if config else None,
        parameters={**version.parameters, **(data.parameters if data else {})},
        timeframe=(data.timeframe if data else None) or version.timeframe,
        pairs=(data.pairs if data else None) or version.pairs,
        exchange=(data.exchange if data else None) or version.exchange,
    )


def version_metrics(*, store: DocumentStore, name: str, version: str | None) -> ListedVersion:
    """One version (the current one unless named) and its latest completed backtest.

    Raises:
        StrategyNotFound: no such strategy or version.
    """
    versions = versions_of(store, name)
    chosen = current_version(versions) if version is None else _pick(versions, version)
    return ListedVersion(chosen, _evidence(store, chosen))


def _pick(versions: list[StrategyVersion], version: str) -> StrategyVersion:
    for candidate in versions:
        if candidate.version == version:
            return candidate
    raise StrategyNotFound(f"strategy {versions[0].name!r} has no version {version!r}")


def _evidence(store: DocumentStore, version: StrategyVersion) -> BacktestEvidence | None:
    return latest_metrics(store=store, versions=[version]).get((version.name, version.version))
