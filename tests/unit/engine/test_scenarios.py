"""Candle-table scenarios with the trades they must produce (freqtrade's BTContainer style)."""

from __future__ import annotations

import pytest

from tests.unit.engine.candles import Scenario, bars_from_rows, scripted
from tradai.engine import backtest

SCENARIOS = [
    Scenario(
        "stop loss inside the bar fills at the stop level",
        [
            (100, 101, 99, 100, 1, 0, 0, 0),
            (100, 102, 98, 101, 0, 0, 0, 0),
            (101, 101, 94, 96, 0, 0, 0, 0),
            (96, 97, 95, 96, 0, 0, 0, 0),
        ],
        [(1, 2, "long", 100, 95, "stop_loss")],
        {"stoploss": 0.05},
    ),
    Scenario(
        "a gap through the stop fills at the open",
        [(100, 101, 99, 100, 1, 0, 0, 0), (100, 102, 98, 101, 0, 0, 0, 0), (90, 91, 89, 90, 0, 0, 0, 0)],
        [(1, 2, "long", 100, 90, "stop_loss")],
        {"stoploss": 0.05},
    ),
    Scenario(
        "take profit fills at its level",
        [
            (100, 101, 99, 100, 1, 0, 0, 0),
            (100, 102, 98, 101, 0, 0, 0, 0),
            (105, 112, 104, 108, 0, 0, 0, 0),
            (108, 109, 107, 108, 0, 0, 0, 0),
        ],
        [(1, 2, "long", 100, 110, "roi")],
        {"take_profit": 0.1},
    ),
    Scenario(
        "a gap over the take profit fills at the open",
        [(100, 101, 99, 100, 1, 0, 0, 0), (100, 102, 98, 101, 0, 0, 0, 0), (115, 116, 114, 115, 0, 0, 0, 0)],
        [(1, 2, "long", 100, 115, "roi")],
        {"take_profit": 0.1},
    ),
    Scenario(
        "stop and take profit in one bar: the stop wins (pessimistic)",
        [(100, 101, 99, 100, 1, 0, 0, 0), (100, 102, 98, 101, 0, 0, 0, 0), (101, 112, 94, 100, 0, 0, 0, 0)],
        [(1, 2, "long", 100, 95, "stop_loss")],
        {"stoploss": 0.05, "take_profit": 0.1},
    ),
    Scenario(
        "ROI table: a lower target applies after two bars",
        [
            (100, 101, 99, 100, 1, 0, 0, 0),
            (100, 104, 99, 103, 0, 0, 0, 0),
            (103, 104, 102, 103, 0, 0, 0, 0),
            (103, 104, 102, 103, 0, 0, 0, 0),
        ],
        [(1, 3, "long", 100, 103, "roi")],
        {"minimal_roi": {0: 0.1, 120: 0.03}},
    ),
    Scenario(
        "trailing stop follows the best high of earlier bars",
        [
            (100, 101, 99, 100, 1, 0, 0, 0),
            (100, 105, 99, 104, 0, 0, 0, 0),
            (105, 120, 104, 118, 0, 0, 0, 0),
            (118, 119, 107, 110, 0, 0, 0, 0),
        ],
        [(1, 3, "long", 100, 108, "trailing_stop")],
        {"trailing_stop": 0.1},
    ),
    Scenario(
        "short entered and exited by signals at next opens",
        [
            (100, 101, 99, 100, 0, 0, 1, 0),
            (100, 101, 95, 96, 0, 0, 0, 0),
            (96, 97, 89, 90, 0, 0, 0, 1),
            (90, 91, 88, 89, 0, 0, 0, 0),
        ],
        [(1, 3, "short", 100, 90, "exit_signal")],
    ),
    Scenario(
        "short stop loss above the entry",
        [(100, 101, 99, 100, 0, 0, 1, 0), (100, 101, 99, 100, 0, 0, 0, 0), (101, 106, 100, 104, 0, 0, 0, 0)],
        [(1, 2, "short", 100, 105, "stop_loss")],
        {"stoploss": 0.05},
    ),
    Scenario(
        "fill at the close of the signal bar",
        [
            (99, 101, 98, 100, 1, 0, 0, 0),
            (100, 106, 99, 105, 0, 0, 0, 0),
            (105, 109, 104, 108, 0, 1, 0, 0),
            (108, 110, 107, 109, 0, 0, 0, 0),
        ],
        [(0, 2, "long", 100, 108, "exit_signal")],
        {"fill": "close"},
    ),
    Scenario(
        "entry and exit on the same bar cancel out",
        [(100, 101, 99, 100, 1, 1, 0, 0), (100, 101, 99, 100, 0, 0, 0, 0), (100, 101, 99, 100, 0, 0, 0, 0)],
        [],
    ),
    Scenario(
        "a signal on the last bar has no next open to fill at",
        [(100, 101, 99, 100, 0, 0, 0, 0), (100, 101, 99, 100, 1, 0, 0, 0)],
        [],
    ),
    Scenario(
        "a position open at the end closes at the last close",
        [(100, 101, 99, 100, 1, 0, 0, 0), (100, 103, 99, 102, 0, 0, 0, 0), (102, 105, 101, 104, 0, 0, 0, 0)],
        [(1, 2, "long", 100, 104, "end_of_data")],
    ),
    Scenario(
        "exit long with an opposite entry reverses at the same open",
        [
            (100, 101, 99, 100, 1, 0, 0, 0),
            (100, 103, 99, 102, 0, 0, 0, 0),
            (102, 106, 101, 105, 0, 1, 1, 0),
            (106, 107, 100, 101, 0, 0, 0, 0),
            (101, 102, 96, 97, 0, 0, 0, 1),
            (97, 98, 95, 96, 0, 0, 0, 0),
        ],
        [(1, 3, "long", 100, 106, "exit_signal"), (3, 5, "short", 106, 97, "exit_signal")],
    ),
    Scenario(
        "5x leverage is liquidated at a 20% adverse move",
        [(100, 101, 99, 100, 1, 0, 0, 0), (100, 101, 99, 100, 0, 0, 0, 0), (95, 96, 79, 85, 0, 0, 0, 0)],
        [(1, 2, "long", 100, 80, "liquidation")],
        {"leverage": 5},
    ),
    Scenario(
        "slippage worsens both fills",
        [(100, 101, 99, 100, 1, 0, 0, 0), (100, 101, 99, 100, 0, 1, 0, 0), (110, 111, 109, 110, 0, 0, 0, 0)],
        [(1, 2, "long", 101, 108.9, "exit_signal")],
        {"slippage": 0.01},
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.description for s in SCENARIOS])
def test_given_candle_table_when_backtested_then_trades_match_expected(scenario: Scenario) -> None:
    # Given
    bars = bars_from_rows(scenario.rows)
    strategy = scripted(scenario.rows)

    # When
    result = backtest(bars, strategy, capital=1000.0, **scenario.settings)

    # Then
    trades = result.trades
    got = [
        (
            int(t.entry_bar),
            int(t.exit_bar),
            t.side,
            round(t.entry_price, 9),
            round(t.exit_price, 9),
            t.exit_reason,
        )
        for t in trades.itertuples()
    ]
    assert got == [
        (a, b, side, pytest.approx(p), pytest.approx(q), r) for a, b, side, p, q, r in scenario.trades
    ]
    assert result.equity["portfolio_value"].iloc[-1] == pytest.approx(1000.0 + trades["pnl"].sum(), rel=1e-12)


SHORT_SCENARIOS = [
    Scenario(
        "short take profit fills at its level below the entry",
        [
            (100, 101, 99, 100, 0, 0, 1, 0),
            (100, 101, 98, 99, 0, 0, 0, 0),
            (97, 98, 88, 92, 0, 0, 0, 0),
            (92, 93, 91, 92, 0, 0, 0, 0),
        ],
        [(1, 2, "short", 100, 90, "roi")],
        {"take_profit": 0.1},
    ),
    Scenario(
        "a gap under the short take profit fills at the open",
        [(100, 101, 99, 100, 0, 0, 1, 0), (100, 101, 98, 99, 0, 0, 0, 0), (85, 86, 84, 85, 0, 0, 0, 0)],
        [(1, 2, "short", 100, 85, "roi")],
        {"take_profit": 0.1},
    ),
    Scenario(
        "short trailing stop follows the best low of earlier bars",
        [
            (100, 101, 99, 100, 0, 0, 1, 0),
            (100, 101, 95, 96, 0, 0, 0, 0),  # best low 95: level 104.5
            (96, 97, 80, 82, 0, 0, 0, 0),  # survives (high 97), best low 80: level 88
            (82, 90, 81, 89, 0, 0, 0, 0),  # high 90 reaches 88
            (89, 90, 88, 89, 0, 0, 0, 0),
        ],
        [(1, 3, "short", 100, 88, "trailing_stop")],
        {"trailing_stop": 0.1},
    ),
    Scenario(
        "5x short is liquidated at a 20% adverse move",
        [(100, 101, 99, 100, 0, 0, 1, 0), (100, 101, 99, 100, 0, 0, 0, 0), (105, 125, 104, 115, 0, 0, 0, 0)],
        [(1, 2, "short", 100, 120, "liquidation")],
        {"leverage": 5},
    ),
]


@pytest.mark.parametrize("scenario", SHORT_SCENARIOS, ids=[s.description for s in SHORT_SCENARIOS])
def test_given_short_candle_table_when_backtested_then_trades_match_expected(scenario: Scenario) -> None:
    test_given_candle_table_when_backtested_then_trades_match_expected(scenario)


# a short from bar 1's open 100 to bar 3's open `exit`, by signals
def short_rows(exit_open: float) -> list:
    return [
        (100, 101, 99, 100, 0, 0, 1, 0),
        (100, 101, 95, 96, 0, 0, 0, 0),
        (96, 97, 89, 93, 0, 0, 0, 1),
        (exit_open, exit_open, exit_open, exit_open, 0, 0, 0, 0),
    ]


@pytest.mark.parametrize(
    ("exit_open", "settings", "size", "pnl", "pnl_pct", "fees"),
    [
        # 1000 / 100 = 10 units; a short gains 10 x (100 - 90) when the price falls
        (90, {}, 10.0, 100.0, 0.1, 0.0),
        # and loses 10 x (110 - 100) when it rises
        (110, {}, 10.0, -100.0, -0.1, 0.0),
        # 3x: margin 1000 carries 30 units: 30 x 10, on 1000 committed
        (90, {"leverage": 3}, 30.0, 300.0, 0.3, 0.0),
        # 2x with 1% fees: units = 1000 / (100 x (1/2 + 0.01)) = 19.6078431; fees 19.6078 + 17.6471;
        # pnl = 19.6078431 x 10 - fees; pnl_pct on margin 980.392 + entry fee 19.608 = 1000
        (
            90,
            {"leverage": 2, "fees": 0.01},
            1000 / 51,
            1000 / 51 * 10 - 1000 / 51 * 1.9,
            (1000 / 51 * 8.1) / 1000,
            1000 / 51 * 1.9,
        ),
    ],
    ids=["short wins on a fall", "short loses on a rise", "3x short", "2x short with fees"],
)
def test_given_short_when_backtested_then_size_pnl_and_final_value_match_hand_values(
    exit_open: float, settings: dict, size: float, pnl: float, pnl_pct: float, fees: float
) -> None:
    # Given
    rows = short_rows(exit_open)

    # When
    result = backtest(bars_from_rows(rows), scripted(rows), capital=1000.0, **settings)

    # Then
    (trade,) = result.trades.itertuples()
    assert (trade.side, trade.entry_price, trade.exit_price) == ("short", 100.0, exit_open)
    assert trade.size == pytest.approx(size, rel=1e-12)
    assert trade.pnl == pytest.approx(pnl, rel=1e-12)
    assert trade.pnl_pct == pytest.approx(pnl_pct, rel=1e-12)
    assert trade.fees == pytest.approx(fees, rel=1e-12)
    assert result.metrics["final_value"] == pytest.approx(1000.0 + pnl, rel=1e-12)


def test_given_leveraged_long_with_fees_when_held_then_units_equity_and_pnl_match_hand_values() -> None:
    # Given: 4x, 0.5% fees: units = 1000 / (100 x (0.25 + 0.005)) = 39.2156863, margin 980.392, fee 19.608
    rows = [
        (100, 100, 100, 100, 1, 0, 0, 0),
        (100, 104, 99, 103, 0, 0, 0, 0),
        (103, 106, 102, 105, 0, 1, 0, 0),
        (106, 106, 106, 106, 0, 0, 0, 0),
    ]
    units = 1000 / 25.5
    margin, entry_fee = units * 100 / 4, units * 100 * 0.005

    # When
    result = backtest(bars_from_rows(rows), scripted(rows), capital=1000.0, leverage=4, fees=0.005)

    # Then: marked at the closes 103 and 105 (cash 0 + margin + open pnl), out at 106 paying its fee
    trade = result.trades.iloc[0]
    assert trade["size"] == pytest.approx(units, rel=1e-12)
    equity = result.equity["portfolio_value"].to_numpy()
    assert equity[1] == pytest.approx(margin + units * 3, rel=1e-12)  # 1098.04
    assert equity[2] == pytest.approx(margin + units * 5, rel=1e-12)
    pnl = units * 6 - entry_fee - units * 106 * 0.005
    assert trade["pnl"] == pytest.approx(pnl, rel=1e-12)  # 235.294 - 19.608 - 20.784
    assert trade["pnl"] == pytest.approx(194.9019608, rel=1e-9)
    assert trade["pnl_pct"] == pytest.approx(pnl / (margin + entry_fee), rel=1e-12)
    assert result.metrics["final_value"] == pytest.approx(1000 + pnl, rel=1e-12)
