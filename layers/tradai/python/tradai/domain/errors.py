"""Domain errors. Each carries a stable UPPER_SNAKE `code` that clients can branch on.

The class says what kind of failure it is; `tradai.api.errors` alone maps classes to HTTP statuses.
"""

from __future__ import annotations

from typing import Any, ClassVar


class TradaiError(Exception):
    """Base of every error TradAI raises on purpose."""

    code: ClassVar[str] = "TRADAI_ERROR"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class NotFound(TradaiError):
    """The thing asked for does not exist."""

    code = "NOT_FOUND"


class Conflict(TradaiError):
    """The request collides with the current state of a resource."""

    code = "CONFLICT"


class ConditionFailed(Conflict):
    """A conditional write found the item in another state than the one it required."""

    code = "CONDITION_FAILED"

    def __init__(self, detail: str, *, current: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.current = current


class InvalidInput(TradaiError):
    """The caller sent something that can never succeed as sent."""

    code = "INVALID_INPUT"


class InvalidCursor(InvalidInput):
    """A pagination cursor was not one this API issued."""

    code = "INVALID_CURSOR"


class InvalidKey(InvalidInput):
    """A storage key is malformed or tries to escape its namespace."""

    code = "INVALID_KEY"


class Unavailable(TradaiError):
    """A dependency is down or overloaded; the same request may succeed later."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, detail: str, *, retry_after_seconds: int = 1, **context: Any) -> None:
        super().__init__(detail, **context)
        self.retry_after_seconds = retry_after_seconds


class StoreUnavailable(Unavailable):
    """The metadata store could not be reached or stayed locked/throttled too long."""

    code = "STORE_UNAVAILABLE"


class BlobStoreUnavailable(Unavailable):
    """The blob store could not be reached."""

    code = "BLOB_STORE_UNAVAILABLE"


class NotAuthenticated(TradaiError):
    """The request carries no valid token."""

    code = "NOT_AUTHENTICATED"


class Forbidden(TradaiError):
    """The caller is known but may not do this."""

    code = "FORBIDDEN"


class RateLimited(TradaiError):
    """The caller sent more requests than its limit allows in the current window."""

    code = "RATE_LIMITED"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class PayloadTooLarge(InvalidInput):
    """The request body is larger than the API accepts."""

    code = "PAYLOAD_TOO_LARGE"


class ConnectionGone(NotFound):
    """The WebSocket client has disconnected."""

    code = "CONNECTION_GONE"


class ExchangeUnavailable(Unavailable):
    """The exchange could not be reached, throttled us, or failed to answer."""

    code = "EXCHANGE_UNAVAILABLE"


class UnknownExchange(InvalidInput):
    """No exchange goes by this name."""

    code = "UNKNOWN_EXCHANGE"


class UnknownSymbol(InvalidInput):
    """The exchange lists no market with this symbol."""

    code = "UNKNOWN_SYMBOL"


class BarsNotFound(NotFound):
    """No bars are stored for this symbol and timeframe (nor a finer one to build them from)."""

    code = "BARS_NOT_FOUND"


class NoMarketData(InvalidInput):
    """No stored bars cover the requested symbols and range (a backtest, a replay, a validation run)."""

    code = "NO_MARKET_DATA"


class MarketDataUnavailable(Unavailable):
    """The market-data store (ArcticDB) could not be reached."""

    code = "MARKET_DATA_UNAVAILABLE"


class InvalidBarFile(InvalidInput):
    """A bar file to import is missing, unreadable or not a well-formed OHLCV table."""

    code = "INVALID_BAR_FILE"


class Unprocessable(InvalidInput):
    """The request is well-formed but its content breaks a rule of the resource (HTTP 422)."""

    code = "UNPROCESSABLE"


class StrategyError(Unprocessable):
    """A strategy's own code failed or returned something the engine cannot use; fix the strategy.

    Raised by the backtest engine; here so the API maps it (422) without importing the engine.
    """

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
