"""Market names and time: timeframes, exchange and symbol names, bar times.

Pure Python (no pandas) so that HTTP handlers can validate requests without heavy imports; what
stored market data looks like and how it is judged is `market_data`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tradai.domain.errors import InvalidInput

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
