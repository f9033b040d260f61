"""The catalog Lambda (and engine_routes for a strategy's detail), in-process with sample events, on moto."""

from __future__ import annotations

import json
from typing import Any

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import create_resources


def invoke(event: str, function: str = "catalog") -> tuple[int, dict[str, Any]]:
    response = load_handler(function).lambda_handler(load_event(event), FakeLambdaContext())
    return int(response["statusCode"]), json.loads(response["body"])


def test_given_empty_catalog_when_listed_then_seed_shapes(aws_env: None) -> None:
    create_resources()
    assert invoke("catalog/list_strategies") == (
        200,
        {"strategies": [], "total": 0, "limit": 20, "offset": 0},
    )
    assert invoke("catalog/leaderboard") == (200, {"entries": [], "total": 0, "limit": 10, "offset": 0})


def test_given_built_in_strategy_when_read_then_200_even_with_an_empty_list(aws_env: None) -> None:
    create_resources()
    status, body = invoke("engine_routes/get_catalog_strategy", function="engine_routes")
    assert status == 200
    assert (body["name"], body["versions"]) == ("PascalStrategy", [])


def test_given_compare_without_versions_when_sent_then_422_in_error_shape(aws_env: None) -> None:
    create_resources()
    status, body = invoke("catalog/compare_missing_versions")
    assert status == 422
    assert set(body) == {"detail", "code", "timestamp"}
