"""Keep freed memory in the process (glibc's malloc), so each large read does not fault its pages in anew.

Measured with `benchmarks/market_data.py`: ArcticDB decodes a 1M-bar frame (48 MB) into fresh
8 MB buffers. With glibc's defaults those come from new mappings, or the heap top is handed back to
the kernel when the previous frame is freed, so every read pays ~12,000 page faults, about three
quarters of its CPU time. Raising the mmap threshold (buffers come from the heap) and the trim
threshold (freed heap stays mapped) makes a re-read reuse the pages: no faults, 3-4x less CPU. The
cost is resident memory: up to `megabytes` of freed heap stays with the process for the next read.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_CEILING = 32 << 20
"""glibc refuses a larger mmap threshold on 64-bit (HEAP_MAX_SIZE / 2); bigger buffers stay mapped."""

_retained: int | None = None
"""The megabytes in effect, once applied (mallopt's settings are process-wide for good)."""


def retain_freed_memory(megabytes: int) -> bool:
    """Tell glibc to keep up to `megabytes` of freed memory for reuse (the first such call wins).

    Args:
        megabytes: freed heap kept mapped; 0 changes nothing.

    Returns:
        Whether the tuning is in effect in this process (False off glibc, e.g. macOS or musl).
    """
    global _retained
    if megabytes <= 0:
        return _retained is not None
    if _retained is not None:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    size = megabytes << 20
    mmap_threshold = min(size, _MMAP_THRESHOLD_CEILING)
    if mallopt(_M_TRIM_THRESHOLD, size) != 1 or mallopt(_M_MMAP_THRESHOLD, mmap_threshold) != 1:
        log.info("malloc tuning refused by this C library; large reads fault their pages in each time")
        return False
    _retained = megabytes
    return True
