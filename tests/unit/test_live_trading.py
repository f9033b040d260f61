"""Live trading's parts without a network: closed candles through ccxt's own parsing of recorded
answers, orders on a ccxt account (recorded), keys from Secrets Manager (moto), and the refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.fakes import strategy_instance
from tests.recorded_exchange import RecordedExchange
from tradai.adapters.ccxt_broker import CcxtBroker, build_private_client
from tradai.adapters.ccxt_exchange import CcxtExchange, build_ccxt_exchange
from tradai.adapters.exchange_keys import exchange_keys
from tradai.domain.instances import ExchangeKeysMissing, LiveTradingDisabled
from tradai.domain.orders import ExecutionStatus, Order, Side
from tradai.services.replay_feed import LiveFeed
from tradai.settings import Settings

BTC = "BTC/USDT:USDT"
T0 = datetime(2024, 1, 2, 12, 30, tzinfo=UTC)


class MovingClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def recorded() -> RecordedExchange:
    return RecordedExchange()


def live_feed(recorded: RecordedExchange, clock: MovingClock) -> LiveFeed:
    exchange = CcxtExchange(
        factory=lambda exchange_id: recorded.install(build_ccxt_exchange(exchange_id)),
        clock=lambda: clock().timestamp(),
        sleep=lambda _: None,
    )
    return LiveFeed(
        exchange=exchange,
        exchange_name="binance_futures",
        symbols=[BTC],
        timeframe="1h",
        warmup_bars=10,
        clock=clock,
    )


def test_given_recorded_klines_when_live_feed_warms_up_and_polls_then_only_closed_bars_arrive(
    recorded: RecordedExchange,
) -> None:
    # Given a feed at 12:30: the 12:00 bar is still open
    clock = MovingClock(T0)
    feed = live_feed(recorded, clock)

    # When
    history = feed.history(BTC)
    early = feed.poll()
    asked_before = len(recorded.urls)
    clock.now = T0 + timedelta(minutes=20)
    still_open = feed.poll()
    asked_while_open = len(recorded.urls)
    clock.now = T0 + timedelta(hours=1, minutes=35)  # 14:05: 12:00 and 13:00 have closed
    later = feed.poll()

    # Then
    assert history.index[-1] == datetime(2024, 1, 2, 11, tzinfo=UTC)
    assert len(history) >= 10
    assert early == still_open == []
    assert asked_while_open == asked_before  # no request while no bar can have closed
    assert [candle.time for candle in later] == [
        datetime(2024, 1, 2, 12, tzinfo=UTC),
        datetime(2024, 1, 2, 13, tzinfo=UTC),
    ]
    assert later[0].close > 0
    assert feed.next_price(BTC) == later[-1].close
    assert not feed.finished


def order(quantity: float = 0.01, limit_price: float | None = None) -> Order:
    return Order(
        client_order_id="i-1-BTCUSDT-1704196800-enter_long",
        strategy_id="sma_cross",
        instance_id="i-1",
        symbol=BTC,
        exchange="binance_futures",
        instrument_id="BTCUSDT.BINANCE",
        currency="USDT",
        side=Side.BUY,
        quantity=quantity,
        limit_price=limit_price,
        created_at=T0,
        updated_at=T0,
    )


def broker(recorded: RecordedExchange) -> CcxtBroker:
    return CcxtBroker(
        exchange="binance_futures",
        api_key="key",
        secret="secret",
        factory=lambda exchange_id, key, secret: recorded.install(
            build_private_client(exchange_id, key, secret)
        ),
    )


def test_given_recorded_account_when_market_order_sent_then_filled_at_the_average_price(
    recorded: RecordedExchange,
) -> None:
    # When
    execution = broker(recorded).execute(order())

    # Then: ccxt parsed the exchange's answer; the order went to the signed order endpoint
    assert execution.status is ExecutionStatus.FILLED
    assert execution.broker_order_id == "4211984219"
    assert [(fill.quantity, fill.price) for fill in execution.fills] == [(0.01, 42350.1)]
    assert any("/fapi/v1/order" in url for url in recorded.urls)
    assert broker(recorded).price(symbol=BTC, exchange="binance_futures") == 42350.0


def test_given_exchange_refusing_when_order_sent_then_rejected_with_the_reason(
    recorded: RecordedExchange,
) -> None:
    # Given an account without the funds
    import ccxt

    answer = recorded.fetch

    def refuse(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        if url.split("?")[0].endswith("/order"):
            raise ccxt.InsufficientFunds('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}')
        return answer(url, method, headers, body)

    recorded.fetch = refuse  # type: ignore[method-assign]

    # When
    execution = broker(recorded).execute(order(quantity=10))

    # Then
    assert execution.status is ExecutionStatus.REJECTED
    assert "Margin is insufficient" in str(execution.reason)


def test_given_keys_in_secrets_manager_when_asked_then_the_exchange_entry_is_used() -> None:
    with mock_aws():
        # Given
        client = boto3.client("secretsmanager", region_name="eu-central-1")
        client.create_secret(
            Name="tradai-dev-exchange-keys",
            SecretString=json.dumps({"binance_futures": {"apiKey": "k1", "secret": "s1"}}),
        )
        settings = Settings(exchange_keys_secret="tradai-dev-exchange-keys")

        # When / Then
        assert settings.exchange_keys_configured
        assert exchange_keys(settings, "binance_futures", secrets=lambda: client) == ("k1", "s1")
        with pytest.raises(ExchangeKeysMissing):
            exchange_keys(settings, "bybit", secrets=lambda: client)


def test_given_settings_keys_when_asked_then_no_secret_is_read() -> None:
    settings = Settings(exchange_api_key="k", exchange_api_secret="s", exchange_keys_secret="unused")
    assert exchange_keys(settings, "binance_futures", secrets=lambda: pytest.fail("secret read")) == (
        "k",
        "s",
    )


def test_given_live_instance_when_worker_builds_its_broker_without_live_trading_then_refused() -> None:
    from tradai.worker import _broker

    instance = strategy_instance(mode="live", feed="live", capital=100)
    with pytest.raises(LiveTradingDisabled):
        _broker(instance, lambda _: None, Settings(exchange_api_key="k", exchange_api_secret="s"))
    with pytest.raises(ExchangeKeysMissing):
        _broker(instance, lambda _: None, Settings(live_trading=True))
    assert isinstance(
        _broker(
            instance,
            lambda _: None,
            Settings(live_trading=True, exchange_api_key="k", exchange_api_secret="s"),
        ),
        CcxtBroker,
    )
