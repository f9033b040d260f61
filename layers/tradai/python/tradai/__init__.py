"""TradAI: a platform for crypto trading strategies."""

__version__ = "0.1.0"
