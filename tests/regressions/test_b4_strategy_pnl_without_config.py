"""B4: `GET /api/v1/strategies/pnl` answered 503 when a strategy's config was missing.

The old backend looked each strategy's config up in another service and turned its 404 into a 503
for the whole list. Here a strategy without a config is listed with `config_found: false` and a
reason, locally and through the Lambda on DynamoDB.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_backtest_handlers import invoke
from tests.integration.test_trading_handlers import STRATEGY
from tests.unit.trading.conftest import intent
from tradai.domain.orders import Side
from tradai.services.order_pipeline import OrderPipeline


def test_b4_given_strategy_without_config_when_pnl_listed_then_listed_with_reason_not_503(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given: a strategy that traded but whose config is registered nowhere
    pipeline.budgets.allocate("ghost", "USDT", 1000)
    pipeline.submit(intent(Side.BUY, 1, price=100, strategy_id="ghost", strategy_name="GhostStrategy"))
    pipeline.submit(intent(Side.SELL, 1, price=130, strategy_id="ghost", strategy_name="GhostStrategy"))

    # When
    response = client.get("/api/v1/strategies/pnl")

    # Then
    assert response.status_code == 200
    (ghost,) = response.json()["strategies"]
    assert (ghost["strategy_id"], ghost["config_found"]) == ("ghost", False)
    assert "config not found" in ghost["reason"]
    (usdt,) = ghost["currencies"]
    assert usdt["realized_pnl"] == pytest.approx(30)
    assert usdt["net_pnl"] == pytest.approx(30 - 0.1 - 0.13)


@pytest.mark.slow
def test_b4_given_trades_without_config_when_strategy_ledger_lambda_lists_pnl_then_200_with_reason(
    traded_on_dynamodb: None,
) -> None:
    # Given: no config registered for the strategy the sample events name

    # When
    status, pnl = invoke("strategy_ledger", "strategy_ledger/get_pnl")

    # Then
    assert status == 200
    (row,) = pnl["strategies"]  # type: ignore[misc]
    assert (row["strategy_id"], row["config_found"], row["open_positions"]) == (STRATEGY, False, 1)
