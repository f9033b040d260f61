"""The data routes over HTTP, with the real ArcticDB store on LMDB and an in-memory exchange."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeExchange
from tradai.adapters.arctic_bars import ArcticMarketData
from tradai.adapters.file_blobs import FileBlobStore
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.api.app import create_app
from tradai.api.routers import data
from tradai.bootstrap import Container
from tradai.settings import Settings

EXCHANGE = "binance_futures"
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def recent_hourly(hours: int, *, hours_ago: int = 0) -> pd.DataFrame:
    """`hours` closed hourly bars ending `hours_ago` hours before the current hour."""
    end = pd.Timestamp.now(tz="UTC").floor("h") - pd.Timedelta(hours=hours_ago + 1)
    index = pd.date_range(end=end, periods=hours, freq="1h", tz="UTC")
    close = 100 + np.arange(hours, dtype=np.float64)
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": np.ones(hours)},
        index=index,
    )


@pytest.fixture
def market_data(tmp_path: Path) -> ArcticMarketData:
    return ArcticMarketData(f"lmdb://{tmp_path / 'market'}")


@pytest.fixture
def exchange() -> FakeExchange:
    return FakeExchange({BTC: recent_hourly(60), ETH: recent_hourly(60)}, page_size=25)


@pytest.fixture
def client(tmp_path: Path, market_data: ArcticMarketData, exchange: FakeExchange) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path)
    container = Container(
        settings=settings,
        store=SqliteDocumentStore(tmp_path / "store.sqlite3"),
        blobs=FileBlobStore(tmp_path / "blobs"),
        market_data=market_data,
    )
    app = create_app(routers=[data.router], settings=settings, container=container)
    app.dependency_overrides[data.get_exchange] = lambda: exchange
    with TestClient(app) as client:
        yield client


def assert_error(response: object, status: int, code: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"detail", "code", "timestamp"}
    assert body["code"] == code


def test_given_exchange_source_when_symbols_listed_then_seed_shape_with_cache_time(
    client: TestClient,
) -> None:
    # Given / When
    response = client.get("/api/v1/data/symbols", params={"exchange": EXCHANGE})

    # Then
    assert response.status_code == 200
    assert response.json() == {
        "symbols": [BTC, ETH],
        "exchange": EXCHANGE,
        "count": 2,
        "last_updated": "2023-11-14T22:13:20Z",
    }


def test_given_stored_bars_when_stored_symbols_listed_then_only_those(
    client: TestClient, market_data: ArcticMarketData
) -> None:
    # Given
    market_data.write_bars(exchange=EXCHANGE, symbol=ETH, timeframe="1h", bars=recent_hourly(3))

    # When
    body = client.get("/api/v1/data/symbols", params={"source": "stored"}).json()

    # Then
    assert (body["symbols"], body["count"], body["exchange"]) == ([ETH], 1, EXCHANGE)


def test_given_unknown_exchange_when_symbols_listed_then_400(client: TestClient) -> None:
    # Given / When
    response = client.get("/api/v1/data/symbols", params={"exchange": "nowhere"})

    # Then
    assert_error(response, 400, "UNKNOWN_EXCHANGE")


def test_given_exchange_down_when_symbols_listed_then_503_but_stored_still_answers(
    client: TestClient, exchange: FakeExchange
) -> None:
    # Given
    exchange.reachable = False

    # When
    live = client.get("/api/v1/data/symbols")
    stored = client.get("/api/v1/data/symbols", params={"source": "stored"})

    # Then
    assert_error(live, 503, "EXCHANGE_UNAVAILABLE")
    assert "Retry-After" in live.headers
    assert stored.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        f"symbols={BTC}&symbols={ETH}&symbols=SOL/USDT:USDT",
        f"symbols[]={BTC}&symbols[]={ETH}&symbols[]=SOL/USDT:USDT",
        f"symbols={BTC},{ETH},SOL/USDT:USDT",
    ],
)
def test_given_fresh_stale_and_missing_symbols_when_freshness_checked_then_each_judged(
    client: TestClient, market_data: ArcticMarketData, query: str
) -> None:
    # Given BTC up to the last closed hour, ETH 30 hours behind, SOL never stored
    market_data.write_bars(exchange=EXCHANGE, symbol=BTC, timeframe="1h", bars=recent_hourly(5))
    market_data.write_bars(exchange=EXCHANGE, symbol=ETH, timeframe="1h", bars=recent_hourly(5, hours_ago=30))

    # When
    response = client.get(f"/api/v1/data/freshness?{query}&stale_threshold_hours=24")

    # Then
    body = response.json()
    assert response.status_code == 200
    assert list(body["freshness"]) == [BTC, ETH, "SOL/USDT:USDT"]
    assert body["freshness"][BTC]["is_stale"] is False
    assert body["freshness"][BTC]["hours_old"] in (1, 2)
    assert body["freshness"][ETH]["is_stale"] is True
    assert body["freshness"]["SOL/USDT:USDT"] == {"last_update": None, "hours_old": None, "is_stale": True}
    assert body["threshold_hours"] == 24
    assert body["checked_at"].endswith("Z")


def test_given_no_symbols_when_freshness_checked_then_422(client: TestClient) -> None:
    # Given / When
    response = client.get("/api/v1/data/freshness")

    # Then
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "code", "timestamp"}


def test_given_empty_store_when_synced_then_seed_shape_and_bars_readable(
    client: TestClient, exchange: FakeExchange, market_data: ArcticMarketData
) -> None:
    # Given
    start = exchange.bars[BTC].index[0].isoformat()

    # When
    response = client.post(
        "/api/v1/data/sync",
        json={"symbols": [BTC, ETH], "exchange": EXCHANGE, "start": start, "force_refresh": False},
    )

    # Then
    body = response.json()
    assert response.status_code == 200
    assert {key: body[key] for key in ("status", "symbols_synced", "new_rows")} == {
        "status": "completed",
        "symbols_synced": 2,
        "new_rows": 120,
    }
    assert body["sync_duration_ms"] >= 0
    assert body["completed_at"].endswith("Z")
    assert [result["error"] for result in body["results"]] == [None, None]
    assert len(market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h").frame) == 60


def test_given_exchange_failing_for_one_symbol_when_synced_then_partial_with_kept_bars(
    client: TestClient, exchange: FakeExchange, market_data: ArcticMarketData
) -> None:
    # Given
    exchange.fail_after_pages = {BTC: 1}
    start = exchange.bars[BTC].index[0].isoformat()

    # When
    body = client.post("/api/v1/data/sync", json={"symbols": [BTC, ETH], "start": start}).json()

    # Then
    btc, eth = body["results"]
    assert (body["status"], body["symbols_synced"]) == ("partial", 1)
    assert (btc["new_rows"], btc["error_code"]) == (25, "EXCHANGE_UNAVAILABLE")
    assert eth["new_rows"] == 60
    assert len(market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h").frame) == 25


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"symbols": []}, 422, "VALIDATION_ERROR"),
        ({"symbols": ["BTCUSDT"]}, 400, "INVALID_INPUT"),
        ({"symbols": [BTC], "timeframe": "7x"}, 400, "INVALID_INPUT"),
        ({"symbols": [BTC], "unknown": 1}, 422, "VALIDATION_ERROR"),
    ],
)
def test_given_bad_sync_body_when_posted_then_error_shape(
    client: TestClient, body: dict[str, object], status: int, code: str
) -> None:
    # Given / When
    response = client.post("/api/v1/data/sync", json=body)

    # Then
    assert_error(response, status, code)
