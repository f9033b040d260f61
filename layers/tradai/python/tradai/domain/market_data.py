"""Stored market data: what the bar store and the exchanges answer (reads, series, writes, listings)
and how stored bars are judged (freshness, gaps).

Pure Python (no pandas at run time); names and timeframes are `market`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tradai.domain.market import Timeframe, from_ms

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Freshness:
    """How old a symbol's newest stored bar is."""

    last_update: datetime | None
    hours_old: int | None
    is_stale: bool


def assess_freshness(last_update: datetime | None, *, now: datetime, threshold_hours: int) -> Freshness:
    """Judge a symbol's data stale when its newest bar is older than `threshold_hours`, or absent."""
    if last_update is None:
        return Freshness(last_update=None, hours_old=None, is_stale=True)
    age_hours = (now - last_update).total_seconds() / 3600
    return Freshness(
        last_update=last_update,
        hours_old=max(0, math.floor(age_hours)),
        is_stale=age_hours > threshold_hours,
    )


@dataclass(frozen=True)
class Gap:
    """Bars missing between two stored bars: `missing` bars from `start` (inclusive) to `end` (exclusive)."""

    start: datetime
    end: datetime
    missing: int


def find_gaps(times_ms: list[int], timeframe: Timeframe) -> list[Gap]:
    """Return the holes in sorted bar open times (epoch milliseconds) of one timeframe."""
    step = timeframe.milliseconds
    gaps: list[Gap] = []
    for previous, current in itertools.pairwise(times_ms):
        if current - previous > step:
            gaps.append(
                Gap(
                    start=from_ms(previous + step),
                    end=from_ms(current),
                    missing=(current - previous) // step - 1,
                )
            )
    return gaps


@dataclass(frozen=True)
class BarsRead:
    """Bars as read from the store, with the version that makes the read reproducible.

    `frame` is indexed by UTC open time and has float64 open, high, low, close, volume columns.
    """

    frame: pd.DataFrame
    data_version: str
    """Names the stored series and its version (``binance_futures.1h/BTC/USDT:USDT@v3``)."""
    source_timeframe: str
    """The stored timeframe the bars came from (finer than asked when they were aggregated)."""


@dataclass(frozen=True)
class StoredSeries:
    """One stored series of bars."""

    exchange: str
    symbol: str
    timeframe: str
    first: datetime
    last: datetime
    rows: int


@dataclass(frozen=True)
class WriteReport:
    """What a write changed."""

    new_rows: int
    """Rows the series has now that it did not have before (re-written bars do not count)."""
    data_version: str


@dataclass(frozen=True)
class MarketList:
    """The symbols an exchange lists, and when they were fetched from it."""

    exchange: str
    symbols: list[str]
    fetched_at: datetime
