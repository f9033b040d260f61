"""Strategy instances: run a strategy dry-run or live, list, pause, resume, stop, read its logs.

The service owns the rules (who may run live, which transitions are allowed, what a dead process
means); the `InstanceRunner` port owns the processes. An instance's status is reconciled with its
process whenever it is read, so a process that died is reported failed, with its last log lines,
on either runtime and after a server restart.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tradai.domain.configs import ConfigData, ConfigVersion
from tradai.domain.errors import Forbidden, InvalidInput, NoMarketData, TradaiError
from tradai.domain.instances import (
    ACTIVE_STATUSES,
    ExchangeKeysMissing,
    FeedKind,
    InstanceNotFound,
    InstanceStatus,
    InvalidInstanceTransition,
    LiveTradingDisabled,
    LogLine,
    ReplaySpec,
    RunnerState,
    StrategyInstance,
    TradingMode,
)
from tradai.domain.market import Timeframe, check_exchange, check_symbol
from tradai.domain.strategies import StrategyInfo, UnknownStrategy
from tradai.domain.strategy_versions import StrategyNotFound, StrategyVersion
from tradai.ports import Broker, DocumentStore, InstanceRunner, MarketData, StrategyCatalog
from tradai.services.config_repository import ConfigRepository, runnable_config
from tradai.services.instance_repository import InstanceRepository
from tradai.services.lifecycle_repository import read_lifecycle
from tradai.services.strategy_lookup import current_version, versions_of

log = logging.getLogger(__name__)

MAX_SYMBOLS = 10
DEFAULT_EXCHANGE = "binance_futures"
FAILURE_LOG_LINES = 20
LAUNCH_GRACE = timedelta(seconds=60)
"""An instance still without a process this long after it was created never started."""


@dataclass(frozen=True)
class InstancePolicy:
    """The server's rules for instances, from settings."""

    live_trading_enabled: bool = False
    exchange_keys_configured: bool = False
    replay_bars: int = 500
    replay_bars_per_second: float = 50.0
    stop_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class RunRequest:
    """What `POST /strategies/{id}/run` asks for."""

    mode: TradingMode
    capital: float
    symbols: list[str] | None = None
    config_id: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    exchange: str | None = None
    """Default: the config's exchange, else binance_futures."""
    feed: FeedKind | None = None
    bars_per_second: float | None = None


@dataclass(frozen=True)
class RunTarget:
    """The strategy a run starts: its engine class, the name instances are listed under, a config."""

    info: StrategyInfo
    name: str
    version: str
    config: ConfigVersion | None = None
    base: StrategyVersion | None = None
    """The registered version run (its parameters are the defaults under the config's)."""


@dataclass(frozen=True)
class Arm:
    """One instance a run starts: the whole run, or one arm of an A/B test with its share of capital."""

    instance_id: str
    version: StrategyVersion | None
    capital: float
    ab_test: dict[str, Any] | None = None


@dataclass(frozen=True)
class TradingStatus:
    """The active instances and how many instances are in each status."""

    instances: list[StrategyInstance]
    counts: dict[InstanceStatus, int]


@dataclass
class InstanceService:
    """The use cases on instances, over the store, the strategy catalog, stored bars and a runner."""

    store: DocumentStore
    catalog: StrategyCatalog
    runner: InstanceRunner
    bars: MarketData | None = None
    policy: InstancePolicy = field(default_factory=InstancePolicy)
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))
    brokers: Callable[[StrategyInstance], Broker | None] = lambda _: None
    """The broker that can tell how a dead instance's orders ended (`bootstrap.settling_broker`);
    None leaves its orders at the broker unsettled (only those that never got there are closed)."""

    def __post_init__(self) -> None:
        self.repository = InstanceRepository(self.store)

    # --- commands -------------------------------------------------------------------------------

    def run(
        self, strategy: str, request: RunRequest, *, owner: str, may_trade_live: bool, now: datetime
    ) -> StrategyInstance:
        """Start an instance of `strategy` and return it (status `starting` or `running`).

        Raises:
            StrategyNotFound: no such strategy.
            Forbidden: live mode without the admin role.
            LiveTradingDisabled: live mode while `TRADAI_LIVE_TRADING` is not set.
            ExchangeKeysMissing: live mode without exchange API keys.
            NoMarketData: a replay without stored bars for a symbol.
            InvalidInput: malformed symbols, exchange or parameters.
        """
        target = self.resolve(strategy)
        info = target.info
        if request.mode == "live":
            self._check_live_allowed(may_trade_live)
        feed: FeedKind = request.feed or ("live" if request.mode == "live" else "replay")
        if request.mode == "live" and feed != "live":
            raise InvalidInput("live mode trades on live candles only (feed must be live)")
        config = target.config
        if request.config_id is not None or config is None:
            config = runnable_config(store=self.store, strategy_name=target.name, config_id=request.config_id)
        data = config.config_data if config is not None else ConfigData()
        base = target.base
        symbols = self._symbols(info, request.symbols or data.pairs or (base.pairs if base else None))
        exchange = check_exchange(
            request.exchange or data.exchange or (base.exchange if base else DEFAULT_EXCHANGE)
        )
        timeframe = data.timeframe or (base.timeframe if base else info.timeframe)
        replay = self._replay(exchange, timeframe, symbols, request) if feed == "replay" else None
        started = []
        for arm in self._arms(target, request.capital):
            arm_info = self.catalog.describe(arm.version.strategy_class) if arm.version else info
            defaults = arm.version.parameters if arm.version is not None else {}
            parameters = self.catalog.resolve_parameters(
                arm_info.name, {**defaults, **data.parameters, **request.parameters}
            )
            instance = StrategyInstance(
                instance_id=arm.instance_id,
                strategy_name=target.name,
                strategy_version=arm.version.version if arm.version else target.version,
                strategy_class=arm_info.name,
                config_id=config.config_id if config is not None else None,
                parameters=parameters,
                mode=request.mode,
                feed=feed,
                exchange=exchange,
                timeframe=timeframe,
                symbols=symbols,
                capital=arm.capital,
                replay=replay,
                ab_test=arm.ab_test,
                owner=owner,
                created_at=now,
                updated_at=now,
            )
            self.repository.create(instance)
            started.append(self._launch(instance, now))
        return started[0]

    def stop(self, strategy: str, instance_id: str, *, now: datetime) -> StrategyInstance:
        """Stop an instance gracefully (forced after the policy's timeout); returns it stopped or stopping.

        Raises:
            InstanceNotFound, InvalidInstanceTransition: unknown, or already ended.
        """
        instance = self.get(strategy, instance_id, now=now)
        stopping = self.repository.transition(
            instance.instance_id, InstanceStatus.STOPPING, at=now, changes={"message": "stop requested"}
        )
        if self.runner.stop(stopping, timeout_seconds=self.policy.stop_timeout_seconds):
            return self._end(stopping, InstanceStatus.STOPPED, now=now, message="stopped on request")
        return self.repository.get(instance.instance_id)

    def pause(self, strategy: str, instance_id: str, *, now: datetime) -> StrategyInstance:
        """Stop trading but keep the process (it keeps its window of bars). Only a running instance pauses."""
        instance = self.get(strategy, instance_id, now=now)
        return self.repository.transition(
            instance.instance_id,
            InstanceStatus.PAUSED,
            at=now,
            changes={"message": "paused on request"},
            allowed=[InstanceStatus.RUNNING],
        )

    def resume(
        self, strategy: str, instance_id: str, *, may_trade_live: bool, now: datetime
    ) -> StrategyInstance:
        """Trade again after a pause; a live instance resumes under the same rules it started under."""
        instance = self.get(strategy, instance_id, now=now)
        if instance.mode == "live":
            self._check_live_allowed(may_trade_live)
        return self.repository.transition(
            instance.instance_id,
            InstanceStatus.RUNNING,
            at=now,
            changes={"message": "resumed on request"},
            allowed=[InstanceStatus.PAUSED],
        )

    # --- queries --------------------------------------------------------------------------------

    def resolve(self, ref: str) -> RunTarget:
        """What `{id}` names: a config name (its strategy with that config), a registered strategy, or
        an engine strategy of the catalog (`PascalStrategy`, `sma_cross`, case-insensitive).

        Raises:
            StrategyNotFound: none of them goes by `ref` (404, not a 400).
        """
        config = ConfigRepository(self.store).by_name(ref)
        name = config.strategy_name if config is not None else ref
        try:
            version: StrategyVersion | None = current_version(versions_of(self.store, name))
        except StrategyNotFound:
            version = None  # not registered: an engine strategy of the catalog
        try:
            info = self.catalog.describe(version.strategy_class if version else name)
        except UnknownStrategy as exc:
            raise StrategyNotFound(exc.detail) from exc
        if version is not None:
            return RunTarget(
                info=info, name=version.name, version=version.version, config=config, base=version
            )
        return RunTarget(info=info, name=info.name, version=info.version, config=config)

    def strategy_name(self, ref: str) -> str:
        """The name a strategy's instances are stored under."""
        return self.resolve(ref).name

    def get(self, strategy: str, instance_id: str, *, now: datetime) -> StrategyInstance:
        """One instance of `strategy`, reconciled with its process. Raises `InstanceNotFound`."""
        name = self.strategy_name(strategy)
        instance = self.repository.get(instance_id)
        if instance.strategy_name != name:
            raise InstanceNotFound(f"strategy {name} has no instance {instance_id}")
        return self.reconcile(instance, now=now)

    def of_strategy(self, strategy: str, *, now: datetime, limit: int = 50) -> list[StrategyInstance]:
        """A strategy's instances, newest first, reconciled with their processes."""
        name = self.strategy_name(strategy)
        return [
            self.reconcile(instance, now=now) for instance in self.repository.of_strategy(name, limit=limit)
        ]

    def logs(
        self, strategy: str, instance_id: str, *, limit: int, since: datetime | None, now: datetime
    ) -> list[LogLine]:
        """The instance's last log lines, oldest first."""
        instance = self.get(strategy, instance_id, now=now)
        return self.runner.logs(instance, limit=limit, since=since)

    def status(self, *, now: datetime) -> TradingStatus:
        """Every active instance (reconciled first: the dead ones count as failed) and counts per status."""
        found = [instance for status in ACTIVE_STATUSES for instance in self.repository.with_status(status)]
        launched = [instance for instance in found if instance.runtime_ref is not None]
        states = self.runner.states(launched) if launched else {}
        active = [
            self.reconcile(instance, now=now, state=states.get(instance.instance_id)) for instance in found
        ]
        active = sorted(
            (instance for instance in active if instance.status.is_active),
            key=lambda instance: instance.created_at,
            reverse=True,
        )
        return TradingStatus(active, {status: self.repository.count(status) for status in InstanceStatus})

    def active_instances(self, *, now: datetime) -> list[StrategyInstance]:
        """Reconcile every active instance (a server start finds its instances again this way)."""
        return self.status(now=now).instances

    # --- internals ------------------------------------------------------------------------------

    def reconcile(
        self, instance: StrategyInstance, *, now: datetime, state: RunnerState | None = None
    ) -> StrategyInstance:
        """Return the instance, marked failed (or stopped, when stopping) if its process is gone.

        `state` is the runner's answer when the caller asked for many at once.
        """
        if instance.status.is_terminal:
            return instance
        if instance.runtime_ref is None:
            if now - instance.created_at < LAUNCH_GRACE:
                return instance  # being launched right now
            return self._end(
                instance,
                InstanceStatus.FAILED,
                now=now,
                message="the process never started",
                code="NEVER_STARTED",
            )
        state = state or self.runner.state(instance)
        if state.alive:
            return instance
        if instance.status == InstanceStatus.STOPPING:
            return self._end(instance, InstanceStatus.STOPPED, now=now, message="stopped on request")
        detail = state.detail or "the process is gone"
        return self._end(
            instance,
            InstanceStatus.FAILED,
            now=now,
            message=f"the instance died: {detail}",
            code="INSTANCE_DIED",
        )

    def _end(
        self,
        instance: StrategyInstance,
        target: InstanceStatus,
        *,
        now: datetime,
        message: str,
        code: str | None = None,
    ) -> StrategyInstance:
        changes: dict[str, Any] = {"message": message, "stopped_at": now.isoformat()}
        if code is not None:
            lines = [line.message for line in self._last_lines(instance)]
            changes["error"] = {"code": code, "message": message, "last_log_lines": lines}
        try:
            ended = self.repository.transition(instance.instance_id, target, at=now, changes=changes)
        except InvalidInstanceTransition:
            return self.repository.get(instance.instance_id)  # its process recorded its own end first
        if code is not None:
            log.error("instance %s failed: %s", instance.instance_id, message)
        # Settling loads the order pipeline (eight modules); only an instance's end needs it, so the
        # list and read routes' cold start does not pay for it (benchmarks/cold_import.py).
        from tradai.services.unsettled_orders import settle_dead_instance

        settle_dead_instance(store=self.store, instance=ended, broker=self.brokers(ended))
        return ended

    def _last_lines(self, instance: StrategyInstance) -> list[LogLine]:
        try:
            return self.runner.logs(instance, limit=FAILURE_LOG_LINES)
        except TradaiError:
            return []

    def _launch(self, instance: StrategyInstance, now: datetime) -> StrategyInstance:
        try:
            runtime_ref = self.runner.launch(instance)
        except TradaiError as exc:
            self._end(instance, InstanceStatus.FAILED, now=now, message=exc.detail, code="LAUNCH_FAILED")
            raise
        launched = self.repository.record(instance.instance_id, at=now, changes={"runtime_ref": runtime_ref})
        return launched or self.repository.get(instance.instance_id)

    def _arms(self, target: RunTarget, capital: float) -> list[Arm]:
        """One arm, or both arms of the strategy's running A/B test with the capital split by traffic."""
        # Only a registered strategy (target.name is its stored name) runs A/B tests.
        test = read_lifecycle(self.store, target.name).ab_test if target.base is not None else None
        if test is None:
            return [Arm(instance_id=self.new_id(), version=target.base, capital=capital)]
        versions = {version.version: version for version in versions_of(self.store, target.name)}
        shares = {"champion": 1 - test.traffic_split, "challenger": test.traffic_split}
        chosen = {"champion": test.champion_version, "challenger": test.challenger_version}
        ids = {arm: self.new_id() for arm, share in shares.items() if share > 0}
        return [
            Arm(
                instance_id=ids[arm],
                version=versions[chosen[arm]],
                capital=capital * shares[arm],
                ab_test={
                    "test_id": test.test_id,
                    "arm": arm,
                    "traffic_split": test.traffic_split,
                    "instances": ids,
                },
            )
            for arm in ids
        ]

    def _check_live_allowed(self, may_trade_live: bool) -> None:
        if not may_trade_live:
            raise Forbidden("live trading needs the admin role")
        if not self.policy.live_trading_enabled:
            raise LiveTradingDisabled(
                "live trading is off on this server: set TRADAI_LIVE_TRADING=1 to allow it"
            )
        if not self.policy.exchange_keys_configured:
            raise ExchangeKeysMissing(
                "live trading needs exchange API keys: "
                "set TRADAI_EXCHANGE_API_KEY and TRADAI_EXCHANGE_API_SECRET"
            )

    def _symbols(self, info: StrategyInfo, given: list[str] | None) -> list[str]:
        symbols = list(dict.fromkeys(given or info.pairs))
        if not symbols:
            raise InvalidInput(f"strategy {info.name!r} has no default pairs; give symbols")
        if len(symbols) > MAX_SYMBOLS:
            raise InvalidInput(f"an instance trades at most {MAX_SYMBOLS} symbols")
        return [check_symbol(symbol) for symbol in symbols]

    def _replay(self, exchange: str, timeframe: str, symbols: list[str], request: RunRequest) -> ReplaySpec:
        """The last `replay_bars` bars every symbol has stored."""
        if self.bars is None:
            raise NoMarketData("no market-data store in this runtime: a replay needs stored bars")
        coverages = [
            self.bars.coverage(exchange=exchange, symbol=symbol, timeframe=timeframe) for symbol in symbols
        ]
        missing = [symbol for symbol, found in zip(symbols, coverages, strict=True) if found is None]
        if missing:
            raise NoMarketData(
                f"no {timeframe} bars stored on {exchange} for {', '.join(missing)}: run `tradai data sync`"
            )
        starts, ends = zip(*(found for found in coverages if found is not None), strict=True)
        end = min(ends)
        start = max(max(starts), end - Timeframe.parse(timeframe).delta * self.policy.replay_bars)
        if start >= end:
            raise NoMarketData(f"the stored {timeframe} bars of {', '.join(symbols)} do not overlap in time")
        speed = request.bars_per_second or self.policy.replay_bars_per_second
        return ReplaySpec(start=start, end=end, bars_per_second=speed)
