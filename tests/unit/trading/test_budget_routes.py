"""`/api/v1/budget`: caps per strategy and currency, refused when they would cut into what is in use."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.trading.conftest import intent
from tradai.domain.orders import Side
from tradai.services.order_pipeline import OrderPipeline

BUDGET = "/api/v1/budget/s1/USDT"


def test_given_no_budget_when_put_then_created_with_seed_shape(client: TestClient) -> None:
    # When
    response = client.put(BUDGET, json={"allocated": 1000})

    # Then
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("strategy_id", "currency", "allocated", "reserved", "available")} == {
        "strategy_id": "s1",
        "currency": "USDT",
        "allocated": 1000,
        "reserved": 0,
        "available": 1000,
    }
    assert (body["realized_pnl"], body["total_fees"]) == (0, 0)


def test_given_budgets_when_registry_and_strategy_read_then_each_listed(client: TestClient) -> None:
    # Given
    client.put(BUDGET, json={"allocated": 1000})
    client.put("/api/v1/budget/s1/BTC", json={"allocated": 0.5})
    client.put("/api/v1/budget/s2/USDT", json={"allocated": 10})

    # When
    registry = client.get("/api/v1/budget/registry").json()
    of_s1 = client.get("/api/v1/budget/s1").json()

    # Then
    assert [(item["strategy_id"], item["currency"]) for item in registry["budgets"]] == [
        ("s1", "BTC"),
        ("s1", "USDT"),
        ("s2", "USDT"),
    ]
    assert [item["allocated"] for item in of_s1["budgets"]] == [0.5, 1000]


def test_given_open_position_when_cap_lowered_below_it_then_409_and_cap_kept(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given 300 USDT committed to an open position
    client.put(BUDGET, json={"allocated": 1000})
    pipeline.submit(intent(Side.BUY, 3, price=100))

    # When
    too_low = client.put(BUDGET, json={"allocated": 250})
    just_enough = client.put(BUDGET, json={"allocated": 300.3})

    # Then
    assert (too_low.status_code, too_low.json()["code"]) == (409, "BUDGET_IN_USE")
    assert just_enough.status_code == 200
    assert (just_enough.json()["allocated"], just_enough.json()["available"]) == (300.3, 0)


def test_given_open_position_when_budget_deleted_then_409_until_closed(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given
    client.put(BUDGET, json={"allocated": 1000})
    pipeline.submit(intent(Side.BUY, 1, price=100))

    # When
    refused = client.delete(BUDGET)
    pipeline.submit(intent(Side.SELL, 1, price=120))
    deleted = client.delete(BUDGET)

    # Then
    assert (refused.status_code, refused.json()["code"]) == (409, "BUDGET_IN_USE")
    assert deleted.status_code == 204
    assert client.get("/api/v1/budget/s1").status_code == 404


def test_given_closed_trade_when_realized_pnl_read_then_per_currency_net_of_fees(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given: fees 0.1% on 100 and 120
    client.put(BUDGET, json={"allocated": 1000})
    pipeline.submit(intent(Side.BUY, 1, price=100))
    pipeline.submit(intent(Side.SELL, 1, price=120))

    # When
    body = client.get("/api/v1/budget/s1/pnl/realized").json()

    # Then
    assert body["realized_pnl"] == {"USDT": pytest.approx(20)}
    assert body["total_fees"] == {"USDT": pytest.approx(0.22)}
    assert body["net"] == {"USDT": pytest.approx(19.78)}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PUT", BUDGET, {"allocated": -1}, 422),
        ("PUT", BUDGET, {"allocated": 10, "extra": 1}, 422),
        ("PUT", "/api/v1/budget/s1/usdt", {"allocated": 10}, 422),
        ("DELETE", BUDGET, None, 404),
        ("GET", "/api/v1/budget/nobody", None, 404),
        ("GET", "/api/v1/budget/nobody/pnl/realized", None, 404),
    ],
)
def test_given_bad_or_missing_budget_when_called_then_4xx_in_error_shape(
    client: TestClient, method: str, path: str, body: object, status: int
) -> None:
    # When
    response = client.request(method, path, json=body)

    # Then
    assert response.status_code == status
    assert set(response.json()) == {"detail", "code", "timestamp"}
