"""Market-data rules: timeframes, exchange and symbol names, freshness, gaps.

Pure Python (no pandas) so that HTTP handlers can validate requests without heavy imports.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tradai.domain.errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

_TIMEFRAME = re.compile(r"^(\d{1,3})([mhdw])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_SYMBOL = re.compile(r"^[A-Za-z0-9._-]{1,24}/[A-Za-z0-9._-]{1,24}(:[A-Za-z0-9._-]{1,32})?$")
_EXCHANGE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DAY_SECONDS = 86400


@dataclass(frozen=True, order=True)
class Timeframe:
    """A bar length such as ``1m``, ``4h`` or ``1d`` (ccxt's notation)."""

    seconds: int
    name: str

    @classmethod
    def parse(cls, name: str) -> Timeframe:
        """Return the timeframe called `name`. Raises `InvalidInput` for anything else."""
        match = _TIMEFRAME.match(name)
        if not match or int(match.group(1)) == 0:
            raise InvalidInput(f"unknown timeframe {name!r}: use a number and m, h, d or w (e.g. 1h)")
        return cls(int(match.group(1)) * _UNIT_SECONDS[match.group(2)], name)

    @property
    def milliseconds(self) -> int:
        """The bar length in milliseconds (the exchanges' time unit)."""
        return self.seconds * 1000

    @property
    def delta(self) -> timedelta:
        """The bar length as a timedelta."""
        return timedelta(seconds=self.seconds)

    def builds_from(self, finer: Timeframe) -> bool:
        """Return whether bars of this timeframe can be aggregated from `finer` bars.

        Only timeframes that split a day evenly qualify: their buckets then start at the same
        epoch-aligned times as the exchanges' own bars (weeks and months do not).
        """
        return (
            finer.seconds < self.seconds
            and self.seconds % finer.seconds == 0
            and DAY_SECONDS % self.seconds == 0
        )


def check_exchange(name: str) -> str:
    """Return `name` if it is a well-formed exchange id. Raises `InvalidInput`."""
    if not _EXCHANGE.match(name):
        raise InvalidInput(f"malformed exchange name {name!r}: lowercase letters, digits and _ only")
    return name


def check_symbol(symbol: str) -> str:
    """Return `symbol` if it is a ccxt unified symbol (``BTC/USDT`` or ``BTC/USDT:USDT``)."""
    if not _SYMBOL.match(symbol):
        raise InvalidInput(f"malformed symbol {symbol!r}: expected BASE/QUOTE or BASE/QUOTE:SETTLE")
    return symbol


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


def from_ms(milliseconds: int) -> datetime:
    """Return the UTC time of an epoch-milliseconds timestamp."""
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


def to_ms(moment: datetime) -> int:
    """Return epoch milliseconds of an aware time (naive times are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def floor_time(moment: datetime, timeframe: Timeframe) -> datetime:
    """Return the open time of the `timeframe` bar containing `moment`."""
    milliseconds = to_ms(moment)
    return from_ms(milliseconds - milliseconds % timeframe.milliseconds)


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
