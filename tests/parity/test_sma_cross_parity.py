"""Parity: zero-fee, next-open sma_cross matches vectorbt and backtesting.py trade for trade."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.parity.peers import engine

pytestmark = pytest.mark.parity

BARS = 5_000
CAPITAL = 10_000.0


def tradai_trades(bars: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    result = engine.run_tradai(bars, 10, 30, CAPITAL)
    trades = result.trades[["entry_time", "exit_time", "entry_price", "exit_price"]].copy()
    for column in ("entry_time", "exit_time"):
        trades[column] = trades[column].dt.tz_localize(None)
    return trades, result.metrics["final_value"]


def test_given_same_bars_when_vectorbt_runs_sma_cross_then_trades_and_final_value_match() -> None:
    # Given
    naive = engine.make_bars(BARS, seed=5, tz=None)
    ours, final = tradai_trades(engine.make_bars(BARS, seed=5))

    # When
    portfolio = engine.run_vectorbt(naive, 10, 30, CAPITAL)

    # Then
    records = portfolio.trades.records_readable
    theirs = pd.DataFrame(
        {
            "entry_time": pd.DatetimeIndex(records["Entry Timestamp"]),
            "exit_time": pd.DatetimeIndex(records["Exit Timestamp"]),
            "entry_price": records["Avg Entry Price"].to_numpy(),
            "exit_price": records["Avg Exit Price"].to_numpy(),
        }
    )
    assert len(ours) > 50
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_dtype=False, rtol=1e-12)
    assert final == pytest.approx(float(portfolio.final_value()), rel=1e-9)


def test_given_same_bars_when_backtesting_py_runs_sma_cross_then_trades_and_final_value_match() -> None:
    # Given
    naive = engine.make_bars(BARS, seed=5, tz=None)
    ours, final = tradai_trades(engine.make_bars(BARS, seed=5))

    # When
    stats = engine.run_backtesting(naive, 10, 30, CAPITAL)

    # Then
    records = stats["_trades"]
    theirs = pd.DataFrame(
        {
            "entry_time": pd.DatetimeIndex(records["EntryTime"]),
            "exit_time": pd.DatetimeIndex(records["ExitTime"]),
            "entry_price": records["EntryPrice"].to_numpy(dtype=np.float64),
            "exit_price": records["ExitPrice"].to_numpy(dtype=np.float64),
        }
    )
    assert len(ours) > 50
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_dtype=False, rtol=1e-12)
    # FractionalBacktest buys whole 1e-8 units: up to 1e-8 x price of cash stays unspent per trade
    assert final == pytest.approx(float(stats["Equity Final [$]"]), rel=1e-9)
