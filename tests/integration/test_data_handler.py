"""The data Lambda, invoked in-process with the sample events, on the local runtime's ArcticDB (LMDB)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.unit.test_data_routes import recent_hourly
from tradai.adapters.arctic_bars import ArcticMarketData

BTC = "BTC/USDT:USDT"


def store_bars(data_dir: Path) -> None:
    """Write BTC bars where the handler will look, then let go of LMDB (one opener per path and process)."""
    market_data = ArcticMarketData(f"lmdb://{(data_dir / 'market').resolve()}")
    market_data.write_bars(exchange="binance_futures", symbol=BTC, timeframe="1h", bars=recent_hourly(5))
    del market_data
    gc.collect()


def test_given_stored_bars_when_symbols_invoked_then_stored_symbols_listed(data_dir: Path) -> None:
    # Given
    store_bars(data_dir)
    handler = load_handler("data")

    # When
    response = handler.lambda_handler(load_event("data/get_symbols"), FakeLambdaContext())

    # Then
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert (body["symbols"], body["count"], body["exchange"]) == ([BTC], 1, "binance_futures")


def test_given_stored_bars_when_freshness_invoked_then_each_symbol_judged(data_dir: Path) -> None:
    # Given
    store_bars(data_dir)
    handler = load_handler("data")

    # When
    response = handler.lambda_handler(load_event("data/get_freshness"), FakeLambdaContext())

    # Then
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert body["freshness"][BTC]["is_stale"] is False
    assert body["freshness"]["ETH/USDT:USDT"] == {"last_update": None, "hours_old": None, "is_stale": True}


def test_given_malformed_sync_body_when_invoked_then_error_shape(data_dir: Path) -> None:
    # Given
    event = load_event("data/post_sync")
    event["body"] = json.dumps({"symbols": ["BTCUSDT"]})

    # When
    response = load_handler("data").lambda_handler(event, FakeLambdaContext())

    # Then
    body = json.loads(response["body"])
    assert response["statusCode"] == 400
    assert (set(body), body["code"]) == ({"detail", "code", "timestamp"}, "INVALID_INPUT")
