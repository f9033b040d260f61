"""Walk-forward and Monte Carlo pinned to values computed by hand on tiny series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.engine.candles import START, TWO_TRADES, bars_from_rows, scripted
from tradai.engine import BarArrays, IntParameter, Signals, Strategy, backtest, monte_carlo, walk_forward
from tradai.engine.monte_carlo import trade_returns

DAYS_PER_YEAR = 365

# daily closes: up 100 -> 130 over bars 0-5, down 150 -> 120 over bars 2-7, up 100 -> 120 over bars 0-7
CLOSES = [100.0, 130.0, 150.0, 140.0, 135.0, 130.0, 128.0, 120.0, 100.0, 90.0]


class AlwaysIn(Strategy):
    """Enters on the first bar it sees and holds to the end: long (direction 1) or short (0)."""

    name = "always_in"
    timeframe = "1d"
    can_short = True
    direction = IntParameter(0, 1, 1)

    def signals(self, bars: BarArrays) -> Signals:
        on, off = np.ones(len(bars), bool), np.zeros(len(bars), bool)
        long = self.params["direction"] == 1
        entry_long, entry_short = (on, off) if long else (off, on)
        return Signals(enter_long=entry_long, exit_long=off, enter_short=entry_short, exit_short=off)


def daily_bars(closes: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"open": closes, "high": closes, "low": closes, "close": closes, "volume": 1.0},
        index=pd.date_range(START, periods=len(closes), freq="1D"),
    )


def cagr(growth: float, bars: int) -> float:
    return float(growth ** (DAYS_PER_YEAR / bars) - 1)


def walk(anchored: bool) -> object:
    # 10 bars, 2 windows, 60% training: train 6 bars, then tests [6, 8) and [8, 10); fills at the
    # signal bar's close, so each run is in the market from its first bar's close to its last
    return walk_forward(
        daily_bars(CLOSES), AlwaysIn, {"direction": [0, 1]}, windows=2, train_fraction=0.6,
        anchored=anchored, metric="total_return", capital=1000.0, fill="close",
    )  # fmt: skip


def test_given_rolling_windows_when_walked_forward_then_each_test_continues_from_the_last_value() -> None:
    # Given: window 1 trains on bars 0-5 (long +30% beats short -30%), tests long on 128 -> 120;
    # window 2 trains on bars 2-7 (short +20% beats long -20%), tests short on 100 -> 90
    in_sample = [cagr(1.3, 6), cagr(1.2, 6)]
    out_of_sample = [cagr(120 / 128, 2), cagr(1.1, 2)]

    # When
    result = walk(anchored=False)

    # Then: 1000 -> 937.5 long; the short starts from 937.5, its 9.375 units gain 10 each
    assert list(result.windows["direction"]) == [1, 0]
    assert list(result.equity["portfolio_value"]) == pytest.approx([1000.0, 937.5, 937.5, 1031.25])
    assert list(result.equity["drawdown_percent"]) == pytest.approx([0.0, -6.25, -6.25, 0.0])
    assert list(result.equity.index) == list(daily_bars(CLOSES).index[6:])
    assert list(result.trades["side"]) == ["long", "short"]
    assert list(result.trades["size"]) == pytest.approx([1000 / 128, 937.5 / 100])
    assert result.metrics["final_value"] == pytest.approx(1031.25)
    assert result.metrics["total_return"] == pytest.approx(0.03125)
    assert list(result.windows["in_sample_cagr"]) == pytest.approx(in_sample, rel=1e-9)
    assert list(result.windows["out_of_sample_cagr"]) == pytest.approx(out_of_sample, rel=1e-9)
    assert result.efficiency_ratio == pytest.approx(np.mean(out_of_sample) / np.mean(in_sample), rel=1e-9)
    assert result.efficiency_ratio == pytest.approx(4.16187444, rel=1e-8)


def test_given_anchored_windows_when_walked_forward_then_every_window_trains_from_the_first_bar() -> None:
    # Given: window 2 trains on bars 0-7 (long +20% beats short -20%; rolling it chose short),
    # so it tests long on 100 -> 90 from 937.5
    in_sample = [cagr(1.3, 6), cagr(1.2, 8)]
    out_of_sample = [cagr(120 / 128, 2), cagr(0.9, 2)]

    # When
    result = walk(anchored=True)

    # Then
    assert list(result.windows["train_start"]) == [START, START]
    assert list(result.windows["direction"]) == [1, 1]
    assert list(result.equity["portfolio_value"]) == pytest.approx([1000.0, 937.5, 937.5, 843.75])
    assert result.metrics["final_value"] == pytest.approx(843.75)
    assert list(result.windows["in_sample_cagr"]) == pytest.approx(in_sample, rel=1e-9)
    assert result.efficiency_ratio == pytest.approx(np.mean(out_of_sample) / np.mean(in_sample), rel=1e-9)


def two_trades() -> object:
    return backtest(bars_from_rows(TWO_TRADES), scripted(TWO_TRADES), capital=1000.0)


def test_given_two_trades_when_returns_are_taken_then_each_is_pnl_over_the_equity_before_entry() -> None:
    # Given: +200 entered with 1000 (the close before bar 1), -120 entered with 1200 (the close before bar 3)
    # When
    returns = trade_returns(two_trades())

    # Then
    assert list(returns) == pytest.approx([0.2, -0.1])


def test_given_trades_of_plus_20_and_minus_10_percent_when_bootstrapped_then_the_four_paths_show() -> None:
    # Given: two draws of {+20%, -10%}: paths ++ (1.44, no drawdown, mean > 0), +- and -+ (1.08,
    # drawdown -10%, mean 5% > 0) and -- (0.81, drawdown -19%, mean < 0), with chances 1/4, 1/2, 1/4
    result = two_trades()

    # When
    outcome = monte_carlo(result, simulations=4000, seed=7, percentiles=(5, 50, 95))

    # Then
    assert outcome.total_return == pytest.approx({5.0: 0.81 - 1, 50.0: 1.08 - 1, 95.0: 1.44 - 1})
    assert outcome.max_drawdown == pytest.approx({5.0: -0.19, 50.0: -0.1, 95.0: 0.0})
    assert outcome.prob_sharpe_positive == pytest.approx(0.75, abs=0.03)
    assert outcome.prob_loss == pytest.approx(0.25, abs=0.03)


@pytest.mark.parametrize(
    ("exit_open", "sharpe_positive", "loss", "total", "drawdown"),
    [(110, 1.0, 0.0, 0.1, 0.0), (95, 0.0, 1.0, -0.05, -0.05)],
    ids=["one winner", "one loser"],
)
def test_given_one_trade_when_bootstrapped_then_every_path_is_that_trade(
    exit_open: float, sharpe_positive: float, loss: float, total: float, drawdown: float
) -> None:
    # Given: in at 100, out at `exit_open`: every resampled sequence is that one trade
    exit_bar = (exit_open, exit_open, exit_open, exit_open, 0, 0, 0, 0)
    rows = [(100, 100, 100, 100, 1, 0, 0, 0), (100, 100, 100, 100, 0, 1, 0, 0), exit_bar]
    result = backtest(bars_from_rows(rows), scripted(rows), capital=1000.0)

    # When
    outcome = monte_carlo(result, simulations=200, seed=1, percentiles=(5, 95))

    # Then
    assert outcome.prob_sharpe_positive == sharpe_positive
    assert outcome.prob_loss == loss
    assert outcome.total_return == pytest.approx({5.0: total, 95.0: total})
    assert outcome.max_drawdown == pytest.approx({5.0: drawdown, 95.0: drawdown})


def test_given_a_window_that_ends_owing_when_walked_forward_then_the_drawdown_floors_at_minus_100() -> None:
    # Given: anchored, window 2 goes long at 2x on 100 and the next bar trades at 40: liquidated at 50,
    # where the position is worth 0, and its exit fee leaves the account owing
    closes = [*CLOSES[:9], 40.0]

    # When
    result = walk_forward(
        daily_bars(closes), AlwaysIn, {"direction": [0, 1]}, windows=2, train_fraction=0.6, anchored=True,
        metric="total_return", capital=1000.0, fill="close", leverage=2.0, fees=0.01,
    )  # fmt: skip

    # Then: as a backtest's curve shows it (docs/metrics.md, "A wiped-out account")
    assert list(result.trades["exit_reason"]) == ["end_of_data", "liquidation"]
    assert result.equity["portfolio_value"].iloc[-1] < 0
    assert result.equity["drawdown_percent"].min() == -100.0
    assert result.metrics["max_drawdown"] == -1.0
