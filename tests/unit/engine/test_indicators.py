"""Numba indicators against pandas and hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradai.engine import indicators as ta

VALUES = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 4.0, 6.0, 8.0])


def test_given_values_when_sma_then_matches_pandas_rolling_mean() -> None:
    # Given
    series = pd.Series(np.random.default_rng(1).normal(100, 5, 500))

    # When
    result = ta.sma(series.to_numpy(), 20)

    # Then
    np.testing.assert_allclose(result, series.rolling(20).mean().to_numpy(), rtol=1e-12, equal_nan=True)


def test_given_values_when_ema_then_seeded_with_sma_then_smoothed() -> None:
    # Given: period 3, alpha 0.5, seed mean(1, 2, 3) = 2
    # When
    result = ta.ema(VALUES, 3)

    # Then
    assert np.isnan(result[:2]).all()
    assert result[2] == 2.0
    assert result[3] == pytest.approx(0.5 * 4 + 0.5 * 2)  # 3.0
    assert result[4] == pytest.approx(0.5 * 5 + 0.5 * 3)  # 4.0


def test_given_values_when_rsi_then_wilder_smoothing_matches_hand_values() -> None:
    # Given: changes +1 +1 +1 +1 -1 -1 +1 +2 +2; period 4
    # When
    result = ta.rsi(VALUES, 4)

    # Then: first average gain 1, loss 0 -> 100; then gain 0.75, loss 0.25 -> RSI 75
    assert np.isnan(result[:4]).all()
    assert result[4] == 100.0
    assert result[5] == pytest.approx(100 - 100 / (1 + 0.75 / 0.25))
    assert result[6] == pytest.approx(100 - 100 / (1 + (0.75 * 3 / 4) / ((0.25 * 3 + 1) / 4)))


def test_given_values_when_bollinger_then_population_std_bands() -> None:
    # When
    middle, upper, lower = ta.bollinger(VALUES, 4, 2.0)

    # Then: window 1..4 has mean 2.5 and population std sqrt(1.25)
    assert middle[3] == 2.5
    assert upper[3] == pytest.approx(2.5 + 2 * np.sqrt(1.25))
    assert lower[3] == pytest.approx(2.5 - 2 * np.sqrt(1.25))


def test_given_bars_when_atr_then_true_range_includes_gaps() -> None:
    # Given: true ranges 2, max(1, |3-1|, |2-1|) = 2, 4
    high, low, close = np.array([3.0, 3.0, 5.0]), np.array([1.0, 2.0, 1.0]), np.array([1.0, 2.5, 4.0])

    # When
    result = ta.atr(high, low, close, 2)

    # Then
    assert result[1] == 2.0
    assert result[2] == pytest.approx((2.0 * 1 + 4.0) / 2)


def test_given_two_lines_when_crossing_then_one_flag_per_cross() -> None:
    # Given
    a = np.array([1.0, 2.0, 3.0, 2.0, 1.0, np.nan, 3.0])
    b = np.full(7, 2.0)

    # When / Then
    assert ta.crossed_above(a, b).tolist() == [False, False, True, False, False, False, False]
    assert ta.crossed_below(a, b).tolist() == [False, False, False, False, True, False, False]


@pytest.mark.parametrize("n", [1, 29, 30, 31, 1024, 1025, 2100, 5000])
@pytest.mark.parametrize(
    ("fast", "slow"), [(10, 30), (3, 7), (1, 2), (30, 10), (5, 5), (2, 1500), (1023, 1025), (1024, 2049)]
)
@pytest.mark.parametrize("ties", [False, True])
def test_given_values_when_sma_crosses_then_equals_crossings_of_two_smas(
    n: int, fast: int, slow: int, ties: bool
) -> None:
    # Given: long enough to pass the exact re-sums every RESUM bars (and blocks of them); with
    # ties, prices on a coarse grid with flat stretches, where the two averages are often equal
    values = 100 * np.exp(np.cumsum(np.random.default_rng(n).normal(0, 0.01, n)))
    if ties:
        values = np.repeat(np.round(values[: -(-n // 7)]), 7)[:n]
    slow_line, fast_line = ta.sma(values, slow), ta.sma(values, fast)

    # When
    up, down = ta.sma_crosses(values, fast, slow)

    # Then: the fused pass is bit-for-bit the composition
    np.testing.assert_array_equal(up, ta.crossed_above(fast_line, slow_line))
    np.testing.assert_array_equal(down, ta.crossed_below(fast_line, slow_line))


@pytest.mark.parametrize("scale", [1e-310, 1e-300, 1e-8, 1.0, 3e150, 1e300])
@pytest.mark.parametrize("special", [None, np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(("fast", "slow"), [(10, 30), (3, 7), (1, 2), (7, 3)])
def test_given_extreme_or_non_finite_values_when_sma_crosses_then_equals_crossings_of_two_smas(
    scale: float, special: float | None, fast: int, slow: int
) -> None:
    # Given: magnitudes where products by reciprocals round differently from quotients (subnormal
    # to near overflow), near-ties (a grid with flat stretches), maybe a NaN or an infinity
    rng = np.random.default_rng(3)
    values = np.repeat(np.round(rng.normal(100, 1, 900)), rng.integers(1, 5, 900))[:3000] * scale
    values[::97] = np.nextafter(values[::97], np.inf)
    if special is not None:
        values[[5, 1500, 2047]] = special

    # When
    up, down = ta.sma_crosses(values, fast, slow)

    # Then
    fast_line, slow_line = ta.sma(values, fast), ta.sma(values, slow)
    np.testing.assert_array_equal(up, ta.crossed_above(fast_line, slow_line))
    np.testing.assert_array_equal(down, ta.crossed_below(fast_line, slow_line))


def test_given_two_lines_when_crosses_then_both_directions_equal_crossed_above_and_below() -> None:
    # Given: lines that touch, cross and start with NaN
    a = np.array([np.nan, 1.0, 2.0, 2.0, 1.0, 3.0, 3.0, 0.5])
    b = np.array([np.nan, 1.5, 1.5, 2.0, 2.0, 2.0, 3.0, 3.0])

    # When
    up, down = ta.crosses(a, b)

    # Then
    np.testing.assert_array_equal(up, ta.crossed_above(a, b))
    np.testing.assert_array_equal(down, ta.crossed_below(a, b))
