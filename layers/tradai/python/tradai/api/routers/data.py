"""Market data: `/api/v1/data/symbols`, `/freshness` and `/sync` (seed 001)."""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from tradai.api.auth import Trader, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.data import (
    FreshnessPublic,
    FreshnessResponse,
    SymbolsResponse,
    SyncBody,
    SyncResponse,
)
from tradai.domain.clock import utc_now
from tradai.domain.errors import MarketDataUnavailable
from tradai.ports import Exchange, MarketData
from tradai.services.market_data import SyncRequest, check_freshness, list_symbols, sync_bars

router = APIRouter(prefix="/api/v1/data", tags=["data"])

ExchangeName = Annotated[
    str, Query(alias="exchange", max_length=40, description="binance_futures, binance, or a ccxt id.")
]

_exchange_lock = threading.Lock()


def get_exchange(request: Request) -> Exchange:
    """The process's exchange adapter (ccxt), built on first use; tests override this dependency."""
    with _exchange_lock:
        if not hasattr(request.app.state, "exchange"):
            from tradai.adapters.ccxt_exchange import CcxtExchange

            request.app.state.exchange = CcxtExchange()
    exchange: Exchange = request.app.state.exchange
    return exchange


def get_market_data(container: ContainerDep) -> MarketData:
    """The market-data store; 503 where this runtime has none."""
    if container.market_data is None:
        raise MarketDataUnavailable("the market-data store is not configured in this runtime")
    return container.market_data


ExchangeDep = Annotated[Exchange, Depends(get_exchange)]
MarketDataDep = Annotated[MarketData, Depends(get_market_data)]


@router.get("/symbols", response_model=SymbolsResponse, summary="Symbols an exchange lists, or those stored")
def get_symbols(
    _: Viewer,
    market_data: MarketDataDep,
    exchange: ExchangeDep,
    exchange_name: ExchangeName = "binance_futures",
    source: Literal["exchange", "stored"] = Query(
        "exchange", description="exchange: the exchange's markets (cached); stored: symbols with stored bars."
    ),
) -> SymbolsResponse:
    listing = list_symbols(
        market_data=market_data, exchange=exchange, name=exchange_name, source=source, now=utc_now()
    )
    return SymbolsResponse(
        symbols=listing.symbols,
        exchange=exchange_name,
        count=len(listing.symbols),
        last_updated=listing.fetched_at,
    )


@router.get("/freshness", response_model=FreshnessResponse, summary="How old each symbol's stored data is")
def get_freshness(
    _: Viewer,
    market_data: MarketDataDep,
    symbols: list[str] = Query(default_factory=list, description="Repeat it, or separate symbols by commas."),
    symbols_brackets: list[str] = Query(default_factory=list, alias="symbols[]", include_in_schema=False),
    stale_threshold_hours: int = Query(24, ge=1, le=24 * 365),
    exchange_name: ExchangeName = "binance_futures",
) -> FreshnessResponse:
    # Clients send `symbols=A&symbols=B`, `symbols[]=A` (seed 001) or `symbols=A,B`: accept all three.
    given = [part.strip() for value in [*symbols, *symbols_brackets] for part in value.split(",")]
    wanted = list(dict.fromkeys(symbol for symbol in given if symbol))
    if not wanted:  # the issue asks for 422 here: a missing parameter, not a bad value
        raise RequestValidationError(
            [{"loc": ("query", "symbols"), "msg": "at least one symbol is required", "type": "missing"}]
        )
    now = utc_now()
    freshness = check_freshness(
        market_data=market_data,
        exchange=exchange_name,
        symbols=wanted,
        threshold_hours=stale_threshold_hours,
        now=now,
    )
    return FreshnessResponse(
        freshness={symbol: FreshnessPublic.of(item) for symbol, item in freshness.items()},
        threshold_hours=stale_threshold_hours,
        checked_at=now,
    )


@router.post(
    "/sync", response_model=SyncResponse, summary="Fetch missing bars from the exchange and store them"
)
def post_sync(_: Trader, market_data: MarketDataDep, exchange: ExchangeDep, body: SyncBody) -> SyncResponse:
    report = sync_bars(
        market_data=market_data,
        exchange=exchange,
        request=SyncRequest(**body.model_dump()),
        now=utc_now(),
    )
    return SyncResponse.of(report)
