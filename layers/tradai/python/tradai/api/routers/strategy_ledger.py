"""What strategies earned and traded: `/api/v1/strategies/pnl` and `/api/v1/strategies/{id}/trades`.

Mounted before the strategies router, so the fixed path `/strategies/pnl` is not taken for a
config name by `/strategies/{config_name}`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from tradai.api.auth import Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.strategy_ledger import StrategyPnlList, StrategyPnlPublic, TradeList, TradePublic
from tradai.domain.orders import IDENTIFIER_PATTERN
from tradai.services.instance_repository import InstanceRepository
from tradai.services.strategies import strategy_detail
from tradai.services.strategy_pnl import strategies_pnl
from tradai.services.trading_ledger import TradingLedger

router = APIRouter(prefix="/api/v1/strategies", tags=["strategy-ledger"])


@router.get("/pnl", response_model=StrategyPnlList, summary="P&L per strategy (a missing config: a reason)")
def list_pnl(container: ContainerDep, _: Viewer) -> StrategyPnlList:
    def check_config(name: str) -> object:
        return strategy_detail(store=container.store, name=name)

    rows = strategies_pnl(
        ledger=TradingLedger(container.store),
        instances=InstanceRepository(container.store),
        check_config=check_config,
    )
    strategies = [StrategyPnlPublic.model_validate(row) for row in rows]
    return StrategyPnlList(strategies=strategies, count=len(strategies))


@router.get("/{strategy_id}/trades", response_model=TradeList, summary="A strategy's open and closed trades")
def list_trades(
    container: ContainerDep,
    _: Viewer,
    strategy_id: Annotated[str, Path(pattern=IDENTIFIER_PATTERN, description="The strategy's id")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TradeList:
    listing = TradingLedger(container.store).trades(strategy_id, limit=limit, offset=offset)
    trades = [TradePublic.from_position(position) for position in listing.items]
    return TradeList(
        strategy_id=strategy_id,
        trades=trades,
        count=len(trades),
        limit=limit,
        offset=offset,
        has_more=listing.has_more,
    )
