"""Import bars from CSV (the engine's CSV rules) or Parquet files into the market-data store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tradai.domain.errors import InvalidBarFile, InvalidInput
from tradai.domain.market import check_exchange, check_symbol
from tradai.domain.market_data import WriteReport
from tradai.ports import MarketData

if TYPE_CHECKING:
    import pandas as pd


def import_bar_file(
    *, market_data: MarketData, path: Path, exchange: str, symbol: str, timeframe: str
) -> WriteReport:
    """Read a CSV or Parquet bar file and merge its bars into the stored series.

    Args:
        market_data: where to store the bars.
        path: a ``.csv`` or ``.parquet`` file: a time column (or index) and open, high, low, close, volume.
        exchange: the exchange the bars belong to.
        symbol: their symbol.
        timeframe: their timeframe.

    Returns:
        The write report.

    Raises:
        InvalidBarFile: the file is missing, unreadable or not a well-formed bar table.
    """
    check_exchange(exchange)
    check_symbol(symbol)
    bars = read_bar_file(path)
    return market_data.write_bars(exchange=exchange, symbol=symbol, timeframe=timeframe, bars=bars)


def read_bar_file(path: Path) -> pd.DataFrame:
    """Return the bars of a CSV or Parquet file, indexed by UTC time. Raises `InvalidBarFile`."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            from tradai.engine.csv_bars import read_bars_csv

            return read_bars_csv(path)
        if suffix in (".parquet", ".pq"):
            return _read_parquet(path)
    except InvalidInput as error:
        raise InvalidBarFile(error.detail) from error
    raise InvalidBarFile(f"{path}: unsupported file type {suffix or '(none)'}; use .csv or .parquet")


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read Parquet through the CSV rules' column matching (the time column may also be the index)."""
    import pandas as pd

    from tradai.engine.bars import OHLCV, validate_bars
    from tradai.engine.csv_bars import TIME_COLUMNS

    if not path.is_file():
        raise InvalidBarFile(f"{path}: no such file")
    try:
        raw = pd.read_parquet(path)
    except ImportError as error:
        raise InvalidBarFile(f"{path}: Parquet needs fastparquet or pyarrow, neither installed") from error
    except (OSError, ValueError) as error:
        raise InvalidBarFile(f"{path}: not a readable Parquet file ({error})") from error
    if isinstance(raw.index, pd.DatetimeIndex):
        raw = raw.reset_index()
    lower = {str(column).strip().lower(): column for column in raw.columns}
    time_column = next((lower[name] for name in TIME_COLUMNS if name in lower), None)
    if time_column is None or any(name not in lower for name in OHLCV):
        raise InvalidBarFile(f"{path}: needs a time column and {', '.join(OHLCV)}")
    frame = raw[[lower[name] for name in OHLCV]].set_axis(list(OHLCV), axis=1)
    frame.index = pd.DatetimeIndex(pd.to_datetime(raw[time_column], utc=True))
    validate_bars(frame, str(path))
    return frame
