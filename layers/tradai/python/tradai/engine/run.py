"""Prepare bars and a strategy for the kernel, run it, and shape its output into a result."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradai.engine import kernel
from tradai.engine.bars import bar_seconds, common_index, fingerprint, normalize_universe
from tradai.engine.config import SimulationSettings
from tradai.engine.metrics import RunArrays, compute_metrics
from tradai.engine.progress import Progress, Report, reporter
from tradai.engine.registry import code_hash, resolve_strategy
from tradai.engine.result import ENGINE_VERSION, BacktestResult, Reproducibility
from tradai.engine.strategy import BarArrays, Signals, Strategy, compute_signals, kernel_flags

FloatArray = npt.NDArray[np.float64]
SIMULATION_STRETCHES = 10  # kernel calls per run when progress is reported (each tells the bar reached)


@dataclass(frozen=True)
class Market:
    """Validated bars of every symbol, aligned on one time axis, ready for many runs."""

    symbols: tuple[str, ...]
    arrays: dict[str, BarArrays]
    time: npt.NDArray[np.int64]  # the common axis, ns since epoch UTC
    positions: dict[str, npt.NDArray[np.int64] | None]  # row of each symbol bar in `time` (None: same)
    prices: tuple[FloatArray, FloatArray, FloatArray, FloatArray]  # open, high, low, close (symbols, bars)
    fingerprint: str

    def __len__(self) -> int:
        return len(self.time)

    @cached_property
    def index(self) -> pd.DatetimeIndex:
        """Return the common axis as a UTC DatetimeIndex."""
        return pd.DatetimeIndex(self.time.view("M8[ns]"), name="timestamp").tz_localize("UTC")

    @cached_property
    def benchmark_prices(self) -> FloatArray:
        """Return the buy-and-hold price per bar (computed once, shared by every run on this market)."""
        return _benchmark_prices(self.prices[3])

    def bar_time(self, position: int) -> datetime:
        """Return the UTC time of bar `position` of the common axis."""
        return datetime.fromtimestamp(int(self.time[position]) / 1e9, tz=UTC)

    def window(self, start: int, stop: int) -> Market:
        """Return the market restricted to bars [start, stop) of the common axis."""
        first, last = self.time[start], self.time[stop - 1]
        sliced = {}
        for symbol, bars in self.arrays.items():
            lo, hi = np.searchsorted(bars.time, first, "left"), np.searchsorted(bars.time, last, "right")
            if hi > lo:
                sliced[symbol] = bars.slice(int(lo), int(hi))
        return _assemble(sliced)


def build_market(bars: pd.DataFrame | Mapping[str, pd.DataFrame]) -> Market:
    """Validate and align bars once, so sweeps and walk-forward don't repeat the work.

    Raises:
        InvalidBars: the bars are malformed.
    """
    return _assemble(normalize_universe(bars))


def _assemble(arrays: dict[str, BarArrays]) -> Market:
    symbols = tuple(arrays)
    time = common_index(arrays)
    positions: dict[str, npt.NDArray[np.int64] | None] = {
        s: None if len(arrays[s]) == len(time) else np.searchsorted(time, arrays[s].time).astype(np.int64)
        for s in symbols
    }
    open_, high, low, close = (
        _stack([getattr(arrays[s], name) for s in symbols], positions, symbols, len(time), np.nan)
        for name in ("open", "high", "low", "close")
    )
    return Market(symbols, arrays, time, positions, (open_, high, low, close), fingerprint(arrays))


def _stack(
    columns: list[npt.NDArray[Any]],
    positions: Mapping[str, npt.NDArray[np.int64] | None],
    symbols: tuple[str, ...],
    length: int,
    fill: Any,
) -> npt.NDArray[Any]:
    """Return a (symbols, bars) array with each symbol's values at its rows of the common index."""
    if len(columns) == 1 and positions[symbols[0]] is None:
        return columns[0].reshape(1, -1)
    out = np.full((len(columns), length), fill, dtype=columns[0].dtype)
    for row, (symbol, values) in enumerate(zip(symbols, columns, strict=True)):
        where = positions[symbol]
        out[row, slice(None) if where is None else where] = values
    return out


def risk_arrays(
    cls: type[Strategy], settings: SimulationSettings, seconds: float
) -> tuple[float, float, npt.NDArray[np.int64], FloatArray]:
    """Return stop loss, trailing stop (NaN = off) and the ROI table in bars, settings over class."""
    stoploss = settings.stoploss if settings.stoploss is not None else cls.stoploss
    trailing = settings.trailing_stop if settings.trailing_stop is not None else cls.trailing_stop
    roi = dict(settings.minimal_roi if settings.minimal_roi is not None else cls.minimal_roi or {})
    take_profit = settings.take_profit if settings.take_profit is not None else cls.take_profit
    if take_profit is not None:
        roi[0] = take_profit
    ordered = sorted(roi.items())
    roi_bars = np.array([math.ceil(minutes * 60 / seconds) for minutes, _ in ordered], dtype=np.int64)
    roi_values = np.array([value for _, value in ordered], dtype=np.float64)
    return (
        abs(stoploss) if stoploss is not None else math.nan,
        abs(trailing) if trailing is not None else math.nan,
        roi_bars,
        roi_values,
    )


@dataclass(frozen=True)
class SignalMatrix:
    """Every symbol's signals as (symbols, bars) arrays, tags as integer codes."""

    enter_long: npt.NDArray[np.bool_]
    exit_long: npt.NDArray[np.bool_]
    enter_short: npt.NDArray[np.bool_]
    exit_short: npt.NDArray[np.bool_]
    enter_tag: npt.NDArray[np.int32]
    exit_tag: npt.NDArray[np.int32]
    confidence: FloatArray
    tags: tuple[str, ...]


def signal_matrix(
    market: Market, strategy: Strategy, form: str = "auto", *, annotations: bool = True
) -> SignalMatrix:
    """Run the strategy on each symbol and stack its checked signals.

    Without `annotations`, tags and confidence are left out (sweeps: no metric reads them, and
    coding a million tags costs more than the run).

    Raises:
        StrategyError: the strategy failed on some symbol.
    """
    per_symbol = [compute_signals(strategy, market.arrays[s], form=form) for s in market.symbols]
    tags: dict[str, int] = {}
    n = len(market)

    def stack(values: list[npt.NDArray[Any]], fill: Any) -> npt.NDArray[Any]:
        return _stack(values, market.positions, market.symbols, n, fill)

    def optional(
        getter: Callable[[Signals], npt.NDArray[Any] | None],
        fill: Any,
        convert: Callable[[npt.NDArray[Any]], npt.NDArray[Any]],
    ) -> npt.NDArray[Any]:
        """Stack an optional column; when no symbol has it, a zero-memory broadcast of `fill`."""
        columns = [getter(sig) if annotations else None for sig in per_symbol]
        if all(column is None for column in columns):
            return np.broadcast_to(fill, (len(per_symbol), n))
        return stack(
            [
                np.full(len(sig.enter_long), fill) if c is None else convert(c)
                for sig, c in zip(per_symbol, columns, strict=True)
            ],
            fill,
        )

    def codes(raw: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.array([_tag_code(tags, value) for value in raw], dtype=np.int32)

    def flags(name: str) -> npt.NDArray[np.bool_]:
        return stack([kernel_flags(getattr(sig, name)) for sig in per_symbol], False)

    return SignalMatrix(
        enter_long=flags("enter_long"),
        exit_long=flags("exit_long"),
        enter_short=flags("enter_short"),
        exit_short=flags("exit_short"),
        enter_tag=optional(lambda x: x.enter_tag, np.int32(-1), codes),
        exit_tag=optional(lambda x: x.exit_tag, np.int32(-1), codes),
        confidence=optional(lambda x: x.confidence, np.float64(np.nan), lambda c: c),
        tags=tuple(tags),
    )


def _tag_code(tags: dict[str, int], value: object) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return -1
    return tags.setdefault(str(value), len(tags))


def simulate(
    market: Market,
    signals: SignalMatrix,
    cls: type[Strategy],
    settings: SimulationSettings,
    start: int = 0,
    report: Report | None = None,
    equity: FloatArray | None = None,
) -> RunArrays:
    """Run the kernel and return its raw output with the context metrics need.

    With `report`, the bars run in ten stretches and each reports the bar reached (fractions 0.5-0.8).
    `equity` is a buffer for the equity curve (a sweep reuses one per thread; see kernel.new_state).
    """
    seconds = bar_seconds(settings.timeframe or cls.timeframe, market.time)
    stoploss, trailing, roi_bars, roi_values = risk_arrays(cls, settings, seconds)
    weights = _weights(market.symbols, settings)
    open_, high, low, close = market.prices
    n_sym, n_bar = close.shape
    # every trade starts at an entry signal: their count bounds the trades (no temporary for an or)
    entries = int(np.count_nonzero(signals.enter_long)) + int(np.count_nonzero(signals.enter_short))
    state = kernel.new_state(n_sym, n_bar, settings.capital, entries, equity)
    stretch = n_bar if report is None else -(-n_bar // SIMULATION_STRETCHES)
    for begin in range(0, n_bar, stretch):
        stop = min(begin + stretch, n_bar)
        kernel.simulate(
            open_, high, low, close,
            signals.enter_long, signals.exit_long, signals.enter_short, signals.exit_short,
            signals.enter_tag, signals.exit_tag, signals.confidence,
            weights, settings.capital, settings.fees, settings.slippage, settings.leverage,
            settings.position_size, settings.fill == "close", stoploss, trailing, roi_bars, roi_values, start,
            state, begin, stop,
        )  # fmt: skip
        if report is not None:
            report(0.5 + 0.3 * stop / n_bar, "simulating", market.bar_time(stop - 1))
    equity, trades, in_market = kernel.results(state)
    return RunArrays(
        equity=equity,
        trades=trades,
        in_market=in_market,
        capital=settings.capital,
        bar_seconds=seconds,
        benchmark_returns=None,
        symbols=market.symbols,
        benchmark_prices=market.benchmark_prices,
    )


def _weights(symbols: tuple[str, ...], settings: SimulationSettings) -> FloatArray:
    if settings.allocation is None:
        return np.full(len(symbols), 1.0 / len(symbols))
    raw = np.array([float(settings.allocation.get(s, 0.0)) for s in symbols])
    return raw / raw.sum() if raw.sum() > 0 else np.full(len(symbols), 1.0 / len(symbols))


def _benchmark_prices(close: FloatArray) -> FloatArray:
    """Return the value per bar of an equal-weight buy-and-hold of every symbol (held from bar 0)."""
    if close.shape[0] == 1:
        alone: FloatArray = close[0]
        return alone
    filled = pd.DataFrame(close.T).ffill().bfill().to_numpy()
    basket: FloatArray = (filled / filled[0]).mean(axis=1)
    return basket


def trades_frame(run: RunArrays, index: pd.DatetimeIndex, tags: tuple[str, ...]) -> pd.DataFrame:
    """Return the trade records as a readable DataFrame."""
    t = run.trades
    entry_bar = t[:, kernel.T_ENTRY_BAR].astype(np.int64)
    exit_bar = t[:, kernel.T_EXIT_BAR].astype(np.int64)
    names = np.array((*tags, None), dtype=object)  # code -1 picks the trailing None
    reasons = np.array(kernel.EXIT_REASONS, dtype=object)
    return pd.DataFrame(
        {
            "entry_time": index[entry_bar],
            "exit_time": index[exit_bar],
            "symbol": np.array(run.symbols, dtype=object)[t[:, kernel.T_SYMBOL].astype(np.int64)],
            "side": np.where(t[:, kernel.T_SIDE] > 0, "long", "short"),
            "entry_price": t[:, kernel.T_ENTRY_PRICE],
            "exit_price": t[:, kernel.T_EXIT_PRICE],
            "size": t[:, kernel.T_UNITS],
            "pnl": t[:, kernel.T_PNL],
            "pnl_pct": t[:, kernel.T_PNL_PCT],
            "fees": t[:, kernel.T_FEES],
            "enter_tag": names[t[:, kernel.T_ENTRY_TAG].astype(np.int64)],
            "exit_tag": names[t[:, kernel.T_EXIT_TAG].astype(np.int64)],
            "exit_reason": reasons[t[:, kernel.T_REASON].astype(np.int64)],
            "confidence": t[:, kernel.T_CONFIDENCE],
            "entry_bar": entry_bar,
            "exit_bar": exit_bar,
        }
    )


def equity_frame(run: RunArrays, market: Market) -> pd.DataFrame:
    """Return the equity curve: portfolio value, drawdown (percent, -100 to 0, of the equity floored
    at 0 as max_drawdown measures it) and the benchmark price."""
    equity = run.equity
    peak = np.maximum.accumulate(np.maximum(equity, run.capital))
    return pd.DataFrame(
        {
            "portfolio_value": equity,
            "drawdown_percent": (np.maximum(equity, 0.0) / peak - 1.0) * 100.0,
            "benchmark_price": _filled(market.prices[3][0]),
        },
        index=market.index,
    )


def _filled(values: FloatArray) -> FloatArray:
    """Return `values` with gaps (bars a symbol has no data) carrying the last price forward."""
    if not np.isnan(values).any():
        return values
    filled: FloatArray = np.asarray(pd.Series(values).ffill(), dtype=np.float64)
    return filled


def run_backtest(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame] | Market,
    strategy: str | type[Strategy],
    params: Mapping[str, Any] | None = None,
    *,
    strategy_path: Path | None = None,
    progress: Progress | None = None,
    form: str = "auto",
    start: int = 0,
    **settings: Any,
) -> BacktestResult:
    """Run one backtest; see `tradai.engine.backtest` for the documented contract."""
    report = reporter(progress)
    config = SimulationSettings.from_kwargs(settings)
    cls = resolve_strategy(strategy, strategy_path)
    instance = cls(params)
    report(0.0, f"preparing {cls.name}", None)
    market = bars if isinstance(bars, Market) else build_market(bars)
    report(0.2, "computing signals", None)
    signals = signal_matrix(market, instance, form)
    run = simulate(market, signals, cls, config, start, report if progress is not None else None)
    report(0.8, "computing metrics", market.bar_time(len(market) - 1))
    result = BacktestResult(
        metrics=compute_metrics(run),
        record=Reproducibility(
            strategy=cls.name,
            strategy_version=cls.version,
            code_hash=code_hash(cls),
            params=dict(instance.params),
            settings={k: v for k, v in asdict(config).items() if k != "seed"},
            engine_version=ENGINE_VERSION,
            bars_fingerprint=market.fingerprint,
            seed=config.seed,
        ),
        build_trades=lambda: trades_frame(run, market.index, signals.tags),
        build_equity=lambda: equity_frame(run, market),
    )
    report(1.0, "done", market.bar_time(len(market) - 1))
    return result
