"""Shrink long series for charts without losing their extremes (pure Python: usable in any handler)."""

from __future__ import annotations

from collections.abc import Sequence


def extreme_preserving_indices(values: Sequence[float], max_points: int) -> list[int]:
    """Pick at most `max_points` indices of `values`: first, last, and each bucket's min and max.

    A drawdown's trough and a peak both survive, which plain striding would often skip.
    """
    n = len(values)
    if n <= max_points:
        return list(range(n))
    buckets = max(1, (max_points - 2) // 2)
    picked = {0, n - 1}
    for bucket in range(buckets):
        start = 1 + (n - 2) * bucket // buckets
        stop = 1 + (n - 2) * (bucket + 1) // buckets
        if stop > start:
            window = range(start, stop)
            picked.add(min(window, key=values.__getitem__))
            picked.add(max(window, key=values.__getitem__))
    return sorted(picked)
