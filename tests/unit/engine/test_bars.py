"""Bar checks and the bars fingerprint: every change shows, every defect is named (the first one)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.unit.engine.candles import bars_from_closes
from tradai.domain.errors import InvalidBars
from tradai.engine.bars import OHLCV, fingerprint, validate_bars

# long enough for the hash's vector loop and its scalar tail
BARS = bars_from_closes(100 * np.exp(np.cumsum(np.random.default_rng(7).normal(0, 0.01, 1_003))), spread=0.01)
PRICES = ("open", "high", "low", "close")


def fingerprint_of(frame: pd.DataFrame) -> str:
    return fingerprint({"BTC": validate_bars(frame, "BTC")})


def with_value(frame: pd.DataFrame, column: str, row: int, value: float) -> pd.DataFrame:
    values = frame[column].to_numpy(copy=True)
    values[row] = value
    return frame.assign(**{column: values})


@settings(max_examples=60, deadline=None)
@given(column=st.sampled_from(OHLCV), row=st.integers(0, len(BARS) - 1), up=st.booleans())
def test_given_one_value_moved_by_one_ulp_when_fingerprinted_then_fingerprint_changes(
    column: str, row: int, up: bool
) -> None:
    # Given
    value = BARS[column].iloc[row]
    changed = with_value(BARS, column, row, np.nextafter(value, np.inf if up else 0.0))

    # When / Then
    assert fingerprint_of(changed) != fingerprint_of(BARS)


@settings(max_examples=30, deadline=None)
@given(row=st.integers(0, len(BARS) - 1))
def test_given_one_timestamp_moved_by_one_nanosecond_when_fingerprinted_then_fingerprint_changes(
    row: int,
) -> None:
    # Given: the earliest bar moves back, any other one forward, so times keep increasing
    times = BARS.index.asi8.copy()
    times[row] += -1 if row == 0 else 1
    changed = BARS.set_axis(pd.DatetimeIndex(times.view("M8[ns]")).tz_localize("UTC"))

    # When / Then
    assert fingerprint_of(changed) != fingerprint_of(BARS)


@settings(max_examples=30, deadline=None)
@given(column=st.sampled_from(PRICES), rows=st.lists(st.integers(0, len(BARS) - 1), min_size=2, max_size=2))
def test_given_two_different_values_swapped_when_fingerprinted_then_fingerprint_changes(
    column: str, rows: list[int]
) -> None:
    # Given: the same values (same plain sum) in another order
    values = BARS[column].to_numpy(copy=True)
    assume(values[rows[0]] != values[rows[1]])
    values[rows] = values[rows[::-1]]
    swapped = BARS.assign(**{column: values})

    # When / Then
    assert fingerprint_of(swapped) != fingerprint_of(BARS)


@pytest.mark.parametrize("length", [1, 2, 7, 1_003])
def test_given_bars_when_fingerprinted_from_the_check_pass_or_by_column_then_equal(length: int) -> None:
    # Given: bars as checked (hashes from the fused pass) and the same bars without them (a window's)
    checked = validate_bars(BARS.iloc[:length], "BTC")

    # When / Then
    assert fingerprint({"BTC": checked}) == fingerprint({"BTC": replace(checked, lanes=None)})


def test_given_same_bars_in_other_symbols_when_fingerprinted_then_fingerprints_differ() -> None:
    assert fingerprint_of(BARS) != fingerprint({"ETH": validate_bars(BARS, "ETH")})


def first_problem(frame: pd.DataFrame) -> str:
    """The defect a reader meets first, bar by bar: time order, then each price in OHLC order."""
    times, prices = frame.index.asi8, frame[list(PRICES)].to_numpy()
    for i in range(len(frame)):
        if i > 0 and times[i] <= times[i - 1]:
            return "timestamps must be strictly increasing"
        for price in prices[i]:
            if not np.isfinite(price):
                return "prices must be finite numbers"
            if price <= 0:
                return "prices must be positive"
    raise AssertionError("no defect")


DEFECTS = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, -5e-324])


@settings(max_examples=60, deadline=None)
@given(
    defects=st.lists(
        st.tuples(st.sampled_from(PRICES), st.integers(0, len(BARS) - 1), DEFECTS), min_size=1, max_size=3
    ),
    repeated_time=st.one_of(st.none(), st.integers(1, len(BARS) - 1)),
)
def test_given_defective_bars_when_checked_then_invalid_bars_names_the_first_defect(
    defects: list[tuple[str, int, float]], repeated_time: int | None
) -> None:
    # Given: bad prices anywhere, maybe a timestamp repeated
    frame = BARS
    for column, row, value in defects:
        frame = with_value(frame, column, row, value)
    if repeated_time is not None:
        times = frame.index.asi8.copy()
        times[repeated_time] = times[repeated_time - 1]
        frame = frame.set_axis(pd.DatetimeIndex(times.view("M8[ns]")).tz_localize("UTC"))

    # When / Then
    with pytest.raises(InvalidBars, match=f"^BTC: {first_problem(frame)}"):
        validate_bars(frame, "BTC")


def test_given_nan_volume_when_checked_then_accepted() -> None:
    # volume is hashed (a change shows) but not checked: no run reads it as a price
    assert len(validate_bars(with_value(BARS, "volume", 3, np.nan))) == len(BARS)
