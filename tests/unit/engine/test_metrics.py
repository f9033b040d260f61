"""Each metric pinned to a value computed by hand on a tiny series."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from tests.unit.engine.candles import TWO_TRADES, bars_from_rows, scripted
from tradai.engine import backtest
from tradai.engine.kernel import T_ENTRY_BAR, T_EXIT_BAR, T_FEES, T_PNL, T_PNL_PCT, TRADE_FIELDS
from tradai.engine.metrics import RunArrays, _trade_stats_reading, compute_metrics, trade_stats

HOURS_PER_YEAR = 8760

# one long: signal on bar 0, in at bar 1's open 100, out at bar 3's open 110; equity 1000, 1050, 1080, 1100
WINNER = [
    (100, 100, 100, 100, 1, 0, 0, 0),
    (100, 105, 100, 105, 0, 0, 0, 0),
    (105, 108, 105, 108, 0, 1, 0, 0),
    (110, 111, 110, 111, 0, 0, 0, 0),
]
# in at 100, dips to 80 (equity 800), out at 120: equity 1000, 1000, 800, 900, 1200
DIP = [
    (100, 100, 100, 100, 1, 0, 0, 0),
    (100, 100, 100, 100, 0, 0, 0, 0),
    (100, 100, 80, 80, 0, 0, 0, 0),
    (80, 90, 80, 90, 0, 1, 0, 0),
    (120, 120, 120, 120, 0, 0, 0, 0),
]


def run(rows: list, **settings: float) -> dict:
    return backtest(bars_from_rows(rows), scripted(rows), capital=1000.0, **settings).metrics


def test_given_one_winning_trade_when_measured_then_return_and_sharpe_match_hand_values() -> None:
    # Given: per-bar returns 0, 0.05, 1080/1050-1 = 0.0285714, 1100/1080-1 = 0.0185185
    returns = [0.0, 0.05, 0.028571428571428525, 0.01851851851851860]
    mean = sum(returns) / 4  # 0.0242725
    std = math.sqrt(sum((r - mean) ** 2 for r in returns) / 3)  # 0.0208378

    # When
    metrics = run(WINNER)

    # Then
    assert metrics["final_value"] == pytest.approx(1100.0)
    assert metrics["total_return"] == pytest.approx(0.1)
    assert metrics["sharpe"] == pytest.approx(mean / std * math.sqrt(HOURS_PER_YEAR))
    assert metrics["sharpe"] == pytest.approx(109.0218334, rel=1e-7)
    assert math.isnan(metrics["sortino"])  # no losing bar: the downside deviation is zero
    assert metrics["cagr"] == pytest.approx(1.1 ** (HOURS_PER_YEAR / 4) - 1)
    assert metrics["max_drawdown"] == 0.0
    assert metrics["trades_count"] == 1
    assert metrics["win_rate"] == 1.0
    assert metrics["profit_factor"] == math.inf
    assert metrics["expectancy"] == pytest.approx(100.0)
    assert metrics["avg_trade"] == pytest.approx(0.1)
    assert metrics["best_trade"] == metrics["worst_trade"] == pytest.approx(0.1)
    assert metrics["avg_holding_hours"] == 2.0
    assert metrics["exposure"] == 0.5  # in the market at the closes of bars 1 and 2
    assert metrics["total_fees"] == 0.0
    assert metrics["per_exit_reason"]["exit_signal"]["trades_count"] == 1


def test_given_one_winning_trade_when_measured_then_psr_alpha_beta_and_benchmark_match_hand_values() -> None:
    # Given: equity 1000, 1050, 1080, 1100 against buy-and-hold of the closes 100, 105, 108, 111
    equity = np.array([1000.0, 1050.0, 1080.0, 1100.0])
    r = equity / np.array([1000.0, 1000.0, 1050.0, 1080.0]) - 1
    close = np.array([100.0, 105.0, 108.0, 111.0])
    b = close / np.array([100.0, 100.0, 105.0, 108.0]) - 1  # the first bar against itself: 0
    beta = ((r - r.mean()) * (b - b.mean())).mean() / ((b - b.mean()) ** 2).mean()  # population moments
    alpha = (r.mean() - beta * b.mean()) * HOURS_PER_YEAR
    sr = r.mean() / r.std(ddof=1)  # per bar, as the sharpe row defines std
    d = r - r.mean()
    g3, g4 = (d**3).mean() / (d**2).mean() ** 1.5, (d**4).mean() / (d**2).mean() ** 2
    psr = NormalDist().cdf(sr * math.sqrt(4 - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2))

    # When
    metrics = run(WINNER)

    # Then
    assert metrics["beta"] == pytest.approx(beta, rel=1e-9)
    assert metrics["beta"] == pytest.approx(0.9912543728, rel=1e-9)
    assert metrics["alpha"] == pytest.approx(alpha, rel=1e-9)
    assert metrics["alpha"] == pytest.approx(-18.2408795602, rel=1e-9)
    assert metrics["probabilistic_sharpe"] == pytest.approx(psr, rel=1e-9)
    assert metrics["probabilistic_sharpe"] == pytest.approx(0.9694777004, rel=1e-9)
    assert metrics["benchmark_return"] == pytest.approx(111 / 100 - 1)


def test_given_a_winner_then_a_loser_when_measured_then_best_worst_and_avg_trade_match_hand_values() -> None:
    # Given: +20% on 1000, then -10% on 1200 (no fees: pnl_pct is exit / entry - 1)
    # When
    metrics = run(TWO_TRADES)

    # Then
    assert metrics["best_trade"] == pytest.approx(0.2)
    assert metrics["worst_trade"] == pytest.approx(-0.1)
    assert metrics["avg_trade"] == pytest.approx(0.05)
    assert metrics["expectancy"] == pytest.approx((200 - 120) / 2)
    assert metrics["final_value"] == pytest.approx(1080.0)
    assert metrics["profit_factor"] == pytest.approx(200 / 120)


def test_given_a_dip_when_measured_then_drawdown_sortino_calmar_match_hand_values() -> None:
    # Given: returns 0, 0, -0.2, 0.125, 1/3; peak 1000, trough 800, recovered on bar 4
    returns = np.array([0.0, 0.0, -0.2, 0.125, 1 / 3])
    downside = math.sqrt(0.2**2 / 5)  # 0.0894427
    years = 5 / HOURS_PER_YEAR
    cagr = 1.2 ** (1 / years) - 1

    # When
    metrics = run(DIP)

    # Then
    assert metrics["max_drawdown"] == pytest.approx(-0.2)  # negative, as seed 001 shows it
    assert metrics["max_drawdown_abs"] == pytest.approx(-200.0)
    assert metrics["max_drawdown_duration_bars"] == 2
    assert metrics["max_drawdown_duration_days"] == pytest.approx(2 / 24)
    assert metrics["sortino"] == pytest.approx(returns.mean() / downside * math.sqrt(HOURS_PER_YEAR))
    assert metrics["sortino"] == pytest.approx(54.0651613, rel=1e-7)
    assert metrics["calmar"] == pytest.approx(cagr / 0.2)
    assert metrics["var_95"] == pytest.approx(-np.quantile(returns, 0.05))  # 0.16 (linear interpolation)
    assert metrics["var_95"] == pytest.approx(0.16)


def test_given_fees_when_one_trade_then_units_fees_and_pnl_match_hand_values() -> None:
    # Given: 1% per side; units = 1000 / (100 x 1.01) = 9.9009901
    units = 1000 / 101
    entry_fee, exit_fee = units * 100 * 0.01, units * 110 * 0.01  # 9.90099, 10.89109

    # When
    result = backtest(bars_from_rows(WINNER), scripted(WINNER), capital=1000.0, fees=0.01)

    # Then
    trade = result.trades.iloc[0]
    assert trade["size"] == pytest.approx(units)
    assert trade["fees"] == pytest.approx(entry_fee + exit_fee)
    assert trade["pnl"] == pytest.approx(units * 10 - entry_fee - exit_fee)  # 78.2178
    assert trade["pnl"] == pytest.approx(78.2178218, rel=1e-8)
    assert result.metrics["final_value"] == pytest.approx(1078.2178218, rel=1e-9)
    assert result.metrics["total_fees"] == pytest.approx(20.7920792, rel=1e-8)


def test_given_fees_in_bps_when_backtested_then_same_as_fraction() -> None:
    # Given
    bars, strategy = bars_from_rows(WINNER), scripted(WINNER)

    # When
    in_bps = backtest(bars, strategy, fees_bps=100).metrics["final_value"]
    as_fraction = backtest(bars, strategy, fees=0.01).metrics["final_value"]

    # Then
    assert in_bps == as_fraction


def test_given_trade_list_when_measured_then_streaks_sqn_and_profit_factor_match_hand_values() -> None:
    # Given: pnl +10, +20, -5, -5, -5, +30 on 100 committed each
    pnl = np.array([10.0, 20.0, -5.0, -5.0, -5.0, 30.0])
    trades = np.zeros((6, 14))
    trades[:, 7], trades[:, 8] = pnl, pnl / 100
    trades[:, 2], trades[:, 3] = np.arange(6), np.arange(6) + 1  # each held one bar
    pct = pnl / 100
    run_arrays = RunArrays(
        equity=np.full(10, 1045.0),
        trades=trades,
        in_market=0,
        capital=1000.0,
        bar_seconds=3600.0,
        benchmark_returns=np.zeros(10),
        symbols=("X",),
    )

    # When
    metrics = compute_metrics(run_arrays)

    # Then
    assert metrics["max_consecutive_wins"] == 2  # +10, +20; the later +30 stands alone
    assert metrics["max_consecutive_losses"] == 3
    assert metrics["profit_factor"] == pytest.approx(60 / 15)
    assert metrics["win_rate"] == pytest.approx(0.5)
    assert metrics["sqn"] == pytest.approx(math.sqrt(6) * pct.mean() / pct.std(ddof=1))  # 0.9567
    assert metrics["avg_holding_hours"] == 1.0


def test_given_half_position_size_when_one_trade_then_half_the_cash_is_committed() -> None:
    # Given: 50% of 1000 at 100 buys 5 units; +10 per unit
    bars, strategy = bars_from_rows(WINNER), scripted(WINNER)

    # When
    result = backtest(bars, strategy, capital=1000.0, position_size=0.5)

    # Then
    assert result.trades.iloc[0]["size"] == pytest.approx(5.0)
    assert result.metrics["final_value"] == pytest.approx(1050.0)
    assert result.trades.iloc[0]["pnl_pct"] == pytest.approx(0.1)


def test_given_two_symbols_and_weights_when_both_enter_then_each_gets_its_share() -> None:
    # Given: the same bars for two symbols, weights 3:1 of 1000
    bars, strategy = bars_from_rows(WINNER), scripted(WINNER)

    # When
    result = backtest({"A": bars, "B": bars}, strategy, capital=1000.0, allocation={"A": 3.0, "B": 1.0})

    # Then: 750 and 250 at 100 -> 7.5 and 2.5 units, each +10%
    sizes = result.trades.set_index("symbol")["size"]
    assert sizes["A"] == pytest.approx(7.5)
    assert sizes["B"] == pytest.approx(2.5)
    assert result.metrics["final_value"] == pytest.approx(1100.0)
    assert result.metrics["per_symbol"]["A"]["pnl"] == pytest.approx(75.0)


def test_given_two_symbols_without_allocation_when_both_enter_then_the_capital_is_split_equally() -> None:
    # Given: the same signals on two symbols; A goes 100 -> 110, B 100 -> 120
    b_rows = [
        (100, 100, 100, 100, 1, 0, 0, 0),
        (100, 120, 100, 120, 0, 0, 0, 0),
        (120, 120, 120, 120, 0, 1, 0, 0),
        (120, 121, 120, 121, 0, 0, 0, 0),
    ]
    bars = {"A": bars_from_rows(WINNER), "B": bars_from_rows(b_rows)}

    # When
    result = backtest(bars, scripted(WINNER), capital=1000.0)

    # Then: 500 each, 5 units each: 500 x 1.1 + 500 x 1.2 (all-in on one symbol would end at 1100 or 1200)
    sizes = result.trades.set_index("symbol")["size"]
    assert sizes["A"] == pytest.approx(5.0)
    assert sizes["B"] == pytest.approx(5.0)
    assert result.metrics["final_value"] == pytest.approx(1150.0)
    assert result.metrics["per_symbol"]["B"]["pnl"] == pytest.approx(100.0)


# in at 100 with leverage 2 (liquidation at 50), the bar after it trades down to 40: liquidated at 50
LIQUIDATED = [
    (100, 100, 100, 100, 1, 0, 0, 0),
    (100, 100, 100, 100, 0, 0, 0, 0),
    (90, 90, 40, 45, 0, 0, 0, 0),
    (45, 50, 44, 48, 0, 0, 0, 0),
    (48, 49, 47, 49, 0, 0, 0, 0),
]
CURVE = ("sharpe", "sortino", "calmar", "cagr", "max_drawdown", "max_drawdown_abs", "var_95", "var_99",
         "alpha", "beta", "total_return", "final_value")  # fmt: skip


def test_given_an_equity_curve_reaching_zero_when_measured_then_every_curve_metric_is_finite() -> None:
    # Given: 1000 -> 500 -> 0, then nothing left (0/0 returns before the fix: NaN everywhere)
    run_arrays = RunArrays(
        equity=np.array([1000.0, 500.0, 0.0, 0.0, 0.0]),
        trades=np.zeros((0, 14)),
        in_market=2,
        capital=1000.0,
        bar_seconds=3600.0,
        benchmark_returns=None,
        symbols=("X",),
        benchmark_prices=np.array([100.0, 90.0, 80.0, 85.0, 90.0]),
    )
    returns = np.array([0.0, -0.5, -1.0, 0.0, 0.0])  # ruin is a -100% bar, nothing moves after it

    # When
    metrics = compute_metrics(run_arrays)

    # Then
    assert all(math.isfinite(metrics[key]) for key in CURVE), {key: metrics[key] for key in CURVE}
    assert metrics["max_drawdown"] == -1.0
    assert metrics["cagr"] == -1.0
    sharpe = returns.mean() / returns.std(ddof=1) * math.sqrt(HOURS_PER_YEAR)
    assert metrics["sharpe"] == pytest.approx(sharpe)
    assert metrics["var_99"] == pytest.approx(-np.quantile(returns, 0.01))
    assert metrics["max_drawdown_duration_bars"] == 4


def test_given_leveraged_long_liquidated_with_fees_when_measured_then_metrics_are_finite() -> None:
    # Given: the exit fee of the liquidation leaves the account below zero (it owes the fee)
    bars, strategy = bars_from_rows(LIQUIDATED), scripted(LIQUIDATED)

    # When
    result = backtest(bars, strategy, capital=1000.0, leverage=2.0, fees=0.001)

    # Then
    metrics = result.metrics
    assert result.trades.iloc[0]["exit_reason"] == "liquidation"
    assert metrics["final_value"] < 0  # the debt is reported as it is
    assert metrics["total_return"] < -1.0
    assert all(math.isfinite(metrics[key]) for key in CURVE), {key: metrics[key] for key in CURVE}
    assert metrics["max_drawdown"] == -1.0  # a fraction of the peak: the equity floored at 0
    assert metrics["max_drawdown_abs"] == pytest.approx(metrics["final_value"] - 1000.0)
    assert metrics["cagr"] == -1.0
    assert metrics["calmar"] == -1.0
    assert result.equity["drawdown_percent"].min() == -100.0


def test_given_another_trade_record_layout_when_trade_stats_built_then_it_reads_that_layout() -> None:
    # Given: trade statistics compiled, and cached on disk, for kernel.py's record layout; and a
    # layout with pnl and pnl_pct swapped. numba keys a cached function on its own file only: unless
    # the layout keys it too, the second would load the first's code and read the old columns
    trades = np.zeros((3, TRADE_FIELDS))
    trades[:, T_PNL] = [1.0, -2.0, -3.0]
    trades[:, T_PNL_PCT] = [0.1, 0.2, -0.3]
    standard = trade_stats(trades)

    # When
    swapped = _trade_stats_reading((T_PNL_PCT, T_PNL, T_FEES, T_ENTRY_BAR, T_EXIT_BAR))(trades)

    # Then: winners and mean pnl come from the columns each was built for
    assert (standard[0], standard[3]) == (1.0, pytest.approx(-4.0 / 3.0))
    assert (swapped[0], swapped[3]) == (2.0, pytest.approx(0.0))
