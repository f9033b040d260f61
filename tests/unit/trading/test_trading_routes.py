"""`/api/v1/trading`: what the dashboard reads after orders went through the pipeline (seed 003)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.trading.conftest import intent
from tradai.domain.orders import Side
from tradai.services.order_pipeline import OrderPipeline

ETH = "ETH/USDT:USDT"


@pytest.fixture
def traded(pipeline: OrderPipeline) -> dict[str, Any]:
    """Strategy s1 (sma_cross): BTC bought and sold (closed), ETH bought (open), one order denied.
    Strategy s2 (rsi_reversion): one BTC buy."""
    pipeline.budgets.allocate("s1", "USDT", 1000)
    pipeline.budgets.allocate("s2", "USDT", 500)
    return {
        "btc_buy": pipeline.submit(intent(Side.BUY, 2, price=100, minute=1, client_order_id="btc-buy")),
        "btc_sell": pipeline.submit(intent(Side.SELL, 2, price=110, minute=2, client_order_id="btc-sell")),
        "eth_buy": pipeline.submit(
            intent(Side.BUY, 1, price=300, symbol=ETH, minute=3, client_order_id="eth-buy")
        ),
        "too_big": pipeline.submit(intent(Side.BUY, 100, price=100, minute=4, client_order_id="too-big")),
        "s2_buy": pipeline.submit(
            intent(
                Side.BUY,
                1,
                price=100,
                minute=5,
                strategy_id="s2",
                strategy_name="rsi_reversion",
                client_order_id="s2-buy",
            )
        ),
    }


@pytest.mark.usefixtures("traded")
def test_given_orders_when_listed_then_newest_first_with_seed_filters(client: TestClient) -> None:
    # When
    everything = client.get("/api/v1/trading/orders").json()
    of_s1_filled = client.get(
        "/api/v1/trading/orders", params={"strategy_id": "s1", "status": "FILLED"}
    ).json()
    by_name = client.get("/api/v1/trading/orders", params={"strategy_name": "RSI"}).json()
    by_instrument = client.get("/api/v1/trading/orders", params={"instrument_id": "ETHUSDT.BINANCE"}).json()
    paged = client.get("/api/v1/trading/orders", params={"limit": 2, "offset": 1}).json()

    # Then
    assert [order["client_order_id"] for order in everything["orders"]] == [
        "s2-buy",
        "too-big",
        "eth-buy",
        "btc-sell",
        "btc-buy",
    ]
    assert [order["client_order_id"] for order in of_s1_filled["orders"]] == [
        "eth-buy",
        "btc-sell",
        "btc-buy",
    ]
    assert [order["client_order_id"] for order in by_name["orders"]] == ["s2-buy"]
    assert [order["client_order_id"] for order in by_instrument["orders"]] == ["eth-buy"]
    assert ([order["client_order_id"] for order in paged["orders"]], paged["has_more"]) == (
        ["too-big", "eth-buy"],
        True,
    )


@pytest.mark.usefixtures("traded")
def test_given_filled_order_when_read_with_fills_then_price_fee_and_instrument(client: TestClient) -> None:
    # When
    order = client.get("/api/v1/trading/orders/btc-sell").json()
    fills = client.get("/api/v1/trading/orders/btc-sell/fills").json()

    # Then
    assert (order["status"], order["instrument_id"], order["side"], order["filled_quantity"]) == (
        "FILLED",
        "BTCUSDT.BINANCE",
        "SELL",
        2,
    )
    assert order["realized_pnl"] == pytest.approx(20)
    assert fills["count"] == 1
    assert (fills["fills"][0]["price"], fills["fills"][0]["fee"]) == (110, pytest.approx(0.22))


@pytest.mark.usefixtures("traded")
def test_given_denied_and_filled_orders_when_deny_reason_asked_then_reason_or_404(client: TestClient) -> None:
    # When
    denied = client.get("/api/v1/trading/orders/too-big/deny-reason")
    filled = client.get("/api/v1/trading/orders/btc-buy/deny-reason")
    unknown = client.get("/api/v1/trading/orders/nope/deny-reason")

    # Then
    assert denied.status_code == 200
    assert (denied.json()["deny_reason"], denied.json()["status"]) == ("INSUFFICIENT_BUDGET", "DENIED")
    assert "available" in denied.json()["detail"]
    assert (filled.status_code, filled.json()["code"]) == (404, "ORDER_NOT_DENIED")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ORDER_NOT_FOUND")


@pytest.mark.usefixtures("traded")
def test_given_fills_when_listed_by_side_and_summarized_then_totals_per_instrument(
    client: TestClient,
) -> None:
    # When
    sells = client.get("/api/v1/trading/fills", params={"side": "SELL"}).json()
    summary = client.get("/api/v1/trading/fills/summary", params={"strategy_id": "s1"}).json()

    # Then
    assert [fill["client_order_id"] for fill in sells["fills"]] == ["btc-sell"]
    assert (summary["fills"], summary["buys"], summary["sells"]) == (3, 2, 1)
    assert summary["notional"] == pytest.approx(200 + 220 + 300)
    assert summary["realized_pnl"] == pytest.approx(20)
    assert summary["by_instrument"]["BTCUSDT.BINANCE"]["fills"] == 2


@pytest.mark.usefixtures("traded")
def test_given_positions_when_listed_by_status_then_open_and_closed_apart(client: TestClient) -> None:
    # When
    open_ = client.get("/api/v1/trading/positions").json()
    closed = client.get("/api/v1/trading/positions", params={"status": "closed", "strategy_id": "s1"}).json()

    # Then
    assert sorted(position["instrument_id"] for position in open_["positions"]) == [
        "BTCUSDT.BINANCE",
        "ETHUSDT.BINANCE",
    ]
    (trade,) = closed["positions"]
    assert (trade["entry_price"], trade["exit_price"], trade["realized_pnl"]) == (100, 110, pytest.approx(20))


@pytest.mark.usefixtures("traded")
def test_given_trading_when_balance_summary_and_strategies_read_then_counts_add_up(
    client: TestClient,
) -> None:
    # When
    balances = client.get("/api/v1/trading/balance", params={"strategy_id": "s1"}).json()["balances"]
    summary = client.get("/api/v1/trading/summary").json()
    strategies = client.get("/api/v1/trading/strategies").json()

    # Then
    (usdt,) = balances
    assert (usdt["allocated"], usdt["committed"], usdt["reserved"], usdt["available"]) == (
        1000,
        300.3,
        0,
        699.7,
    )
    assert summary == {
        "signals": 5,
        "orders": 4,
        "denied": 1,
        "fills": 4,
        "strategies": 2,
        "open_positions": 2,
    }
    assert [
        (item["strategy_id"], item["strategy_name"], item["signals"]) for item in strategies["strategies"]
    ] == [
        ("s1", "sma_cross", 4),
        ("s2", "rsi_reversion", 1),
    ]


@pytest.mark.usefixtures("traded")
def test_given_decisions_when_audit_read_then_every_step_recorded_and_filterable(client: TestClient) -> None:
    # When
    of_denied = client.get("/api/v1/trading/audit", params={"client_order_id": "too-big"}).json()
    page = client.get("/api/v1/trading/audit", params={"strategy_id": "s1", "limit": 3}).json()

    # Then
    assert [entry["action"] for entry in of_denied["entries"]] == ["ORDER_DENIED", "SIGNAL"]
    assert (page["count"], page["has_more"]) == (3, True)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/trading/orders", {"limit": 1001}),
        ("/api/v1/trading/orders", {"status": "NOPE"}),
        ("/api/v1/trading/fills", {"side": "HOLD"}),
        ("/api/v1/trading/positions", {"status": "ajar"}),
        ("/api/v1/trading/positions", {"status": "OPEN"}),
        ("/api/v1/trading/orders", {"strategy_id": "bad id#"}),
        ("/api/v1/trading/orders", {"statuss": "FILLED"}),
    ],
)
def test_given_bad_query_when_listed_then_422_in_error_shape(
    client: TestClient, path: str, params: dict[str, Any]
) -> None:
    # When
    response = client.get(path, params=params)

    # Then
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "code", "timestamp"}


def test_given_strategy_with_only_a_budget_when_strategies_listed_then_it_shows_with_zero_counts(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given
    pipeline.budgets.allocate("fresh", "USDT", 100)

    # When
    (fresh,) = client.get("/api/v1/trading/strategies").json()["strategies"]

    # Then
    assert (fresh["strategy_id"], fresh["currencies"], fresh["signals"], fresh["first_seen_at"]) == (
        "fresh",
        ["USDT"],
        0,
        None,
    )
