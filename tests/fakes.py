"""In-memory fakes of the ports, for unit tests of services and routes (fakes over mocks)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradai.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    from tradai.bootstrap import Container


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


class FakeMarketBars:
    """Stored bars made up on the spot: a gentle random walk per symbol over a fixed range."""

    def __init__(self, symbols: dict[str, tuple[str, str]] | None = None, *, seed: int = 7) -> None:
        self.ranges = symbols if symbols is not None else {"BTC/USDT:USDT": ("2024-01-01", "2024-03-31")}
        self.seed = seed
        self.reads: list[tuple[str, str]] = []

    def coverage(self, *, exchange: str, symbol: str, timeframe: str) -> tuple[datetime, datetime] | None:
        if symbol not in self.ranges:
            return None
        start, end = self.ranges[symbol]
        return (
            datetime.fromisoformat(start).replace(tzinfo=UTC),
            datetime.fromisoformat(end).replace(tzinfo=UTC),
        )

    def read_bars(
        self, *, exchange: str, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> object:
        import numpy as np
        import pandas as pd

        self.reads.append((symbol, timeframe))
        first, last = self.coverage(exchange=exchange, symbol=symbol, timeframe=timeframe) or (start, end)
        index = pd.date_range(max(first, start), min(last, end), freq=timeframe.replace("m", "min"), tz="UTC")
        rng = np.random.default_rng(self.seed)
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
        "market_data": FakeMarketBars(),
    }
    return Container(**(values | parts))
