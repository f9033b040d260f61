"""The strategies and configs Lambdas (and engine_routes, which registers and creates), in-process with
their sample events, on moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, TABLE, create_resources
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.services.demo_strategies import ensure_demo_strategy


def invoke(function: str, event: str) -> tuple[int, dict[str, Any]]:
    response = load_handler(function).lambda_handler(load_event(event), FakeLambdaContext())
    return int(response["statusCode"]), json.loads(response["body"])


def store_demo_strategy() -> None:
    store = DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION))
    ensure_demo_strategy(store=store, catalog=EngineStrategyCatalog(), now=datetime(2026, 1, 1, tzinfo=UTC))


def test_given_demo_strategy_when_read_by_config_name_then_seed_shape(aws_env: None) -> None:
    # Given
    create_resources()
    store_demo_strategy()

    # When
    status, body = invoke("strategies", "strategies/get_strategy")

    # Then
    assert status == 200
    assert (body["name"], body["version"], body["timeframe"], body["pairs"]) == (
        "PascalStrategy",
        "2.0.0",
        "1h",
        ["BTC/USDT:USDT"],
    )


def test_given_version_registered_when_listed_then_it_is_there(aws_env: None) -> None:
    # Given
    create_resources()

    # When
    created, registered = invoke("engine_routes", "engine_routes/register_strategy")
    status, listed = invoke("strategies", "strategies/list_strategies")

    # Then
    assert created == 201
    assert registered["strategy_class"] == "sma_cross"
    assert status == 200
    assert [s["name"] for s in listed["strategies"]] == ["TrendFollower"]


def test_given_config_created_when_listed_then_it_is_there(aws_env: None) -> None:
    # Given
    create_resources()

    # When
    created, config = invoke("engine_routes", "engine_routes/create_config")
    status, listed = invoke("configs", "configs/list_configs")

    # Then
    assert created == 201
    assert config["config_data"]["ema_fast"] == 13
    assert status == 200
    assert [item["name"] for item in listed["items"]] == ["pascal-fast"]


def test_given_unknown_strategy_when_routing_info_read_through_the_lambda_then_no_test(aws_env: None) -> None:
    create_resources()
    status, body = invoke("strategies", "strategies/routing_info")
    assert status == 200
    assert (body["active_test"], body["champion_version"], body["decision"]) == (False, None, None)


def test_given_no_champion_when_ab_test_started_through_the_lambda_then_409(aws_env: None) -> None:
    create_resources()
    store_demo_strategy()
    status, body = invoke("strategies", "strategies/start_ab_test")
    assert status == 409
    assert body["code"] == "NO_CHAMPION"
