"""Champion/challenger A/B tests: start, stop, route, record trades, decide.

Trading (issue 8) feeds the arms: `record_trade` for every closed dry-run or live trade, and
`choose_version` to pick which version a new instance runs. Keys (docs/data-model.md): every
trade at `PERF#<strategy>`/`TRADE#<closed_at>#<trade_id>` (`trade_records`); a test's arm trades at
`ABTEST#<strategy>#<test_id>`/`<arm>#<closed_at>#<trade_id>`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tradai.domain.errors import ConditionFailed, Conflict, InvalidInput, NotFound
from tradai.domain.registry import AlreadyInProd, ModelVersionNotFound
from tradai.domain.store import ItemAbsent, Key, Put, Record
from tradai.domain.strategy_versions import Stage, StrategyNotFound
from tradai.ports import DocumentStore
from tradai.services.lifecycle_repository import AbTest, commit, read_lifecycle, write_lifecycle
from tradai.services.strategy_lookup import prod_version, versions_of
from tradai.services.trade_records import Mode, TradeRecord, documents, trade_key
from tradai.services.welch import welch_t_test

Arm = Literal["champion", "challenger"]
SIGNIFICANCE = 0.05
"""A difference counts when the two-sided p-value is below this (95% confidence)."""


class NoChampion(Conflict):
    """An A/B test needs a version in prod to be the champion."""

    code = "NO_CHAMPION"


class AbTestRunning(Conflict):
    """The strategy already runs an A/B test; stop it first."""

    code = "AB_TEST_RUNNING"


class AbTestNotFound(NotFound):
    """The strategy runs no A/B test."""

    code = "AB_TEST_NOT_FOUND"


@dataclass(frozen=True)
class ArmStats:
    """How one arm did during the test."""

    version: str
    trades: int
    mean_return: float | None
    win_rate: float | None
    total_return: float | None
    """Compounded over the arm's trades."""


@dataclass(frozen=True)
class Decision:
    """Which arm wins, with what confidence, or why there is no verdict yet."""

    outcome: Literal["not_enough_data", "no_significant_difference", "champion", "challenger"]
    winner: Arm | None
    confidence: float | None
    p_value: float | None
    detail: str


@dataclass(frozen=True)
class RoutingInfo:
    """The strategy's routing: its champion, its running test (if any), the arms and a decision."""

    test: AbTest | None
    champion_version: str | None
    challenger_version: str | None
    arms: dict[Arm, ArmStats]
    decision: Decision | None


def start_ab_test(
    *,
    store: DocumentStore,
    name: str,
    challenger_version: str,
    traffic_split: float,
    min_trades: int,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> RoutingInfo:
    """Start testing `challenger_version` against the prod version, with `traffic_split` of new trades.

    Raises:
        StrategyNotFound / ModelVersionNotFound: no such strategy or version.
        NoChampion: no version is in prod.
        AlreadyInProd: the challenger is the champion.
        AbTestRunning: a test is running already.
        LifecycleChangedConcurrently: another change of the strategy raced this one.
    """
    versions = versions_of(store, name)
    strategy = versions[0].name
    champion = prod_version(versions)
    if champion is None:
        raise NoChampion(f"{strategy} has no version in prod to be the champion")
    if challenger_version not in {v.version for v in versions}:
        raise ModelVersionNotFound(f"{strategy} has no version {challenger_version!r}")
    if challenger_version == champion.version:
        raise AlreadyInProd(f"{strategy} {challenger_version} is the champion; pick another challenger")
    lifecycle = read_lifecycle(store, strategy)
    if lifecycle.ab_test is not None:
        raise AbTestRunning(f"{strategy} already tests {lifecycle.ab_test.challenger_version}; stop it first")
    test = AbTest(
        test_id=new_id(),
        champion_version=champion.version,
        challenger_version=challenger_version,
        traffic_split=traffic_split,
        min_trades=min_trades,
        started_at=now,
    )
    commit(store, [write_lifecycle(lifecycle.model_copy(update={"ab_test": test}))], strategy)
    return routing_info(store=store, name=strategy)


def stop_ab_test(*, store: DocumentStore, name: str) -> RoutingInfo:
    """End the running test; returns its final arms and decision (its trades stay stored).

    Raises:
        StrategyNotFound: no such strategy.
        AbTestNotFound: no test is running.
    """
    strategy = versions_of(store, name)[0].name
    final = routing_info(store=store, name=strategy)
    lifecycle = read_lifecycle(store, strategy)
    if lifecycle.ab_test is None or final.test is None:
        raise AbTestNotFound(f"{strategy} runs no A/B test")
    commit(store, [write_lifecycle(lifecycle.model_copy(update={"ab_test": None}))], strategy)
    return final


def routing_info(*, store: DocumentStore, name: str) -> RoutingInfo:
    """The champion, the running test and its arms with a decision; an unknown strategy has none."""
    try:
        versions = versions_of(store, name)
    except StrategyNotFound:
        return RoutingInfo(test=None, champion_version=None, challenger_version=None, arms={}, decision=None)
    strategy = versions[0].name
    champion = prod_version(versions)
    staging = next((v.version for v in versions if v.stage is Stage.STAGING), None)
    test = read_lifecycle(store, strategy).ab_test
    if test is None:
        return RoutingInfo(
            test=None,
            champion_version=champion.version if champion else None,
            challenger_version=staging,
            arms={},
            decision=None,
        )
    returns = {arm: _arm_returns(store, strategy, test.test_id, arm) for arm in ("champion", "challenger")}
    arms: dict[Arm, ArmStats] = {
        "champion": _stats(test.champion_version, returns["champion"]),
        "challenger": _stats(test.challenger_version, returns["challenger"]),
    }
    return RoutingInfo(
        test=test,
        champion_version=test.champion_version,
        challenger_version=test.challenger_version,
        arms=arms,
        decision=decide(returns["champion"], returns["challenger"], min_trades=test.min_trades),
    )


def record_trade(
    *,
    store: DocumentStore,
    strategy_name: str,
    version: str,
    trade_id: str,
    return_pct: float,
    closed_at: datetime,
    mode: Mode,
) -> Arm | None:
    """Record a closed dry-run or live trade of a strategy version (idempotent by `trade_id` and time).

    Every trade feeds the catalog's performance; while an A/B test runs, a trade of one of its
    versions also joins that arm. Returns the arm it joined, or None.

    Raises:
        InvalidInput: `return_pct` is not a finite number.
    """
    if not math.isfinite(return_pct):
        raise InvalidInput(f"return_pct must be a finite number, got {return_pct!r}")
    trade = TradeRecord(
        strategy_name=strategy_name,
        version=version,
        trade_id=trade_id,
        return_pct=return_pct,
        closed_at=closed_at,
        mode=mode,
    )
    document = trade.model_dump(mode="json")
    stamp = f"{closed_at.isoformat()}#{trade_id}"
    operations = [Put(Record(trade_key(strategy_name, stamp), document), ItemAbsent())]
    test = read_lifecycle(store, strategy_name).ab_test
    arm: Arm | None = None
    if test is not None and closed_at >= test.started_at:
        if version == test.champion_version:
            arm = "champion"
        elif version == test.challenger_version:
            arm = "challenger"
    if arm is not None and test is not None:
        operations.append(
            Put(Record(_arm_key(strategy_name, test.test_id, f"{arm}#{stamp}"), document), ItemAbsent())
        )
    with contextlib.suppress(ConditionFailed):  # recorded before: a retry of the same trade
        store.transact(operations)
    return arm


def choose_version(*, store: DocumentStore, name: str, routing_key: str) -> str | None:
    """The version a new instance (or order) identified by `routing_key` should run.

    During a test, the challenger gets `traffic_split` of the keys (stable per key); otherwise, and
    for the rest, the champion. None when no version is in prod.
    """
    info = routing_info(store=store, name=name)
    if info.test is None:
        return info.champion_version
    digest = hashlib.sha256(f"{info.test.test_id}:{routing_key}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return info.test.challenger_version if draw < info.test.traffic_split else info.test.champion_version


def decide(champion: list[float], challenger: list[float], *, min_trades: int) -> Decision:
    """Welch's t-test on the arms' per-trade returns, once each arm has `min_trades` trades."""
    if len(champion) < min_trades or len(challenger) < min_trades:
        return Decision(
            outcome="not_enough_data",
            winner=None,
            confidence=None,
            p_value=None,
            detail=(
                f"not enough data: champion {len(champion)}/{min_trades}, "
                f"challenger {len(challenger)}/{min_trades} trades"
            ),
        )
    result = welch_t_test(champion, challenger)
    confidence = round(1.0 - result.p_value, 6)
    if result.p_value >= SIGNIFICANCE:
        return Decision(
            outcome="no_significant_difference",
            winner=None,
            confidence=confidence,
            p_value=result.p_value,
            detail=f"no significant difference (Welch t={result.t:.3f}, p={result.p_value:.4f})",
        )
    winner: Arm = "challenger" if result.t > 0 else "champion"
    return Decision(
        outcome=winner,
        winner=winner,
        confidence=confidence,
        p_value=result.p_value,
        detail=f"{winner} has the higher mean return per trade "
        f"(Welch t={result.t:.3f}, p={result.p_value:.4f})",
    )


def _stats(version: str, returns: list[float]) -> ArmStats:
    if not returns:
        return ArmStats(version=version, trades=0, mean_return=None, win_rate=None, total_return=None)
    growth = math.prod(1.0 + value for value in returns)
    return ArmStats(
        version=version,
        trades=len(returns),
        mean_return=math.fsum(returns) / len(returns),
        win_rate=sum(value > 0 for value in returns) / len(returns),
        total_return=growth - 1.0,
    )


def _arm_returns(store: DocumentStore, strategy: str, test_id: str, arm: str) -> list[float]:
    partition = _arm_key(strategy, test_id, "").pk
    return [TradeRecord.model_validate(d).return_pct for d in documents(store, partition, f"{arm}#", 100_000)]


def _arm_key(strategy: str, test_id: str, sort_key: str) -> Key:
    return Key(f"ABTEST#{strategy}#{test_id}", sort_key or "-")
