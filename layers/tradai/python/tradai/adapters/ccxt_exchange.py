"""The `Exchange` port on ccxt (imported on first use): markets and closed OHLCV bars, page by page.

TradAI names exchanges as the seed does (`binance_futures`); other names are ccxt ids. Requests are
spaced by the exchange's own rate limit, network errors are retried with exponential backoff, and
ccxt's errors become domain errors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from tradai.domain.errors import ExchangeUnavailable, InvalidInput, UnknownExchange, UnknownSymbol
from tradai.domain.market import Timeframe, check_exchange, check_symbol, from_ms, to_ms
from tradai.domain.market_data import MarketList

if TYPE_CHECKING:
    import pandas as pd

CCXT_IDS = {"binance_futures": "binanceusdm", "binance": "binance"}
"""TradAI exchange names that differ from ccxt's ids."""

T = TypeVar("T")
ExchangeFactory = Callable[[str], Any]


def ccxt_id(exchange: str) -> str:
    """Return the ccxt id of a TradAI exchange name."""
    return CCXT_IDS.get(check_exchange(exchange), exchange)


def build_ccxt_exchange(exchange_id: str) -> Any:
    """Build a ccxt exchange object; throttling is left to `CcxtExchange` (it spaces the calls itself)."""
    import ccxt

    if exchange_id not in ccxt.exchanges:
        raise UnknownExchange(f"unknown exchange {exchange_id!r}")
    return getattr(ccxt, exchange_id)({"enableRateLimit": False, "timeout": 10_000})


class CcxtExchange:
    """Public market data of any ccxt exchange."""

    def __init__(
        self,
        *,
        factory: ExchangeFactory = build_ccxt_exchange,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        markets_ttl_seconds: float = 3600.0,
        retries: int = 4,
        backoff_seconds: float = 1.0,
        page_limit: int = 1000,
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._sleep = sleep
        self._markets_ttl = markets_ttl_seconds
        self._retries = retries
        self._backoff = backoff_seconds
        self._page_limit = page_limit
        self._exchanges: dict[str, Any] = {}
        self._markets: dict[str, MarketList] = {}
        self._last_call: dict[str, float] = {}
        self._lock = threading.Lock()

    def markets(self, exchange: str) -> MarketList:
        """Return the active symbols `exchange` lists, fetched at most once per TTL."""
        cached = self._markets.get(exchange)
        if cached and self._clock() - cached.fetched_at.timestamp() < self._markets_ttl:
            return cached
        client = self._client(exchange)
        markets = self._call(exchange, lambda: client.load_markets(reload=True))
        listing = MarketList(
            exchange=exchange,
            symbols=sorted(symbol for symbol, market in markets.items() if market.get("active") is not False),
            fetched_at=from_ms(int(self._clock() * 1000)),
        )
        self._markets[exchange] = listing
        return listing

    def fetch_bars(
        self, *, exchange: str, symbol: str, timeframe: str, start: datetime, end: datetime | None = None
    ) -> Iterator[pd.DataFrame]:
        """Yield closed bars from `start` to `end` (default now), one exchange page at a time."""
        check_symbol(symbol)
        step = Timeframe.parse(timeframe).milliseconds
        client = self._client(exchange)
        self._check_market(exchange, client, symbol, timeframe)
        now_ms = int(self._clock() * 1000)
        until = min(to_ms(end), now_ms) if end else now_ms
        since = to_ms(start)
        while since <= until and since + step <= now_ms:  # else no closed bar is left to fetch
            page = self._call(
                exchange, partial(client.fetch_ohlcv, symbol, timeframe, since, self._page_limit)
            )
            # Keep what lies in range and is closed (open time + bar length has passed); the
            # exchange may repeat the bar at `since - step` or send a row twice: keep each time once.
            rows = {row[0]: row for row in page if since <= row[0] <= until and row[0] + step <= now_ms}
            if not rows:
                return
            times = sorted(rows)
            yield _frame([rows[moment] for moment in times])
            since = times[-1] + step

    def _check_market(self, exchange: str, client: Any, symbol: str, timeframe: str) -> None:
        if symbol not in self.markets(exchange).symbols:
            raise UnknownSymbol(f"{exchange} lists no market {symbol!r}")
        if client.timeframes and timeframe not in client.timeframes:
            raise InvalidInput(
                f"{exchange} has no {timeframe} bars; it offers {', '.join(client.timeframes)}"
            )

    def _client(self, exchange: str) -> Any:
        with self._lock:
            if exchange not in self._exchanges:
                self._exchanges[exchange] = self._factory(ccxt_id(exchange))
            return self._exchanges[exchange]

    def _call(self, exchange: str, request: Callable[[], T]) -> T:
        """Make one request: spaced by the rate limit, retried with backoff on network errors."""
        import ccxt

        client = self._exchanges[exchange]
        for attempt in range(self._retries + 1):
            self._wait_for_turn(exchange, client.rateLimit / 1000)
            try:
                return request()
            except ccxt.BadSymbol as exc:
                raise UnknownSymbol(f"{exchange}: {exc}") from exc
            except ccxt.BadRequest as exc:
                raise InvalidInput(f"{exchange} refused the request: {exc}") from exc
            except ccxt.NetworkError as exc:
                if attempt == self._retries:
                    raise ExchangeUnavailable(
                        f"{exchange} cannot be reached: {exc}", retry_after_seconds=30
                    ) from exc
                self._sleep(self._backoff * 2**attempt)
            except ccxt.BaseError as exc:
                raise ExchangeUnavailable(f"{exchange} failed: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_for_turn(self, exchange: str, interval_seconds: float) -> None:
        last = self._last_call.get(exchange)
        if last is not None:
            wait = last + interval_seconds - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_call[exchange] = self._clock()


def _frame(rows: list[list[Any]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(
        [row[1:6] for row in rows], columns=["open", "high", "low", "close", "volume"], dtype="float64"
    )
    frame["volume"] = frame["volume"].fillna(0.0)
    frame.index = pd.to_datetime([row[0] for row in rows], unit="ms", utc=True).rename("time")
    return frame
