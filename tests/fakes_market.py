"""Fakes for market-data tests: recorded exchange answers for real ccxt objects, and in-memory ports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd

from tests.conftest import FakeClock
from tradai.domain.errors import BarsNotFound, ExchangeUnavailable, UnknownExchange, UnknownSymbol
from tradai.domain.market import BarsRead, MarketList, StoredSeries, WriteReport, from_ms

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


class RecordedExchange:
    """Answers a real ccxt exchange object's HTTP requests from responses recorded in `fixtures/exchange`.

    Klines are served as the exchange would: from `startTime`, at most `limit` rows. `failures`
    network errors come first; `overlap` repeats the bar before `startTime`, as some exchanges do.
    """

    def __init__(self, *, failures: int = 0, overlap: bool = False) -> None:
        self.failures = failures
        self.overlap = overlap
        self.urls: list[str] = []

    def install(self, client: Any) -> Any:
        """Replace `client.fetch`, the one method every ccxt request goes through."""
        self.folder = FIXTURES / client.id
        client.fetch = self.fetch
        return client

    def fetch(self, url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        import ccxt

        self.urls.append(url)
        if self.failures:
            self.failures -= 1
            raise ccxt.NetworkError("binanceusdm GET https://fapi.binance.com: connection reset by peer")
        parsed = urlparse(url)
        name = parsed.path.rsplit("/", 1)[-1]
        if name != "klines":
            return json.loads((self.folder / f"{name}.json").read_text())
        query = {key: values[0] for key, values in parse_qs(parsed.query).items()}
        rows = json.loads((self.folder / f"klines_{query['symbol']}_{query['interval']}.json").read_text())
        start = int(query["startTime"])
        first = next((i for i, row in enumerate(rows) if row[0] >= start), len(rows))
        if self.overlap and first > 0:
            first -= 1
        return rows[first : first + int(query["limit"])]


class FakeSleep:
    """Records the pauses asked for and moves the clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(seconds)


class FakeMarketData:
    """The `MarketData` port in memory: one frame per (exchange, timeframe, symbol), no aggregation."""

    name = "fake-market-data"

    def __init__(self) -> None:
        self.series: dict[tuple[str, str, str], pd.DataFrame] = {}
        self.versions: dict[tuple[str, str, str], int] = {}
        self.fail_writes_after: int | None = None

    def ping(self) -> None:
        return None

    def write_bars(
        self, *, exchange: str, symbol: str, timeframe: str, bars: pd.DataFrame, replace: bool = False
    ) -> WriteReport:
        key = (exchange, timeframe, symbol)
        stored = self.series.get(key)
        merged = (
            bars if replace or stored is None else pd.concat([stored.drop(bars.index, errors="ignore"), bars])
        )
        merged = merged.sort_index()
        self.series[key] = merged
        self.versions[key] = self.versions.get(key, -1) + 1
        before = 0 if replace or stored is None else len(stored)
        return WriteReport(new_rows=len(merged) - before, data_version=self._version(key))

    def read(
        self,
        *,
        exchange: str,
        symbol: str,
        timeframe: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> BarsRead:
        key = (exchange, timeframe, symbol)
        if key not in self.series:
            raise BarsNotFound(f"no {timeframe} bars for {symbol}")
        return BarsRead(
            frame=self.series[key].loc[start:end], data_version=self._version(key), source_timeframe=timeframe
        )

    def read_bars(
        self, *, exchange: str, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        return self.read(exchange=exchange, symbol=symbol, timeframe=timeframe, start=start, end=end).frame

    def coverage(self, *, exchange: str, symbol: str, timeframe: str) -> tuple[datetime, datetime] | None:
        frame = self.series.get((exchange, timeframe, symbol))
        if frame is None or frame.empty:
            return None
        return frame.index[0].to_pydatetime(), frame.index[-1].to_pydatetime()

    def last_update(self, *, exchange: str, symbol: str) -> datetime | None:
        lasts = [item.last for item in self.list_series(exchange=exchange) if item.symbol == symbol]
        return max(lasts, default=None)

    def list_symbols(self, *, exchange: str) -> list[str]:
        return sorted({symbol for (name, _, symbol) in self.series if name == exchange})

    def list_series(self, *, exchange: str | None = None) -> list[StoredSeries]:
        return [
            StoredSeries(
                exchange=name,
                symbol=symbol,
                timeframe=timeframe,
                first=frame.index[0].to_pydatetime(),
                last=frame.index[-1].to_pydatetime(),
                rows=len(frame),
            )
            for (name, timeframe, symbol), frame in sorted(self.series.items())
            if exchange in (None, name)
        ]

    def _version(self, key: tuple[str, str, str]) -> str:
        return f"fake.{key[0]}.{key[1]}/{key[2]}@v{self.versions[key]}"


class FakeExchange:
    """The `Exchange` port from in-memory hourly bars: pages of `page_size`, optional failure mid-way."""

    def __init__(
        self,
        bars: dict[str, pd.DataFrame] | None = None,
        *,
        exchange: str = "binance_futures",
        page_size: int = 10,
        fail_after_pages: dict[str, int] | None = None,
        reachable: bool = True,
        fetched_at: datetime | None = None,
    ) -> None:
        self.bars = bars or {}
        self.exchange = exchange
        self.page_size = page_size
        self.fail_after_pages = fail_after_pages or {}
        self.reachable = reachable
        self.fetched_at = fetched_at or from_ms(1_700_000_000_000)
        self.requests: list[tuple[str, datetime]] = []

    def markets(self, exchange: str) -> MarketList:
        self._check(exchange)
        return MarketList(exchange=exchange, symbols=sorted(self.bars), fetched_at=self.fetched_at)

    def fetch_bars(
        self, *, exchange: str, symbol: str, timeframe: str, start: datetime, end: datetime | None = None
    ) -> Iterator[pd.DataFrame]:
        self._check(exchange)
        if symbol not in self.bars:
            raise UnknownSymbol(f"{exchange} lists no market {symbol!r}")
        self.requests.append((symbol, start))
        frame = self.bars[symbol].loc[start:end]
        for page, offset in enumerate(range(0, len(frame), self.page_size)):
            if page == self.fail_after_pages.get(symbol):
                raise ExchangeUnavailable(f"{exchange} cannot be reached: connection reset")
            yield frame.iloc[offset : offset + self.page_size]

    def _check(self, exchange: str) -> None:
        if exchange != self.exchange:
            raise UnknownExchange(f"unknown exchange {exchange!r}")
        if not self.reachable:
            raise ExchangeUnavailable(f"{exchange} cannot be reached: timed out")
