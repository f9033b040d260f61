"""The strategy interface: freqtrade-style DataFrame methods, or an array form for full speed.

A strategy overrides either `populate_entry_trend` (and usually `populate_indicators` and
`populate_exit_trend`) working on a pandas DataFrame, or `signals` working on numpy arrays.
The engine calls neither directly: `compute_signals` wraps them, checks what they return and
turns any failure of user code into a `StrategyError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradai.domain.errors import InvalidParameter, StrategyError
from tradai.engine.memo import IndicatorMemo
from tradai.engine.parameters import Parameter

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INTERFACE_VERSION = 1
T = TypeVar("T")


@dataclass(frozen=True)
class BarArrays:
    """One symbol's bars as contiguous float64 arrays (timestamps as int64 ns since epoch, UTC)."""

    time: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    memo: IndicatorMemo | None = field(default=None, compare=False, repr=False, kw_only=True)
    lanes: npt.NDArray[np.uint64] | None = field(default=None, compare=False, repr=False, kw_only=True)
    """Hash lanes of the six columns, as `validate_bars` computed them for the fingerprint."""

    def __len__(self) -> int:
        return len(self.close)

    def indicator(self, function: Callable[..., T], *args: Any) -> T:
        """Return `function(*args)`, where an argument naming a bar column ("close", ...) stands for it.

        Strategies compute indicators through this so that a sweep, which runs many parameter sets
        on the same bars, computes each distinct one once (an SMA per window, not per set). Other
        arguments must be hashable. Don't change the returned array in place: other sets share it.
        """
        values = tuple(getattr(self, a) if isinstance(a, str) and a in _FIELDS else a for a in args)
        if self.memo is None:
            return function(*values)
        result: T = self.memo.get((function, args), lambda: function(*values))
        return result

    def shared(self) -> BarArrays:
        """Return these bars with a fresh indicator cache (what a sweep gives its runs)."""
        return replace(self, memo=IndicatorMemo())

    def to_frame(self) -> pd.DataFrame:
        """Return the bars as the DataFrame form receives them: OHLCV columns, UTC timestamp index."""
        index = pd.DatetimeIndex(self.time.view("M8[ns]"), name="timestamp").tz_localize("UTC")
        return pd.DataFrame({name: getattr(self, name) for name in _FIELDS[1:]}, index=index)

    def slice(self, start: int, stop: int) -> BarArrays:
        """Return the bars in [start, stop)."""
        return BarArrays(*(np.ascontiguousarray(getattr(self, name)[start:stop]) for name in _FIELDS))


_FIELDS = ("time", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Signals:
    """What a strategy wants on each bar; every array is as long as the bars.

    `confidence` is 0-100 (NaN when unknown); tags are short strings explaining a decision.
    """

    enter_long: BoolArray
    exit_long: BoolArray
    enter_short: BoolArray | None = None
    exit_short: BoolArray | None = None
    confidence: FloatArray | None = None
    enter_tag: npt.NDArray[np.object_] | None = None
    exit_tag: npt.NDArray[np.object_] | None = None


class Strategy:
    """Base of every strategy: declarative class attributes, typed parameters, signal methods.

    Subclasses declare parameters as class attributes (`fast = IntParameter(2, 100, 10)`); an
    instance holds resolved values in `self.params`. Risk settings are optional: `stoploss` and
    `trailing_stop` are positive fractions of the entry price, `minimal_roi` maps minutes held to
    the profit fraction at which to take profit (freqtrade's ROI table), `take_profit` is ROI {0: x}.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0.1.0"
    timeframe: ClassVar[str] = "1h"
    pairs: ClassVar[tuple[str, ...]] = ()
    can_short: ClassVar[bool] = False
    interface_version: ClassVar[int] = INTERFACE_VERSION
    startup_candle_count: ClassVar[int] = 0
    stoploss: ClassVar[float | None] = None
    take_profit: ClassVar[float | None] = None
    minimal_roi: ClassVar[Mapping[int, float] | None] = None
    trailing_stop: ClassVar[float | None] = None

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        """Resolve parameters against the declared ones.

        Raises:
            InvalidParameter: a name is not declared or a value is of the wrong type or out of range.
        """
        self.params: dict[str, Any] = resolve_params(type(self), params or {})
        self.validate_params(self.params)

    @classmethod
    def parameters(cls) -> dict[str, Parameter]:
        """Return the declared parameters by name, in declaration order (base classes first)."""
        cached: dict[str, Parameter] | None = cls.__dict__.get("_declared_parameters")
        if cached is None:  # walking the MRO costs more than a small backtest: once per class
            cached = {}
            for klass in reversed(cls.__mro__):
                for key, value in vars(klass).items():
                    if isinstance(value, Parameter):
                        cached[key] = value
            setattr(cls, "_declared_parameters", cached)  # noqa: B010 - on this class, not a base
        return dict(cached)

    def validate_params(self, params: Mapping[str, Any]) -> None:
        """Raise InvalidParameter when values are each in range but inconsistent together."""

    def warmup(self) -> int:
        """Return how many bars the indicators need before signals mean anything."""
        return self.startup_candle_count

    def populate_indicators(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return `frame` with indicator columns added (DataFrame form)."""
        return frame

    def populate_entry_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return `frame` with `enter_long` (and `enter_short`, `enter_tag`, `confidence`) set."""
        raise NotImplementedError

    def populate_exit_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return `frame` with `exit_long` (and `exit_short`, `exit_tag`) set."""
        return frame

    def signals(self, bars: BarArrays) -> Signals:
        """Return the signals for `bars` (array form; override for speed)."""
        raise NotImplementedError

    @classmethod
    def has_array_form(cls) -> bool:
        """Tell whether the class overrides the array form."""
        return cls.signals is not Strategy.signals

    @classmethod
    def has_frame_form(cls) -> bool:
        """Tell whether the class overrides the DataFrame form."""
        return cls.populate_entry_trend is not Strategy.populate_entry_trend


def resolve_params(cls: type[Strategy], given: Mapping[str, Any]) -> dict[str, Any]:
    """Return every declared parameter's value: `given` validated, defaults for the rest.

    Raises:
        InvalidParameter: a name is unknown or a value is invalid.
    """
    declared = cls.parameters()
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise InvalidParameter(
            f"unknown parameter {unknown[0]!r} for strategy {cls.name!r} (known: {known})",
            parameter=unknown[0],
        )
    return {
        key: parameter.validate(key, given[key]) if key in given else parameter.default
        for key, parameter in declared.items()
    }


def compute_signals(strategy: Strategy, bars: BarArrays, *, form: str = "auto") -> Signals:
    """Run a strategy on one symbol's bars and return checked signals.

    Args:
        strategy: the strategy instance.
        bars: the bars as arrays (used by the array form).
        form: "auto" (array form when the class has one), "arrays" or "frame".

    Returns:
        Signals with every array as long as the bars; short signals cleared when the strategy
        cannot short.

    Raises:
        StrategyError: the strategy raised, or returned missing, mis-sized or ill-typed signals.
    """
    cls = type(strategy)
    use_arrays = form == "arrays" or (form == "auto" and cls.has_array_form())
    if use_arrays and not cls.has_array_form():
        raise StrategyError(f"strategy {cls.name!r} has no array form")
    if not use_arrays and not cls.has_frame_form():
        raise StrategyError(f"strategy {cls.name!r} has no DataFrame form")
    try:
        raw = strategy.signals(bars) if use_arrays else _frame_signals(strategy, bars.to_frame())
    except (StrategyError, InvalidParameter):
        raise
    except Exception as error:  # user code may raise anything; the engine reports it as the strategy's fault
        raise StrategyError(f"strategy {cls.name!r} failed: {type(error).__name__}: {error}") from error
    return _checked(cls, raw, len(bars))


def _frame_signals(strategy: Strategy, frame: pd.DataFrame) -> Signals:
    """Run the DataFrame methods on a copy and check they kept the bars intact (freqtrade's assert_df)."""
    length, last_close, last_time = len(frame), frame["close"].iloc[-1], frame.index[-1]
    result = strategy.populate_indicators(frame.copy())
    result = strategy.populate_entry_trend(_frame_or_fail(strategy, result, "populate_indicators"))
    result = strategy.populate_exit_trend(_frame_or_fail(strategy, result, "populate_entry_trend"))
    result = _frame_or_fail(strategy, result, "populate_exit_trend")
    if len(result) != length or result.index[-1] != last_time or result["close"].iloc[-1] != last_close:
        raise StrategyError(f"strategy {strategy.name!r} changed the bars (length, last time or last close)")

    def flags(column: str) -> BoolArray:
        if column not in result:
            return no_signal(length)
        return np.ascontiguousarray(result[column].fillna(0).to_numpy(dtype=np.float64) != 0)

    def tags(column: str) -> npt.NDArray[np.object_] | None:
        return result[column].to_numpy(dtype=object) if column in result else None

    if "enter_long" not in result and "enter_short" not in result:
        raise StrategyError(f"strategy {strategy.name!r} set neither enter_long nor enter_short")
    return Signals(
        enter_long=flags("enter_long"),
        exit_long=flags("exit_long"),
        enter_short=flags("enter_short"),
        exit_short=flags("exit_short"),
        confidence=result["confidence"].to_numpy(dtype=np.float64) if "confidence" in result else None,
        enter_tag=tags("enter_tag"),
        exit_tag=tags("exit_tag"),
    )


def _frame_or_fail(strategy: Strategy, value: object, method: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise StrategyError(
            f"strategy {strategy.name!r}: {method} returned {type(value).__name__}, not a DataFrame"
        )
    return value


def _checked(cls: type[Strategy], raw: object, length: int) -> Signals:
    """Return `raw` with arrays of the right size and dtype, or raise StrategyError."""
    if not isinstance(raw, Signals):
        raise StrategyError(f"strategy {cls.name!r} returned {type(raw).__name__}, not Signals")

    def flags(name: str, value: object, required: bool) -> BoolArray:
        if value is None:
            if required:
                raise StrategyError(f"strategy {cls.name!r} returned no {name}")
            return no_signal(length)
        array = np.asarray(value)
        if array.shape != (length,):
            raise StrategyError(f"strategy {cls.name!r}: {name} has shape {array.shape}, bars have {length}")
        if array.dtype != np.bool_:
            if not np.issubdtype(array.dtype, np.number):
                raise StrategyError(f"strategy {cls.name!r}: {name} must be boolean, got {array.dtype}")
            array = np.nan_to_num(array.astype(np.float64)) != 0
        return np.ascontiguousarray(array)

    confidence = None
    if raw.confidence is not None:
        confidence = np.asarray(raw.confidence, dtype=np.float64)
        if confidence.shape != (length,):
            raise StrategyError(
                f"strategy {cls.name!r}: confidence has shape {confidence.shape}, bars {length}"
            )
        finite = confidence[np.isfinite(confidence)]
        if finite.size and (finite.min() < 0 or finite.max() > 100):
            raise StrategyError(f"strategy {cls.name!r}: confidence must be within 0-100")
    shorts = cls.can_short
    return Signals(
        enter_long=flags("enter_long", raw.enter_long, True),
        exit_long=flags("exit_long", raw.exit_long, True),
        enter_short=flags("enter_short", raw.enter_short if shorts else None, False),
        exit_short=flags("exit_short", raw.exit_short if shorts else None, False),
        confidence=confidence,
        enter_tag=_tags(cls, "enter_tag", raw.enter_tag, length),
        exit_tag=_tags(cls, "exit_tag", raw.exit_tag, length),
    )


def _tags(cls: type[Strategy], name: str, value: object, length: int) -> npt.NDArray[np.object_] | None:
    if value is None:
        return None
    array = np.asarray(value, dtype=object)
    if array.shape != (length,):
        raise StrategyError(f"strategy {cls.name!r}: {name} has shape {array.shape}, bars have {length}")
    return array


def no_signal(length: int) -> BoolArray:
    """Return `length` False flags, read-only: a signal the strategy leaves out (its shorts, say).

    The array behind them is shared between runs: fresh zeros cost ~0.1-0.2 ms per 1M bars and
    run, as freed megabytes go back to the OS and fault in again.
    """
    flags = _all_false(length).view()
    flags.flags.writeable = False
    return flags


def kernel_flags(flags: BoolArray) -> BoolArray:
    """Return `flags` as the kernel takes them: a `no_signal` array as the writable one behind it.

    Numba compiles a read-only array as another type, so the kernel would be compiled (and cached)
    twice over; it only reads its signals.
    """
    shared = _all_false(len(flags))
    return shared if flags.base is shared else flags


@lru_cache(maxsize=2)
def _all_false(length: int) -> BoolArray:
    """Return the shared array behind `no_signal` (never written)."""
    return np.zeros(length, dtype=np.bool_)
