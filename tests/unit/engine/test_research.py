"""Sweeps, walk-forward and Monte Carlo on small data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.engine.candles import bars_from_closes
from tradai.engine import InvalidParameter, backtest, monte_carlo, sweep, walk_forward
from tradai.engine.walk_forward import window_bounds

RNG = np.random.default_rng(3)
BARS = bars_from_closes(100 * np.exp(np.cumsum(RNG.normal(0.0002, 0.01, 2000))), spread=0.003)


def test_given_grid_when_swept_then_every_valid_set_is_ranked_best_first() -> None:
    # Given
    space = {"fast": [5, 10, 40], "slow": [20, 40]}
    seen: list[float] = []

    # When
    result = sweep(BARS, "sma_cross", space, metric="total_return", progress=lambda f, m: seen.append(f))

    # Then: fast 40 with slow 20/40 is refused (fast must be below slow)
    assert len(result.table) == 4
    assert result.skipped == 2
    assert result.table["total_return"].is_monotonic_decreasing
    assert result.best_params == {
        "fast": int(result.table.loc[0, "fast"]),
        "slow": int(result.table.loc[0, "slow"]),
        "allow_short": False,
    }
    single = backtest(BARS, "sma_cross", result.best_params)
    assert single.metrics["total_return"] == pytest.approx(result.table.loc[0, "total_return"])
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_given_drawdown_metric_when_swept_then_the_shallowest_drawdown_ranks_first() -> None:
    # When: drawdowns are negative fractions (seed 001), so nearer zero is better
    result = sweep(BARS, "sma_cross", {"fast": [5, 10], "slow": [20, 40]}, metric="max_drawdown")

    # Then
    drawdowns = result.table["max_drawdown"]
    assert (drawdowns <= 0).all()
    assert drawdowns.is_monotonic_decreasing
    assert drawdowns.iloc[0] == drawdowns.max()


def test_given_random_search_when_seeded_then_reproducible() -> None:
    # When
    first = sweep(BARS, "rsi_reversion", method="random", samples=6, seed=11)
    second = sweep(BARS, "rsi_reversion", method="random", samples=6, seed=11)

    # Then
    pd.testing.assert_frame_equal(first.table, second.table)


def test_given_empty_value_list_when_swept_then_invalid_parameter() -> None:
    with pytest.raises(InvalidParameter):
        sweep(BARS, "sma_cross", {"fast": [], "slow": [20]})


@pytest.mark.parametrize("anchored", [False, True])
def test_given_windows_when_bounds_then_tests_tile_the_tail_without_overlap(anchored: bool) -> None:
    # Given: 60% of 1000 bars train the first window; the other 400 make four test windows
    # When
    bounds = window_bounds(1000, 4, 0.6, anchored)

    # Then
    assert [b[2] for b in bounds] == [600, 700, 800, 900]
    assert all(b[1] == b[2] and b[3] - b[2] == 100 for b in bounds)
    assert all(b[0] == (0 if anchored else b[2] - 600) for b in bounds)


def test_given_bars_when_walked_forward_then_out_of_sample_equity_is_stitched() -> None:
    # When
    result = walk_forward(
        BARS, "sma_cross", {"fast": [5, 10], "slow": [30, 60]}, windows=3, metric="total_return"
    )

    # Then
    assert len(result.windows) == 3
    assert len(result.equity) == 3 * int(2000 * 0.3 / 3)
    assert result.equity.index.is_monotonic_increasing
    assert result.metrics["trades_count"] == len(result.trades)
    assert np.isfinite(result.efficiency_ratio) or np.isnan(result.efficiency_ratio)
    assert (result.trades["entry_time"] >= result.windows.loc[0, "test_start"]).all()


def test_given_backtest_when_monte_carlo_then_seeded_percentiles_are_ordered() -> None:
    # Given
    result = backtest(BARS, "sma_cross", {"fast": 5, "slow": 20})

    # When
    first = monte_carlo(result, simulations=500, seed=1)
    again = monte_carlo(result, simulations=500, seed=1)

    # Then
    assert first == again
    returns = list(first.total_return.values())
    assert returns == sorted(returns)
    assert 0.0 <= first.prob_sharpe_positive <= 1.0
    assert all(-1.0 <= d <= 0.0 for d in first.max_drawdown.values())


def test_given_two_symbols_when_backtested_then_capital_is_shared_and_breakdown_per_symbol() -> None:
    # Given: the second symbol starts later, so the union index has bars without its data
    other = bars_from_closes(50 * np.exp(np.cumsum(RNG.normal(0, 0.01, 1500))), spread=0.003)
    other.index = BARS.index[500:]

    # When
    result = backtest({"BTC": BARS, "ETH": other}, "sma_cross", {"fast": 5, "slow": 20}, capital=1000.0)

    # Then
    assert set(result.metrics["per_symbol"]) == {"BTC", "ETH"}
    assert set(result.trades["symbol"]) == {"BTC", "ETH"}
    assert (result.trades.loc[result.trades["symbol"] == "ETH", "entry_time"] >= other.index[0]).all()
    final = result.equity["portfolio_value"].iloc[-1]
    assert final == pytest.approx(1000.0 + result.trades["pnl"].sum(), rel=1e-9)
    assert len(result.equity) == len(BARS)


def test_given_a_callback_taking_bar_time_when_run_then_it_sees_the_bars_reached() -> None:
    # Given
    seen: list[tuple[float, object]] = []

    def progress(fraction: float, message: str, bar_time: object = None) -> None:
        seen.append((fraction, bar_time))

    # When
    backtest(BARS, "sma_cross", progress=progress)
    walked: list[object] = []
    walk_forward(
        BARS, "sma_cross", {"fast": [5], "slow": [30]}, windows=3,
        progress=lambda fraction, message, bar_time=None: walked.append(bar_time),
    )  # fmt: skip

    # Then: the single run ends on the last bar; the walk-forward moves through the windows
    assert seen[-1] == (1.0, BARS.index[-1].to_pydatetime())
    times = [t for t in walked if t is not None]
    assert times == sorted(times)
    assert len(set(times)) >= 4
    assert times[-1] == BARS.index[-1].to_pydatetime()


def test_given_a_strategy_that_tags_its_trades_when_walked_forward_then_trades_keep_their_tags() -> None:
    # When: PascalStrategy names every entry and exit (crashed with IndexError on an empty tag list)
    result = walk_forward(BARS, "PascalStrategy", {"ema_fast": [10, 21]}, windows=2)

    # Then
    assert len(result.windows) == 2
    assert len(result.trades) > 0
    assert set(result.trades["enter_tag"]) <= {"trend_pullback_long", "trend_pullback_short"}
    assert set(result.trades["exit_tag"]) <= {"momentum_exhausted", "trend_break", None}
    assert result.trades["enter_tag"].notna().all()


def test_given_a_sweep_when_finished_then_its_record_reproduces_it() -> None:
    # Given
    first = sweep(BARS, "sma_cross", {"fast": [5, 10], "slow": [30]}, method="random", samples=3, seed=7)

    # When: run again from the record alone
    record = first.record
    search = record.search or {}
    again = sweep(
        BARS, record.strategy, search["space"], method=search["method"], samples=search["samples"],
        points=search["points"], metric=search["metric"], params=record.params, seed=record.seed,
        **record.settings,
    )  # fmt: skip

    # Then
    assert (record.strategy, record.seed, search["mode"]) == ("sma_cross", 7, "sweep")
    assert record.code_hash == backtest(BARS, "sma_cross").record.code_hash
    assert record.bars_fingerprint == backtest(BARS, "sma_cross").record.bars_fingerprint
    assert again.record == record
    pd.testing.assert_frame_equal(again.table, first.table)


def test_given_a_walk_forward_when_finished_then_its_record_names_the_search_not_one_parameter_set() -> None:
    # When
    result = walk_forward(BARS, "sma_cross", {"fast": [5, 10], "slow": [30]}, windows=2, seed=3)

    # Then: strategy, code, bars, engine, seed and space; each window's choice is in `windows`
    record = result.record.to_dict()
    single = backtest(BARS, "sma_cross").record
    named = (record["strategy"], record["code_hash"], record["bars_fingerprint"], record["engine_version"])
    assert named == ("sma_cross", single.code_hash, single.bars_fingerprint, single.engine_version)
    assert record["seed"] == 3
    assert record["params"] == {}
    assert record["search"] == {
        "mode": "walk_forward", "space": {"fast": [5, 10], "slow": [30]}, "windows": 2, "train_fraction": 0.7,
        "anchored": False, "metric": "sharpe", "method": "grid", "points": 5, "samples": 50,
    }  # fmt: skip
    assert set(result.windows["fast"]) <= {5, 10}


def test_given_a_monte_carlo_when_finished_then_its_record_is_the_runs_with_its_seed() -> None:
    # Given
    result = backtest(BARS, "sma_cross", {"fast": 5, "slow": 20}, seed=11)

    # When
    simulated = monte_carlo(result, simulations=50, seed=2)

    # Then
    record = simulated.record
    assert (record.params, record.bars_fingerprint, record.code_hash) == (
        result.record.params, result.record.bars_fingerprint, result.record.code_hash,
    )  # fmt: skip
    assert record.seed == 2
    assert record.search == {
        "mode": "monte_carlo", "simulations": 50, "percentiles": [5.0, 25.0, 50.0, 75.0, 95.0],
        "backtest_seed": 11,
    }  # fmt: skip
