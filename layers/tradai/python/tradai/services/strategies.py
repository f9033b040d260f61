"""Strategy use cases: register versions, list them with their evidence, read one, its metrics and status."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tradai.domain.configs import ConfigVersion
from tradai.domain.strategy_versions import Stage, StrategyNotFound, StrategyVersion
from tradai.ports import DocumentStore, StrategyCatalog
from tradai.services.config_repository import ConfigRepository
from tradai.services.instance_repository import InstanceRepository
from tradai.services.parameter_schema import validated_parameters
from tradai.services.strategy_repository import StrategyRepository
from tradai.services.version_metrics import BacktestEvidence, latest_metrics

SortBy = Literal["name", "sharpe", "return", "trades"]
SortOrder = Literal["asc", "desc"]
_STAGE_RANK = {Stage.PROD: 3, Stage.STAGING: 2, Stage.DEV: 1, Stage.ARCHIVED: 0}


@dataclass(frozen=True)
class NewVersion:
    """What registering a strategy version asks for."""

    name: str
    version: str
    strategy_class: str | None = None
    """Defaults to `name` (a built-in or user strategy of that name)."""
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    timeframe: str | None = None
    pairs: list[str] | None = None
    exchange: str = "binance_futures"


@dataclass(frozen=True)
class ListedVersion:
    """A version with the evidence of its latest completed backtest (None: never backtested)."""

    version: StrategyVersion
    evidence: BacktestEvidence | None


@dataclass(frozen=True)
class StrategyFilters:
    """The filters and order of `GET /api/v1/strategies` (and the catalog)."""

    stage: Stage | None = None
    exchange: str | None = None
    timeframe: str | None = None
    search: str | None = None
    min_sharpe: float | None = None
    max_drawdown: float | None = None
    """The deepest drawdown allowed, as a positive fraction (0.2 = 20%)."""


def register_version(
    *,
    store: DocumentStore,
    catalog: StrategyCatalog,
    request: NewVersion,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> StrategyVersion:
    """Register a version of a strategy, running an engine strategy class with default parameters.

    Raises:
        UnknownStrategy: no strategy class goes by `strategy_class`.
        InvalidConfig: a default parameter is unknown or invalid.
        StrategyVersionExists: the strategy already has this version.
    """
    info = catalog.describe(request.strategy_class or request.name)
    version = StrategyVersion(
        id=new_id(),
        name=request.name,
        version=request.version,
        strategy_class=info.name,
        description=request.description,
        parameters=validated_parameters(catalog, info, request.parameters),
        timeframe=request.timeframe or info.timeframe,
        pairs=list(request.pairs or info.pairs),
        exchange=request.exchange,
        code_hash=info.code_hash,
        created_at=now,
        updated_at=now,
    )
    StrategyRepository(store).create(version)
    return version


def list_versions(
    *,
    store: DocumentStore,
    filters: StrategyFilters,
    sort_by: SortBy = "name",
    sort_order: SortOrder = "asc",
) -> list[ListedVersion]:
    """Every registered version matching `filters`, with its latest backtest, in the asked order."""
    versions = StrategyRepository(store).all()
    evidence = latest_metrics(store=store, versions=versions)
    listed = [ListedVersion(v, evidence.get((v.name, v.version))) for v in versions]
    kept = [item for item in listed if _matches(item, filters)]
    return sort_versions(kept, sort_by, sort_order)


def sort_versions(items: list[ListedVersion], sort_by: SortBy, sort_order: SortOrder) -> list[ListedVersion]:
    """Order by name (then version) or by a metric; versions without the metric always come last."""
    if sort_by == "name":
        ordered = sorted(items, key=lambda item: (item.version.name.lower(), item.version.created_at))
        return ordered[::-1] if sort_order == "desc" else ordered
    field_name = {"sharpe": "sharpe_ratio", "return": "total_return", "trades": "trades"}[sort_by]

    def value(item: ListedVersion) -> float | None:
        metric = getattr(item.evidence.metrics, field_name) if item.evidence else None
        return None if metric is None else float(metric)

    present = [item for item in items if value(item) is not None]
    missing = [item for item in items if value(item) is None]
    present.sort(key=lambda item: value(item) or 0.0, reverse=sort_order == "desc")
    return present + missing


def _matches(item: ListedVersion, filters: StrategyFilters) -> bool:
    version, metrics = item.version, item.evidence.metrics if item.evidence else None
    if filters.stage is not None and version.stage is not filters.stage:
        return False
    if filters.exchange is not None and version.exchange != filters.exchange:
        return False
    if filters.timeframe is not None and version.timeframe != filters.timeframe:
        return False
    if filters.search:
        needle = filters.search.lower()
        if needle not in version.name.lower() and needle not in version.description.lower():
            return False
    if filters.min_sharpe is not None and (
        metrics is None or metrics.sharpe_ratio is None or metrics.sharpe_ratio < filters.min_sharpe
    ):
        return False
    return filters.max_drawdown is None or (
        metrics is not None
        and metrics.max_drawdown is not None
        and abs(metrics.max_drawdown) <= filters.max_drawdown
    )


def versions_of(store: DocumentStore, name: str) -> list[StrategyVersion]:
    """A strategy's versions, oldest first, by exact name or else case-insensitively.

    Raises:
        StrategyNotFound: no version of such a strategy is registered.
    """
    repository = StrategyRepository(store)
    versions = repository.versions(name)
    if not versions:
        folded = {known.lower(): known for known in repository.names()}
        if name.lower() in folded:
            versions = repository.versions(folded[name.lower()])
    if not versions:
        raise StrategyNotFound(f"no strategy named {name!r} is registered")
    return versions


def prod_version(versions: list[StrategyVersion]) -> StrategyVersion | None:
    """The version in prod (the champion), if any."""
    return next((v for v in versions if v.stage is Stage.PROD), None)


def current_version(versions: list[StrategyVersion]) -> StrategyVersion:
    """The version that speaks for a strategy: the one in prod, else staging, else the newest."""
    return max(versions, key=lambda v: (_STAGE_RANK[v.stage], v.created_at))


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


def _pick(versions: list[StrategyVersion], version: str) -> StrategyVersion:
    for candidate in versions:
        if candidate.version == version:
            return candidate
    raise StrategyNotFound(f"strategy {versions[0].name!r} has no version {version!r}")


def _evidence(store: DocumentStore, version: StrategyVersion) -> BacktestEvidence | None:
    return latest_metrics(store=store, versions=[version]).get((version.name, version.version))
