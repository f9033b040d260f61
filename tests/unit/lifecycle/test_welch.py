"""Welch's t-test by hand agrees with scipy's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradai.services.welch import regularized_incomplete_beta, welch_t_test

stats = pytest.importorskip("scipy.stats", reason="scipy comes with the bench group")


@pytest.mark.parametrize(
    ("n_a", "n_b", "shift", "scale_b", "seed"),
    [
        (30, 30, 0.0, 1.0, 1),
        (30, 45, 0.5, 2.0, 2),
        (5, 200, -0.3, 0.3, 3),
        (2, 2, 1.0, 1.0, 4),
        (500, 400, 0.05, 1.5, 5),
    ],
)
def test_given_two_samples_when_tested_then_t_df_and_p_match_scipy(
    n_a: int, n_b: int, shift: float, scale_b: float, seed: int
) -> None:
    # Given
    rng = np.random.default_rng(seed)
    a = rng.normal(0.001, 0.02, n_a).tolist()
    b = (rng.normal(0.001, 0.02 * scale_b, n_b) + shift * 0.02).tolist()

    # When
    ours = welch_t_test(a, b)
    theirs = stats.ttest_ind(b, a, equal_var=False)

    # Then
    assert ours.t == pytest.approx(theirs.statistic, rel=1e-9)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-7, abs=1e-12)


def test_given_incomplete_beta_when_compared_on_a_grid_then_matches_scipy() -> None:
    special = pytest.importorskip("scipy.special")
    for a in (0.5, 1.0, 2.5, 15.0, 250.0):
        for x in (0.001, 0.1, 0.5, 0.9, 0.999):
            assert regularized_incomplete_beta(a, 0.5, x) == pytest.approx(
                special.betainc(a, 0.5, x), rel=1e-9
            )


def test_given_constant_samples_when_tested_then_p_is_0_or_1() -> None:
    assert welch_t_test([0.01, 0.01], [0.01, 0.01]).p_value == 1.0
    different = welch_t_test([0.01, 0.01], [0.02, 0.02])
    assert different.p_value == 0.0
    assert math.isinf(different.t)
    assert different.t > 0


def test_given_a_single_value_when_tested_then_refused() -> None:
    with pytest.raises(ValueError, match="two values"):
        welch_t_test([0.1], [0.2, 0.3])
