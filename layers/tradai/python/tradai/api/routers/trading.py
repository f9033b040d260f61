"""The trading dashboard: `/api/v1/trading` orders, fills, positions, balances, counts, audit (seed 003).

Reads only; orders come from strategy instances through the order pipeline. `/trading/status`
belongs to the instances router.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from tradai.api.auth import Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.budget import BudgetSummary
from tradai.api.schemas.trading import (
    AuditEntryPublic,
    AuditList,
    BalanceList,
    DenyReasonPublic,
    FillList,
    FillPublic,
    FillSummary,
    OrderFills,
    OrderList,
    OrderPublic,
    PositionList,
    PositionPublic,
    TradingStrategyList,
    TradingStrategyPublic,
    TradingSummary,
)
from tradai.domain.orders import IDENTIFIER_PATTERN, AuditAction, OrderStatus, PositionStatus, Side
from tradai.services.trading_ledger import Listing, TradingLedger

router = APIRouter(prefix="/api/v1/trading", tags=["trading"])

ClientOrderId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN, description="The order's client order id")]
StrategyFilter = Annotated[str | None, Query(pattern=IDENTIFIER_PATTERN, description="Only this strategy")]
NameFilter = Annotated[str | None, Query(max_length=128, description="Strategy name contains this")]
InstrumentFilter = Annotated[
    str | None, Query(max_length=64, description="Only this instrument, e.g. BTCUSDT.BINANCE")
]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many matches")]


@dataclass
class TradeFilters:
    """The filters and paging that orders and fills share (seed 003)."""

    strategy_id: StrategyFilter = None
    strategy_name: NameFilter = None
    instrument_id: InstrumentFilter = None
    limit: Limit = 100
    offset: Offset = 0


Filters = Annotated[TradeFilters, Depends()]


def _ledger(container: ContainerDep) -> TradingLedger:
    return TradingLedger(container.store)


@router.get("/strategies", response_model=TradingStrategyList, summary="Strategies trading or with budgets")
def list_strategies(container: ContainerDep, _: Viewer) -> TradingStrategyList:
    strategies = [
        TradingStrategyPublic(**item.counts.model_dump(), currencies=item.currencies)
        for item in _ledger(container).strategy_overview()
    ]
    return TradingStrategyList(strategies=strategies, count=len(strategies))


@router.get("/orders", response_model=OrderList, summary="Orders, newest first, filtered")
def list_orders(
    container: ContainerDep,
    _: Viewer,
    filters: Filters,
    status: Annotated[OrderStatus | None, Query(description="Only orders in this status")] = None,
) -> OrderList:
    listing = _ledger(container).orders(**asdict(filters), status=status)
    orders = [OrderPublic.model_validate(order) for order in listing.items]
    return OrderList(orders=orders, count=len(orders), **_page_of(listing))


@router.get("/orders/{client_order_id}", response_model=OrderPublic, summary="One order")
def get_order(container: ContainerDep, _: Viewer, client_order_id: ClientOrderId) -> OrderPublic:
    return OrderPublic.model_validate(_ledger(container).order(client_order_id))


@router.get(
    "/orders/{client_order_id}/fills",
    response_model=OrderFills,
    summary="An order's fills",
)
def get_order_fills(container: ContainerDep, _: Viewer, client_order_id: ClientOrderId) -> OrderFills:
    fills = [FillPublic.model_validate(fill) for fill in _ledger(container).order_fills(client_order_id)]
    return OrderFills(client_order_id=client_order_id, fills=fills, count=len(fills))


@router.get(
    "/orders/{client_order_id}/deny-reason",
    response_model=DenyReasonPublic,
    summary="Why an order did not trade (404 when it was not denied)",
)
def get_deny_reason(container: ContainerDep, _: Viewer, client_order_id: ClientOrderId) -> DenyReasonPublic:
    order = _ledger(container).denied_order(client_order_id)
    assert order.deny_reason is not None
    return DenyReasonPublic(
        client_order_id=order.client_order_id,
        status=order.status,
        deny_reason=order.deny_reason,
        detail=order.deny_detail,
        at=order.updated_at,
    )


@router.get("/fills", response_model=FillList, summary="Fills, newest first, filtered")
def list_fills(
    container: ContainerDep,
    _: Viewer,
    filters: Filters,
    side: Annotated[Side | None, Query(description="BUY or SELL")] = None,
) -> FillList:
    listing = _ledger(container).fills(**asdict(filters), side=side)
    fills = [FillPublic.model_validate(fill) for fill in listing.items]
    return FillList(fills=fills, count=len(fills), **_page_of(listing))


@router.get("/fills/summary", response_model=FillSummary, summary="Fill statistics, total and by instrument")
def fill_summary(
    container: ContainerDep,
    _: Viewer,
    strategy_id: StrategyFilter = None,
    instrument_id: InstrumentFilter = None,
) -> FillSummary:
    totals = _ledger(container).fill_totals(strategy_id=strategy_id, instrument_id=instrument_id)
    return FillSummary.model_validate(asdict(totals))


@router.get("/positions", response_model=PositionList, summary="Open or closed positions, newest first")
def list_positions(
    container: ContainerDep,
    _: Viewer,
    status: Annotated[
        Literal["open", "closed"], Query(description="Open positions or closed trades")
    ] = "open",
    strategy_id: StrategyFilter = None,
    instrument_id: InstrumentFilter = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> PositionList:
    listing = _ledger(container).positions(
        status=PositionStatus(status.upper()),
        strategy_id=strategy_id,
        instrument_id=instrument_id,
        limit=limit,
        offset=offset,
    )
    positions = [PositionPublic.model_validate(position) for position in listing.items]
    return PositionList(positions=positions, count=len(positions), **_page_of(listing))


@router.get("/balance", response_model=BalanceList, summary="Budget balances per strategy and currency")
def list_balances(container: ContainerDep, _: Viewer, strategy_id: StrategyFilter = None) -> BalanceList:
    budgets = _ledger(container).balances(strategy_id=strategy_id)
    balances = [BudgetSummary.model_validate(budget) for budget in budgets]
    return BalanceList(balances=balances, count=len(balances))


@router.get("/summary", response_model=TradingSummary, summary="Counts of signals, orders, fills")
def trading_summary(container: ContainerDep, _: Viewer, strategy_id: StrategyFilter = None) -> TradingSummary:
    ledger = _ledger(container)
    counts = ledger.counts(strategy_id=strategy_id)
    open_positions = ledger.open_position_count(strategy_id=strategy_id)
    return TradingSummary(**asdict(counts), open_positions=open_positions)


@router.get("/audit", response_model=AuditList, summary="Audit entries, newest first, filtered")
def list_audit(
    container: ContainerDep,
    _: Viewer,
    strategy_id: StrategyFilter = None,
    action: Annotated[AuditAction | None, Query(description="Only this kind of decision")] = None,
    client_order_id: Annotated[
        str | None, Query(pattern=IDENTIFIER_PATTERN, description="Only this order's")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AuditList:
    listing = _ledger(container).audit(
        strategy_id=strategy_id, action=action, client_order_id=client_order_id, limit=limit, offset=offset
    )
    entries = [AuditEntryPublic.model_validate(entry) for entry in listing.items]
    return AuditList(entries=entries, count=len(entries), **_page_of(listing))


def _page_of(listing: Listing[Any]) -> dict[str, Any]:
    return {"limit": listing.limit, "offset": listing.offset, "has_more": listing.has_more}
