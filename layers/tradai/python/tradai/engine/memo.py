"""A bounded cache of indicator values shared by the many runs of one sweep over the same bars.

A sweep of 100 SMA crossovers over 10 fast and 10 slow windows needs 20 averages, not 200: the
strategies ask `BarArrays.indicator` for them, and during a sweep that goes through this cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

DEFAULT_BUDGET_BYTES = 256 * 2**20  # ~32 indicators of 1M bars; a grid reuses its last few most


class IndicatorMemo:
    """Least-recently-used indicator values up to a memory budget, safe to share between threads.

    Two threads asking for the same missing value may both compute it (the same numbers); the
    cache never holds a lock while computing, so the numba kernels keep running in parallel.
    """

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self._budget = budget_bytes
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the value cached under `key`, computing and keeping it if absent."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            self.misses += 1
        value = compute()
        size = _nbytes(value)
        with self._lock:
            if key not in self._values:
                self._values[key] = value
                self._sizes[key] = size
                self._bytes += size
            while self._bytes > self._budget and len(self._values) > 1:
                oldest, _ = self._values.popitem(last=False)
                self._bytes -= self._sizes.pop(oldest)
        return value


def _nbytes(value: Any) -> int:
    """Return the bytes held by an array or a tuple of arrays (0 for anything else)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple):
        return sum(_nbytes(item) for item in value)
    return 0
