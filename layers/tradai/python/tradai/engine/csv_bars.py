"""Read OHLCV bars from a CSV file: a time column and open, high, low, close, volume (any case)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tradai.domain.errors import InvalidBars
from tradai.engine.bars import OHLCV, validate_bars

TIME_COLUMNS = ("date", "datetime", "time", "timestamp")


def read_bars_csv(path: Path) -> pd.DataFrame:
    """Return the bars in `path`, indexed by UTC timestamps.

    The time column is the one named date, datetime, time or timestamp (any case), else the first
    column; it holds dates/times (naive ones are UTC) or epoch seconds/milliseconds.

    Raises:
        InvalidBars: the file is missing, unreadable, or not a well-formed bar table.
    """
    try:
        raw = pd.read_csv(path)
    except FileNotFoundError:
        raise InvalidBars(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InvalidBars(f"{path}: not a readable CSV ({str(error).splitlines()[0]})") from None
    if raw.empty:
        raise InvalidBars(f"{path}: no rows")
    lower = {str(column).strip().lower(): column for column in raw.columns}
    time_column = next((lower[name] for name in TIME_COLUMNS if name in lower), raw.columns[0])
    missing = [name for name in OHLCV if name not in lower]
    if missing:
        raise InvalidBars(f"{path}: missing column(s) {', '.join(missing)}")
    frame = raw[[lower[name] for name in OHLCV]].copy()
    frame.columns = list(OHLCV)
    frame.index = _timestamps(path, raw[time_column])
    validate_bars(frame, str(path))
    return frame


def _timestamps(path: Path, column: pd.Series) -> pd.DatetimeIndex:
    try:
        if pd.api.types.is_numeric_dtype(column):
            if column.abs().max() > 1e11:  # later than 5138 in seconds: these are milliseconds
                return pd.DatetimeIndex(pd.to_datetime(column, unit="ms", utc=True))
            return pd.DatetimeIndex(pd.to_datetime(column, unit="s", utc=True))
        return pd.DatetimeIndex(pd.to_datetime(column, utc=True, format="mixed"))
    except (ValueError, TypeError, OverflowError) as error:
        raise InvalidBars(f"{path}: cannot read times in column {column.name!r} ({error})") from None
