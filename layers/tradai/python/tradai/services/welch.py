"""Welch's t-test, by hand: scipy is not a runtime dependency (it only comes with the bench group).

The two-sided p-value is the regularized incomplete beta I_{df/(df+t^2)}(df/2, 1/2), computed with
the continued fraction of Numerical Recipes (modified Lentz). Tests check it against
`scipy.stats.ttest_ind(equal_var=False)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_EPSILON = 3e-14
_TINY = 1e-300
_MAX_TERMS = 300


@dataclass(frozen=True)
class WelchResult:
    """The statistic, its degrees of freedom and the two-sided p-value."""

    t: float
    df: float
    p_value: float


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> WelchResult:
    """Test whether `b`'s mean differs from `a`'s without assuming equal variances (t > 0: b larger).

    Raises:
        ValueError: a sample has fewer than two values.
    """
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each sample needs at least two values")
    mean_a, mean_b = _mean(a), _mean(b)
    share_a, share_b = _variance(a, mean_a) / len(a), _variance(b, mean_b) / len(b)
    spread = share_a + share_b
    if spread == 0.0:
        same = math.isclose(mean_a, mean_b, rel_tol=0.0, abs_tol=1e-15)
        return WelchResult(
            t=0.0 if same else math.copysign(math.inf, mean_b - mean_a),
            df=math.inf,
            p_value=1.0 if same else 0.0,
        )
    t = (mean_b - mean_a) / math.sqrt(spread)
    df = spread**2 / (share_a**2 / (len(a) - 1) + share_b**2 / (len(b) - 1))
    return WelchResult(t=t, df=df, p_value=_two_sided_p(t, df))


def _two_sided_p(t: float, df: float) -> float:
    return min(1.0, max(0.0, regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))))


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(b, a, 1.0 - x) / b


def _continued_fraction(a: float, b: float, x: float) -> float:
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, _MAX_TERMS + 1):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            result *= d * c
        if abs(d * c - 1.0) < _EPSILON:
            break
    return result


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _variance(values: Sequence[float], mean: float) -> float:
    return math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1)
