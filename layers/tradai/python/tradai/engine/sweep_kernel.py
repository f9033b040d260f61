"""Fused sweep kernel: a built-in strategy's signals, the trade loop and a run's statistics, per
parameter set, in one pass over one symbol's bars, with no per-set signal or equity arrays.

Signals are read bar by bar from indicators shared by every set (one SMA per window), exactly as
the strategies' `signals` compute them. The trade loop is `kernel.simulate`'s for one symbol, its
position held in scalars; prices, sizes, pnl and stops come from kernel.py's scalar helpers
(entry_terms, exit_terms, stop_level, risk_exit), as kernel.simulate's do (its own array helpers
take the shared arrays, and counting references on them from every thread cost more than the
trades). It jumps over bars where nothing can happen (flat with no entry signal; holding with no
exit signal and no stop reached). tests/unit/engine/test_sweep.py checks
every set of every built-in against `backtest()`.

numba's cache checks only the source file of the function it compiled, not the modules whose
jitted functions or constants it uses (`kernel`, `metrics`, `indicators` here); the kernel is built
in a closure over a hash of those sources, which numba keys its cache entries on, so an edit there
compiles it afresh instead of loading a stale copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from numba import njit

from tradai.engine import indicators, kernel, metrics
from tradai.engine.kernel import (
    EXIT_LIQUIDATION,
    T_ENTRY_BAR,
    T_EXIT_BAR,
    T_FEES,
    T_PNL,
    T_PNL_PCT,
    TRADE_FIELDS,
    entry_terms,
    exit_terms,
    risk_exit,
    stop_level,
)
from tradai.engine.metrics import equity_stats, trade_stats

FloatArray = npt.NDArray[np.float64]

# signal rules, one per built-in (strategies/*.py); the arguments each reads from its set's row
SMA_CROSS = 0  # series: fast SMA, slow SMA
RSI_REVERSION = 1  # series: RSI; values: oversold, overbought
BOLLINGER_BREAKOUT = 2  # series: SMA, rolling std; values: width
PASCAL = 3  # series: fast EMA, slow EMA, RSI, ATR; values: rsi_exit, min_atr_pct
SLOTS = 4  # series per set (and up to two values)
CLOSE = 0  # the row of `series` holding the closes

# columns of the per-set output
O_FINAL, O_IN_MARKET, O_TRADES = 0, 1, 2
O_TRADE_STATS = 3  # trade_stats' 12 values
O_CURVE_STATS = 15  # equity_stats' 13 values (NaN unless the curve is measured)
OUTPUT_FIELDS = 28


def _dependencies_hash() -> int:
    """Return a hash of the sources of the modules whose jitted functions the kernel uses."""
    digest = hashlib.sha256()
    for module in (kernel, metrics, indicators):
        digest.update(Path(str(module.__file__)).read_bytes())
    return int(digest.hexdigest()[:15], 16)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _signals(  # pragma: no cover - compiled
    rule: int,
    close: float,
    a: float,
    b: float,
    close_before: float,
    a_before: float,
    b_before: float,
    c: float,
    d: float,
    x: float,
    y: float,
    short: bool,
) -> tuple[bool, bool, bool, bool]:
    """Return (enter_long, exit_long, enter_short, exit_short) of a bar, as the strategy's `signals`
    computes them from the same values (the short ones False unless `short`).

    Takes the bar's (and the bar before's: NaN on bar 0, so no crossing there) values of the close
    and the set's indicators `a`-`d`, and the set's numbers `x`, `y`, in the order of the rule's
    comment above. Scalars only: an array passed to an inlined function is reference-counted on
    every call, which would cost more than the bar.
    """
    if rule == SMA_CROSS:
        up = a > b and a_before <= b_before  # indicators.crossed_above(fast, slow)
        down = b > a and b_before <= a_before
        return up, down, short and down, short and up
    if rule == RSI_REVERSION:
        enter_long = a > x and a_before <= x
        enter_short = short and y > a and y <= a_before
        return enter_long, a >= y, enter_short, short and a <= x
    if rule == BOLLINGER_BREAKOUT:  # the bands as the strategy's arrays hold them: middle +/- (std x width)
        spread, spread_before = b * x, b_before * x
        upper, upper_before = a + spread, a_before + spread_before
        lower, lower_before = a - spread, a_before - spread_before
        enter_long = close > upper and close_before <= upper_before
        enter_short = short and lower > close and lower_before <= close_before
        exit_long = a > close and a_before <= close_before
        exit_short = short and close > a and close_before <= a_before
        return enter_long, exit_long, enter_short, exit_short
    # PASCAL
    lively = d >= y * close
    enter_long = a > b and lively and (close > a and close_before <= a_before) and c > 50.0
    enter_short = short and a < b and lively and (a > close and a_before <= close_before) and c < 50.0
    exit_long = (b > close and b_before <= close_before) or c >= x
    exit_short = short and ((close > b and close_before <= b_before) or c <= 100.0 - x)
    return enter_long, exit_long, enter_short, exit_short


Position = tuple[float, float, float, float, float, int, float]
"""The only symbol's position, as kernel.py's position row holds it: side (0 flat, 1 long, -1
short), units, margin, entry price, entry fee, entry bar, best price since entry."""
FLAT: Position = (0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _opened(
    direction: float,
    raw_price: float,
    i: int,
    cash: float,
    fee: float,
    slippage: float,
    leverage: float,
    size_fraction: float,
) -> tuple[Position, float]:  # pragma: no cover - compiled
    """Return (position, cash left) as kernel._open opens the only symbol (weight 1, nothing else
    held); still flat, the cash unchanged, when there is nothing to commit."""
    budget = min(cash, size_fraction * 1.0 * cash)
    if budget <= 0.0:
        return FLAT, cash
    price, units, margin, entry_fee = entry_terms(direction, raw_price, budget, fee, slippage, leverage)
    return (direction, units, margin, price, entry_fee, i, price), cash - margin - entry_fee


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _closed(
    trades: FloatArray, k: int, position: Position, price: float, i: int, fee: float
) -> float:  # pragma: no cover - compiled
    """Record trade `k` as kernel._close does (the columns `trade_stats` reads); return the cash it
    gives back. `trades` must be the caller's own array (see `run_sets`)."""
    side, units, margin, entry, entry_fee, entry_bar, _ = position
    proceeds, pnl, pnl_pct, fees = exit_terms(side, units, margin, entry, entry_fee, price, fee)
    trades[k, T_ENTRY_BAR] = entry_bar
    trades[k, T_EXIT_BAR] = i
    trades[k, T_PNL] = pnl
    trades[k, T_PNL_PCT] = pnl_pct
    trades[k, T_FEES] = fees
    given_back: float = proceeds
    return given_back


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _filled(
    trades: FloatArray,
    n_trades: int,
    position: Position,
    raw_price: float,
    i: int,
    do_exit: bool,
    entry: float,
    cash: float,
    costs: tuple[float, float, float, float],
) -> tuple[Position, float, int]:  # pragma: no cover - compiled
    """Fill an exit, then an entry, at `raw_price` as kernel._fill does; return (position, cash,
    trades). `costs` is (fee, slippage, leverage, size fraction)."""
    fee, slippage, leverage, size_fraction = costs
    if do_exit and position[0] != 0.0:
        cash += _closed(trades, n_trades, position, raw_price * (1.0 - slippage * position[0]), i, fee)
        n_trades += 1
        position = FLAT
    if entry != 0.0 and position[0] == 0.0:
        position, cash = _opened(entry, raw_price, i, cash, fee, slippage, leverage, size_fraction)
    return position, cash, n_trades


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _fixed_level(side: float, entry: float, leverage: float, stoploss: float) -> float:  # pragma: no cover
    """Return the level that closes a position when only liquidation and the stop loss can (0 for
    an unlevered long without a stop: prices never reach it), as risk_exit computes it."""
    level, _ = stop_level(side, entry, entry, leverage, stoploss, np.nan)
    return level


def _build(stamp: int, rule: int) -> Callable[..., None]:
    """Return the kernel of one signal rule (a constant, so its branches compile away), its cache
    entries tied to `stamp` (see the module docstring)."""

    @njit(cache=True, nogil=True, error_model="numpy")
    def run_sets(  # pragma: no cover - compiled; one flat loop per set is the point
        series: FloatArray,
        cols: npt.NDArray[np.int64],
        vals: FloatArray,
        shorts: npt.NDArray[np.bool_],
        todo: npt.NDArray[np.int64],
        open_: FloatArray,
        high: FloatArray,
        low: FloatArray,
        benchmark: FloatArray,
        capital: float,
        fee: float,
        slippage: float,
        leverage: float,
        size_fraction: float,
        fill_on_close: bool,
        stoploss: float,
        trailing: float,
        roi_bars: npt.NDArray[np.int64],
        roi_values: FloatArray,
        curve: bool,
        out: FloatArray,
    ) -> None:
        """Run the parameter sets `todo` (rows of cols/vals/shorts/out) on one symbol's bars.

        Writes per set: final equity, bars in market, trades, `trade_stats` and, with `curve`,
        `equity_stats` against `benchmark` prices (else NaN). Settings as for `kernel.simulate`
        (start 0). The closes are row CLOSE of `series`.

        Shared arrays are only indexed here, never passed to a helper per bar or per trade: each
        call would count a reference on them, an atomic write every thread contends for.
        """
        if stamp < 0:  # never true: the stamp only keys the cache (see the module docstring)
            return
        n = series.shape[1]
        guarded = leverage > 1.0 or not np.isnan(stoploss) or not np.isnan(trailing) or roi_bars.shape[0] > 0
        # only fixed levels (liquidation, stop loss) can close a position: no bar-by-bar risk check
        fixed_levels = np.isnan(trailing) and roi_bars.shape[0] == 0
        roi_bars, roi_values = roi_bars.copy(), roi_values.copy()  # this thread's own (see above)
        costs = (fee, slippage, leverage, size_fraction)
        placing = 0.0 if fill_on_close else 1.0  # whether a signal bar only places orders
        equity = np.empty(n if curve else 1)
        trades = np.empty((256, TRADE_FIELDS))
        for t in range(todo.shape[0]):
            k = todo[t]
            a, b, c, d = cols[k, 0], cols[k, 1], cols[k, 2], cols[k, 3]
            ua, ub, uc, ud, u_close = np.uint64(a), np.uint64(b), np.uint64(c), np.uint64(d), np.uint64(CLOSE)
            x, y, short = vals[k, 0], vals[k, 1], shorts[k]
            position = FLAT
            cash = capital
            n_trades = in_market = 0
            pend_exit = False
            pend_entry = 0.0
            i = 0
            while i < n:
                side = position[0]
                if not pend_exit and pend_entry == 0.0 and (side == 0.0 or fixed_levels) and 0 < i < n - 1:
                    # skip the bars where nothing can happen: flat without an entry, or holding
                    # without an exit signal or a fixed level reached
                    level = _fixed_level(side, position[3], leverage, stoploss)
                    # unsigned indices: numba checks signed ones for negative values on every access
                    at, end, one = np.uint64(i), np.uint64(n - 1), np.uint64(1)
                    before = series[u_close, at - one], series[ua, at - one], series[ub, at - one]
                    # a bar that only places orders (filled at the next open) is done here, as the
                    # general bar would do it; one that may fill or stop is left to it. Flat and
                    # holding scan in loops of their own (one loop testing the side ran twice as slow)
                    if side == 0.0:
                        while at < end:
                            now = cl, va, vb = series[u_close, at], series[ua, at], series[ub, at]
                            cb, ab, bb = before
                            vc, vd = series[uc, at], series[ud, at]
                            el, xl, es, xs = _signals(rule, cl, va, vb, cb, ab, bb, vc, vd, x, y, short)
                            if (el and not xl) or (es and not xs):
                                pend_entry = (1.0 if el and not xl else -1.0) * placing
                                break
                            before = now
                            at += one
                    else:
                        while at < end:
                            now = cl, va, vb = series[u_close, at], series[ua, at], series[ub, at]
                            cb, ab, bb = before
                            vc, vd = series[uc, at], series[ud, at]
                            el, xl, es, xs = _signals(rule, cl, va, vb, cb, ab, bb, vc, vd, x, y, short)
                            if (low[at] <= level) if side > 0.0 else (high[at] >= level):
                                break
                            if xl if side > 0.0 else xs:
                                pend_exit = placing == 1.0
                                reverse = (es and not xs) if side > 0.0 else (el and not xl)
                                pend_entry = -side * placing if reverse else 0.0
                                break
                            before = now
                            at += one
                    j = int(np.int64(at))  # signed again (mixed with unsigned, arithmetic turns float)
                    placed = pend_exit or pend_entry != 0.0
                    last = j + 1 if placed else j  # bars handled here
                    if side != 0.0:
                        in_market += last - i
                    if curve:
                        _, units, margin, entry, _, _, _ = position
                        for q in range(i, last):
                            worth = margin + units * (series[CLOSE, q] - entry) * side
                            equity[q] = cash if side == 0.0 else cash + worth
                    i = last
                    if placed:
                        continue
                if n_trades + 3 > trades.shape[0]:  # room for this bar's closes (at most three)
                    grown = np.empty((2 * trades.shape[0], TRADE_FIELDS))
                    grown[:n_trades] = trades[:n_trades]
                    trades = grown
                # the general bar, as kernel.simulate's loop for one symbol with data on every bar
                o, close = open_[i], series[CLOSE, i]
                if pend_exit or pend_entry != 0.0:  # 1. fill the orders of the bar before at this open
                    position, cash, n_trades = _filled(
                        trades, n_trades, position, o, i, pend_exit, pend_entry, cash, costs
                    )
                    pend_exit = False
                    pend_entry = 0.0
                side = position[0]
                if side < 0 or (side > 0 and guarded):  # 2. stops and take profit
                    reason, price, best = risk_exit(
                        side, position[3], position[6], i - position[5], o, high[i], low[i], leverage,
                        stoploss, trailing, roi_bars, roi_values,
                    )  # fmt: skip
                    if reason >= 0:
                        if reason != EXIT_LIQUIDATION:
                            price = price * (1.0 - slippage * side)
                        cash += _closed(trades, n_trades, position, price, i, fee)
                        n_trades += 1
                        position = FLAT
                    else:
                        side, units, margin, entry, entry_fee, entry_bar, _ = position
                        position = (side, units, margin, entry, entry_fee, entry_bar, best)
                side = position[0]
                # 3. this bar's signals place orders (filled now at the close, or at the next open)
                if i == 0:
                    el, xl, es, xs = _signals(
                        rule, close, series[a, 0], series[b, 0], np.nan, np.nan, np.nan, series[c, 0],
                        series[d, 0], x, y, short,
                    )  # fmt: skip
                else:
                    el, xl, es, xs = _signals(
                        rule, close, series[a, i], series[b, i], series[CLOSE, i - 1], series[a, i - 1],
                        series[b, i - 1], series[c, i], series[d, i], x, y, short,
                    )  # fmt: skip
                order_exit = False
                order_entry = 0.0
                if side > 0:
                    if xl:
                        order_exit = True
                        if es and not xs:
                            order_entry = -1.0
                elif side < 0:
                    if xs:
                        order_exit = True
                        if el and not xl:
                            order_entry = 1.0
                elif el and not xl:
                    order_entry = 1.0
                elif es and not xs:
                    order_entry = -1.0
                if order_exit or order_entry != 0.0:
                    if not fill_on_close:
                        pend_exit = order_exit
                        pend_entry = order_entry
                    else:
                        position, cash, n_trades = _filled(
                            trades, n_trades, position, close, i, order_exit, order_entry, cash, costs
                        )
                # 4. mark to market at the close; close what is still open after the last bar
                side, units, margin, entry, _, _, _ = position
                value = cash
                if side != 0.0:
                    in_market += 1
                    value += margin + units * (close - entry) * side
                    if i == n - 1:
                        cash += _closed(trades, n_trades, position, close, i, fee)
                        n_trades += 1
                        position = FLAT
                if curve:
                    equity[i] = cash if i == n - 1 else value
                i += 1
            row = out[k]
            row[O_FINAL] = cash
            row[O_IN_MARKET] = in_market
            row[O_TRADES] = n_trades
            row[O_TRADE_STATS : O_TRADE_STATS + 12] = trade_stats(trades[:n_trades])
            if curve:
                row[O_CURVE_STATS:OUTPUT_FIELDS] = equity_stats(equity, capital, benchmark, True)
            else:
                row[O_CURVE_STATS:OUTPUT_FIELDS] = np.nan

    return run_sets


_STAMP = _dependencies_hash()
KERNELS = {rule: _build(_STAMP, rule) for rule in (SMA_CROSS, RSI_REVERSION, BOLLINGER_BREAKOUT, PASCAL)}
"""The kernel of each signal rule, compiled (or loaded from numba's cache) on its first call."""
