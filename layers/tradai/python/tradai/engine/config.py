"""Simulation settings: capital, costs, sizing, fills and risk overrides, checked once."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from tradai.domain.errors import InvalidSettings


@dataclass(frozen=True)
class SimulationSettings:
    """How a run trades; every field has a safe default.

    Attributes:
        capital: starting cash (quote currency).
        fees: fee per side as a fraction of notional (0.001 = 10 bps); `fees_bps` sets it in bps.
        slippage: adverse price move per fill, as a fraction of the price.
        leverage: notional / margin, >= 1.
        position_size: fraction of equity committed per entry (1.0 = all-in), capped by cash.
        fill: "open" (next bar's open, the default) or "close" (the signal bar's close).
        allocation: symbol -> weight of equity per symbol (default: equal split).
        stoploss, take_profit, trailing_stop: positive fractions overriding the strategy's.
        minimal_roi: minutes held -> profit fraction, overriding the strategy's ROI table.
        timeframe: bar length like "1h", overriding the strategy's (used for annualization).
        seed: seed of any randomness, recorded for reproduction.
    """

    capital: float = 10_000.0
    fees: float = 0.0
    slippage: float = 0.0
    leverage: float = 1.0
    position_size: float = 1.0
    fill: str = "open"
    allocation: Mapping[str, float] | None = None
    stoploss: float | None = None
    take_profit: float | None = None
    trailing_stop: float | None = None
    minimal_roi: Mapping[int, float] | None = None
    timeframe: str | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        # numba compiles the kernel once per argument type: `leverage=2` must not compile a second copy
        for name in _FRACTIONS_AND_AMOUNTS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _real(name, value))
        _require(math.isfinite(self.capital) and self.capital > 0, "capital must be a positive number")
        _require(0 <= self.fees < 0.5, "fees must be a fraction in [0, 0.5) (0.001 = 10 bps)")
        _require(0 <= self.slippage < 0.5, "slippage must be a fraction in [0, 0.5)")
        _require(1 <= self.leverage <= 200, "leverage must be within [1, 200]")
        _require(0 < self.position_size <= 1, "position_size must be a fraction in (0, 1]")
        _require(self.fill in ("open", "close"), "fill must be 'open' or 'close'")
        for name in ("stoploss", "take_profit", "trailing_stop"):
            value = getattr(self, name)
            _require(value is None or 0 < value < 10, f"{name} must be a positive fraction (0.05 = 5%)")
        if self.allocation is not None:
            _require(all(w > 0 for w in self.allocation.values()), "allocation weights must be positive")

    @classmethod
    def from_kwargs(cls, settings: Mapping[str, Any]) -> SimulationSettings:
        """Build settings from keyword arguments, accepting `fees_bps` as an alternative to `fees`.

        Raises:
            InvalidSettings: an unknown name or an invalid value.
        """
        values = dict(settings)
        if "fees_bps" in values:
            values["fees"] = float(values.pop("fees_bps")) / 10_000.0
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidSettings(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
        try:
            return cls(**values)
        except TypeError as error:
            raise InvalidSettings(f"invalid setting: {error}") from None

    def with_changes(self, **changes: Any) -> SimulationSettings:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)


_FRACTIONS_AND_AMOUNTS = (
    "capital", "fees", "slippage", "leverage", "position_size", "stoploss", "take_profit", "trailing_stop",
)  # fmt: skip


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidSettings(f"{name} must be a number, got {value!r}")
    return float(value)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidSettings(message)
