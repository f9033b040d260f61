"""The trading, budget and strategy-ledger Lambdas, invoked in-process with their sample events, on moto."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, TABLE, create_resources
from tests.integration.test_backtest_handlers import invoke
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.paper_broker import PaperBroker
from tradai.domain.orders import OrderIntent, Side
from tradai.services.order_pipeline import OrderPipeline

STRATEGY = "sma-cross-prod"  # the strategy the sample events name


def trade(side: Side, quantity: float, price: float, client_order_id: str) -> None:
    """Send one order through the pipeline on the functions' table."""
    store = DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION))
    OrderPipeline(store=store, broker=PaperBroker(fee_rate=0.001)).submit(
        OrderIntent(
            strategy_id=STRATEGY,
            strategy_name="SmaCross",
            instance_id="i1",
            symbol="BTC/USDT:USDT",
            side=side,
            quantity=quantity,
            reference_price=price,
            client_order_id=client_order_id,
            created_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
    )


def test_given_budget_put_through_lambda_when_orders_flow_then_trading_lambda_lists_them(
    aws_env: None,
) -> None:
    # Given
    create_resources()
    put_status, budget = invoke("budget", "budget/put_budget")
    trade(Side.BUY, 1, 100, "order-0")
    trade(Side.BUY, 100, 100, "order-1")  # over the cap: denied

    # When
    orders_status, orders = invoke("trading", "trading/list_orders")
    deny_status, deny = invoke("trading", "trading/get_deny_reason")
    summary_status, summary = invoke("trading", "trading/get_summary")

    # Then
    assert (put_status, budget["allocated"]) == (200, 1000)
    assert orders_status == 200
    assert [order["client_order_id"] for order in orders["orders"]] == ["order-0"]  # type: ignore[index]
    assert (deny_status, deny["deny_reason"]) == (200, "INSUFFICIENT_BUDGET")
    assert (summary_status, summary["signals"], summary["denied"], summary["fills"]) == (200, 2, 1, 1)


def test_given_open_position_when_budget_deleted_through_lambda_then_409_then_204_once_closed(
    aws_env: None,
) -> None:
    # Given
    create_resources()
    invoke("budget", "budget/put_budget")
    trade(Side.BUY, 1, 100, "buy")
    handler = load_handler("budget")

    # When
    refused = handler.lambda_handler(load_event("budget/delete_budget"), FakeLambdaContext())
    trade(Side.SELL, 1, 110, "sell")
    deleted = handler.lambda_handler(load_event("budget/delete_budget"), FakeLambdaContext())

    # Then
    assert refused["statusCode"] == 409
    assert deleted["statusCode"] == 204


def test_given_a_budget_put_when_the_sample_get_event_is_served_then_it_lists_that_budget(
    aws_env: None,
) -> None:
    # Given: 1000 USDT for the strategy the sample events name
    create_resources()
    invoke("budget", "budget/put_budget")

    # When
    status, body = invoke("budget", "budget/get_budget")

    # Then
    assert status == 200
    assert body["strategy_id"] == STRATEGY
    (budget,) = body["budgets"]  # type: ignore[misc]
    assert (budget["currency"], budget["allocated"], budget["available"]) == ("USDT", 1000.0, 1000.0)
