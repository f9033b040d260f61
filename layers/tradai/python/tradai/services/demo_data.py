"""Demo bars for people with no exchange access: realistic, seeded, written through the port.

The bars run from a fixed start (2023-01-01, so documented example date ranges always have data) up
to the last closed hour when they are loaded, so a new user's first start shows fresh data, not
data "stale" since the day the demo was written. The series is generated to a fixed horizon and
cut, so a bar's values depend only on the seed and its time: a later load extends the same bars.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tradai.domain.market_data import WriteReport
from tradai.ports import MarketData

if TYPE_CHECKING:
    import pandas as pd

DEMO_EXCHANGE = "binance_futures"
DEMO_TIMEFRAME = "1h"
DEMO_START = datetime(2023, 1, 1, tzinfo=UTC)
DEMO_HORIZON_HOURS = 12 * 365 * 24
"""Bars are generated this far (to late 2034) and cut at the load time; loads after it end there."""


@dataclass(frozen=True)
class DemoMarket:
    """One demo market: its start price and typical hourly volatility and volume."""

    symbol: str
    price: float
    hourly_volatility: float
    volume: float


DEMO_MARKETS = (
    DemoMarket("BTC/USDT:USDT", 16_500.0, 0.006, 9_000.0),
    DemoMarket("ETH/USDT:USDT", 1_200.0, 0.008, 120_000.0),
    DemoMarket("SOL/USDT:USDT", 10.0, 0.012, 900_000.0),
)


def demo_bars(market: DemoMarket, *, until: datetime, seed: int = 42) -> pd.DataFrame:
    """Return deterministic hourly bars from `DEMO_START` up to the last hour closed at `until`.

    Trending and ranging regimes, calm and wild volatility, a daily volume cycle and a few hours
    with no trading (zero volume, flat price). The same seed gives the same bar at the same time,
    whatever `until` is.
    """
    closed_hours = (until - DEMO_START) // timedelta(hours=1)
    count = min(max(closed_hours, 0), DEMO_HORIZON_HOURS)
    return _demo_series(market, seed)[:count]


def _demo_series(market: DemoMarket, seed: int) -> pd.DataFrame:
    """The whole demo series of `market` up to the horizon (about 105k bars: milliseconds)."""
    import numpy as np
    import pandas as pd

    hours = DEMO_HORIZON_HOURS
    rng = np.random.default_rng([seed, zlib.crc32(market.symbol.encode())])
    # Regimes last one to six weeks: a drift (trend up, down or none) and a volatility multiplier.
    regime_of_hour = np.zeros(hours, dtype=np.int64)
    position, regime = 0, 0
    while position < hours:
        length = int(rng.integers(7 * 24, 42 * 24))
        regime_of_hour[position : position + length] = regime
        position, regime = position + length, regime + 1
    drifts = rng.choice([-0.0004, 0.0, 0.0001, 0.0005], size=regime + 1, p=[0.25, 0.3, 0.2, 0.25])
    vol_scale = rng.choice([0.6, 1.0, 1.8], size=regime + 1, p=[0.35, 0.45, 0.2])
    sigma = market.hourly_volatility * vol_scale[regime_of_hour]
    returns = drifts[regime_of_hour] + sigma * rng.standard_t(df=4, size=hours) / np.sqrt(2)
    halted = rng.random(hours) < 0.002
    returns[halted] = 0.0
    close = market.price * np.exp(np.cumsum(returns))
    open_ = np.concatenate([[market.price], close[:-1]])
    wick = np.abs(rng.normal(0, sigma * 0.6, (2, hours))) * close
    high = np.maximum(open_, close) + np.where(halted, 0.0, wick[0])
    low = np.maximum(np.minimum(open_, close) - np.where(halted, 0.0, wick[1]), close * 0.5)
    hour_of_day = np.arange(hours) % 24
    daily_cycle = 1 + 0.4 * np.sin((hour_of_day - 8) / 24 * 2 * np.pi)
    volume = market.volume * daily_cycle * (sigma / market.hourly_volatility) * rng.lognormal(0, 0.35, hours)
    volume[halted] = 0.0
    index = pd.date_range(DEMO_START, periods=hours, freq="1h", tz="UTC", name="time")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index
    )


def load_demo_data(*, market_data: MarketData, now: datetime, seed: int = 42) -> dict[str, WriteReport]:
    """Write hourly demo bars for BTC, ETH and SOL perpetuals up to `now`, replacing stored demo series.

    Args:
        market_data: where to store them (exchange ``binance_futures``, timeframe ``1h``).
        now: the bars end at the last hour closed at this time (from 2023-01-01: at least two years).
        seed: the random seed; the same seed gives the same bars.

    Returns:
        Each symbol's write report.
    """
    return {
        market.symbol: market_data.write_bars(
            exchange=DEMO_EXCHANGE,
            symbol=market.symbol,
            timeframe=DEMO_TIMEFRAME,
            bars=demo_bars(market, until=now, seed=seed),
            replace=True,
        )
        for market in DEMO_MARKETS
    }


def demo_data_missing(*, market_data: MarketData) -> bool:
    """Return whether no bars at all are stored for the demo exchange (so a first start should load them)."""
    return not market_data.list_symbols(exchange=DEMO_EXCHANGE)
