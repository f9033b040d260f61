"""Built-in strategies, found by name through `tradai.engine.registry`."""

from __future__ import annotations

from tradai.engine.strategy import Strategy
from tradai.strategies.bollinger_breakout import BollingerBreakout
from tradai.strategies.pascal import PascalStrategy
from tradai.strategies.rsi_reversion import RsiReversion
from tradai.strategies.sma_cross import SmaCross

BUILTINS: tuple[type[Strategy], ...] = (SmaCross, RsiReversion, BollingerBreakout, PascalStrategy)

__all__ = ["BUILTINS", "BollingerBreakout", "PascalStrategy", "RsiReversion", "SmaCross"]
