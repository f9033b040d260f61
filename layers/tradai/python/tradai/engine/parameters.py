"""Typed strategy parameters: a default, a valid range, and the values a sweep may try."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradai.domain.errors import InvalidParameter


class Parameter(ABC):
    """A tunable declared on a strategy class; sweeps and config validation read it."""

    default: Any

    @abstractmethod
    def validate(self, name: str, value: Any) -> Any:
        """Return `value` coerced to this parameter's type, or raise InvalidParameter."""

    @abstractmethod
    def grid(self, points: int) -> list[Any]:
        """Return up to `points` evenly spread values over the range, ends included."""

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Any:
        """Return one value drawn uniformly from the range."""


@dataclass(frozen=True)
class IntParameter(Parameter):
    """An integer in [low, high]."""

    low: int
    high: int
    default: int

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(f"default {self.default} outside [{self.low}, {self.high}]")

    def validate(self, name: str, value: Any) -> int:
        """Return `value` as an int within range, or raise InvalidParameter."""
        number = _as_number(name, value)
        if number != int(number):
            raise InvalidParameter(f"parameter {name!r} must be an integer, got {value!r}", parameter=name)
        _check_range(name, number, self.low, self.high)
        return int(number)

    def grid(self, points: int) -> list[int]:
        """Return up to `points` distinct integers spread over [low, high]."""
        values = np.linspace(self.low, self.high, max(points, 1)).round().astype(int)
        return sorted({int(v) for v in values})

    def sample(self, rng: np.random.Generator) -> int:
        """Return a uniformly drawn integer in [low, high]."""
        return int(rng.integers(self.low, self.high + 1))


@dataclass(frozen=True)
class DecimalParameter(Parameter):
    """A real number in [low, high], rounded to `decimals` places."""

    low: float
    high: float
    default: float
    decimals: int = 3

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(f"default {self.default} outside [{self.low}, {self.high}]")

    def validate(self, name: str, value: Any) -> float:
        """Return `value` as a float within range, or raise InvalidParameter."""
        number = _as_number(name, value)
        _check_range(name, number, self.low, self.high)
        return float(number)

    def grid(self, points: int) -> list[float]:
        """Return up to `points` rounded values spread over [low, high]."""
        values = np.linspace(self.low, self.high, max(points, 1))
        return sorted({round(float(v), self.decimals) for v in values})

    def sample(self, rng: np.random.Generator) -> float:
        """Return a uniformly drawn, rounded value in [low, high]."""
        return round(float(rng.uniform(self.low, self.high)), self.decimals)


@dataclass(frozen=True)
class BoolParameter(Parameter):
    """A switch."""

    default: bool

    def validate(self, name: str, value: Any) -> bool:
        """Return `value` as a bool (accepting true/false/1/0 text), or raise InvalidParameter."""
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        raise InvalidParameter(f"parameter {name!r} must be true or false, got {value!r}", parameter=name)

    def grid(self, points: int) -> list[bool]:
        """Return both values."""
        return [False, True]

    def sample(self, rng: np.random.Generator) -> bool:
        """Return a fair coin flip."""
        return bool(rng.integers(0, 2))


@dataclass(frozen=True)
class CategoricalParameter(Parameter):
    """One of a fixed list of options."""

    options: Sequence[Any]
    default: Any = field(default=None)

    def __post_init__(self) -> None:
        if self.default not in self.options:
            raise ValueError(f"default {self.default!r} not among {list(self.options)!r}")

    def validate(self, name: str, value: Any) -> Any:
        """Return the option equal to `value` (or to its text form), or raise InvalidParameter."""
        for option in self.options:
            if value == option or str(value) == str(option):
                return option
        raise InvalidParameter(
            f"parameter {name!r} must be one of {list(self.options)!r}, got {value!r}", parameter=name
        )

    def grid(self, points: int) -> list[Any]:
        """Return every option."""
        return list(self.options)

    def sample(self, rng: np.random.Generator) -> Any:
        """Return a uniformly drawn option."""
        return self.options[int(rng.integers(0, len(self.options)))]


def _as_number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise InvalidParameter(f"parameter {name!r} must be a number, got {value!r}", parameter=name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidParameter(
            f"parameter {name!r} must be a number, got {value!r}", parameter=name
        ) from None
    if not math.isfinite(number):
        raise InvalidParameter(f"parameter {name!r} must be finite, got {value!r}", parameter=name)
    return number


def _check_range(name: str, number: float, low: float, high: float) -> None:
    if not low <= number <= high:
        raise InvalidParameter(
            f"parameter {name!r} = {number:g} is outside its range [{low:g}, {high:g}]", parameter=name
        )
