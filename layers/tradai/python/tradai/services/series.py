"""Shrink long series for charts without losing their extremes."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import numpy.typing as npt


def extreme_preserving_indices(values: npt.NDArray[np.float64], max_points: int) -> npt.NDArray[np.int64]:
    """Pick at most `max_points` indices of `values`: first, last, and each bucket's min and max.

    A drawdown's trough and a peak both survive, which plain striding would often skip.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    buckets = max(1, (max_points - 2) // 2)
    edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
    picked = [0, n - 1]
    for start, stop in pairwise(edges):
        if stop > start:
            window = values[start:stop]
            picked += [start + int(np.argmin(window)), start + int(np.argmax(window))]
    return np.unique(np.asarray(picked, dtype=np.int64))
