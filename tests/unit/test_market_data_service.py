"""Market-data use cases on in-memory ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.fakes import FakeExchange, FakeMarketData
from tradai.domain.errors import ExchangeUnavailable, InvalidBarFile, InvalidInput
from tradai.domain.market_data import Gap
from tradai.services.bar_files import import_bar_file
from tradai.services.demo_data import DEMO_MARKETS, DEMO_START, demo_bars, demo_data_missing, load_demo_data
from tradai.services.market_data import (
    SyncRequest,
    check_freshness,
    list_symbols,
    sync_bars,
)

EXCHANGE = "binance_futures"
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
NOW = datetime(2024, 1, 3, 0, 30, tzinfo=UTC)


def hourly(start: str, hours: int, *, skip: tuple[int, ...] = ()) -> pd.DataFrame:
    index = pd.date_range(start, periods=hours, freq="1h", tz="UTC")
    close = 100 + np.arange(hours, dtype=np.float64)
    frame = pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": np.ones(hours)},
        index=index,
    )
    return frame.drop(index[list(skip)])


def test_given_nothing_stored_when_synced_from_start_then_all_bars_stored_and_gaps_reported() -> None:
    # Given 48 exchange bars with hours 20 and 21 missing
    store = FakeMarketData()
    exchange = FakeExchange({BTC: hourly("2024-01-01", 48, skip=(20, 21))})
    progress: list[int] = []

    # When
    report = sync_bars(
        market_data=store,
        exchange=exchange,
        request=SyncRequest(symbols=[BTC], start=datetime(2024, 1, 1, tzinfo=UTC)),
        now=NOW,
        on_progress=lambda _, rows: progress.append(rows),
    )

    # Then
    assert report.status == "completed"
    assert (report.symbols_synced, report.new_rows) == (1, 46)
    assert report.symbols[0].gaps == [
        Gap(start=datetime(2024, 1, 1, 20, tzinfo=UTC), end=datetime(2024, 1, 1, 22, tzinfo=UTC), missing=2)
    ]
    assert progress == [10, 20, 30, 40, 46]
    assert len(store.series[(EXCHANGE, "1h", BTC)]) == 46


def test_given_stored_bars_when_synced_then_fetch_resumes_after_the_last_one() -> None:
    # Given 30 stored bars
    store = FakeMarketData()
    store.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly("2024-01-01", 30))
    exchange = FakeExchange({BTC: hourly("2024-01-01", 48)})

    # When
    report = sync_bars(market_data=store, exchange=exchange, request=SyncRequest(symbols=[BTC]), now=NOW)

    # Then
    assert exchange.requests == [(BTC, datetime(2024, 1, 2, 6, tzinfo=UTC))]
    assert report.new_rows == 18
    assert report.symbols[0].gaps == []


def test_given_force_refresh_when_synced_then_range_downloaded_again_without_new_rows() -> None:
    # Given every bar already stored
    store = FakeMarketData()
    store.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly("2024-01-01", 48))
    exchange = FakeExchange({BTC: hourly("2024-01-01", 48)})
    start = datetime(2024, 1, 1, tzinfo=UTC)

    # When
    report = sync_bars(
        market_data=store,
        exchange=exchange,
        request=SyncRequest(symbols=[BTC], start=start, force_refresh=True),
        now=NOW,
    )

    # Then
    assert exchange.requests == [(BTC, start)]
    assert report.symbols[0].fetched_rows == 48
    assert report.new_rows == 0


def test_given_exchange_failing_mid_symbol_when_synced_then_fetched_bars_kept_and_failure_reported() -> None:
    # Given the exchange fails on BTC's third page; ETH is fine
    store = FakeMarketData()
    exchange = FakeExchange(
        {BTC: hourly("2024-01-01", 48), ETH: hourly("2024-01-01", 48)}, fail_after_pages={BTC: 2}
    )

    # When
    report = sync_bars(
        market_data=store,
        exchange=exchange,
        request=SyncRequest(symbols=[BTC, ETH], start=datetime(2024, 1, 1, tzinfo=UTC)),
        now=NOW,
    )

    # Then
    btc, eth = report.symbols
    assert report.status == "partial"
    assert (btc.new_rows, btc.error_code) == (20, ExchangeUnavailable.code)
    assert btc.error
    assert (eth.new_rows, eth.error) == (48, None)
    assert len(store.series[(EXCHANGE, "1h", BTC)]) == 20


def test_given_nothing_stored_and_no_start_when_synced_then_default_history_is_fetched() -> None:
    # Given
    exchange = FakeExchange({BTC: hourly("2023-11-01", 24 * 70)})

    # When
    sync_bars(market_data=FakeMarketData(), exchange=exchange, request=SyncRequest(symbols=[BTC]), now=NOW)

    # Then
    assert exchange.requests == [(BTC, datetime(2023, 12, 4, 0, tzinfo=UTC))]


def test_given_naive_start_when_synced_then_taken_as_utc() -> None:
    # Given
    exchange = FakeExchange({BTC: hourly("2024-01-01", 48)})

    # When
    sync_bars(
        market_data=FakeMarketData(),
        exchange=exchange,
        request=SyncRequest(symbols=[BTC], start=datetime(2024, 1, 2)),
        now=NOW,
    )

    # Then
    assert exchange.requests == [(BTC, datetime(2024, 1, 2, tzinfo=UTC))]


@pytest.mark.parametrize(
    "request_",
    [
        SyncRequest(symbols=[]),
        SyncRequest(symbols=["BTCUSDT"]),
        SyncRequest(symbols=[BTC], timeframe="1x"),
        SyncRequest(symbols=[BTC], exchange="Binance Futures"),
    ],
)
def test_given_malformed_request_when_synced_then_invalid_input(request_: SyncRequest) -> None:
    # Given / When / Then
    with pytest.raises(InvalidInput):
        sync_bars(market_data=FakeMarketData(), exchange=FakeExchange(), request=request_, now=NOW)


def test_given_fresh_stale_and_unknown_symbols_when_checked_then_each_judged() -> None:
    # Given BTC up to 23:00 on Jan 2 and ETH up to 05:00 on Jan 1
    store = FakeMarketData()
    store.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=hourly("2024-01-01", 48))
    store.write_bars(exchange=EXCHANGE, symbol=ETH, timeframe="1h", bars=hourly("2024-01-01", 6))

    # When
    freshness = check_freshness(
        market_data=store, exchange=EXCHANGE, symbols=[BTC, ETH, "SOL/USDT:USDT"], threshold_hours=24, now=NOW
    )

    # Then
    assert (freshness[BTC].hours_old, freshness[BTC].is_stale) == (1, False)
    assert (freshness[ETH].hours_old, freshness[ETH].is_stale) == (43, True)
    assert freshness["SOL/USDT:USDT"].last_update is None
    assert freshness["SOL/USDT:USDT"].is_stale is True


def test_given_no_symbols_when_freshness_checked_then_invalid_input() -> None:
    # Given / When / Then
    with pytest.raises(InvalidInput):
        check_freshness(
            market_data=FakeMarketData(), exchange=EXCHANGE, symbols=[], threshold_hours=24, now=NOW
        )


def test_given_unreachable_exchange_when_symbols_listed_then_stored_source_still_answers() -> None:
    # Given
    store = FakeMarketData()
    store.write_bars(exchange=EXCHANGE, symbol=ETH, timeframe="1h", bars=hourly("2024-01-01", 3))
    exchange = FakeExchange({BTC: hourly("2024-01-01", 3)}, reachable=False)

    # When
    stored = list_symbols(market_data=store, exchange=exchange, name=EXCHANGE, source="stored", now=NOW)

    # Then
    assert (stored.symbols, stored.fetched_at) == ([ETH], NOW)
    with pytest.raises(ExchangeUnavailable):
        list_symbols(market_data=store, exchange=exchange, name=EXCHANGE, source="exchange", now=NOW)


def test_given_same_seed_when_demo_bars_made_then_identical_realistic_two_years() -> None:
    # Given / When
    two_years = DEMO_START + timedelta(days=2 * 365)
    first, again = demo_bars(DEMO_MARKETS[0], until=two_years), demo_bars(DEMO_MARKETS[0], until=two_years)
    other = demo_bars(DEMO_MARKETS[0], until=two_years, seed=7)

    # Then
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert len(first) == 2 * 365 * 24
    assert (first["high"] >= first[["open", "close"]].max(axis=1)).all()
    assert (first["low"] <= first[["open", "close"]].min(axis=1)).all()
    assert (first["low"] > 0).all()
    assert (first["volume"] == 0).sum() > 0  # trading halts
    hourly_returns = np.log(first["close"]).diff().dropna()
    monthly_vol = hourly_returns.groupby(first.index[1:].tz_localize(None).to_period("M")).std()
    assert monthly_vol.max() > 1.5 * monthly_vol.min()  # calm and wild regimes


def test_given_later_load_when_demo_bars_made_then_same_bars_extended_to_the_last_closed_hour() -> None:
    # Given
    earlier = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
    later = datetime(2026, 11, 27, 3, 45, tzinfo=UTC)

    # When
    before = demo_bars(DEMO_MARKETS[1], until=earlier)
    after = demo_bars(DEMO_MARKETS[1], until=later)

    # Then: the earlier bars are a prefix of the later ones; each ends with the last closed hour
    pd.testing.assert_frame_equal(after.iloc[: len(before)], before)
    assert before.index[-1] == pd.Timestamp("2025-06-01 11:00", tz="UTC")
    assert after.index[-1] == pd.Timestamp("2026-11-27 02:00", tz="UTC")
    assert after.index[0] == pd.Timestamp(DEMO_START)


def test_given_empty_store_when_demo_loaded_then_three_symbols_stored_and_fresh() -> None:
    # Given
    store = FakeMarketData()
    assert demo_data_missing(market_data=store)

    # When
    reports = load_demo_data(market_data=store, now=NOW)

    # Then: a new user sees data up to the last closed hour, not stale data
    assert sorted(reports) == sorted(market.symbol for market in DEMO_MARKETS)
    assert store.list_symbols(exchange=EXCHANGE) == sorted(reports)
    assert not demo_data_missing(market_data=store)
    freshness = check_freshness(
        market_data=store, exchange=EXCHANGE, symbols=sorted(reports), threshold_hours=24, now=NOW
    )
    assert all(not item.is_stale and item.hours_old == 1 for item in freshness.values())


def test_given_csv_file_when_imported_then_bars_stored(tmp_path: Path) -> None:
    # Given
    path = tmp_path / "bars.csv"
    path.write_text(
        "timestamp,Open,High,Low,Close,Volume\n1704067200,1,2,0.5,1.5,10\n1704070800,1.5,2,1,1.8,12\n"
    )
    store = FakeMarketData()

    # When
    report = import_bar_file(market_data=store, path=path, exchange=EXCHANGE, symbol=BTC, timeframe="1h")

    # Then
    assert report.new_rows == 2
    assert list(store.series[(EXCHANGE, "1h", BTC)]["close"]) == [1.5, 1.8]


@pytest.mark.parametrize("name", ["missing.csv", "bars.txt"])
def test_given_bad_file_when_imported_then_invalid_bar_file(tmp_path: Path, name: str) -> None:
    # Given
    (tmp_path / "bars.txt").write_text("nothing")

    # When / Then
    with pytest.raises(InvalidBarFile):
        import_bar_file(
            market_data=FakeMarketData(), path=tmp_path / name, exchange=EXCHANGE, symbol=BTC, timeframe="1h"
        )


@pytest.mark.parametrize("time_as", ["column", "index"])
def test_given_parquet_file_when_imported_then_bars_stored_as_utc(tmp_path: Path, time_as: str) -> None:
    # Given a Parquet file of two bars with naive times, in a time column or as the index
    frame = pd.DataFrame(
        {
            "Date": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00"]),
            "Open": [1.0, 1.5],
            "High": [2.0, 2.0],
            "Low": [0.5, 1.0],
            "Close": [1.5, 1.8],
            "Volume": [10.0, 12.0],
        }
    )
    if time_as == "index":
        frame = frame.set_index("Date")
    path = tmp_path / "bars.parquet"
    frame.to_parquet(path)
    store = FakeMarketData()

    # When
    report = import_bar_file(market_data=store, path=path, exchange=EXCHANGE, symbol=BTC, timeframe="1h")

    # Then both bars are stored, their naive times read as UTC
    assert report.new_rows == 2
    stored = store.series[(EXCHANGE, "1h", BTC)]
    assert list(stored["close"]) == [1.5, 1.8]
    assert stored.index[0] == pd.Timestamp("2024-01-01 00:00", tz="UTC")


def test_given_parquet_without_volume_when_imported_then_invalid_bar_file_and_nothing_stored(
    tmp_path: Path,
) -> None:
    # Given
    path = tmp_path / "bars.parquet"
    pd.DataFrame(
        {"time": pd.to_datetime(["2024-01-01"]), "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]}
    ).to_parquet(path)
    store = FakeMarketData()

    # When / Then
    with pytest.raises(InvalidBarFile, match="volume"):
        import_bar_file(market_data=store, path=path, exchange=EXCHANGE, symbol=BTC, timeframe="1h")
    assert store.series == {}


def test_given_corrupt_parquet_when_imported_then_invalid_bar_file(tmp_path: Path) -> None:
    # Given
    path = tmp_path / "bars.parquet"
    path.write_bytes(b"PAR1 this is not parquet")

    # When / Then
    with pytest.raises(InvalidBarFile, match="not a readable Parquet file"):
        import_bar_file(
            market_data=FakeMarketData(), path=path, exchange=EXCHANGE, symbol=BTC, timeframe="1h"
        )
