"""Per-strategy capital caps: `/api/v1/budget` (seed 003). Reads for viewers, changes for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from tradai.api.auth import Admin, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.budget import (
    BudgetAllocation,
    BudgetRegistry,
    BudgetSummary,
    RealizedPnl,
    StrategyBudgets,
)
from tradai.domain.orders import CURRENCY_PATTERN, IDENTIFIER_PATTERN
from tradai.services.budgets import BudgetBook

router = APIRouter(prefix="/api/v1/budget", tags=["budget"])

StrategyId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN, description="The strategy's id")]
CurrencyCode = Annotated[str, Path(pattern=CURRENCY_PATTERN, description="e.g. USDT")]


@router.get("/registry", response_model=BudgetRegistry, summary="Every budget, by strategy and currency")
def registry(container: ContainerDep, _: Viewer) -> BudgetRegistry:
    stored = BudgetBook(container.store).registry().budgets
    budgets = [BudgetSummary.model_validate(budget) for budget in stored]
    return BudgetRegistry(budgets=budgets, count=len(budgets))


@router.get("/{strategy_id}", response_model=StrategyBudgets, summary="A strategy's budgets")
def strategy_budgets(container: ContainerDep, _: Viewer, strategy_id: StrategyId) -> StrategyBudgets:
    budgets = BudgetBook(container.store).of_strategy(strategy_id)
    return StrategyBudgets(
        strategy_id=strategy_id, budgets=[BudgetSummary.model_validate(budget) for budget in budgets]
    )


@router.put(
    "/{strategy_id}/{currency}",
    response_model=BudgetSummary,
    summary="Create a budget or change its cap (not below what is in use)",
)
def set_budget(
    container: ContainerDep,
    principal: Admin,
    strategy_id: StrategyId,
    currency: CurrencyCode,
    body: BudgetAllocation,
) -> BudgetSummary:
    budget = BudgetBook(container.store).allocate(
        strategy_id, currency, body.allocated, actor=principal.subject
    )
    return BudgetSummary.model_validate(budget)


@router.delete(
    "/{strategy_id}/{currency}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a budget without reservations or open positions",
)
def delete_budget(
    container: ContainerDep, principal: Admin, strategy_id: StrategyId, currency: CurrencyCode
) -> Response:
    BudgetBook(container.store).delete(strategy_id, currency, actor=principal.subject)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{strategy_id}/pnl/realized",
    response_model=RealizedPnl,
    summary="Realized P&L from fills, per currency",
)
def realized_pnl(container: ContainerDep, _: Viewer, strategy_id: StrategyId) -> RealizedPnl:
    budgets = BudgetBook(container.store).of_strategy(strategy_id)
    return RealizedPnl(
        strategy_id=strategy_id,
        realized_pnl={budget.currency: budget.realized_pnl for budget in budgets},
        total_fees={budget.currency: budget.total_fees for budget in budgets},
        net={budget.currency: budget.realized_pnl - budget.total_fees for budget in budgets},
    )
