"""Downsampling for charts keeps the ends and every bucket's extremes."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from tradai.services.series import extreme_preserving_indices


def test_given_short_series_when_downsampled_then_unchanged() -> None:
    assert extreme_preserving_indices([1.0, 2.0, 3.0], 10) == [0, 1, 2]


def test_given_a_deep_dip_when_downsampled_then_the_trough_survives() -> None:
    values = [100.0 + math.sin(i / 50) for i in range(100_000)]
    values[61_234] = 1.0
    kept = extreme_preserving_indices(values, 200)
    assert 61_234 in kept
    assert kept[0] == 0
    assert kept[-1] == 99_999
    assert len(kept) <= 200


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=3000), st.integers(4, 500)
)
def test_given_any_series_when_downsampled_then_sorted_unique_bounded_with_global_extremes(
    values: list[float], max_points: int
) -> None:
    kept = extreme_preserving_indices(values, max_points)
    assert kept == sorted(set(kept))
    if len(values) <= max_points:
        assert kept == list(range(len(values)))
    else:
        assert len(kept) <= max_points
    assert min(values) == min(values[i] for i in kept)
    assert max(values) == max(values[i] for i in kept)
