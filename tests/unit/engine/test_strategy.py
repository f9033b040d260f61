"""The strategy interface: parameters, output checks, user errors wrapped, registry and code hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.unit.engine.candles import bars_from_closes, scripted
from tradai.engine import (
    BarArrays,
    IntParameter,
    InvalidBars,
    InvalidParameter,
    InvalidSettings,
    Signals,
    Strategy,
    StrategyError,
    StrategyNotFound,
    backtest,
    registry,
)
from tradai.engine.kernel import simulate as simulate_kernel
from tradai.engine.registry import available_strategies, code_hash, resolve_strategy
from tradai.engine.run import build_market, signal_matrix
from tradai.engine.strategy import compute_signals
from tradai.strategies import pascal

BARS = bars_from_closes(np.linspace(100, 120, 50))


class Broken(Strategy):
    """Raises inside user code."""

    name = "broken"

    def signals(self, bars: BarArrays) -> Signals:
        raise ZeroDivisionError("oops")


class ShortOutput(Strategy):
    """Returns signals shorter than the bars."""

    name = "short_output"

    def signals(self, bars: BarArrays) -> Signals:
        return Signals(enter_long=np.zeros(3, bool), exit_long=np.zeros(3, bool))


class DropsRows(Strategy):
    """Changes the bars in its DataFrame form."""

    name = "drops_rows"

    def populate_entry_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.iloc[:-1].copy()
        frame["enter_long"] = 1
        return frame


class Tunable(Strategy):
    """Declares one parameter."""

    name = "tunable"
    period = IntParameter(2, 10, 5)

    def signals(self, bars: BarArrays) -> Signals:
        return Signals(enter_long=np.zeros(len(bars), bool), exit_long=np.zeros(len(bars), bool))


@pytest.mark.parametrize("strategy", [Broken, ShortOutput, DropsRows])
def test_given_faulty_strategy_when_backtested_then_strategy_error(strategy: type[Strategy]) -> None:
    # Given / When / Then
    with pytest.raises(StrategyError) as error:
        backtest(BARS, strategy)
    assert error.value.code == "STRATEGY_ERROR"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": 1}, "unknown parameter 'nope'"),
        ({"period": 11}, "outside its range"),
        ({"period": "x"}, "number"),
    ],
)
def test_given_bad_parameter_when_backtested_then_invalid_parameter(params: dict, message: str) -> None:
    # Given / When / Then
    with pytest.raises(InvalidParameter, match=message):
        backtest(BARS, Tunable, params)


def test_given_parameters_when_resolved_then_defaults_fill_and_text_is_coerced() -> None:
    # Given / When
    strategy = Tunable({"period": "7"})

    # Then
    assert strategy.params == {"period": 7}
    assert Tunable().params == {"period": 5}
    assert IntParameter(2, 10, 5).grid(5) == [2, 4, 6, 8, 10]


def test_given_sma_cross_with_fast_above_slow_when_created_then_invalid_parameter() -> None:
    with pytest.raises(InvalidParameter, match="fast"):
        backtest(BARS, "sma_cross", {"fast": 30, "slow": 20})


@pytest.mark.parametrize(
    "bars",
    [
        BARS.iloc[::-1],
        BARS.drop(columns=["volume"]),
        BARS.iloc[:0],
        BARS.reset_index(drop=True),
        BARS.assign(close=np.nan),
    ],
    ids=["descending", "missing column", "empty", "no timestamps", "nan price"],
)
def test_given_malformed_bars_when_backtested_then_invalid_bars(bars: pd.DataFrame) -> None:
    with pytest.raises(InvalidBars):
        backtest(bars, "sma_cross")


@pytest.mark.parametrize(
    "settings",
    [
        {"capital": -1},
        {"leverage": 0.5},
        {"fill": "mid"},
        {"colour": "red"},
        {"capital": "lots"},
        {"fees": True},
    ],
)
def test_given_bad_setting_when_backtested_then_invalid_settings(settings: dict) -> None:
    with pytest.raises(InvalidSettings):
        backtest(BARS, "sma_cross", **settings)


def test_given_whole_number_settings_when_backtested_then_same_run_and_kernel_as_floats() -> None:
    # Given: a run with float settings compiled the kernel for them
    floats = backtest(BARS, "sma_cross", capital=1000.0, leverage=2.0, stoploss=0.05)
    compiled = len(simulate_kernel.signatures)

    # When: the same settings are given as whole numbers (a natural way to type them)
    ints = backtest(BARS, "sma_cross", capital=1000, leverage=2, stoploss=0.05)

    # Then: same result, and numba found the compiled kernel instead of compiling another one
    pd.testing.assert_frame_equal(ints.trades, floats.trades)
    pd.testing.assert_frame_equal(ints.equity, floats.equity)
    assert len(simulate_kernel.signatures) == compiled


def test_given_builtins_when_listed_then_all_four_are_found_by_name() -> None:
    # Given / When
    names = set(available_strategies())

    # Then
    assert {"sma_cross", "rsi_reversion", "bollinger_breakout", "PascalStrategy"} <= names
    assert resolve_strategy("pascalstrategy").version == "2.0.0"
    with pytest.raises(StrategyNotFound):
        resolve_strategy("no_such_strategy")


MINE = """
import numpy as np
from tradai.engine import Strategy, Signals

class Mine(Strategy):
    name = "mine"
    def signals(self, bars):
        return Signals(enter_long=np.zeros(len(bars), bool), exit_long=np.zeros(len(bars), bool))
"""


def test_given_user_folder_when_resolved_then_its_strategy_is_found_and_hashed(tmp_path: Path) -> None:
    # Given
    (tmp_path / "mine.py").write_text(MINE)

    # When
    cls = resolve_strategy("mine", tmp_path)
    result = backtest(BARS, "mine", strategy_path=tmp_path)

    # Then
    assert cls.name == "mine"
    assert result.record.code_hash == code_hash(cls)
    assert len(result.record.code_hash) == 64


def test_given_broken_user_file_when_a_name_is_not_found_then_strategy_error_names_the_file(
    tmp_path: Path,
) -> None:
    # Given
    (tmp_path / "bad.py").write_text("raise RuntimeError('nope')\n")

    # When / Then: the missing strategy may be in the file that fails
    with pytest.raises(StrategyError, match=r"'anything'.*bad\.py: RuntimeError: nope"):
        resolve_strategy("anything", tmp_path)


def test_given_broken_user_file_when_other_strategies_are_looked_up_then_they_are_found(
    tmp_path: Path,
) -> None:
    # Given: one file that does not import beside one that does
    (tmp_path / "bad.py").write_text("def broken(:\n")
    (tmp_path / "mine.py").write_text(MINE)

    # When
    names = set(available_strategies(tmp_path))

    # Then: built-ins and the good file's strategy are still there
    assert resolve_strategy("sma_cross", tmp_path).name == "sma_cross"
    assert resolve_strategy("mine", tmp_path).name == "mine"
    assert {"sma_cross", "PascalStrategy", "mine"} <= names


COUNTED = """
from pathlib import Path

with open(Path(__file__).with_suffix(".runs"), "a") as runs:  # one line per execution of this file
    runs.write("x")
"""


def test_given_unchanged_user_files_when_looked_up_again_then_nothing_reexecutes_and_no_cache_grows(
    tmp_path: Path,
) -> None:
    # Given: a good file and a broken one, each counting its executions
    (tmp_path / "mine.py").write_text(COUNTED + MINE)
    (tmp_path / "bad.py").write_text(COUNTED + "raise RuntimeError('nope')\n")
    first = resolve_strategy("mine", tmp_path)
    hashed = code_hash(first)
    hashes = len(registry._HASHES)

    # When: many more lookups, as the catalog, the submission and each job make
    again = [resolve_strategy("mine", tmp_path) for _ in range(20)]
    listed = [available_strategies(tmp_path)["mine"] for _ in range(20)]
    with pytest.raises(StrategyError, match=r"bad\.py: RuntimeError: nope"):
        resolve_strategy("ghost", tmp_path)

    # Then: the same class every time, each file ran once, the code-hash cache kept its size
    assert all(cls is first for cls in again + listed)
    assert (tmp_path / "mine.runs").read_text() == "x"
    assert (tmp_path / "bad.runs").read_text() == "x"
    assert [code_hash(cls) for cls in again] == [hashed] * 20
    assert len(registry._HASHES) == hashes


def test_given_a_looked_up_user_file_when_edited_then_the_next_lookup_runs_the_new_code(
    tmp_path: Path,
) -> None:
    # Given
    (tmp_path / "mine.py").write_text(MINE)
    before = resolve_strategy("mine", tmp_path)
    (tmp_path / "bad.py").write_text("def broken(:\n")
    assert "bad.py" in registry.folder_strategies(tmp_path).broken

    # When: the strategy's file changes (same length: only the bytes tell), and the broken file is fixed
    (tmp_path / "mine.py").write_text(
        MINE.replace("np.zeros(len(bars), bool), exit", "np.ones(len(bars), bool),  exit")
    )
    (tmp_path / "bad.py").write_text(MINE.replace('"mine"', '"good"').replace("Mine", "Good"))
    after = resolve_strategy("mine", tmp_path)

    # Then: a new class with the new behaviour and the new file's hash; the fixed file's strategy is found
    assert after is not before
    assert backtest(BARS, before).metrics["trades_count"] == 0
    assert backtest(BARS, after).metrics["trades_count"] > 0
    assert code_hash(after) == hashlib.sha256((tmp_path / "mine.py").read_bytes()).hexdigest()
    assert resolve_strategy("good", tmp_path).name == "good"
    assert registry.folder_strategies(tmp_path).broken == {}


def test_given_a_user_file_without_future_imports_when_loaded_then_its_annotations_are_evaluated(
    tmp_path: Path,
) -> None:
    # Given: a file relying on evaluated annotations (the registry's own module defers them)
    (tmp_path / "mine.py").write_text(MINE + "\nWINDOW: int = 3\nassert __annotations__['WINDOW'] is int\n")

    # When / Then: it imports as Python would import it
    assert resolve_strategy("mine", tmp_path).name == "mine"


def test_given_a_run_when_finished_then_record_reproduces_it() -> None:
    # Given: a swinging price, so the run trades
    bars = bars_from_closes(100 + 10 * np.sin(np.linspace(0, 12, 200)), spread=0.002)
    first = backtest(bars, "sma_cross", {"fast": 3, "slow": 8}, seed=42)

    # When
    second = backtest(bars, "sma_cross", first.record.params, **first.record.settings, seed=first.record.seed)

    # Then
    assert first.record.to_dict() == second.record.to_dict()
    assert first.record.bars_fingerprint != backtest(bars * 1.01, "sma_cross").record.bars_fingerprint
    assert first.metrics["trades_count"] > 0
    np.testing.assert_equal(second.metrics, first.metrics)  # every metric, NaN where both are NaN


def test_given_a_user_strategy_when_a_module_helper_changes_then_its_code_hash_changes(
    tmp_path: Path,
) -> None:
    # Given: the strategy's rule lives in a module-level helper, outside the class
    source = MINE.replace("import numpy as np", "import numpy as np\n\nWINDOW = 3")
    (tmp_path / "mine.py").write_text(source)
    before = code_hash(resolve_strategy("mine", tmp_path))

    # When: only the helper changes
    (tmp_path / "mine.py").write_text(source.replace("WINDOW = 3", "WINDOW = 4"))
    after = code_hash(resolve_strategy("mine", tmp_path))

    # Then: the hash is the file's sha256, so it changes
    assert before != after
    assert after == hashlib.sha256((tmp_path / "mine.py").read_bytes()).hexdigest()


def test_given_a_builtin_when_hashed_then_the_hash_is_its_modules_file() -> None:
    # When
    cls = resolve_strategy("PascalStrategy")

    # Then
    assert code_hash(cls) == hashlib.sha256(Path(pascal.__file__).read_bytes()).hexdigest()
    assert backtest(BARS, cls).record.code_hash == code_hash(cls)


# long in on bar 0's signal ("breakout", 80), reversed on bar 2 (exit "fade", short "reversal", 35),
# covered on bar 4 ("cover"); each fills at the next open
ANNOTATED = {
    "enter_long": [1, 0, 0, 0, 0, 0],
    "exit_long": [0, 0, 1, 0, 0, 0],
    "enter_short": [0, 0, 1, 0, 0, 0],
    "exit_short": [0, 0, 0, 0, 1, 0],
    "enter_tag": ["breakout", None, "reversal", None, None, None],
    "exit_tag": [None, None, "fade", None, "cover", None],
    "confidence": [80.0, np.nan, 35.0, np.nan, np.nan, np.nan],
}


class Annotated(Strategy):
    """Replays ANNOTATED in both forms, with tags and confidence."""

    name = "annotated"
    can_short = True

    def signals(self, bars: BarArrays) -> Signals:
        sides = ("enter_long", "exit_long", "enter_short", "exit_short")
        flags = {k: np.array(ANNOTATED[k], bool) for k in sides}
        tags = {k: np.array(ANNOTATED[k], object) for k in ("enter_tag", "exit_tag")}
        return Signals(**flags, **tags, confidence=np.array(ANNOTATED["confidence"]))

    def populate_entry_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
        for key in ("enter_long", "enter_short", "enter_tag", "confidence"):
            frame[key] = ANNOTATED[key]
        return frame

    def populate_exit_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
        for key in ("exit_long", "exit_short", "exit_tag"):
            frame[key] = ANNOTATED[key]
        return frame


TRADE_COLUMNS = [
    "entry_time", "exit_time", "symbol", "side", "entry_price", "exit_price", "size", "pnl", "pnl_pct",
    "fees", "enter_tag", "exit_tag", "exit_reason", "confidence", "entry_bar", "exit_bar",
]  # fmt: skip


@pytest.mark.parametrize("form", ["arrays", "frame"])
def test_given_tags_and_confidence_when_backtested_then_each_trade_carries_its_signals(form: str) -> None:
    # Given
    bars = bars_from_closes([100.0, 102.0, 99.0, 101.0, 100.0, 99.0])

    # When
    result = backtest({"BTC/USDT": bars}, Annotated, form=form)

    # Then
    trades = result.trades
    assert list(trades.columns) == TRADE_COLUMNS
    assert list(trades["side"]) == ["long", "short"]
    assert list(trades["enter_tag"]) == ["breakout", "reversal"]
    assert list(trades["exit_tag"]) == ["fade", "cover"]
    assert list(trades["confidence"]) == [80.0, 35.0]
    assert list(trades["exit_reason"]) == ["exit_signal", "exit_signal"]
    assert list(trades["symbol"]) == ["BTC/USDT", "BTC/USDT"]
    assert list(trades["entry_time"]) == [bars.index[1], bars.index[3]]
    assert list(trades["exit_time"]) == [bars.index[3], bars.index[5]]


def test_given_a_run_when_finished_then_the_equity_curve_has_value_drawdown_and_benchmark_price() -> None:
    # Given: closes 100, 102, 99, 101, 100, 99 (each open the close before); long from bar 1's open 100
    # to bar 3's open 99
    bars = bars_from_closes([100.0, 102.0, 99.0, 101.0, 100.0, 99.0])
    only_long = {k: v for k, v in ANNOTATED.items() if k not in ("enter_short", "exit_short")}

    # When
    equity = backtest(bars, scripted(only_long), capital=1000.0).equity

    # Then: 10 units, marked at 102 and 99, out at 99; flat after, 30 below the peak of 1020
    assert list(equity.columns) == ["portfolio_value", "drawdown_percent", "benchmark_price"]
    assert equity.index.equals(bars.index)
    assert list(equity["portfolio_value"]) == pytest.approx([1000, 1020, 990, 990, 990, 990])
    assert list(equity["drawdown_percent"]) == pytest.approx([0, 0] + [-3000 / 1020] * 4)
    assert list(equity["benchmark_price"]) == list(bars["close"])


@pytest.mark.parametrize("form", ["arrays", "frame"])
def test_given_no_shorts_when_signals_computed_then_shorts_are_read_only_false(form: str) -> None:
    # Given: sma_cross long only (no short signals in either form)
    strategy = resolve_strategy("sma_cross")({"fast": 3, "slow": 8})
    bars = build_market(BARS).arrays["SYMBOL"]

    # When
    signals = compute_signals(strategy, bars, form=form)

    # Then: all False, and a caller cannot change the shared array behind them
    for flags in (signals.enter_short, signals.exit_short):
        assert flags is not None
        assert not flags.any()
        assert not flags.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        signals.enter_short[0] = True


@pytest.mark.parametrize("form", ["arrays", "frame"])
def test_given_no_shorts_when_stacked_for_the_kernel_then_writable_false_flags(form: str) -> None:
    # Given
    strategy = resolve_strategy("sma_cross")({"fast": 3, "slow": 8})
    market = build_market(BARS)

    # When
    matrix = signal_matrix(market, strategy, form)

    # Then: writable, so the kernel sees the same array types as for a strategy that shorts
    for flags in (matrix.enter_short, matrix.exit_short):
        assert flags.flags.writeable
        assert flags.flags.c_contiguous
        assert flags.shape == (1, len(BARS))
        assert not flags.any()
