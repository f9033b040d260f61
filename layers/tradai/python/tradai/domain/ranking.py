"""How parameter sets rank by a metric: one rule for the engine's sweeps and the merge of sweep chunks.

Pure Python, so the aggregate Lambda ranks merged chunk tables exactly as the engine ranks one
table, without pandas.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

ASCENDING_METRICS = frozenset(
    {"max_drawdown_duration_bars", "max_drawdown_duration_days", "var_95", "var_99"}
)
"""Metrics where smaller is better; everything else ranks descending (drawdowns are <= 0, so
nearer 0, the larger, is better)."""

Row = TypeVar("Row", bound=Mapping[str, Any])


def rank_rows(rows: Sequence[Row], metric: str) -> list[Row]:
    """Rows best first by `metric`; ties keep their order.

    Infinities are real extremes: +inf (a profit factor with no losing trade) is the best value when
    higher is better and the worst when lower is better, -inf the reverse. A missing or NaN value
    ranks last either way.
    """
    ascending = metric in ASCENDING_METRICS

    def key(row: Row) -> tuple[bool, float]:
        value = row.get(metric)
        # numbers.Real covers numpy scalars too (np.int64 is not an int)
        number = float(value) if isinstance(value, numbers.Real) else math.nan
        if math.isnan(number):
            return (True, 0.0)
        return (False, number if ascending else -number)

    return sorted(rows, key=key)
