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
