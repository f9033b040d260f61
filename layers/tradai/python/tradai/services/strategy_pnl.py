"""P&L per strategy for `GET /api/v1/strategies/pnl`.

A strategy whose config cannot be found is still listed, with the reason, instead of failing the
whole answer (bug B4 of seed 000 turned a missing config into a 503 for every strategy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tradai.domain.errors import TradaiError
from tradai.domain.orders import Budget
from tradai.services.trading_ledger import TradingLedger

ConfigCheck = Callable[[str], object]
"""Looks a strategy's config up by name; raises a `TradaiError` when it cannot be found."""


@dataclass(frozen=True)
class CurrencyPnl:
    """A strategy's money in one currency."""

    currency: str
    realized_pnl: float
    total_fees: float
    net_pnl: float
    allocated: float
    committed: float


@dataclass(frozen=True)
class StrategyPnl:
    """One strategy's P&L, and whether its config was found."""

    strategy_id: str
    strategy_name: str | None
    currencies: list[CurrencyPnl]
    open_positions: int
    config_found: bool
    reason: str | None


def strategies_pnl(*, ledger: TradingLedger, check_config: ConfigCheck) -> list[StrategyPnl]:
    """P&L of every strategy that traded or has a budget, by id."""
    names = {strategy.strategy_id: strategy.strategy_name for strategy in ledger.strategies()}
    budgets: dict[str, list[Budget]] = {}
    for budget in ledger.balances():
        budgets.setdefault(budget.strategy_id, []).append(budget)
    return [
        _pnl(ledger, strategy_id, names.get(strategy_id), budgets.get(strategy_id, []), check_config)
        for strategy_id in sorted(names.keys() | budgets.keys())
    ]


def _pnl(
    ledger: TradingLedger,
    strategy_id: str,
    name: str | None,
    budgets: list[Budget],
    check_config: ConfigCheck,
) -> StrategyPnl:
    reason = _missing_config(check_config, [strategy_id, *([name] if name and name != strategy_id else [])])
    return StrategyPnl(
        strategy_id=strategy_id,
        strategy_name=name,
        currencies=[
            CurrencyPnl(
                currency=budget.currency,
                realized_pnl=budget.realized_pnl,
                total_fees=budget.total_fees,
                net_pnl=budget.realized_pnl - budget.total_fees,
                allocated=budget.allocated,
                committed=budget.committed,
            )
            for budget in budgets
        ],
        open_positions=ledger.open_position_count(strategy_id=strategy_id),
        config_found=reason is None,
        reason=reason,
    )


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
