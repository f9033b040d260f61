"""B6: `GET /api/v1/strategies/{id}/trades` answered 400 "The provided key element does not match the
schema": the code queried DynamoDB with key names the table did not have.

Here the deployed table is built from the same design the adapters query with (one module,
`tradai.table_design`), and the trades route reads open and closed trades from the strategy's
partition, locally and through the Lambda on a DynamoDB table created from that design.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.cdk_synth import Synthesized
from tests.integration.test_backtest_handlers import invoke
from tests.unit.trading.conftest import intent
from tradai import table_design
from tradai.domain.orders import Side
from tradai.services.order_pipeline import OrderPipeline


@pytest.mark.slow
def test_b6_given_table_design_when_synthesized_then_table_keys_are_the_adapters_constants(
    dev: Synthesized,
) -> None:
    # Given: the design both adapters use
    expected = table_design.create_table_request("ignored")

    # When
    table = dev.only("persistent", "AWS::DynamoDB::Table")

    # Then: same key schema, attribute types and indexes as the adapters' own create_table request
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        expected["AttributeDefinitions"], key=lambda a: a["AttributeName"]
    )
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert indexes == {index["IndexName"]: index for index in expected["GlobalSecondaryIndexes"]}
    assert table["KeySchema"][0] == {"AttributeName": table_design.PARTITION_KEY, "KeyType": "HASH"}


def test_b6_given_open_and_closed_trades_when_listed_then_both_from_the_strategy_partition(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given: one closed BTC trade, then an open ETH one
    pipeline.budgets.allocate("s1", "USDT", 1000)
    pipeline.submit(intent(Side.BUY, 1, price=100, tag="enter"))
    pipeline.submit(intent(Side.SELL, 1, price=90, tag="stop"))
    pipeline.submit(intent(Side.BUY, 1, price=200, symbol="ETH/USDT:USDT"))

    # When
    body = client.get("/api/v1/strategies/s1/trades").json()

    # Then
    assert [(trade["symbol"], trade["status"]) for trade in body["trades"]] == [
        ("ETH/USDT:USDT", "OPEN"),
        ("BTC/USDT:USDT", "CLOSED"),
    ]
    closed = body["trades"][1]
    assert (closed["side"], closed["entry_price"], closed["exit_price"], closed["exit_tag"]) == (
        "long",
        100,
        90,
        "stop",
    )
    assert closed["pnl"] == pytest.approx(-10)


@pytest.mark.slow
def test_b6_given_trades_on_dynamodb_when_strategy_ledger_lambda_lists_them_then_200_open_and_closed(
    traded_on_dynamodb: None,
) -> None:
    # Given: a table created from the design, and a closed then an open trade

    # When
    status, trades = invoke("strategy_ledger", "strategy_ledger/get_trades")

    # Then: B6 was a 400 from DynamoDB's key check
    assert status == 200
    assert [trade["status"] for trade in trades["trades"]] == ["OPEN", "CLOSED"]  # type: ignore[index]
