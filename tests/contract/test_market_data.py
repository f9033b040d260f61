"""The `MarketData` contract, run against ArcticDB on LMDB and on S3 (moto's server)."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest

from tradai.adapters.arctic_bars import ArcticMarketData
from tradai.domain.errors import BarsNotFound, InvalidInput
from tradai.ports import MarketData

REGION = "eu-central-1"
EXCHANGE = "binance_futures"
BTC = "BTC/USDT:USDT"
_buckets = itertools.count()


def hourly_bars(start: str, hours: int, *, base: float = 100.0) -> pd.DataFrame:
    """Bars whose close is `base` + the hour number, so aggregates are easy to check by hand."""
    index = pd.date_range(start, periods=hours, freq="1h", tz="UTC")
    close = base + np.arange(hours, dtype=np.float64)
    return pd.DataFrame(
        {"open": close - 0.5, "high": close + 1, "low": close - 1, "close": close, "volume": np.ones(hours)},
        index=index,
    )


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """Moto's S3 in a child process: ArcticDB's native client holds the GIL while it waits, so
    `ThreadedMotoServer` (same process) would never get to answer and every call would hang."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_listening(port, server)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    # Returns as soon as it listens; moto's import is slow on a loaded machine (parallel test workers).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"moto server exited with {server.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("moto server did not start")


@pytest.fixture(params=["lmdb", "s3"])
def arctic_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty ArcticDB instance: LMDB in a temp folder, or a fresh bucket on moto's S3."""
    if request.param == "lmdb":
        return f"lmdb://{tmp_path / 'market'}"
    endpoint = request.getfixturevalue("moto_server")
    host, port = endpoint.split(":")
    bucket = f"market-{next(_buckets)}"
    boto3.client("s3", region_name=REGION, endpoint_url=f"http://{endpoint}").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return (
        f"s3://{host}:{bucket}?port={port}&access=testing&secret=testing&region={REGION}&path_prefix=market"
    )


@pytest.fixture
def market_data(arctic_uri: str) -> MarketData:
    return ArcticMarketData(arctic_uri)


def test_given_nothing_stored_when_read_then_bars_not_found(market_data: MarketData) -> None:
    # Given an empty store
    # When / Then
    with pytest.raises(BarsNotFound):
        market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h")
    assert market_data.coverage(exchange=EXCHANGE, symbol=BTC, timeframe="1h") is None
    assert market_data.last_update(exchange=EXCHANGE, symbol=BTC) is None
    assert market_data.list_symbols(exchange=EXCHANGE) == []


def test_given_written_bars_when_read_then_same_bars_and_a_version(market_data: MarketData) -> None:
    # Given
    bars = hourly_bars("2024-01-01", 48)
    report = market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=bars)

    # When
    read = market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h")

    # Then
    pd.testing.assert_frame_equal(read.frame, bars, check_freq=False, check_names=False)
    assert str(read.frame.index.tz) == "UTC"
    assert report.new_rows == 48
    assert read.data_version == report.data_version == f"bars.{EXCHANGE}.1h/{BTC}@v0"
    assert read.source_timeframe == "1h"


def test_given_bars_when_read_with_range_then_only_bars_inside_it(market_data: MarketData) -> None:
    # Given
    market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly_bars("2024-01-01", 48))

    # When
    frame = market_data.read_bars(
        exchange=EXCHANGE,
        symbol=BTC,
        timeframe="1h",
        start=datetime(2024, 1, 1, 10, tzinfo=UTC),
        end=datetime(2024, 1, 1, 12, tzinfo=UTC),
    )

    # Then
    assert list(frame["close"]) == [110.0, 111.0, 112.0]


def test_given_newer_bars_when_written_then_appended_and_version_moves_on(market_data: MarketData) -> None:
    # Given
    bars = hourly_bars("2024-01-01", 30)
    first = market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=bars.iloc[:20])

    # When
    report = market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=bars.iloc[20:])

    # Then
    read = market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h")
    assert report.new_rows == 10
    pd.testing.assert_frame_equal(read.frame, bars, check_freq=False, check_names=False)
    assert read.data_version == report.data_version != first.data_version


def test_given_overlapping_bars_when_written_then_overlap_replaced_and_only_new_rows_counted(
    market_data: MarketData,
) -> None:
    # Given 20 stored bars
    market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly_bars("2024-01-01", 20))
    corrected = hourly_bars("2024-01-01 15:00", 10, base=500.0)  # hours 15-24: 5 stored, 5 new

    # When
    report = market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=corrected)

    # Then
    frame = market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h").frame
    assert report.new_rows == 5
    assert len(frame) == 25
    assert frame["close"].iloc[14] == 114.0
    assert frame["close"].iloc[15] == 500.0


def test_given_stored_bars_when_written_with_replace_then_series_is_only_the_new_bars(
    market_data: MarketData,
) -> None:
    # Given
    market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly_bars("2024-01-01", 20))

    # When
    market_data.write_bars(
        exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly_bars("2024-02-01", 5), replace=True
    )

    # Then
    frame = market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h").frame
    assert len(frame) == 5
    assert frame.index[0] == pd.Timestamp("2024-02-01", tz="UTC")


def test_given_hourly_bars_when_four_hour_bars_read_then_aggregated_without_partial_edges(
    market_data: MarketData,
) -> None:
    # Given hourly bars from 01:00 to 10:00: the 00:00 and 08:00 buckets are incomplete
    market_data.write_bars(
        exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly_bars("2024-01-01 01:00", 10)
    )

    # When
    read = market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="4h")

    # Then only the 04:00 bucket (hours 3-6 of the data) is whole
    assert list(read.frame.index) == [pd.Timestamp("2024-01-01 04:00", tz="UTC")]
    assert read.frame.iloc[0].to_dict() == {
        "open": 102.5,
        "high": 107.0,
        "low": 102.0,
        "close": 106.0,
        "volume": 4.0,
    }
    assert read.source_timeframe == "1h"
    assert read.data_version.startswith(f"bars.{EXCHANGE}.1h/")
    assert market_data.coverage(exchange=EXCHANGE, symbol=BTC, timeframe="4h") is not None


def test_given_only_coarser_bars_when_finer_read_then_bars_not_found(market_data: MarketData) -> None:
    # Given
    market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="4h", bars=hourly_bars("2024-01-01", 3))

    # When / Then
    with pytest.raises(BarsNotFound):
        market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h")


def test_given_series_on_two_exchanges_when_listed_then_each_exchange_sees_its_own(
    market_data: MarketData,
) -> None:
    # Given
    market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly_bars("2024-01-01", 5))
    market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1d", bars=hourly_bars("2024-01-01", 2))
    market_data.write_bars(
        exchange="binance", symbol="ETH/USDT", timeframe="1h", bars=hourly_bars("2024-01-01", 3)
    )

    # When
    series = market_data.list_series()

    # Then
    assert [(item.exchange, item.symbol, item.timeframe, item.rows) for item in series] == [
        ("binance", "ETH/USDT", "1h", 3),
        (EXCHANGE, BTC, "1h", 5),
        (EXCHANGE, BTC, "1d", 2),
    ]
    assert market_data.list_symbols(exchange=EXCHANGE) == [BTC]
    assert market_data.last_update(exchange=EXCHANGE, symbol=BTC) == datetime(2024, 1, 1, 4, tzinfo=UTC)


def test_given_unsorted_bars_when_written_then_invalid_input(market_data: MarketData) -> None:
    # Given
    bars = hourly_bars("2024-01-01", 5).iloc[::-1]

    # When / Then
    with pytest.raises(InvalidInput):
        market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=bars)


def test_given_store_when_pinged_then_it_answers(market_data: MarketData) -> None:
    # Given / When
    market_data.ping()

    # Then
    assert market_data.name.startswith("arcticdb-")


def test_given_version_limit_when_written_often_then_only_newest_versions_kept_and_latest_intact(
    arctic_uri: str,
) -> None:
    # Given a store that keeps two versions per series
    store = ArcticMarketData(arctic_uri, keep_versions=2)
    bars = hourly_bars("2024-01-01", 50)

    # When the series is written five times (a first write, then appends and an overlapping update)
    reports = [store.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=bars.iloc[:10])]
    for end in (20, 30, 40):
        reports.append(
            store.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=bars.iloc[end - 10 : end])
        )
    reports.append(store.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=bars.iloc[35:]))

    # Then ArcticDB holds only the two newest versions, and the newest read has every bar
    library = store._library(f"bars.{EXCHANGE}.1h")
    kept = sorted(key.version for key in library.list_versions(BTC))
    assert len(kept) == 2
    assert reports[-1].data_version.endswith(f"@v{kept[-1]}")
    read = store.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h")
    pd.testing.assert_frame_equal(read.frame, bars, check_freq=False, check_names=False)
    assert read.data_version == reports[-1].data_version
    assert sum(report.new_rows for report in reports) == 50
