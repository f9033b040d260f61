"""The options `backtest`, `sweep` and `walk-forward` share: where the bars come from and the money.

Typer reads a command's options from its signature; `with_bars_source` puts these options in
place of the command's `source: BarsSource` parameter and hands the command one object, so the
commands declare and parse them once.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import pandas as pd

_OPTIONS: dict[str, tuple[Any, Any]] = {
    "data": (
        Path | None,
        typer.Option(
            None, "--data", help="CSV of bars: a date/time column and open, high, low, close, volume."
        ),
    ),
    "symbol": (
        str | None,
        typer.Option(None, "--symbol", help="Symbol in the market data store, e.g. BTC/USDT."),
    ),
    "exchange": (
        str,
        typer.Option("binance_futures", "--exchange", help="Exchange of --symbol in the market data store."),
    ),
    "timeframe": (
        str | None,
        typer.Option(None, "--timeframe", help="Bar length like 1h (default: the strategy's)."),
    ),
    "start": (
        str | None,
        typer.Option(None, "--start", help="First day (YYYY-MM-DD) of data from the store."),
    ),
    "end": (str | None, typer.Option(None, "--end", help="Last day (YYYY-MM-DD) of data from the store.")),
    "capital": (float, typer.Option(10_000.0, "--capital", help="Starting capital.")),
    "fees": (
        str,
        typer.Option("0", "--fees", help="Fee per side: a fraction (0.001) or basis points (10bps)."),
    ),
}


@dataclass(frozen=True)
class BarsSource:
    """The bars a command runs on (a CSV, or a symbol in the store), the capital and fees it trades with."""

    data: Path | None
    symbol: str | None
    exchange: str
    timeframe: str | None
    start: str | None
    end: str | None
    capital: float
    fees: str

    def bars(self, default_timeframe: Callable[[], str] | None = None) -> pd.DataFrame:
        """The bars of `--data`, or of `--symbol` in the market data store, between `--start` and `--end`.

        Args:
            default_timeframe: the timeframe to read from the store without `--timeframe` (the strategy's).

        Raises:
            InvalidInput: no source, both sources, a malformed date, or no bars in the range.
            BarsNotFound: the store holds no such series.
        """
        from tradai.domain.errors import InvalidInput

        if self.data is not None and self.symbol is not None:
            raise InvalidInput("give the bars with either --data FILE.csv or --symbol, not both")
        if self.data is not None:
            from tradai.engine.csv_bars import read_bars_csv

            bars = read_bars_csv(self.data)
            if self.start or self.end:
                first, last = self.period()
                bars = bars.loc[first:last]
        elif self.symbol is not None:
            bars = self._stored_bars(self.symbol, self.timeframe or (default_timeframe or _no_timeframe)())
        else:
            raise InvalidInput("give the bars with --data FILE.csv or --symbol S [--start D --end D]")
        if bars.empty:
            where = f" of {self.symbol} ({self.exchange})" if self.symbol else ""
            raise InvalidInput(
                f"no bars{where} between {self.start or 'the start'} and {self.end or 'the end'}"
            )
        return bars

    def _stored_bars(self, symbol: str, timeframe: str) -> pd.DataFrame:
        """Read `symbol`'s bars from the market data store (a finer stored timeframe is aggregated)."""
        from tradai.cli.data import market_data_store

        first, last = self.period()
        return (
            market_data_store()
            .read(
                exchange=self.exchange,
                symbol=symbol,
                timeframe=timeframe,
                start=None if first is None else first.to_pydatetime(),
                end=None if last is None else last.to_pydatetime(),
            )
            .frame
        )

    def period(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """`--start` and `--end` as UTC times; a bare date as `--end` means the end of that day.

        Raises:
            InvalidInput: a value that is not a date or time.
        """
        return _utc_time("--start", self.start, whole_day=False), _utc_time("--end", self.end, whole_day=True)

    def settings(self, *, slippage: float = 0.0, fill: str = "open") -> dict[str, Any]:
        """The engine's keyword settings. Raises `InvalidSettings` for fees that do not read as a number."""
        from tradai.domain.errors import InvalidSettings

        text = self.fees.strip().lower()
        try:
            fraction = float(text[:-3]) / 10_000 if text.endswith("bps") else float(text)
        except ValueError:
            raise InvalidSettings(
                f"--fees must be a fraction like 0.001 or bps like 10bps, got {self.fees!r}"
            ) from None
        settings: dict[str, Any] = {
            "capital": self.capital,
            "fees": fraction,
            "slippage": slippage,
            "fill": fill,
        }
        if self.timeframe:
            settings["timeframe"] = self.timeframe
        return settings


BARS_SOURCE = BarsSource(**{name: option.default for name, (_, option) in _OPTIONS.items()})
"""The default of a command's `source` parameter: the options' defaults (Typer always passes its own)."""


def with_bars_source(command: Callable[..., None]) -> Callable[..., None]:
    """Expose `command`'s `source: BarsSource` parameter to Typer as the seven options of `BarsSource`."""
    signature = inspect.signature(command, eval_str=True)
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name != "source":
            parameters.append(parameter)
            continue
        parameters.extend(
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=option, annotation=kind)
            for name, (kind, option) in _OPTIONS.items()
        )

    @functools.wraps(command)
    def run(**options: Any) -> None:
        source = BarsSource(**{name: options.pop(name) for name in _OPTIONS})
        command(source=source, **options)

    # Typer reads the signature (which stops at __signature__) and the annotations of the wrapper.
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return run


def _no_timeframe() -> str:
    from tradai.domain.errors import InvalidInput

    raise InvalidInput("--symbol needs --timeframe")


def _utc_time(option: str, text: str | None, *, whole_day: bool) -> pd.Timestamp | None:
    """Read a date or date-time (naive ones are UTC); with `whole_day` a bare date means its last instant."""
    import re

    import pandas as pd

    from tradai.domain.errors import InvalidInput

    if text is None:
        return None
    parsed: object
    try:
        parsed = pd.Timestamp(text.strip())
    except (ValueError, TypeError, OverflowError):  # pandas' DateParseError is a ValueError
        parsed = None
    if not isinstance(parsed, pd.Timestamp):  # also NaT: an empty value or "nat"
        raise InvalidInput(
            f"{option} must be a date like 2024-01-31 or a time like 2024-01-31T12:00, got {text!r}"
        )
    when = parsed.tz_localize("UTC") if parsed.tzinfo is None else parsed.tz_convert("UTC")
    if whole_day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        when += pd.Timedelta(days=1) - pd.Timedelta(1, "us")  # datetimes (the store) keep microseconds
    return when
