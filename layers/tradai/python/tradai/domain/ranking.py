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
        number = _as_number(row.get(metric))
        if math.isnan(number):
            return (True, 0.0)
        return (False, number if ascending else -number)

    return sorted(rows, key=key)


def infinite_rows(values: Sequence[Any]) -> dict[str, list[int]]:
    """Return the positions of +inf and -inf among `values`: JSON, which keeps no infinities, carries
    them beside a table whose infinite cells it writes as null, so a merge ranks them as they were."""
    numbers_ = [_as_number(v) for v in values]
    return {
        "+inf": [k for k, v in enumerate(numbers_) if v == math.inf],
        "-inf": [k for k, v in enumerate(numbers_) if v == -math.inf],
    }


def ranking_values(section: Mapping[str, Any], metric: str) -> list[Any]:
    """Return the `metric` of each row of a stored table (`section["table"]`), infinities restored
    from `section["infinite"]` (see `infinite_rows`)."""
    values = [row.get(metric) for row in section["table"]]
    infinite = section.get("infinite") or {}
    for sign, value in (("+inf", math.inf), ("-inf", -math.inf)):
        for k in infinite.get(sign, []):
            values[k] = value
    return values


def _as_number(value: object) -> float:
    """A metric's value as a float; anything else (None, text) is NaN. numbers.Real covers numpy
    scalars too (np.int64 is not an int)."""
    return float(value) if isinstance(value, numbers.Real) else math.nan
