"""Market-data use cases: sync from an exchange, freshness, symbol listings.

Functions take the ports as keyword arguments and never import ArcticDB or ccxt. pandas stays out of
module load too: the data routes' Lambda imports this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from tradai.domain.errors import InvalidInput, TradaiError
from tradai.domain.market import Timeframe, check_exchange, check_symbol, floor_time, to_ms
from tradai.domain.market_data import Freshness, Gap, MarketList, assess_freshness, find_gaps
from tradai.ports import Exchange, MarketData

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_HISTORY = timedelta(days=30)
"""How far back a sync starts when nothing is stored and no start is given."""
FLUSH_ROWS = 50_000
"""Fetched rows held in memory before they are written (fewer, larger writes keep reads fast)."""

SymbolSource = Literal["exchange", "stored"]
ProgressCallback = Callable[[str, int], None]
"""Called with a symbol and the rows fetched for it so far."""


@dataclass(frozen=True)
class SyncRequest:
    """What to sync. `start` applies when nothing is stored yet, or with `force_refresh`."""

    symbols: list[str]
    exchange: str = "binance_futures"
    timeframe: str = "1h"
    start: datetime | None = None
    force_refresh: bool = False


@dataclass
class SymbolSync:
    """The outcome for one symbol; bars fetched before an `error` are stored."""

    symbol: str
    new_rows: int = 0
    fetched_rows: int = 0
    gaps: list[Gap] = field(default_factory=list)
    data_version: str | None = None
    error: str | None = None
    error_code: str | None = None


@dataclass(frozen=True)
class SyncReport:
    """The outcome of a sync."""

    symbols: list[SymbolSync]
    duration_ms: int
    completed_at: datetime

    @property
    def new_rows(self) -> int:
        """Rows stored that were not stored before, over all symbols."""
        return sum(item.new_rows for item in self.symbols)

    @property
    def symbols_synced(self) -> int:
        """Symbols synced without error."""
        return sum(1 for item in self.symbols if item.error is None)

    @property
    def status(self) -> Literal["completed", "partial", "failed"]:
        """completed when every symbol synced, failed when none did, partial otherwise."""
        if self.symbols_synced == len(self.symbols):
            return "completed"
        return "failed" if self.symbols_synced == 0 else "partial"

    def to_document(self) -> dict[str, Any]:
        """The report as JSON-ready data: seed 001's sync response plus each symbol's outcome."""
        return {
            "status": self.status,
            "symbols_synced": self.symbols_synced,
            "new_rows": self.new_rows,
            "sync_duration_ms": self.duration_ms,
            "completed_at": self.completed_at.isoformat(),
            "results": [
                {
                    "symbol": item.symbol,
                    "new_rows": item.new_rows,
                    "fetched_rows": item.fetched_rows,
                    "gaps": [
                        {"start": gap.start.isoformat(), "end": gap.end.isoformat(), "missing": gap.missing}
                        for gap in item.gaps
                    ],
                    "data_version": item.data_version,
                    "error": item.error,
                    "error_code": item.error_code,
                }
                for item in self.symbols
            ],
        }


def sync_bars(
    *,
    market_data: MarketData,
    exchange: Exchange,
    request: SyncRequest,
    now: datetime,
    on_progress: ProgressCallback | None = None,
) -> SyncReport:
    """Fetch each symbol's missing closed bars from the exchange and store them.

    Args:
        market_data: where bars are stored.
        exchange: where bars come from.
        request: the symbols, exchange, timeframe, start and whether to re-download.
        now: the current time (sync start when nothing is stored: `now - DEFAULT_HISTORY`).
        on_progress: told the rows fetched so far, per symbol.

    Returns:
        One outcome per symbol: a symbol's failure (e.g. the exchange went away) is reported in
        it, what was fetched before the failure is kept, and the other symbols still sync.

    Raises:
        InvalidInput: a malformed exchange, symbol or timeframe, or an empty symbol list.
    """
    validate_sync_request(request)
    started = time.perf_counter()
    outcomes = [
        _sync_symbol(market_data, exchange, request, symbol, now, on_progress) for symbol in request.symbols
    ]
    duration_ms = round((time.perf_counter() - started) * 1000)
    return SyncReport(
        symbols=outcomes, duration_ms=duration_ms, completed_at=now + timedelta(milliseconds=duration_ms)
    )


def estimate_bars(*, market_data: MarketData, request: SyncRequest, now: datetime) -> int:
    """Estimate the bars a sync would fetch: from where each symbol's sync starts up to `now`."""
    validate_sync_request(request)
    step = Timeframe.parse(request.timeframe).delta
    return sum(
        max(0, (now - sync_start(market_data=market_data, request=request, symbol=symbol, now=now)) // step)
        for symbol in request.symbols
    )


def validate_sync_request(request: SyncRequest) -> None:
    """Refuse a request that can never succeed. Raises `InvalidInput`."""
    if not request.symbols:
        raise InvalidInput("symbols must list at least one symbol")
    check_exchange(request.exchange)
    Timeframe.parse(request.timeframe)
    for symbol in request.symbols:
        check_symbol(symbol)


def sync_start(*, market_data: MarketData, request: SyncRequest, symbol: str, now: datetime) -> datetime:
    """Return where a symbol's sync starts: after its last stored bar, else at `start` or a default."""
    timeframe = Timeframe.parse(request.timeframe)
    last = _last_stored(market_data, request, symbol)
    if last:
        return last + timeframe.delta
    if request.start:
        return request.start if request.start.tzinfo else request.start.replace(tzinfo=UTC)  # naive is UTC
    return floor_time(now - DEFAULT_HISTORY, timeframe)


def _last_stored(market_data: MarketData, request: SyncRequest, symbol: str) -> datetime | None:
    """The bar a sync resumes after; None when it starts afresh (nothing stored, or `force_refresh`)."""
    if request.force_refresh:
        return None
    stored = market_data.coverage(exchange=request.exchange, symbol=symbol, timeframe=request.timeframe)
    return stored[1] if stored else None


def _sync_symbol(
    market_data: MarketData,
    exchange: Exchange,
    request: SyncRequest,
    symbol: str,
    now: datetime,
    on_progress: ProgressCallback | None,
) -> SymbolSync:
    timeframe = Timeframe.parse(request.timeframe)
    outcome = SymbolSync(symbol=symbol)
    start = sync_start(market_data=market_data, request=request, symbol=symbol, now=now)
    last = _last_stored(market_data, request, symbol)
    previous = to_ms(last) if last else None  # a hole right after the stored bars is a gap too
    buffer: list[pd.DataFrame] = []

    def flush() -> None:
        if buffer:
            report = _write(market_data, request, symbol, buffer)
            outcome.new_rows += report[0]
            outcome.data_version = report[1]
            buffer.clear()

    try:
        for page in exchange.fetch_bars(
            exchange=request.exchange, symbol=symbol, timeframe=request.timeframe, start=start
        ):
            times = [to_ms(moment) for moment in page.index]
            outcome.gaps += find_gaps(([previous] if previous is not None else []) + times, timeframe)
            previous = times[-1]
            buffer.append(page)
            outcome.fetched_rows += len(page)
            if on_progress:
                on_progress(symbol, outcome.fetched_rows)
            if sum(len(frame) for frame in buffer) >= FLUSH_ROWS:
                flush()
        flush()
    except TradaiError as error:
        flush()  # keep what was fetched before the failure
        outcome.error, outcome.error_code = error.detail, error.code
    except BaseException:
        flush()  # stopped from outside (a cancelled sync job): keep what was fetched, then stop
        raise
    return outcome


def _write(
    market_data: MarketData, request: SyncRequest, symbol: str, frames: list[pd.DataFrame]
) -> tuple[int, str]:
    import pandas as pd

    report = market_data.write_bars(
        exchange=request.exchange, symbol=symbol, timeframe=request.timeframe, bars=pd.concat(frames)
    )
    return report.new_rows, report.data_version


def check_freshness(
    *, market_data: MarketData, exchange: str, symbols: list[str], threshold_hours: int, now: datetime
) -> dict[str, Freshness]:
    """Judge each symbol's stored data fresh or stale.

    Args:
        market_data: where bars are stored.
        exchange: whose data to judge.
        symbols: the symbols (a symbol never stored is stale).
        threshold_hours: data older than this is stale.
        now: the current time.

    Returns:
        Each symbol's newest bar time, its age in whole hours, and whether it is stale.

    Raises:
        InvalidInput: no symbols, or a malformed one.
    """
    if not symbols:
        raise InvalidInput("symbols must list at least one symbol")
    check_exchange(exchange)
    return {
        symbol: assess_freshness(
            market_data.last_update(exchange=exchange, symbol=check_symbol(symbol)),
            now=now,
            threshold_hours=threshold_hours,
        )
        for symbol in symbols
    }


def list_symbols(
    *, market_data: MarketData, exchange: Exchange, name: str, source: SymbolSource, now: datetime
) -> MarketList:
    """List the symbols the exchange offers (cached by the adapter) or those stored for it.

    Args:
        market_data: where bars are stored.
        exchange: the exchange port.
        name: the exchange's name (``binance_futures``).
        source: ``exchange`` for the exchange's markets, ``stored`` for symbols with stored bars.
        now: the time a stored listing is as of.

    Returns:
        The symbols, sorted, and when the listing was taken from its source.

    Raises:
        UnknownExchange: no exchange goes by `name`.
        ExchangeUnavailable: the exchange cannot be reached (only with source ``exchange``).
    """
    check_exchange(name)
    if source == "exchange":
        return exchange.markets(name)
    return MarketList(exchange=name, symbols=market_data.list_symbols(exchange=name), fetched_at=now)
