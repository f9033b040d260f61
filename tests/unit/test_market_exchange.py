"""The ccxt adapter on recorded Binance USDM answers: ccxt's own request building and parsing run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.conftest import FakeClock
from tests.recorded_exchange import FakeSleep, RecordedExchange
from tradai.adapters.ccxt_exchange import CcxtExchange, build_ccxt_exchange, ccxt_id
from tradai.domain.errors import ExchangeUnavailable, UnknownExchange, UnknownSymbol

BTC = "BTC/USDT:USDT"
FIRST_BAR = datetime(2024, 1, 1, tzinfo=UTC)
AFTER_LAST_BAR = datetime(2024, 1, 3, 0, 30, tzinfo=UTC).timestamp()  # the 48th bar (23:00) is closed


@pytest.fixture
def recorded() -> RecordedExchange:
    return RecordedExchange()


@pytest.fixture
def make_exchange(clock: FakeClock) -> Callable[..., tuple[CcxtExchange, FakeSleep]]:
    clock.now = AFTER_LAST_BAR

    def make(recording: RecordedExchange, **options: object) -> tuple[CcxtExchange, FakeSleep]:
        sleep = FakeSleep(clock)
        exchange = CcxtExchange(
            factory=lambda exchange_id: recording.install(build_ccxt_exchange(exchange_id)),
            clock=clock,
            sleep=sleep,
            **options,  # type: ignore[arg-type]
        )
        return exchange, sleep

    return make


def fetch_all(exchange: CcxtExchange, start: datetime = FIRST_BAR) -> list[pd.DataFrame]:
    return list(exchange.fetch_bars(exchange="binance_futures", symbol=BTC, timeframe="1h", start=start))


def test_given_binance_futures_when_markets_listed_then_usdm_perpetuals_and_cached(
    recorded: RecordedExchange, make_exchange: Callable[..., tuple[CcxtExchange, FakeSleep]], clock: FakeClock
) -> None:
    # Given
    exchange, _ = make_exchange(recorded, markets_ttl_seconds=600)

    # When
    first = exchange.markets("binance_futures")
    clock.advance(300)
    again = exchange.markets("binance_futures")
    clock.advance(400)
    refreshed = exchange.markets("binance_futures")

    # Then
    assert first.symbols == ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]
    assert again.fetched_at == first.fetched_at == datetime.fromtimestamp(AFTER_LAST_BAR, tz=UTC)
    assert refreshed.fetched_at > first.fetched_at
    assert recorded.urls == ["https://fapi.binance.com/fapi/v1/exchangeInfo"] * 2


def test_given_small_pages_when_bars_fetched_then_all_bars_in_order_spaced_by_rate_limit(
    recorded: RecordedExchange, make_exchange: Callable[..., tuple[CcxtExchange, FakeSleep]]
) -> None:
    # Given 46 recorded bars (hours 20 and 21 are missing), served 20 per page
    exchange, sleep = make_exchange(recorded, page_limit=20)

    # When
    pages = fetch_all(exchange)

    # Then
    bars = pd.concat(pages)
    assert [len(page) for page in pages] == [20, 20, 6]
    assert len(bars) == 46
    assert bars.index.is_monotonic_increasing
    assert bars.index[0] == pd.Timestamp(FIRST_BAR)
    assert bars.iloc[0].to_dict() == {
        "open": 42283.5,
        "high": 42368.1,
        "low": 41988.0,
        "close": 42072.1,
        "volume": 1500.0,
    }
    assert sum(1 for url in recorded.urls if "klines" in url) == 3
    assert sleep.pauses
    assert all(pause == pytest.approx(0.05) for pause in sleep.pauses)


def test_given_last_candle_still_open_when_fetched_then_it_is_dropped(
    recorded: RecordedExchange, make_exchange: Callable[..., tuple[CcxtExchange, FakeSleep]], clock: FakeClock
) -> None:
    # Given the clock inside the last recorded hour
    exchange, _ = make_exchange(recorded)
    clock.now = datetime(2024, 1, 2, 23, 30, tzinfo=UTC).timestamp()

    # When
    bars = pd.concat(fetch_all(exchange))

    # Then
    assert bars.index[-1] == pd.Timestamp("2024-01-02 22:00", tz="UTC")


def test_given_exchange_repeating_the_previous_bar_when_fetched_then_no_duplicates(
    make_exchange: Callable[..., tuple[CcxtExchange, FakeSleep]],
) -> None:
    # Given
    exchange, _ = make_exchange(RecordedExchange(overlap=True), page_limit=10)

    # When
    bars = pd.concat(fetch_all(exchange, start=datetime(2024, 1, 1, 5, tzinfo=UTC)))

    # Then
    assert bars.index.is_unique
    assert bars.index[0] == pd.Timestamp("2024-01-01 05:00", tz="UTC")
    assert len(bars) == 41


def test_given_two_network_errors_when_fetched_then_retried_with_backoff(
    make_exchange: Callable[..., tuple[CcxtExchange, FakeSleep]],
) -> None:
    # Given
    exchange, sleep = make_exchange(RecordedExchange(failures=2), backoff_seconds=1.0)

    # When
    markets = exchange.markets("binance_futures")

    # Then
    assert len(markets.symbols) == 3
    assert [pause for pause in sleep.pauses if pause >= 1] == [1.0, 2.0]


def test_given_exchange_down_when_fetched_then_exchange_unavailable(
    make_exchange: Callable[..., tuple[CcxtExchange, FakeSleep]],
) -> None:
    # Given
    exchange, _ = make_exchange(RecordedExchange(failures=10), retries=3)

    # When / Then
    with pytest.raises(ExchangeUnavailable) as caught:
        fetch_all(exchange)
    assert caught.value.code == "EXCHANGE_UNAVAILABLE"


def test_given_unknown_names_when_used_then_unknown_exchange_or_symbol(
    recorded: RecordedExchange, make_exchange: Callable[..., tuple[CcxtExchange, FakeSleep]]
) -> None:
    # Given
    exchange, _ = make_exchange(recorded)

    # When / Then
    with pytest.raises(UnknownExchange):
        exchange.markets("no_such_exchange")
    with pytest.raises(UnknownSymbol):
        list(
            exchange.fetch_bars(
                exchange="binance_futures", symbol="DOGE/USDT:USDT", timeframe="1h", start=FIRST_BAR
            )
        )


@pytest.mark.parametrize(
    ("name", "expected"), [("binance_futures", "binanceusdm"), ("binance", "binance"), ("kraken", "kraken")]
)
def test_given_exchange_name_when_mapped_then_ccxt_id_as_documented(name: str, expected: str) -> None:
    assert ccxt_id(name) == expected
