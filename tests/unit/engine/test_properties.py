"""Invariants over random prices and signals (hypothesis), lookahead, and form equality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.candles import bars_from_closes, scripted
from tradai.engine import backtest, kernel
from tradai.engine.metrics import (
    S_DD_BARS,
    S_MAX_DD,
    S_MAX_DD_ABS,
    S_VAR95,
    S_VAR99,
    equity_stats,
    smallest,
)
from tradai.engine.run import build_market, signal_matrix

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def market(draw: st.DrawFn, shorts: bool = False) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    n = draw(st.integers(min_value=3, max_value=60))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    names = ["enter_long", "exit_long"] + (["enter_short", "exit_short"] if shorts else [])
    signals = {name: rng.random(n) < 0.2 for name in names}
    return bars_from_closes(closes, spread=0.01), signals


@SETTINGS
@given(market(shorts=True), st.floats(0, 0.01), st.sampled_from([None, 0.03]))
def test_given_random_signals_when_backtested_then_final_equity_is_capital_plus_trade_pnl(
    data: tuple[pd.DataFrame, dict[str, np.ndarray]], fees: float, stoploss: float | None
) -> None:
    # Given
    bars, signals = data

    # When
    result = backtest(bars, scripted(signals), capital=1000.0, fees=fees, stoploss=stoploss)

    # Then: every position is closed at the end, so equity = cash = capital + realized pnl
    final = result.equity["portfolio_value"].iloc[-1]
    assert final == pytest.approx(1000.0 + result.trades["pnl"].sum(), rel=1e-9)
    assert (result.trades["fees"] >= 0).all()
    assert result.metrics["trades_count"] == len(result.trades)


@SETTINGS
@given(market())
def test_given_no_entry_signal_when_backtested_then_no_trade_and_flat_equity(
    data: tuple[pd.DataFrame, dict[str, np.ndarray]],
) -> None:
    # Given
    bars, signals = data
    flat = {"enter_long": np.zeros(len(bars), bool), "exit_long": signals["exit_long"]}

    # When
    result = backtest(bars, scripted(flat), capital=1000.0, fees=0.001)

    # Then
    assert result.trades.empty
    assert (result.equity["portfolio_value"] == 1000.0).all()
    assert result.metrics["exposure"] == 0.0


@SETTINGS
@given(market(), st.floats(0.0001, 0.02))
def test_given_same_trades_when_fees_added_then_final_value_is_lower(
    data: tuple[pd.DataFrame, dict[str, np.ndarray]], fees: float
) -> None:
    # Given
    bars, signals = data
    strategy = scripted(signals)

    # When
    free = backtest(bars, strategy, capital=1000.0)
    paid = backtest(bars, strategy, capital=1000.0, fees=fees)

    # Then
    assert len(free.trades) == len(paid.trades)
    assert paid.metrics["final_value"] <= free.metrics["final_value"] + 1e-9
    if len(paid.trades):
        assert paid.metrics["final_value"] < free.metrics["final_value"]


@SETTINGS
@given(market(shorts=True), st.integers(min_value=2, max_value=50), st.sampled_from(["open", "close"]))
def test_given_truncated_bars_when_backtested_then_result_is_prefix_of_full_run(
    data: tuple[pd.DataFrame, dict[str, np.ndarray]], cut: int, fill: str
) -> None:
    # Given: a run that could see the future would change its past when bars are cut off
    bars, signals = data
    cut = min(cut, len(bars))
    strategy = scripted(signals)

    # When
    full = backtest(bars, strategy, capital=1000.0, fill=fill, stoploss=0.02)
    part = backtest(bars.iloc[:cut], strategy, capital=1000.0, fill=fill, stoploss=0.02)

    # Then: identical equity before the cut's last bar, identical trades closed before it
    np.testing.assert_allclose(
        part.equity["portfolio_value"].to_numpy()[:-1], full.equity["portfolio_value"].to_numpy()[: cut - 1]
    )
    closed = part.trades[part.trades["exit_bar"] < cut - 1].reset_index(drop=True)
    expected = full.trades[full.trades["exit_bar"] < cut - 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(closed, expected)


@pytest.mark.parametrize("allow_short", [False, True])
def test_given_sma_cross_when_run_in_frame_and_array_form_then_results_are_identical(
    allow_short: bool,
) -> None:
    # Given
    rng = np.random.default_rng(7)
    bars = bars_from_closes(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 3000))), spread=0.002)
    params = {"fast": 7, "slow": 25, "allow_short": allow_short}

    # When
    arrays = backtest(bars, "sma_cross", params, form="arrays", fees=0.001)
    frame = backtest(bars, "sma_cross", params, form="frame", fees=0.001)

    # Then
    assert len(arrays.trades) > 10
    pd.testing.assert_frame_equal(arrays.trades, frame.trades)
    pd.testing.assert_frame_equal(arrays.equity, frame.equity)


@SETTINGS
@given(market(shorts=True), st.floats(0, 0.01), st.sampled_from(["open", "close"]), st.integers(0, 8))
def test_given_one_symbol_when_simulated_alone_or_beside_an_idle_one_then_same_trades_and_equity(
    data: tuple[pd.DataFrame, dict[str, np.ndarray]], fees: float, fill: str, start: int
) -> None:
    # Given: alone, a symbol takes the kernel's single-symbol fast paths; beside a second symbol
    # that has no signals and no capital, the general per-symbol loop; no fill before bar `start`
    bars, signals = data
    market = build_market(bars)
    flags = signal_matrix(market, scripted(signals)())
    open_, high, low, close = market.prices

    def run(rows: int) -> tuple[np.ndarray, np.ndarray]:
        def stack(values: np.ndarray, idle: object) -> np.ndarray:
            return np.vstack([values, np.full_like(values, idle)])[:rows].copy()

        state = kernel.new_state(rows, len(bars), 1000.0, len(bars))
        kernel.simulate(
            stack(open_, 1.0), stack(high, 1.0), stack(low, 1.0), stack(close, 1.0),
            stack(flags.enter_long, False), stack(flags.exit_long, False),
            stack(flags.enter_short, False), stack(flags.exit_short, False),
            stack(flags.enter_tag, -1), stack(flags.exit_tag, -1), stack(flags.confidence, np.nan),
            np.array([1.0, 0.0])[:rows], 1000.0, fees, 0.0, 1.0, 1.0, fill == "close",
            np.nan, np.nan, np.zeros(0, np.int64), np.zeros(0), start, state, 0, len(bars),
        )  # fmt: skip
        equity, trades, _ = kernel.results(state)
        return equity, trades

    # When
    alone, beside = run(1), run(2)

    # Then
    np.testing.assert_array_equal(alone[0], beside[0])
    np.testing.assert_array_equal(alone[1], beside[1])


@SETTINGS
@given(st.integers(min_value=1, max_value=60_000), st.integers(min_value=0, max_value=2**32 - 1))
def test_given_returns_when_value_at_risk_then_equals_numpy_quantiles(n: int, seed: int) -> None:
    # Given: an equity curve; long ones take the sampled-tail path, short ones select among all returns.
    # A fat-tailed step below -100% sometimes wipes the account out: returns are those of the equity
    # floored at 0 (docs/metrics.md), -1 on that bar and 0 after it
    rng = np.random.default_rng(seed)
    steps = rng.standard_t(3, n) * 0.01
    steps[rng.random(n) < 0.5] = 0.0  # flat bars, as when out of the market
    equity = 1000.0 * np.cumprod(1.0 + steps)
    floored = np.maximum(equity, 0.0)
    before = np.concatenate([[1000.0], floored[:-1]])
    returns = np.divide(floored, before, out=np.ones(n), where=before > 0) - 1.0

    # When
    stats = equity_stats(equity, 1000.0, np.zeros(n), False)

    # Then
    assert [-stats[S_VAR95], -stats[S_VAR99]] == pytest.approx(
        np.quantile(returns, [0.05, 0.01]), rel=1e-12, abs=1e-300
    )


@SETTINGS
@given(
    st.integers(min_value=1, max_value=20_000),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.sampled_from(["spread", "ties", "clustered", "equal"]),
)
def test_given_values_when_ranks_selected_then_equal_sorted_values(n: int, seed: int, shape: str) -> None:
    # Given: values spread out, with many ties and signed zeros, crowded into one radix digit
    # (more keys than are sorted directly, so the selection narrows further), or all equal
    rng = np.random.default_rng(seed)
    values = {
        "spread": rng.standard_t(3, n) * 0.01,
        "ties": rng.choice([-1.0, -0.0, 0.0, 1e-300, 5e-324, 0.25], n),
        "clustered": np.where(rng.random(n) < 0.9, 1.0 + rng.integers(0, 50, n) * 2e-16, -2.0),
        "equal": np.full(n, -0.5),
    }[shape]
    ranks = np.unique(rng.integers(0, n, 6))
    before = values.copy()

    # When
    found = smallest(values, ranks)

    # Then: the values np.sort puts at those ranks (bit for bit but for the sign of a zero), and
    # the input untouched
    np.testing.assert_array_equal(found, np.sort(values)[ranks])
    np.testing.assert_array_equal(values, before)


@SETTINGS
@given(
    st.integers(min_value=1, max_value=5000),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.floats(-0.002, 0.002),
)
def test_given_equity_curve_when_drawdowns_measured_then_equal_a_direct_computation(
    n: int, seed: int, drift: float
) -> None:
    # Given: random walks whose drawdowns span many 512-bar chunks (measured whole when below the peak)
    rng = np.random.default_rng(seed)
    equity = 1000.0 * np.cumprod(1.0 + drift + rng.normal(0, 0.01, n))
    peak = np.maximum.accumulate(np.maximum(equity, 1000.0))
    below = equity < peak
    runs = np.diff(np.flatnonzero(np.concatenate([[True], ~below, [True]]))) - 1

    # When
    stats = equity_stats(equity, 1000.0, np.zeros(n), False)

    # Then
    assert stats[S_MAX_DD] == min(0.0, (equity / peak - 1.0).min())
    assert stats[S_MAX_DD_ABS] == min(0.0, (equity - peak).min())
    assert stats[S_DD_BARS] == runs.max()


@SETTINGS
@given(market(shorts=True), st.sampled_from([None, 0.03]), st.sampled_from(["open", "close"]))
def test_given_progress_when_simulated_in_stretches_then_same_result_as_in_one_go(
    data: tuple[pd.DataFrame, dict[str, np.ndarray]], stoploss: float | None, fill: str
) -> None:
    # Given: a progress callback makes the kernel run the bars in ten stretches
    bars, signals = data
    strategy = scripted(signals)
    times: list[object] = []

    # When
    whole = backtest(bars, strategy, capital=1000.0, fees=0.001, stoploss=stoploss, fill=fill)
    stretched = backtest(
        bars, strategy, capital=1000.0, fees=0.001, stoploss=stoploss, fill=fill,
        progress=lambda fraction, message, bar_time=None: times.append(bar_time),
    )  # fmt: skip

    # Then
    pd.testing.assert_frame_equal(whole.trades, stretched.trades)
    pd.testing.assert_frame_equal(whole.equity, stretched.equity)
    assert whole.metrics["exposure"] == stretched.metrics["exposure"]
    reached = [t for t in times if t is not None]
    assert reached == sorted(reached)
    assert len(set(reached)) >= min(len(bars), 3)
