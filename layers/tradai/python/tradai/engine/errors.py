"""Engine errors: what went wrong in user input or user strategy code, each with a stable code."""

from __future__ import annotations

from tradai.domain.errors import InvalidInput, NotFound, TradaiError


class StrategyError(TradaiError):
    """A strategy's own code failed or returned something the engine cannot use; fix the strategy."""

    code = "STRATEGY_ERROR"


class StrategyNotFound(NotFound):
    """No built-in or user strategy has the name asked for."""

    code = "STRATEGY_NOT_FOUND"


class InvalidParameter(InvalidInput):
    """A strategy parameter is unknown, of the wrong type or outside its range."""

    code = "INVALID_PARAMETER"


class InvalidBars(InvalidInput):
    """The OHLCV bars are empty, malformed or not in strictly increasing time order."""

    code = "INVALID_BARS"


class InvalidSettings(InvalidInput):
    """A simulation setting (capital, fees, leverage, ...) is out of its valid range."""

    code = "INVALID_SETTINGS"
