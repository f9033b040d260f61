"""Stage, promote, roll back: a version's way to prod, with evidence, and back.

Each change is one store transaction over the versions it moves and the strategy's lifecycle
record, every write conditioned on the state it was read in; then the registry is re-synced
(`registry_mirror`). Every refusal is a 404 or 409 with a code: nothing here can turn a missing
version or an empty history into a 5xx (bug B5 of seed 000).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tradai.domain.backtest_spec import BacktestSpec, DateRange, StrategyConfig
from tradai.domain.errors import NoMarketData
from tradai.domain.jobs import JobStatus
from tradai.domain.registry import (
    AlreadyInProd,
    ModelNotFound,
    ModelVersionNotFound,
    NeverInProd,
    NothingToRollBack,
    NotValidated,
    PromotionGatesFailed,
    ValidationNotComplete,
)
from tradai.domain.store import Attr, Update, WriteOperation
from tradai.domain.strategy_versions import Stage, StrategyNotFound, StrategyVersion, VersionMetrics
from tradai.ports import DocumentStore, JobExecutor, MarketData, ModelRegistry, StrategyCatalog
from tradai.services.backtest_submission import submit_backtest
from tradai.services.config_repository import ConfigRepository
from tradai.services.job_repository import JobRepository
from tradai.services.lifecycle_repository import Lifecycle, commit, read_lifecycle, write_lifecycle
from tradai.services.registry_mirror import mirror_versions
from tradai.services.strategy_lookup import prod_version, versions_of
from tradai.services.strategy_repository import version_key
from tradai.services.version_metrics import latest_metrics


@dataclass(frozen=True)
class Gates:
    """What a validation backtest must show before its version may go to prod."""

    min_sharpe: float
    max_drawdown: float
    """The deepest drawdown allowed, as a positive fraction."""
    min_trades: int

    def failures(self, metrics: VersionMetrics) -> list[str]:
        """The gates `metrics` miss, each saying the value and the limit."""
        failed = []
        if metrics.sharpe_ratio is None or metrics.sharpe_ratio < self.min_sharpe:
            failed.append(f"min_sharpe: sharpe_ratio {_shown(metrics.sharpe_ratio)} < {self.min_sharpe}")
        if metrics.max_drawdown is None or abs(metrics.max_drawdown) > self.max_drawdown:
            failed.append(
                f"max_drawdown: |max_drawdown| {_shown(metrics.max_drawdown)} > {self.max_drawdown}"
            )
        if metrics.trades is None or metrics.trades < self.min_trades:
            failed.append(f"min_trades: trades {_shown(metrics.trades)} < {self.min_trades}")
        return failed


@dataclass(frozen=True)
class Staged:
    """A version moved to staging, its validation backtest started."""

    name: str
    version: str
    created_at: datetime
    validation_job_id: str
    registry_synced: bool


@dataclass(frozen=True)
class Promoted:
    """A version moved to prod."""

    name: str
    version: str
    promoted_at: datetime
    previous_version: str | None
    registry_synced: bool


@dataclass(frozen=True)
class RolledBack:
    """Prod moved back to an earlier version."""

    model_name: str
    previous_version: str
    rolled_back_to: str
    timestamp: datetime
    registry_synced: bool


def stage_version(
    *,
    store: DocumentStore,
    registry: ModelRegistry | None,
    catalog: StrategyCatalog,
    bars: MarketData | None,
    executor: JobExecutor | None,
    name: str,
    version: str,
    validation_days: int,
    owner: str,
    now: datetime,
) -> Staged:
    """Move a version to staging and start its validation backtest (a real job) on stored bars.

    The validation runs the version's parameters with the strategy's active config over the last
    `validation_days` of stored bars. Another version in staging goes back to dev.

    Raises:
        StrategyNotFound / ModelVersionNotFound: no such strategy or version.
        AlreadyInProd: the version is in prod.
        NoMarketData: no bars are stored for the version's pairs.
        LifecycleChangedConcurrently: another change of the strategy raced this one.
    """
    versions = versions_of(store, name)
    target = _pick(versions, version)
    if target.stage is Stage.PROD:
        raise AlreadyInProd(f"{target.name} {version} is in prod already")
    config = ConfigRepository(store).active(target.name)
    spec = _validation_spec(target, config.config_data.parameters if config else {}, bars, validation_days)
    job = submit_backtest(
        store=store, catalog=catalog, bars=bars, executor=executor, spec=spec, owner=owner,
        idempotency_key=None, now=now,
    ).job  # fmt: skip
    changes = {
        "stage": Stage.STAGING.value,
        "validation_job_id": job.job_id,
        "validation_config_id": config.config_id if config else None,
        "updated_at": now.isoformat(),
    }
    operations: list[WriteOperation] = [_move(target, changes)]
    operations += [
        _move(other, {"stage": Stage.DEV.value, "updated_at": now.isoformat()})
        for other in versions
        if other.stage is Stage.STAGING and other.version != target.version
    ]
    commit(store, operations, target.name)
    return Staged(
        name=target.name,
        version=target.version,
        created_at=now,
        validation_job_id=job.job_id,
        registry_synced=_mirror(store, registry, target.name),
    )


def promote_version(
    *,
    store: DocumentStore,
    registry: ModelRegistry | None,
    gates: Gates,
    name: str,
    version: str,
    force: bool,
    now: datetime,
) -> Promoted:
    """Move a version to prod if its validation backtest completed and passed every gate (or `force`).

    The version in prod before is archived and the prod history grows by one (rollbacks walk it).

    Raises:
        StrategyNotFound / ModelVersionNotFound: no such strategy or version.
        AlreadyInProd: the version is in prod.
        NotValidated: it was never staged (and not forced).
        ValidationNotComplete: its validation backtest has not completed (and not forced).
        PromotionGatesFailed: the validation missed gates, all of them listed (and not forced).
        LifecycleChangedConcurrently: another change of the strategy raced this one.
    """
    versions = versions_of(store, name)
    target = _pick(versions, version)
    if target.stage is Stage.PROD:
        raise AlreadyInProd(f"{target.name} {version} is in prod already")
    if not force:
        _require_evidence(store, target, gates)
    previous = prod_version(versions)
    stamp = now.isoformat()
    operations: list[WriteOperation] = [_move(target, {"stage": Stage.PROD.value, "updated_at": stamp})]
    if previous is not None:
        operations.append(_move(previous, {"stage": Stage.ARCHIVED.value, "updated_at": stamp}))
    lifecycle = read_lifecycle(store, target.name)
    history = [*_history(lifecycle, previous), target.version]
    operations.append(write_lifecycle(lifecycle.model_copy(update={"prod_history": history})))
    commit(store, operations, target.name)
    return Promoted(
        name=target.name,
        version=target.version,
        promoted_at=now,
        previous_version=previous.version if previous else None,
        registry_synced=_mirror(store, registry, target.name),
    )


def rollback_model(
    *, store: DocumentStore, registry: ModelRegistry | None, name: str, version: str | None, now: datetime
) -> RolledBack:
    """Put the previous prod version (or `version`, which must have been in prod) back in prod.

    Raises:
        ModelNotFound: no strategy of this name is registered.
        ModelVersionNotFound: `version` is not a version of it.
        NothingToRollBack: nothing is in prod, or nothing was before the current version.
        NeverInProd: `version` was never in prod.
        AlreadyInProd: `version` is the one in prod.
        LifecycleChangedConcurrently: another change of the strategy raced this one.
    """
    versions = _model_versions(store, name)
    strategy = versions[0].name
    current = prod_version(versions)
    if current is None:
        raise NothingToRollBack(f"no version of {strategy} is in prod, so there is nothing to roll back")
    lifecycle = read_lifecycle(store, strategy)
    earlier = [v for v in _history(lifecycle, current) if v != current.version]
    if version is None:
        if not earlier:
            raise NothingToRollBack(f"{strategy} {current.version} is the only version that was ever in prod")
        target_version, kept = earlier[-1], earlier
    else:
        _pick(versions, version)
        if version == current.version:
            raise AlreadyInProd(f"{strategy} {version} is in prod already")
        if version not in earlier:
            raise NeverInProd(f"{strategy} {version} was never in prod; promote it instead")
        target_version = version
        kept = earlier[: len(earlier) - earlier[::-1].index(version)]
    target = _pick(versions, target_version)
    stamp = now.isoformat()
    commit(
        store,
        [
            _move(current, {"stage": Stage.ARCHIVED.value, "updated_at": stamp}),
            _move(target, {"stage": Stage.PROD.value, "updated_at": stamp}),
            write_lifecycle(lifecycle.model_copy(update={"prod_history": kept})),
        ],
        strategy,
    )
    return RolledBack(
        model_name=strategy,
        previous_version=current.version,
        rolled_back_to=target.version,
        timestamp=now,
        registry_synced=_mirror(store, registry, strategy),
    )


def _model_versions(store: DocumentStore, name: str) -> list[StrategyVersion]:
    try:
        return versions_of(store, name)
    except StrategyNotFound as exc:
        raise ModelNotFound(f"no model named {name!r}") from exc


def _history(lifecycle: Lifecycle, current: StrategyVersion | None) -> list[str]:
    """The prod history, ending with the current prod version (a record written before history
    was kept may lack it)."""
    history = list(lifecycle.prod_history)
    if current is not None and (not history or history[-1] != current.version):
        history.append(current.version)
    return history


def _require_evidence(store: DocumentStore, target: StrategyVersion, gates: Gates) -> None:
    if target.validation_job_id is None:
        raise NotValidated(f"{target.name} {target.version} has no validation backtest: stage it first")
    job = JobRepository(store).get(target.validation_job_id)
    if job.status is not JobStatus.COMPLETED:
        raise ValidationNotComplete(
            f"the validation backtest {job.job_id} of {target.name} {target.version} is {job.status.value}"
        )
    failed = gates.failures(VersionMetrics.from_result(job.result or {}))
    if failed:
        raise PromotionGatesFailed(failed)


def _validation_spec(
    version: StrategyVersion, config_parameters: dict[str, object], bars: MarketData | None, days: int
) -> BacktestSpec:
    symbols = version.pairs
    coverage = (
        bars.coverage(exchange=version.exchange, symbol=symbols[0], timeframe=version.timeframe)
        if bars
        else None
    )
    if coverage is None:
        raise NoMarketData(
            f"no {version.timeframe} bars stored on {version.exchange} for {symbols[0]} to validate on"
        )
    first, last = coverage
    return BacktestSpec(
        strategy_config=StrategyConfig(
            name=version.strategy_class, parameters={**version.parameters, **config_parameters}
        ),
        date_range=DateRange(start=max(first, last - timedelta(days=days)), end=last),
        exchange=version.exchange,
        timeframe=version.timeframe,
        symbols=symbols,
    )


def _move(version: StrategyVersion, changes: Mapping[str, object]) -> Update:
    return Update(
        version_key(version.name, version.version),
        set=changes,
        condition=Attr("stage").eq(version.stage.value),
    )


def _mirror(store: DocumentStore, registry: ModelRegistry | None, name: str) -> bool:
    if registry is None:
        return False
    versions = versions_of(store, name)
    evidence = latest_metrics(store=store, versions=versions)
    return mirror_versions(
        registry=registry,
        versions=versions,
        evidence={version: run for (_, version), run in evidence.items()},
    )


def _pick(versions: list[StrategyVersion], version: str) -> StrategyVersion:
    for candidate in versions:
        if candidate.version == version:
            return candidate
    raise ModelVersionNotFound(f"{versions[0].name} has no version {version!r}")


def _shown(value: float | None) -> str:
    return "missing" if value is None else f"{value:g}"
