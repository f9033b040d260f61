"""The trade loop: one numba kernel over bars x symbols, no Python per bar.

Conventions (see docs/engine.md):
- A signal on bar i fills at the open of the next bar with data (or at bar i's close when
  `fill_on_close`). An exit is filled before an entry, so exit + opposite entry reverses.
- Stops (stop loss, trailing, liquidation) and take profit/ROI are checked against each bar's
  low/high, stops first (the pessimistic order when both are touched); a gap through a level fills
  at the open. The trailing level uses the best price seen before the bar, never the bar's own high.
- Entry commits `min(cash, size_fraction x weight x equity)` of cash as margin plus entry fee:
  units = margin / (price x (1/leverage + fee)). A position is worth margin + units x (price - entry)
  x side; an exit pays the fee on its notional.
- Positions still open after the last bar are closed at its close (exit reason END_OF_DATA).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]

EXIT_SIGNAL = 0
EXIT_STOP_LOSS = 1
EXIT_ROI = 2
EXIT_TRAILING_STOP = 3
EXIT_LIQUIDATION = 4
EXIT_END_OF_DATA = 5
EXIT_REASONS = ("exit_signal", "stop_loss", "roi", "trailing_stop", "liquidation", "end_of_data")

# trade record columns in the float64 `trades` matrix the kernel returns
T_SYMBOL, T_SIDE, T_ENTRY_BAR, T_EXIT_BAR, T_ENTRY_PRICE, T_EXIT_PRICE = 0, 1, 2, 3, 4, 5
T_UNITS, T_PNL, T_PNL_PCT, T_FEES, T_REASON, T_ENTRY_TAG, T_EXIT_TAG, T_CONFIDENCE = (
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
)
TRADE_FIELDS = 14

# columns of the per-symbol position state
P_SIDE, P_MARGIN, P_UNITS, P_ENTRY, P_BAR, P_FEE, P_BEST, P_TAG, P_CONF = 0, 1, 2, 3, 4, 5, 6, 7, 8
POSITION_FIELDS = 9


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _value(pos: FloatArray, s: int, price: float) -> float:  # pragma: no cover - compiled
    """Return what symbol `s`'s position is worth at `price` (margin plus open pnl)."""
    worth: float = pos[s, P_MARGIN] + pos[s, P_UNITS] * (price - pos[s, P_ENTRY]) * pos[s, P_SIDE]
    return worth


# The trade arithmetic on scalars, shared with the fused sweep kernel (sweep_kernel.py) so both
# compute every price, size and pnl in the same order, bit for bit.


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def entry_terms(
    direction: float, raw_price: float, budget: float, fee: float, slippage: float, leverage: float
) -> tuple[float, float, float, float]:  # pragma: no cover - compiled
    """Return (fill price, units, margin, entry fee) of a position committing `budget` of cash as
    margin plus entry fee."""
    price = raw_price * (1.0 + slippage * direction)
    units = budget / (price * (1.0 / leverage + fee))
    return price, units, units * price / leverage, units * price * fee


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def exit_terms(
    side: float, units: float, margin: float, entry: float, entry_fee: float, price: float, fee: float
) -> tuple[float, float, float, float]:  # pragma: no cover - compiled
    """Return (cash given back, pnl, pnl_pct, both fees) of closing a position at `price`."""
    exit_fee = units * price * fee
    proceeds = (margin + units * (price - entry) * side) - exit_fee
    pnl = proceeds - margin - entry_fee
    return proceeds, pnl, pnl / (margin + entry_fee), entry_fee + exit_fee


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def stop_level(
    side: float, entry: float, best: float, leverage: float, stoploss: float, trailing: float
) -> tuple[float, int]:  # pragma: no cover - compiled
    """Return (the level that stops a position, its exit reason): the nearest of liquidation, the
    stop loss and the trailing stop (NaN = off), trailing from the best price before the bar."""
    stop = entry * (1.0 - side / leverage)
    reason = EXIT_LIQUIDATION
    if not np.isnan(stoploss):
        level = entry * (1.0 - side * stoploss)
        if (level - stop) * side > 0:
            stop, reason = level, EXIT_STOP_LOSS
    if not np.isnan(trailing):
        level = best * (1.0 - side * trailing)
        if (level - stop) * side > 0:
            stop, reason = level, EXIT_TRAILING_STOP
    return stop, reason


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def risk_exit(  # pragma: no cover - compiled
    side: float,
    entry: float,
    best: float,
    held: float,
    o: float,
    high: float,
    low: float,
    leverage: float,
    stoploss: float,
    trailing: float,
    roi_bars: npt.NDArray[np.int64],
    roi_values: FloatArray,
) -> tuple[int, float, float]:
    """Return (exit reason or -1, raw price, best price after the bar) of a position held `held`
    bars, if a stop or the ROI target is touched in this bar (stops first)."""
    stop, reason = stop_level(side, entry, best, leverage, stoploss, trailing)
    if (side > 0 and low <= stop) or (side < 0 and high >= stop):
        # liquidation fills at its level even through a gap (the insurance fund eats the rest)
        gap_fill = min(o, stop) if side > 0 else max(o, stop)
        return reason, stop if reason == EXIT_LIQUIDATION else gap_fill, best
    target = np.nan
    for r in range(roi_bars.shape[0]):
        if roi_bars[r] <= held:
            target = roi_values[r]
    if not np.isnan(target):
        level = entry * (1.0 + side * target)
        if (side > 0 and high >= level) or (side < 0 and low <= level):
            return EXIT_ROI, max(o, level) if side > 0 else min(o, level), best
    return -1, 0.0, max(best, high) if side > 0 else min(best, low)


@njit(cache=True, nogil=True, error_model="numpy")
def simulate(  # pragma: no cover - compiled; one flat loop is the point
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    enter_long: npt.NDArray[np.bool_],
    exit_long: npt.NDArray[np.bool_],
    enter_short: npt.NDArray[np.bool_],
    exit_short: npt.NDArray[np.bool_],
    enter_tag: npt.NDArray[np.int32],
    exit_tag: npt.NDArray[np.int32],
    confidence: FloatArray,
    weights: FloatArray,
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
    start: int,
    state: State,
    begin: int,
    stop: int,
) -> None:
    """Run the trade loop over bars [begin, stop), carrying `state` (see `new_state`) from the
    previous stretch; equity, trades and counters accumulate in it.

    Arrays of prices and signals are (symbols, bars); NaN open marks a bar a symbol has no data.
    `stoploss`/`trailing` are fractions (NaN = off); ROI thresholds apply from `roi_bars` held.
    No order fills before bar `start` (walk-forward warm-up). Running the bars in one call or in
    several consecutive stretches gives the same result (progress reports between stretches).
    """
    equity, trades, pos, last, pend_exit, pend_entry, pend_bar, book = state
    n_sym, n_bar = close.shape
    costs = np.array([fee, slippage, leverage, size_fraction])
    cash, n_trades, in_market = book[B_CASH], int(book[B_TRADES]), int(book[B_IN_MARKET])
    idle = book[B_IDLE] != 0.0  # no position and no pending order anywhere
    guarded = leverage > 1.0 or not np.isnan(stoploss) or not np.isnan(trailing) or roi_bars.shape[0] > 0

    i = begin
    while i < stop:
        if n_sym == 1 and not guarded and not fill_on_close and i >= start and not np.isnan(open_[0, i]):
            # one symbol, nothing can stop a long: the bars where its orders fill, handled as below (first,
            # so that a trade's bars run in two passes of this loop: exit fill, flat, entry signal bar;
            # entry fill, hold, exit signal bar)
            if pend_entry[0] == 1.0 and not pend_exit[0] and pos[0, P_SIDE] == 0.0 and i < n_bar - 1:
                # a long's entry fills at this open; the bar goes on as a held long's (next block)
                cash, n_trades = _fill(
                    trades, n_trades, pos, 0, open_[0, i], i, pend_bar[0], False, 1.0, cash, last,
                    weights, costs, enter_tag, exit_tag, confidence,
                )  # fmt: skip
                pend_entry[0] = 0.0
            elif pend_exit[0] and pend_entry[0] == 0.0 and pos[0, P_SIDE] > 0.0:
                # a long's exit fills at this open; the bar goes on as a flat one (the flat path next)
                cash, n_trades = _fill(
                    trades, n_trades, pos, 0, open_[0, i], i, pend_bar[0], True, 0.0, cash, last,
                    weights, costs, enter_tag, exit_tag, confidence,
                )  # fmt: skip
                pend_exit[0] = False
                idle = True
        if idle and n_sym == 1:
            # one symbol and flat: nothing happens before its next entry signal, the equity is the cash
            i = _flat_until_entry(enter_long, enter_short, equity, cash, i, stop)
            if i == stop:
                break
            if not fill_on_close and not np.isnan(open_[0, i]):
                # the entry signal's bar: flat with nothing pending, it only places the order (as below)
                entry = 0.0
                if enter_long[0, i] and not exit_long[0, i]:
                    entry = 1.0
                elif enter_short[0, i] and not exit_short[0, i]:
                    entry = -1.0
                last[0] = close[0, i]
                equity[i] = cash
                if entry != 0.0:
                    pend_entry[0] = entry
                    pend_bar[0] = i
                    idle = False
                i += 1
                continue
        elif idle and not _any_entry(enter_long, enter_short, i):
            # nothing can happen before the next entry signal: the equity is the cash until then
            equity[i] = cash
            i += 1
            continue
        if n_sym == 1 and pos[0, P_SIDE] > 0.0 and not guarded and not pend_exit[0] and pend_entry[0] == 0.0:
            # one symbol, a long nothing can stop: only its exit signal (or the last bar) changes
            # anything, so mark it to market in a tight loop until then (the same sums as below)
            i, in_market = _hold_long(pos, close, open_, exit_long, equity, cash, i, stop, in_market, last)
            if i == stop:
                break
            if exit_long[0, i] and i < n_bar - 1 and not fill_on_close and not np.isnan(open_[0, i]):
                # its exit signal's bar: it only places the exit (and a reversal), as below
                last[0] = close[0, i]
                pend_exit[0] = True
                pend_entry[0] = -1.0 if enter_short[0, i] and not exit_short[0, i] else 0.0
                pend_bar[0] = i
                in_market += 1
                equity[i] = cash + _value(pos, 0, last[0])
                i += 1
                continue
        for s in range(n_sym):
            o = open_[s, i]
            if np.isnan(o):
                continue
            # 1. fill orders decided on the previous bar with data, at this open
            if pend_exit[s] or pend_entry[s] != 0.0:
                if i >= start:
                    cash, n_trades = _fill(
                        trades, n_trades, pos, s, o, i, pend_bar[s], pend_exit[s], pend_entry[s], cash, last,
                        weights, costs, enter_tag, exit_tag, confidence,
                    )  # fmt: skip
                pend_exit[s] = False
                pend_entry[s] = 0.0
            # 2. stops and take profit against this bar's range
            sd = pos[s, P_SIDE]
            # a long at leverage 1 with no stop or target can only leave by signal: skip the checks
            if sd < 0 or (sd > 0 and guarded):
                reason, price, pos[s, P_BEST] = risk_exit(
                    sd, pos[s, P_ENTRY], pos[s, P_BEST], i - pos[s, P_BAR], o, high[s, i], low[s, i],
                    leverage, stoploss, trailing, roi_bars, roi_values,
                )  # fmt: skip
                if reason >= 0:
                    if reason != EXIT_LIQUIDATION:
                        price = price * (1.0 - slippage * sd)
                    cash += _close(trades, n_trades, pos, s, price, i, fee, reason, -1)
                    n_trades += 1
                    sd = 0.0
            last[s] = close[s, i]
            # 3. signals of this bar: decide orders (filled now at the close, or at the next open)
            order_exit = False
            order_entry = 0.0
            if sd > 0:
                if exit_long[s, i]:
                    order_exit = True
                    if enter_short[s, i] and not exit_short[s, i]:
                        order_entry = -1.0
            elif sd < 0:
                if exit_short[s, i]:
                    order_exit = True
                    if enter_long[s, i] and not exit_long[s, i]:
                        order_entry = 1.0
            elif enter_long[s, i] and not exit_long[s, i]:
                order_entry = 1.0
            elif enter_short[s, i] and not exit_short[s, i]:
                order_entry = -1.0
            if order_exit or order_entry != 0.0:
                if not fill_on_close:
                    pend_exit[s] = order_exit
                    pend_entry[s] = order_entry
                    pend_bar[s] = i
                elif i >= start:
                    cash, n_trades = _fill(
                        trades, n_trades, pos, s, close[s, i], i, i, order_exit, order_entry, cash, last,
                        weights, costs, enter_tag, exit_tag, confidence,
                    )  # fmt: skip
        # 4. mark to market at the close; close what is still open after the last bar
        value = cash
        holding = False
        idle = True
        for s in range(n_sym):
            if pos[s, P_SIDE] != 0.0:
                holding = True
                idle = False
                value += _value(pos, s, last[s])
                if i == n_bar - 1:
                    cash += _close(trades, n_trades, pos, s, last[s], i, fee, EXIT_END_OF_DATA, -1)
                    n_trades += 1
            idle = idle and not (pend_exit[s] or pend_entry[s] != 0.0)
        if holding:
            in_market += 1
        equity[i] = cash if i == n_bar - 1 else value
        i += 1
    book[B_CASH], book[B_TRADES], book[B_IN_MARKET], book[B_IDLE] = cash, n_trades, in_market, idle


State = tuple[
    FloatArray, FloatArray, FloatArray, FloatArray,
    npt.NDArray[np.bool_], FloatArray, npt.NDArray[np.int64], FloatArray,
]  # fmt: skip
"""equity, trades, positions, last closes, pending exits, pending entries, their signal bars, book."""

B_CASH, B_TRADES, B_IN_MARKET, B_IDLE = 0, 1, 2, 3  # the book: scalar counters carried between stretches
_BLOCK = np.uint64(8)  # bars the fast paths check at once (see _hold_long)


def new_state(
    n_sym: int, n_bar: int, capital: float, max_trades: int, equity: FloatArray | None = None
) -> State:
    """Return the state of a run before its first bar (flat, all cash) with room for `max_trades`.

    Every trade starts with an entry signal, so their count bounds the trades; a tight buffer also
    stays off fresh, page-faulting memory, which cost more than the simulation itself. For the
    same reason a sweep passes each thread's own `equity` buffer (n_bar values), reused run after run.
    """
    return (
        np.empty(n_bar) if equity is None else equity,
        np.empty((max_trades + n_sym, TRADE_FIELDS)),
        np.zeros((n_sym, POSITION_FIELDS)),
        np.full(n_sym, np.nan),
        np.zeros(n_sym, dtype=np.bool_),
        np.zeros(n_sym),
        np.zeros(n_sym, dtype=np.int64),
        np.array([capital, 0.0, 0.0, 1.0]),
    )


def results(state: State) -> tuple[FloatArray, FloatArray, int]:
    """Return (equity per bar, trade records, bars in market) of a finished run."""
    equity, trades, book = state[0], state[1], state[-1]
    return equity, trades[: int(book[B_TRADES])], int(book[B_IN_MARKET])


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _hold_long(  # pragma: no cover - compiled
    pos: FloatArray,
    close: FloatArray,
    open_: FloatArray,
    exit_long: npt.NDArray[np.bool_],
    equity: FloatArray,
    cash: float,
    i: int,
    stop: int,
    in_market: int,
    last: FloatArray,
) -> tuple[int, int]:
    """Mark symbol 0's long to market from bar `i` up to its next exit signal, a bar without data,
    the last bar (each left for the full loop) or `stop`; return (that bar, bars in market).

    Bars go _BLOCK at a time in a loop without an early exit, which vectorizes: it writes the
    block's equity and tells whether a bar in it ends the hold; only that block is walked bar by
    bar. Values written past the end are rewritten when the run reaches their bars.
    """
    end = np.uint64(min(stop, close.shape[1] - 1))
    margin, units, entry, side = pos[0, P_MARGIN], pos[0, P_UNITS], pos[0, P_ENTRY], pos[0, P_SIDE]
    at = np.uint64(i)  # unsigned indices: numba checks signed ones for negative values on every access
    zero = np.uint64(0)
    while at + _BLOCK <= end:
        ends = False
        for k in range(at, at + _BLOCK):
            equity[k] = cash + (margin + units * (close[zero, k] - entry) * side)
            ends |= exit_long[zero, k] | (open_[zero, k] != open_[zero, k])  # x != x: NaN
        if ends:
            break
        at += _BLOCK
    while at < end and not exit_long[zero, at] and not np.isnan(open_[zero, at]):
        equity[at] = cash + (margin + units * (close[zero, at] - entry) * side)
        at += np.uint64(1)
    reached = int(np.int64(at))  # signed again (an unsigned one would make mixed arithmetic float)
    if reached > i:
        last[0] = close[0, reached - 1]
    return reached, in_market + (reached - i)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _flat_until_entry(
    enter_long: npt.NDArray[np.bool_],
    enter_short: npt.NDArray[np.bool_],
    equity: FloatArray,
    cash: float,
    i: int,
    stop: int,
) -> int:  # pragma: no cover - compiled
    """Write `cash` as the equity of symbol 0's bars from `i` up to its next entry signal of either
    side (excluded) or `stop`; return that bar. Blocks as in `_hold_long`."""
    at = np.uint64(i)
    end = np.uint64(stop)
    zero = np.uint64(0)
    while at + _BLOCK <= end:
        found = False
        for k in range(at, at + _BLOCK):
            equity[k] = cash
            found |= enter_long[zero, k] | enter_short[zero, k]
        if found:
            break
        at += _BLOCK
    while at < end and not enter_long[zero, at] and not enter_short[zero, at]:
        equity[at] = cash
        at += np.uint64(1)
    return int(np.int64(at))


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _any_entry(
    enter_long: npt.NDArray[np.bool_], enter_short: npt.NDArray[np.bool_], i: int
) -> bool:  # pragma: no cover - compiled
    """Tell whether any symbol has an entry signal on bar `i`."""
    for s in range(enter_long.shape[0]):  # noqa: SIM110 - a plain loop compiles tightest in numba
        if enter_long[s, i] or enter_short[s, i]:
            return True
    return False


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _fill(  # pragma: no cover - compiled
    trades: FloatArray,
    n_trades: int,
    pos: FloatArray,
    s: int,
    raw_price: float,
    i: int,
    signal_bar: int,
    do_exit: bool,
    entry: float,
    cash: float,
    last: FloatArray,
    weights: FloatArray,
    costs: FloatArray,
    enter_tag: npt.NDArray[np.int32],
    exit_tag: npt.NDArray[np.int32],
    confidence: FloatArray,
) -> tuple[float, int]:
    """Fill a pending exit, then a pending entry, of symbol `s` at `raw_price`; return (cash, trades)."""
    fee, slippage = costs[0], costs[1]
    if do_exit and pos[s, P_SIDE] != 0.0:
        price = raw_price * (1.0 - slippage * pos[s, P_SIDE])
        cash += _close(trades, n_trades, pos, s, price, i, fee, EXIT_SIGNAL, exit_tag[s, signal_bar])
        n_trades += 1
    if entry != 0.0 and pos[s, P_SIDE] == 0.0:
        cash = _open(pos, s, entry, raw_price, i, cash, last, weights, costs,
                     enter_tag[s, signal_bar], confidence[s, signal_bar])  # fmt: skip
    return cash, n_trades


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _open(  # pragma: no cover - compiled
    pos: FloatArray,
    s: int,
    direction: float,
    raw_price: float,
    i: int,
    cash: float,
    last: FloatArray,
    weights: FloatArray,
    costs: FloatArray,
    tag: int,
    conf: float,
) -> float:
    """Open a position on symbol `s` if cash allows; return the cash left."""
    fee, slippage, leverage, size_fraction = costs[0], costs[1], costs[2], costs[3]
    equity = cash
    for j in range(pos.shape[0]):
        if pos[j, P_SIDE] != 0.0:
            equity += _value(pos, j, last[j])
    budget = min(cash, size_fraction * weights[s] * equity)
    if budget <= 0.0:
        return cash
    price, units, margin, entry_fee = entry_terms(direction, raw_price, budget, fee, slippage, leverage)
    pos[s, P_SIDE] = direction
    pos[s, P_UNITS] = units
    pos[s, P_MARGIN] = margin
    pos[s, P_FEE] = entry_fee
    pos[s, P_ENTRY] = price
    pos[s, P_BAR] = i
    pos[s, P_BEST] = price
    pos[s, P_TAG] = tag
    pos[s, P_CONF] = conf
    left: float = cash - pos[s, P_MARGIN] - pos[s, P_FEE]
    return left


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _close(  # pragma: no cover - compiled
    trades: FloatArray,
    k: int,
    pos: FloatArray,
    s: int,
    price: float,
    i: int,
    fee: float,
    reason: int,
    exit_tag: int,
) -> float:
    """Record trade `k` closing symbol `s` at `price`, flatten the position; return the cash it gives back."""
    units = pos[s, P_UNITS]
    proceeds, pnl, pnl_pct, fees = exit_terms(
        pos[s, P_SIDE], units, pos[s, P_MARGIN], pos[s, P_ENTRY], pos[s, P_FEE], price, fee
    )
    trades[k, T_SYMBOL] = s
    trades[k, T_SIDE] = pos[s, P_SIDE]
    trades[k, T_ENTRY_BAR] = pos[s, P_BAR]
    trades[k, T_EXIT_BAR] = i
    trades[k, T_ENTRY_PRICE] = pos[s, P_ENTRY]
    trades[k, T_EXIT_PRICE] = price
    trades[k, T_UNITS] = units
    trades[k, T_PNL] = pnl
    trades[k, T_PNL_PCT] = pnl_pct
    trades[k, T_FEES] = fees
    trades[k, T_REASON] = reason
    trades[k, T_ENTRY_TAG] = pos[s, P_TAG]
    trades[k, T_EXIT_TAG] = exit_tag
    trades[k, T_CONFIDENCE] = pos[s, P_CONF]
    pos[s, P_SIDE] = 0.0
    return proceeds
