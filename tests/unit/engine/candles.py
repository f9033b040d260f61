"""Hand-written candle tables and frozen test strategies for engine tests (freqtrade BTContainer style)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tradai.engine import BarArrays, Signals, Strategy

START = pd.Timestamp("2024-01-01", tz="UTC")

# a row: (open, high, low, close, enter_long, exit_long, enter_short, exit_short)
Row = tuple[float, float, float, float, int, int, int, int]


# two longs by signals: 100 -> 120 (+200 on 1000), then 12 units 100 -> 90 (-120 on 1200);
# equity 1000, 1100, 1200, 1140, 1080 (the closes after each entry differ from its price, so the
# equity before an entry and at it differ)
TWO_TRADES: list[Row] = [
    (100, 100, 100, 100, 1, 0, 0, 0),
    (100, 110, 100, 110, 0, 1, 0, 0),
    (120, 120, 120, 120, 1, 0, 0, 0),
    (100, 100, 95, 95, 0, 1, 0, 0),
    (90, 90, 90, 90, 0, 0, 0, 0),
]


def bars_from_rows(rows: Sequence[Row], freq: str = "1h") -> pd.DataFrame:
    """Return OHLCV bars from candle rows (signal columns are ignored here)."""
    table = np.array([row[:4] for row in rows], dtype=float)
    return pd.DataFrame(
        {"open": table[:, 0], "high": table[:, 1], "low": table[:, 2], "close": table[:, 3], "volume": 1.0},
        index=pd.date_range(START, periods=len(rows), freq=freq),
    )


def bars_from_closes(closes: Sequence[float], spread: float = 0.0) -> pd.DataFrame:
    """Return bars whose open is the previous close and whose range is `spread` around open/close."""
    close = np.asarray(closes, dtype=float)
    open_ = np.concatenate([[close[0]], close[:-1]])
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) * (1 + spread),
            "low": np.minimum(open_, close) * (1 - spread),
            "close": close,
            "volume": 1.0,
        },
        index=pd.date_range(START, periods=len(close), freq="1h"),
    )


def scripted(rows_or_signals: Sequence[Row] | dict[str, Any], **attrs: Any) -> type[Strategy]:
    """Return a strategy class that replays fixed signals (by bar position) in array and frame form."""
    if isinstance(rows_or_signals, dict):
        columns = {k: np.asarray(v, dtype=bool) for k, v in rows_or_signals.items()}
    else:
        table = np.array([row[4:] for row in rows_or_signals], dtype=bool)
        columns = dict(zip(("enter_long", "exit_long", "enter_short", "exit_short"), table.T, strict=True))

    def signals(self: Strategy, bars: BarArrays) -> Signals:
        n = len(bars)
        return Signals(**{k: v[:n] for k, v in columns.items()})

    def populate_entry_trend(self: Strategy, frame: pd.DataFrame) -> pd.DataFrame:
        for key, value in columns.items():
            frame[key] = value[: len(frame)]
        return frame

    namespace = {
        "name": "scripted",
        "can_short": True,
        "signals": signals,
        "populate_entry_trend": populate_entry_trend,
        **attrs,
    }
    return type("Scripted", (Strategy,), namespace)


@dataclass(frozen=True)
class Scenario:
    """A candle table, settings, and its trades: (entry bar, exit bar, side, entry, exit, reason)."""

    description: str
    rows: list[Row]
    trades: list[tuple[int, int, str, float, float, str]]
    settings: dict[str, Any] = field(default_factory=dict)
