"""Strategies as the platform sees them: a description, parameter values, and the errors of asking
for one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tradai.domain.errors import InvalidInput

ParameterValue = float | int | str | bool
"""A value a strategy parameter can be given (in a request, a config or a registered version)."""


class UnknownStrategy(InvalidInput):
    """No strategy has this name (or not in this version)."""

    code = "UNKNOWN_STRATEGY"


class InvalidStrategyParameters(InvalidInput):
    """A parameter is unknown, of the wrong type, or out of its range."""

    code = "INVALID_STRATEGY_PARAMETERS"


@dataclass(frozen=True)
class StrategyInfo:
    """A strategy's public description."""

    name: str
    version: str
    timeframe: str
    pairs: tuple[str, ...]
    can_short: bool
    code_hash: str
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Parameter name -> {type, default, low, high, choices} for sweeps and forms."""
