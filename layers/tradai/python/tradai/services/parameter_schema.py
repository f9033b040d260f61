"""Check parameter values against a strategy's declared parameters (the engine catalog's schema)."""

from __future__ import annotations

import re
from typing import Any

from tradai.domain.configs import RUN_KEYS, ConfigData, InvalidConfig
from tradai.domain.errors import InvalidInput
from tradai.domain.strategies import StrategyInfo
from tradai.ports import StrategyCatalog

_TIMEFRAME = re.compile(r"^[1-9][0-9]{0,2}[mhdw]$")
_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$")
_EXCHANGE = re.compile(r"^[a-z0-9_]{2,40}$")


def validated_parameters(
    catalog: StrategyCatalog, info: StrategyInfo, values: dict[str, Any]
) -> dict[str, Any]:
    """Return the complete parameter set (defaults filled in).

    Raises:
        InvalidConfig: a key is not a parameter of the strategy, or a value is invalid (both named).
    """
    unknown = sorted(set(values) - set(info.parameters))
    if unknown:
        known = ", ".join(sorted(info.parameters)) or "none"
        raise InvalidConfig(f"{', '.join(unknown)}: not a parameter of {info.name} (parameters: {known})")
    try:
        return catalog.resolve_parameters(info.name, values)
    except InvalidInput as exc:
        raise InvalidConfig(exc.detail) from exc


def validated_config_data(catalog: StrategyCatalog, info: StrategyInfo, flat: dict[str, Any]) -> ConfigData:
    """Split a flat config map into run keys and parameters, and check both.

    Raises:
        InvalidConfig: a run key is malformed, or a parameter is unknown or invalid.
    """
    run = {key: flat[key] for key in RUN_KEYS if key in flat}
    timeframe, pairs, exchange = run.get("timeframe"), run.get("pairs"), run.get("exchange")
    if timeframe is not None and not (isinstance(timeframe, str) and _TIMEFRAME.match(timeframe)):
        raise InvalidConfig(f"timeframe: {timeframe!r} is not a timeframe like 1h")
    if pairs is not None and not (
        isinstance(pairs, list)
        and 1 <= len(pairs) <= 50
        and all(isinstance(pair, str) and _SYMBOL.match(pair) for pair in pairs)
    ):
        raise InvalidConfig("pairs: must be 1-50 symbols like BTC/USDT:USDT")
    if exchange is not None and not (isinstance(exchange, str) and _EXCHANGE.match(exchange)):
        raise InvalidConfig(f"exchange: {exchange!r} is not an exchange name like binance_futures")
    parameters = {key: value for key, value in flat.items() if key not in RUN_KEYS}
    return ConfigData(
        timeframe=timeframe,
        pairs=pairs,
        exchange=exchange,
        parameters=validated_parameters(catalog, info, parameters),
    )
