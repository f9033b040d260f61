"""In-memory fakes of the ports, for unit tests of services and routes (fakes over mocks)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradai.domain.errors import (
    BarsNotFound,
    ExchangeUnavailable,
    StoreUnavailable,
    UnknownExchange,
    UnknownSymbol,
)
from tradai.domain.market import from_ms
from tradai.domain.market_data import BarsRead, MarketList, StoredSeries, WriteReport

if TYPE_CHECKING:
    from tradai.bootstrap import Container
    from tradai.domain.instances import StrategyInstance


class FakeProbe:
    """A dependency whose health a test decides."""

    def __init__(self, name: str = "fake", *, healthy: bool = True, crash: bool = False) -> None:
        self.name = name
        self.healthy = healthy
        self.crash = crash
        self.pings = 0

    def ping(self) -> None:
        self.pings += 1
        if self.crash:
            raise RuntimeError("probe bug")
        if not self.healthy:
            raise StoreUnavailable("database is locked")


class ListSink:
    """A worker's event sink that keeps every (job id, message) it is given."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def put(self, item: tuple[str, dict[str, Any]]) -> None:
        self.items.append(item)


def random_walk_bars(start: str, end: str, *, timeframe: str = "1h", seed: int = 7) -> pd.DataFrame:
    """Bars of a gentle seeded random walk from `start` to `end` (inclusive), indexed by UTC open time."""
    index = pd.date_range(start, end, freq=timeframe.replace("m", "min"), tz="UTC", name="time")
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(index))))
    open_ = np.concatenate([[close[0]], close[:-1]])
    spread = np.abs(rng.normal(0, 0.004, len(index))) * close
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + spread,
            "low": np.minimum(open_, close) - spread,
            "close": close,
            "volume": rng.uniform(10, 100, len(index)),
        },
        index=index,
    )


class FakeMarketData:
    """The `MarketData` port in memory: one frame per (exchange, timeframe, symbol), no aggregation.

    `FakeMarketData.walking(...)` starts with random-walk bars stored, for backtests.
    """

    name = "fake-market-data"

    def __init__(self) -> None:
        self.series: dict[tuple[str, str, str], pd.DataFrame] = {}
        self.versions: dict[tuple[str, str, str], int] = {}
        self.reads: list[tuple[str, str]] = []

    @classmethod
    def walking(
        cls,
        ranges: dict[str, tuple[str, str]] | None = None,
        *,
        exchange: str = "binance_futures",
        timeframe: str = "1h",
        seed: int = 7,
    ) -> FakeMarketData:
        """A store holding random-walk bars for each symbol over its (start, end) date range."""
        fake = cls()
        for symbol, (start, end) in (ranges or {"BTC/USDT:USDT": ("2024-01-01", "2024-03-31")}).items():
            bars = random_walk_bars(start, end, timeframe=timeframe, seed=seed)
            fake.write_bars(exchange=exchange, symbol=symbol, timeframe=timeframe, bars=bars)
        return fake

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
        self.reads.append((symbol, timeframe))
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


def local_container(data_dir: Path, **parts: Any) -> Container:
    """The local runtime's real stores in `data_dir`, the engine's catalog, and made-up stored bars.

    Keyword arguments replace or add container parts (an executor, a job bus, ...).
    """
    from tradai.adapters.engine_catalog import EngineStrategyCatalog
    from tradai.adapters.file_blobs import FileBlobStore
    from tradai.adapters.sqlite_store import SqliteDocumentStore
    from tradai.bootstrap import Container
    from tradai.settings import Settings

    values: dict[str, Any] = {
        "settings": Settings(data_dir=data_dir),
        "store": SqliteDocumentStore(data_dir / "store.sqlite3"),
        "blobs": FileBlobStore(data_dir / "blobs"),
        "strategies": EngineStrategyCatalog(),
        "market_data": FakeMarketData.walking(),
    }
    return Container(**(values | parts))


class FakeInstanceRunner:
    """Instance processes that exist only in memory: tests launch, kill and stop them by hand."""

    name = "fake"

    def __init__(self, *, stops_gracefully: bool = True, fail_launch: bool = False) -> None:
        self.alive: dict[str, bool] = {}
        self.exit_codes: dict[str, int] = {}
        self.lines: dict[str, list[Any]] = {}
        self.stop_requests: list[str] = []
        self.stops_gracefully = stops_gracefully
        self.fail_launch = fail_launch

    def launch(self, instance: Any) -> str:
        from tradai.domain.errors import Unavailable

        if self.fail_launch:
            raise Unavailable("cannot start the instance process: no capacity")
        self.alive[instance.instance_id] = True
        return f"fake:{instance.instance_id}"

    def kill(self, instance_id: str, exit_code: int = -9) -> None:
        """Make an instance's process die, as `kill -9` would."""
        self.alive[instance_id] = False
        self.exit_codes[instance_id] = exit_code

    def log(self, instance_id: str, message: str, at: datetime | None = None) -> None:
        from tradai.domain.instances import LogLine

        self.lines.setdefault(instance_id, []).append(LogLine(timestamp=at, level="INFO", message=message))

    def states(self, instances: Any) -> dict[str, Any]:
        return {instance.instance_id: self.state(instance) for instance in instances}

    def state(self, instance: Any) -> Any:
        from tradai.domain.instances import RunnerState

        if self.alive.get(instance.instance_id, False):
            return RunnerState(alive=True)
        code = self.exit_codes.get(instance.instance_id)
        return RunnerState(alive=False, exit_code=code, detail=f"exit code {code}")

    def stop(self, instance: Any, *, timeout_seconds: float) -> bool:
        self.stop_requests.append(instance.instance_id)
        if self.stops_gracefully:
            self.alive[instance.instance_id] = False
        return self.stops_gracefully

    def logs(self, instance: Any, *, limit: int, since: datetime | None = None) -> list[Any]:
        lines = self.lines.get(instance.instance_id, [])
        if since is not None:
            lines = [line for line in lines if line.timestamp is None or line.timestamp >= since]
        return list(lines[-limit:])


def strategy_instance(**changes: Any) -> StrategyInstance:
    """An sma_cross dry-run instance on BTC as the store holds it; tests change what they need."""
    from tradai.domain.instances import StrategyInstance

    created = datetime(2026, 3, 1, tzinfo=UTC)
    values: dict[str, Any] = {
        "instance_id": "7d3f2a1e-0000-4000-8000-000000000001",
        "strategy_name": "sma_cross",
        "strategy_version": "1.0.0",
        "mode": "dry-run",
        "feed": "replay",
        "exchange": "binance_futures",
        "timeframe": "1h",
        "symbols": ["BTC/USDT:USDT"],
        "capital": 1000.0,
        "owner": "alice",
        "created_at": created,
        "updated_at": created,
    }
    return StrategyInstance(**(values | changes))
