"""Reading bars again reuses memory instead of faulting every page in (glibc malloc tuning)."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradai.adapters.arctic_bars import OHLCV, ArcticMarketData
from tradai.adapters.malloc_tuning import retain_freed_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")

BTC = "BTC/USDT:USDT"


def test_given_tuned_store_when_bars_read_again_then_no_page_is_faulted_in(tmp_path: Path) -> None:
    # Given 1M hourly bars (48 MB as a frame) in a store that keeps freed memory
    store = ArcticMarketData(f"lmdb://{tmp_path / 'market'}", retain_freed_mb=256)
    times = pd.date_range("1900-01-01", periods=1_000_000, freq="1h", tz="UTC")
    bars = pd.DataFrame({column: np.linspace(1, 2, len(times)) for column in OHLCV}, index=times)
    store.write_bars(exchange="binance_futures", symbol=BTC, timeframe="1h", bars=bars)
    store.read(exchange="binance_futures", symbol=BTC, timeframe="1h")  # a first read, then freed

    # When
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    frame = store.read(exchange="binance_futures", symbol=BTC, timeframe="1h").frame
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    # Then: the pages of the previous read are reused (untuned: 11,687 faults, one per 4 KiB page).
    # A few hundred still fault in a process whose earlier tests left the heap fragmented (465 seen
    # in the full suite, <200 alone): a tenth of the frame's pages still tells tuned from untuned.
    pages = 6 * len(bars) * 8 // 4096
    assert len(frame) == len(bars)
    assert retain_freed_memory(256)
    assert faults < pages // 10


def test_given_zero_when_tuning_asked_then_malloc_left_as_it_is_unless_already_tuned() -> None:
    # When / Then: 0 never applies anything; it reports what an earlier call did
    assert retain_freed_memory(0) is retain_freed_memory(0)
