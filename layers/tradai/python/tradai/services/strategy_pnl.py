"""P&L per strategy for `GET /api/v1/strategies/pnl`: realized, unrealized and total.

Open positions are marked to the last price their instance saw of their symbol (the close of the
newest bar it processed, `InstanceStats.last_prices`): the price the strategy itself trades on, in
dry-run and live alike, with no market-data read in the API. A position whose instance never
recorded a price of its symbol is counted in `unpriced_positions` and adds nothing.

A strategy whose config cannot be found is still listed, with the reason, instead of failing the
whole answer (bug B4 of seed 000 turned a missing config into a 503 for every strategy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tradai.domain.errors import TradaiError
from tradai.domain.instances import InstanceNotFound, StrategyInstance
from tradai.domain.orders import Budget, Position, PositionSide
from tradai.services.instance_repository import InstanceRepository
from tradai.services.trading_ledger import MAX_SCANNED, TradingLedger

ConfigCheck = Callable[[str], object]
"""Looks a strategy's config up by name; raises a `TradaiError` when it cannot be found."""


@dataclass(frozen=True)
class CurrencyPnl:
    """A strategy's money in one currency."""

    currency: str
    realized_pnl: float
    total_fees: float
    net_pnl: float
    unrealized_pnl: float
    total_pnl: float
    allocated: float
    committed: float
    unpriced_positions: int = 0
    marked_at: datetime | None = None


@dataclass(frozen=True)
class StrategyPnl:
    """One strategy's P&L, and whether its config was found."""

    strategy_id: str
    strategy_name: str | None
    currencies: list[CurrencyPnl]
    open_positions: int
    config_found: bool
    reason: str | None


@dataclass(frozen=True)
class _Marks:
    """What one currency's open positions are worth above their entry, at their last prices."""

    unrealized_pnl: float = 0.0
    unpriced: int = 0
    marked_at: datetime | None = None


def strategies_pnl(
    *, ledger: TradingLedger, instances: InstanceRepository, check_config: ConfigCheck
) -> list[StrategyPnl]:
    """P&L of every strategy that traded or has a budget, by id."""
    names = {strategy.strategy_id: strategy.strategy_name for strategy in ledger.strategies()}
    budgets: dict[str, list[Budget]] = {}
    for budget in ledger.balances():
        budgets.setdefault(budget.strategy_id, []).append(budget)
    return [
        _pnl(
            ledger, instances, strategy_id, names.get(strategy_id), budgets.get(strategy_id, []), check_config
        )
        for strategy_id in sorted(names.keys() | budgets.keys())
    ]


def unrealized_pnl(position: Position, price: float) -> float:
    """What closing `position` at `price` would realize (before fees)."""
    direction = 1 if position.side is PositionSide.LONG else -1
    return (price - position.entry_price) * position.quantity * direction


def _pnl(
    ledger: TradingLedger,
    instances: InstanceRepository,
    strategy_id: str,
    name: str | None,
    budgets: list[Budget],
    check_config: ConfigCheck,
) -> StrategyPnl:
    reason = _missing_config(check_config, [strategy_id, *([name] if name and name != strategy_id else [])])
    positions = ledger.positions(strategy_id=strategy_id, limit=MAX_SCANNED).items
    marks = _marks(positions, instances)
    return StrategyPnl(
        strategy_id=strategy_id,
        strategy_name=name,
        currencies=[_currency(budget, marks.get(budget.currency, _Marks())) for budget in budgets],
        open_positions=len(positions),
        config_found=reason is None,
        reason=reason,
    )


def _currency(budget: Budget, marks: _Marks) -> CurrencyPnl:
    net = budget.realized_pnl - budget.total_fees
    return CurrencyPnl(
        currency=budget.currency,
        realized_pnl=budget.realized_pnl,
        total_fees=budget.total_fees,
        net_pnl=net,
        unrealized_pnl=marks.unrealized_pnl,
        total_pnl=net + marks.unrealized_pnl,
        allocated=budget.allocated,
        committed=budget.committed,
        unpriced_positions=marks.unpriced,
        marked_at=marks.marked_at,
    )


def _marks(positions: list[Position], instances: InstanceRepository) -> dict[str, _Marks]:
    """Unrealized P&L per currency of `positions`, each at its instance's last price of its symbol."""
    found: dict[str, StrategyInstance | None] = {}
    marks: dict[str, _Marks] = {}
    for position in positions:
        if position.instance_id not in found:
            found[position.instance_id] = _instance(instances, position.instance_id)
        instance = found[position.instance_id]
        price = instance.stats.last_prices.get(position.symbol) if instance else None
        current = marks.get(position.currency, _Marks())
        if price is None:
            marks[position.currency] = _Marks(current.unrealized_pnl, current.unpriced + 1, current.marked_at)
            continue
        assert instance is not None
        at = instance.stats.last_bar_time
        latest = max((moment for moment in (current.marked_at, at) if moment is not None), default=None)
        marks[position.currency] = _Marks(
            current.unrealized_pnl + unrealized_pnl(position, price), current.unpriced, latest
        )
    return marks


def _instance(instances: InstanceRepository, instance_id: str) -> StrategyInstance | None:
    try:
        return instances.get(instance_id)
    except InstanceNotFound:
        return None


def _missing_config(check_config: ConfigCheck, names: list[str]) -> str | None:
    """Why no config goes by any of `names` (the strategy id, then its name), or None when one does."""
    reasons = []
    for name in names:
        try:
            check_config(name)
        except TradaiError as exc:  # whatever the lookup's failure, this row says so; the list stands
            reasons.append(exc.detail)
        else:
            return None
    return "strategy config not found: " + "; ".join(reasons)
